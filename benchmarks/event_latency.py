"""Event latency across processes: a write on server 2, its event at a legacy client of server 1.

Starts two uvicorn processes of the example on one PostgreSQL database and one Redis channel
layer (the scale-out configuration), subscribes a legacy client on server 1 to
``books/?author=2``, then updates a book N times through GraphQL on server 2, one at a time.
For each write it measures the mutation's round trip and the time from sending the write to
receiving its event, and prints medians and p99s.

    .venv/bin/python benchmarks/event_latency.py [--writes 300]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379/2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import psycopg
import websockets

ROOT = Path(__file__).resolve().parent.parent
UPDATE = "mutation ($data: BookPartial!) { updateBook(data: $data) { id } }"


def fresh_database(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def start(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "uvicorn", "example_project.asgi:application"]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("uvicorn did not start")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def measure(first: str, second: str, writes: int, session: str) -> dict[str, list[float]]:
    round_trips, latencies = [], []
    cookie = {"Cookie": f"sessionid={session}"}  # updateBook needs demo.change_book
    async with websockets.connect(f"ws://{first}/ws/") as legacy, aiohttp.ClientSession(headers=cookie) as http:
        await legacy.send(json.dumps({"action": "subscribe", "route": "books/?author=2"}))
        assert json.loads(await legacy.recv())["status"] == 201
        for n in range(writes):
            started = time.perf_counter()
            async with http.post(f"http://{second}/graphql/", json={"query": UPDATE, "variables": {"data": {"id": "3", "pages": n}}}) as response:
                assert (await response.json())["data"], "the write failed"
            round_trips.append(time.perf_counter() - started)
            while True:
                event = json.loads(await asyncio.wait_for(legacy.recv(), 10))
                if event["data"]["pages"] == n:
                    break
            latencies.append(time.perf_counter() - started)
    return {"mutation round trip (server 2)": round_trips, "write sent -> event at server 1's client": latencies}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/2")
    args = parser.parse_args()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example_project.settings",
        "DATABASE_URL": fresh_database(args.postgres, "bench_event_latency"),
        "REDIS_URL": args.redis,
    }
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    login = ["demo_session", "editor", "--perm", "demo.change_book"]
    session = subprocess.run([sys.executable, "manage.py", *login], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    servers = [start(env), start(env)]
    try:
        timings = asyncio.run(measure(servers[0][1], servers[1][1], args.writes, session.stdout.strip()))
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=10)
    print(f"{args.writes} sequential writes, two processes, PostgreSQL + Redis\n")
    print(f"{'':44} {'median ms':>10} {'p99 ms':>8} {'min ms':>8}")
    for name, values in timings.items():
        print(f"{name:44} {statistics.median(values) * 1000:10.2f} {percentile(values, 0.99) * 1000:8.2f} {min(values) * 1000:8.2f}")


if __name__ == "__main__":
    main()
