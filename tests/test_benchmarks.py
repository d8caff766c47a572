"""The benchmark tools the README quotes still run: a smoke run of tiny sizes, counts not checked against a figure."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCALE_OUT = ("DATABASE_URL", "REDIS_URL")
ROW = re.compile(r"^(gql_channels|plain Strawberry)\s+POST\s+(\d+)\s+(\d+)\s+(\d+)", re.MULTILINE)


def test_call_counts_http_compares_the_example_with_plain_strawberry() -> None:
    # The benchmark's own settings on its own SQLite file, whatever database this suite runs on.
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", *SCALE_OUT}}
    done = subprocess.run(
        [sys.executable, "benchmarks/call_counts.py", "--http", "--messages", "5", "--rows", "40"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {name: (int(loop), int(thread), int(total)) for name, loop, thread, total in ROW.findall(done.stdout)}
    assert set(rows) == {"gql_channels", "plain Strawberry"}, done.stdout
    assert all(loop > 0 and abs(total - loop - thread) <= 1 for loop, thread, total in rows.values()), done.stdout
