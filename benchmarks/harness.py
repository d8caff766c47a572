"""What the benchmark scripts share: uvicorn servers in subprocesses, sockets, the code measured, statistics.

Benchmark-only code; nothing here imports Django (the scripts configure it first where they need it).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "benchmarks.bench_settings"


def raise_fd_limit(needed: int) -> None:
    """Raise this process's open-file limit (inherited by the servers it starts) to ``needed``, or the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A uvicorn subprocess on a free loopback port, stopped by ``stop()``.

    ``env`` is added to this process's environment; with ``profile`` (a path) the server's event loop and
    database threads are profiled between ``profile_start()`` and ``profile_stop()``, which writes the file
    (``benchmarks.server_profile``; the settings must be ``benchmarks.bench_settings``).
    """

    def __init__(
        self, target: str, log_dir: Path, *extra: str, env: dict[str, str] | None = None, profile: Path | None = None
    ) -> None:
        self.port = free_port()
        self.target = target
        name = target.split(":")[-1] + f"-{self.port}"
        self.log = log_dir / f"{name}.log"
        self.profile = profile
        env = {**(env or {}), **({"BENCH_PROFILE_FILE": str(profile)} if profile else {})}
        command = [sys.executable, "-m", "uvicorn", target, *extra, "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--lifespan", "off", "--log-level", "warning", "--no-access-log", "--timeout-graceful-shutdown", "5"]
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, **env} if profile else {**os.environ, **env}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn {target} exited:\n{self.log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"uvicorn {target} did not start:\n{self.log.read_text()}")

    def profile_start(self) -> None:
        if self.profile:
            self.process.send_signal(signal.SIGUSR1)

    def profile_stop(self, timeout: float = 30) -> Path | None:
        """Stop profiling; the file, once written (None if it was not within ``timeout``)."""
        if not self.profile:
            return None
        self.profile.unlink(missing_ok=True)
        self.process.send_signal(signal.SIGUSR2)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.profile.exists():
                return self.profile
            time.sleep(0.1)
        return None

    @property
    def pid(self) -> int:
        return self.process.pid

    def url(self, scheme: str, path: str) -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        stop_all([self])


def stop_all(servers: Sequence[Server]) -> None:
    """SIGTERM to every server at once (uvicorn shuts down within 5 s), then SIGKILL to any still running after 30 s."""
    running = [server for server in servers if server.process.poll() is None]
    for server in running:
        server.process.terminate()
    deadline = time.monotonic() + 30
    for server in running:
        try:
            server.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


def code_state() -> tuple[str, str]:
    """The commit and a fingerprint of uncommitted changes to the code the contenders run."""

    def git(*command: str) -> str:
        try:
            return subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    paths = ("gql_channels", "schema", "example_project", "benchmarks", ":(exclude)benchmarks/results*")  # not the outputs
    diff = git("diff", "HEAD", "--", *paths)
    label = git("rev-parse", "--short", "HEAD") or "unknown"
    if diff:
        dirty = sorted({line[6:] for line in diff.splitlines() if line.startswith("+++ b/")})
        label += f" + uncommitted changes in {', '.join(dirty)}"
    return label, diff


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered))) - 1))]


def summary_ms(values: Sequence[float]) -> dict[str, float]:
    """Median, p99 and max of seconds, in milliseconds."""
    return {
        "median": statistics.median(values) * 1000,
        "p99": percentile(values, 0.99) * 1000,
        "max": max(values) * 1000,
    }


def run(main: Awaitable[Any]) -> Any:
    """Run ``main`` on uvloop (as the servers do), or asyncio's loop without it."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)  # type: ignore[arg-type]
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


async def open_sockets(url: str, count: int, parallel: int = 50, headers: dict[str, str] | None = None) -> list[Any]:
    from websockets.asyncio.client import connect

    limit = asyncio.Semaphore(parallel)

    async def one() -> Any:
        async with limit:
            return await connect(url, proxy=None, max_size=None, open_timeout=60, additional_headers=headers)

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def close_sockets(connections: list[Any]) -> None:
    await asyncio.gather(*(connection.close() for connection in connections), return_exceptions=True)


def fresh_database(server_url: str, name: str) -> str:
    """Drop and create PostgreSQL database ``name`` on the server of ``server_url``; its URL."""
    import psycopg

    parts = urlsplit(server_url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def manage(env: dict[str, str], *command: str) -> str:
    """``manage.py COMMAND`` with ``env`` added to the environment; its standard output."""
    done = subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1))


def profile_top(path: Path, limit: int = 25, sort: str = "cumulative") -> str:
    """The ``limit`` top functions of a cProfile file, by ``sort``, as pstats prints them."""
    import io
    import pstats

    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(limit)
    text = out.getvalue()
    start = text.find("   ncalls")
    return text[start:] if start >= 0 else text
