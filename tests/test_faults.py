"""Faults: a private PostgreSQL stopped under a running server, then started again.

The test runs its own PostgreSQL on a free loopback port (the installed binaries), never the
machine's shared one, and points a uvicorn server of the example at it.
"""

from __future__ import annotations

import asyncio
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets

from .conftest import prepare_demo_database, start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on a free port, started and stopped at will."""

    def __init__(self, root: Path) -> None:
        self.bin = Path(BINARIES[-1])
        self.data = root / "data"
        self.port = _free_port()
        user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.user = user
        root.mkdir(parents=True, exist_ok=True)
        if user:
            shutil.chown(root, "postgres")
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def run(self, tool: str, *args: str) -> None:
        # No pipes: the server started by pg_ctl would hold them open.
        command = [*self.user, str(self.bin / tool), *args]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.data.parent / "server.log"), "-o", options, "-w", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivatePostgres]:
    if not BINARIES:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's binaries are not installed")
        pytest.skip("PostgreSQL's binaries are not installed")
    server = PrivatePostgres(Path("/tmp") / f"gql-channels-pg-{os.getpid()}")
    server.start()
    try:
        yield server
    finally:
        try:
            server.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(server.data.parent, ignore_errors=True)


async def exchange(socket_: object, message: dict) -> dict:
    await socket_.send(json.dumps(message))
    return json.loads(await socket_.recv())


async def test_database_down_answers_503_and_the_connection_recovers(postgres: PrivatePostgres) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "example_project.settings", "DATABASE_URL": postgres.url}
    env.pop("REDIS_URL", None)
    prepare_demo_database(env)
    server, address = start_server(env)
    page = {"action": "list", "route": "test_child_route/?page=4"}
    try:
        async with websockets.connect(f"ws://{address}/ws/") as legacy:
            assert (await exchange(legacy, page))["status"] == 200
            postgres.stop()
            down = await exchange(legacy, {**page, "request_id": 1})
            assert down == {
                "errors": [{"detail": "Service unavailable."}], "data": None, "action": "list",
                "route": "test_child_route/?page=4", "status": 503, "request_id": 1,
            }
            write = await exchange(legacy, {"action": "create", "route": "articles/", "data": {"title": "t", "content": "c"}})
            assert write["status"] == 503
            postgres.start()
            back = await exchange(legacy, page)
            assert back["status"] == 200 and back["data"]["count"] == 100
    finally:
        stop_server(server)


class PrivateRedis:
    """A throw-away redis-server on a free loopback port."""

    def __init__(self, root: Path) -> None:
        self.port = _free_port()
        self.root = root
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root)],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_channel_layer_down_keeps_reads_and_answers_subscribe_503(tmp_path: Path, redis: PrivateRedis) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example_project.settings",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "REDIS_URL": redis.url,
    }
    env.pop("DATABASE_URL", None)
    prepare_demo_database(env)
    server, address = start_server(env)
    try:
        async with websockets.connect(f"ws://{address}/ws/") as legacy:
            assert (await exchange(legacy, {"action": "subscribe", "route": "books/1/", "request_id": 1}))["status"] == 201
            redis.stop()
            assert (await exchange(legacy, {"action": "list", "route": "test_child_route/"}))["status"] == 200
            refused = await exchange(legacy, {"action": "subscribe", "route": "books/2/", "request_id": 2})
            assert refused["status"] == 503 and refused["errors"] == [{"detail": "Service unavailable."}]
            redis.start()
            # Once Redis is back, subscribing works again: as soon as the layer's connections recover, which
            # a loaded machine can take a while to do (each attempt waits up to 30 s for its groups).
            statuses = []
            for attempt in range(5):
                statuses.append((await exchange(legacy, {"action": "subscribe", "route": "books/2/", "request_id": 3 + attempt}))["status"])
                if statuses[-1] == 201:
                    break
                await asyncio.sleep(2)
            assert statuses[-1] == 201 and set(statuses) <= {201, 503}, statuses
            # The subscription made before the outage gets events again, without subscribing anew: the
            # process's membership of the object's group was joined again (the restarted Redis forgot it).
            # Writes come from another process, as on a scaled-out site; each try is one write.
            for attempt in range(30):
                rename = f"from example_project.demo.models import Book; b = Book.objects.get(pk=1); b.title = 'Back {attempt}'; b.save()"
                await asyncio.to_thread(
                    subprocess.run, [sys.executable, "manage.py", "shell", "-c", rename], cwd=ROOT, env=env, check=True,
                    capture_output=True,
                )
                try:
                    event = json.loads(await asyncio.wait_for(legacy.recv(), timeout=3))
                except TimeoutError:
                    continue
                assert (event["request_id"], event["action"], event["data"]["title"]) == (1, "update", f"Back {attempt}")
                break
            else:
                raise AssertionError("the subscription made before the outage got no event after it")
    finally:
        stop_server(server)
