"""The benchmark tools the README quotes still run: smoke runs of tiny sizes, counts not checked against a figure."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCALE_OUT = ("DATABASE_URL", "REDIS_URL")
ROW = re.compile(r"^(\w[\w ]*?)\s{2,}(POST|list)\s+(\d+)\s+(\d+)\s+(\d+)\s.*\s(\d+\.\d{3})$", re.MULTILINE)


@pytest.mark.parametrize(
    ("arguments", "contenders"),
    [
        (["--http"], {"gql_channels", "plain Strawberry"}),
        (["list", "--clients", "2"], {"gql_channels", "rest_framework_channels", "consumer floor"}),
    ],
)
def test_call_counts_prints_a_row_per_contender(arguments: list[str], contenders: set[str]) -> None:
    # The benchmark's own settings on its own SQLite file, whatever database this suite runs on.
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", *SCALE_OUT}}
    done = subprocess.run(
        [sys.executable, "benchmarks/call_counts.py", *arguments, "--messages", "4", "--rows", "40"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {name: (int(loop), int(thread), int(total), float(cpu)) for name, _, loop, thread, total, cpu in ROW.findall(done.stdout)}
    assert set(rows) == contenders, done.stdout
    assert all(loop > 0 and abs(total - loop - thread) <= 1 and cpu > 0 for loop, thread, total, cpu in rows.values()), done.stdout
