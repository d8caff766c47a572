"""The README's "Migrating an existing consumer", as written: migrate, record in front of the old server, compare.

Each step is the README's command, in a process of its own, on a demo database of its own (SQLite,
or PostgreSQL when the suite runs with ``DATABASE_URL``); only the output directory and the
recording are in a temporary directory instead of the checkout.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import websockets

from .conftest import HUNG, demo_database_env, stop_server

ROOT = Path(__file__).resolve().parent.parent

#: The README's client: a few of the seed page's messages, one connection each.
MESSAGES = [
    {"action": "list", "route": "test_child_route/?page=4"},
    {"action": "retrieve", "route": "test_child_route/3/"},
    {"action": "retrieve", "route": "test_child_route/999/"},
    {"action": "create", "route": "articles/", "data": {"title": "New", "content": "Body"}},
    {"action": "create", "route": "articles/", "data": {"title": ""}},
]


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def send(port: int) -> list[int]:
    statuses = []
    for message in MESSAGES:
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws/") as ws:
            await ws.send(json.dumps(message))
            statuses.append(json.loads(await asyncio.wait_for(ws.recv(), HUNG))["status"])
    return statuses


def test_the_walkthrough_migrates_records_and_compares(tmp_path_factory: pytest.TempPathFactory) -> None:
    env = demo_database_env(tmp_path_factory, "walkthrough")
    work = tmp_path_factory.mktemp("walkthrough")
    env["PYTHONPATH"] = str(work)
    migrated = manage(env, "gql_channels_migrate", "benchmarks.drf_app.DrfConsumer", "--output", str(work / "migrated_drf"))
    assert migrated.returncode == 0, migrated.stderr
    assert "benchmarks.drf_app.DrfConsumer (rest_framework_channels) -> DrfConsumer" in migrated.stdout

    recording = work / "legacy.jsonl"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "benchmarks.drf_app:application", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**env, "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings", "GQL_CHANNELS_RECORD": str(recording)},
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.1)
        assert asyncio.run(send(port)) == [200, 200, 500, 201, 400]
    finally:
        stop_server(server)  # a clean shutdown writes what the recorder still holds
    assert len(recording.read_text().splitlines()) == len(MESSAGES)

    compared = manage(env, "gql_channels_compare", "--old", "benchmarks.drf_app.DrfConsumer",
                      "--new", "migrated_drf.consumers.DrfConsumer", "--messages", str(recording))
    assert compared.returncode == 0, compared.stdout + compared.stderr
    assert "no differences." in compared.stdout
    assert "object not found: 404 (Fixed; was 500)" in compared.stdout
