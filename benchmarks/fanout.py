"""Fan-out: one write, 1,000 legacy subscribers over 2 server processes, PostgreSQL + Redis; gql_channels vs DCRF's observer.

Two stacks of three uvicorn processes each on one fresh PostgreSQL database and the Redis channel
layer (DB 2), all up at once on this machine:

- gql_channels: the example (``example_project.asgi:application``). ``--subscribers`` rest_framework_channels
  clients, half on each of two processes, send ``{"action": "subscribe", "route": "books/?author=1",
  "request_id": n}`` (the same filters for all; ``--route books/1/`` for the object route); a writer
  logged in as an editor (``demo_session editor --perm demo.change_book``) on a third process sends
  ``{"action": "partial_update", "route": "books/1/", "data": {"pages": n}}``;
- djangochannelsrestframework 1.3.0: ``benchmarks/dcrf_app.py`` (``ObserverModelInstanceMixin``): as
  many clients, half on each of two processes, send ``{"action": "subscribe_instance", "pk": 1,
  "request_id": n}``; the writer on a third process sends ``{"action": "patch", "pk": 1, "data": ...}``.

Writes go one at a time: a write is sent, its reply awaited, and every subscriber's event frame
(told by the ``pages`` it carries) awaited before the servers are let settle and the next write goes.
The stacks take turns, ``--writes-per-round`` writes each per round, the order alternating.

Measured per write: the write -> event latency at every subscriber (from sending the write to the
client reading the frame; the clients share this process and the 2 cores with the servers, so this
includes their own queueing), and the SQL statements each server process sent meanwhile, counted
inside the servers: ``BENCH_SQL_COUNT_FILE`` makes ``benchmarks.sql_counter`` wrap Django's cursor
``execute``/``executemany`` and the connections' ``commit``/``rollback`` (plus psycopg's implicit
``BEGIN``) on every thread, and keep running totals in a file that this script reads between writes
(the servers are quiet then: every statement of a write's fan-out precedes the event frames it
produces). Writes ``benchmarks/results_fanout.json`` for the chart of ``legacy_vs_drf.py``.

    .venv/bin/python benchmarks/fanout.py [--subscribers 1000] [--rounds 5] [--writes-per-round 10] [--quick]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379/2] [--profile DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import sql_counter
from benchmarks.harness import (
    ROOT,
    SETTINGS,
    Server,
    close_sockets,
    code_state,
    fresh_database,
    manage,
    open_sockets,
    percentile,
    profile_top,
    raise_fd_limit,
    run,
    stop_all,
    write_json,
)

DATABASE = "bench_gql_channels_fanout"
BOOK = 1  # seed_demo's "A Wizard of Earthsea", by author 1
TARGET_P99_MS = 500.0
TARGET_QUERIES = 2


@dataclass
class Stack:
    """Two subscriber processes and a writer process of one library, and what was measured of them."""

    name: str
    gql: bool
    servers: list[Server]  # subscribers' two, then the writer's
    counters: list[Path]
    path: str
    subscribe: Any  # request_id -> message
    write: Any  # pages -> message
    write_ok: Any  # reply -> bool
    headers: dict[str, str] | None = None
    latencies: list[float] = field(default_factory=list)
    last: list[float] = field(default_factory=list)  # per write: the slowest subscriber's
    statements: list[list[int]] = field(default_factory=list)  # per write: per process (2 subscribers', writer's)
    selects: list[list[int]] = field(default_factory=list)


class Subscribers:
    """Every subscriber's connection read by a task of its own; arrivals of each write's event, by ``pages``."""

    def __init__(self, connections: list[Any]) -> None:
        self.connections = connections
        self.arrivals: dict[int, list[float]] = defaultdict(list)
        self.waiting: dict[int, asyncio.Event] = {}
        self.tasks = [asyncio.ensure_future(self.read(c)) for c in connections]

    async def read(self, connection: Any) -> None:
        async for text in connection:
            now = time.perf_counter()
            data = json.loads(text).get("data")
            pages = data.get("pages") if isinstance(data, dict) else None
            if pages is None:
                continue
            arrived = self.arrivals[pages]
            arrived.append(now)
            if len(arrived) == len(self.connections) and pages in self.waiting:
                self.waiting[pages].set()

    async def wait(self, pages: int, timeout: float) -> list[float]:
        event = self.waiting.setdefault(pages, asyncio.Event())
        if len(self.arrivals[pages]) < len(self.connections):
            try:
                await asyncio.wait_for(event.wait(), timeout)
            except TimeoutError:
                pass
        return self.arrivals.pop(pages, [])

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await close_sockets(self.connections)


async def subscribe_all(stack: Stack, count: int) -> Subscribers:
    half = [count - count // 2, count // 2]
    connections = []
    for server, n in zip(stack.servers[:2], half, strict=True):
        connections += await open_sockets(server.url("ws", stack.path), n, parallel=25)

    async def one(index: int, connection: Any) -> None:
        await connection.send(json.dumps(stack.subscribe(index + 1)))
        reply = json.loads(await asyncio.wait_for(connection.recv(), 120))
        status = reply.get("status", reply.get("response_status"))
        if status != 201:
            raise AssertionError(f"{stack.name}: subscribe refused: {reply}")

    limit = asyncio.Semaphore(50)

    async def limited(index: int, connection: Any) -> None:
        async with limit:
            await one(index, connection)

    await asyncio.gather(*(limited(i, c) for i, c in enumerate(connections)))
    return Subscribers(connections)


def counts(stack: Stack) -> list[dict[str, int]]:
    return [sql_counter.read(path) for path in stack.counters]


async def settle(stack: Stack, quiet: float = 0.25, longest: float = 10.0) -> list[dict[str, int]]:
    """The processes' counters once they have not moved for ``quiet`` seconds."""
    deadline = time.monotonic() + longest
    last = counts(stack)
    while time.monotonic() < deadline:
        await asyncio.sleep(quiet)
        now = counts(stack)
        if now == last:
            return now
        last = now
    return last


async def one_write(stack: Stack, writer: Any, subscribers: Subscribers, pages: int, timeout: float) -> None:
    before = await settle(stack)
    sent = time.perf_counter()
    await writer.send(json.dumps(stack.write(pages)))
    reply = json.loads(await asyncio.wait_for(writer.recv(), 60))
    if not stack.write_ok(reply):
        raise AssertionError(f"{stack.name}: the write failed: {reply}")
    arrivals = await subscribers.wait(pages, timeout)
    if len(arrivals) < len(subscribers.connections):
        print(f"  {stack.name}: write {pages}: only {len(arrivals)} of {len(subscribers.connections)} events within {timeout:.0f} s")
    latencies = [t - sent for t in arrivals]
    stack.latencies += latencies
    if latencies:
        stack.last.append(max(latencies))
    after = await settle(stack)
    stack.statements.append([a.get("total", 0) - b.get("total", 0) for a, b in zip(after, before, strict=True)])
    stack.selects.append([a.get("select", 0) - b.get("select", 0) for a, b in zip(after, before, strict=True)])


async def measure(stacks: list[Stack], subscribers: int, rounds: int, per_round: int, timeout: float) -> None:
    opened: dict[str, tuple[Any, Subscribers]] = {}
    try:
        for stack in stacks:
            started = time.perf_counter()
            subs = await subscribe_all(stack, subscribers)
            writer = (await open_sockets(stack.servers[2].url("ws", stack.path), 1, headers=stack.headers))[0]
            opened[stack.name] = (writer, subs)
            print(f"  {stack.name}: {subscribers:,} subscribed in {time.perf_counter() - started:.1f} s", flush=True)
        # gql_channels writes its usage counters every 10 s: the subscribes' land before the first write.
        await asyncio.sleep(11)
        pages = 1000
        for stack in stacks:  # warm-up: one write each, not counted
            writer, subs = opened[stack.name]
            pages += 1
            await one_write(stack, writer, subs, pages, timeout)
            stack.latencies.clear(), stack.last.clear(), stack.statements.clear(), stack.selects.clear()
            stack.servers[0].profile_start()  # with --profile: from here on
        for number in range(rounds):
            order = stacks if number % 2 == 0 else stacks[::-1]
            for stack in order:
                writer, subs = opened[stack.name]
                for _ in range(per_round):
                    pages += 1
                    await one_write(stack, writer, subs, pages, timeout)
            print(f"  round {number + 1}/{rounds} done", flush=True)
    finally:
        for writer, subs in opened.values():
            await subs.close()
            await writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--writes-per-round", type=int, default=10)
    parser.add_argument("--route", default="books/?author=1", help="the gql_channels subscribers' route")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for a write's every event")
    parser.add_argument("--quick", action="store_true", help="200 subscribers, 2 rounds of 3 writes")
    parser.add_argument(
        "--profile", type=Path, metavar="DIR", help="cProfile the first subscriber process of each stack, keeping the files in DIR"
    )
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/2")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results_fanout.json")
    args = parser.parse_args()
    if args.quick:
        args.subscribers, args.rounds, args.writes_per_round = 200, 2, 3
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    raise_fd_limit(4 * args.subscribers + 1024)
    label, _ = code_state()
    import redis

    redis.Redis.from_url(args.redis).flushdb()  # this benchmark's own DB: no groups left from a previous run
    env = {
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": fresh_database(args.postgres, DATABASE),
        "REDIS_URL": args.redis,
    }
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    session = manage(env, "demo_session", "editor", "--perm", "demo.change_book").strip()
    print(
        f"fan-out: {args.subscribers:,} subscribers over 2 processes (+ a writer process) per library, PostgreSQL ({DATABASE}) "
        f"+ Redis ({args.redis}); {args.rounds} rounds x {args.writes_per_round} writes each, interleaved; code {label}"
    )
    with tempfile.TemporaryDirectory(prefix="fanout-") as tmp:
        log_dir = Path(tmp)
        profiles: dict[str, Path] = {}

        def servers(name: str, target: str, *extra: str) -> tuple[list[Server], list[Path]]:
            started, files = [], []
            for role in ("sub1", "sub2", "writer"):
                files.append(log_dir / f"{name}-{role}.sql.json")
                profile = args.profile / f"fanout-{name}-{role}.prof" if args.profile and role == "sub1" else None
                if profile:
                    profiles[name] = profile
                started.append(Server(target, log_dir, *extra, env={**env, "BENCH_SQL_COUNT_FILE": str(files[-1])}, profile=profile))
            return started, files

        gql_servers, gql_counters = servers("gql", "example_project.asgi:application")
        dcrf_servers, dcrf_counters = servers("dcrf", "benchmarks.dcrf_app:server", "--factory")
        route = args.route
        stacks = [
            Stack(
                f"gql_channels ({route})", True, gql_servers, gql_counters, "/ws/",
                subscribe=lambda n: {"action": "subscribe", "route": route, "request_id": n},
                write=lambda pages: {"action": "partial_update", "route": f"books/{BOOK}/", "data": {"pages": pages}},
                write_ok=lambda reply: reply.get("status") == 200,
                headers={"Cookie": f"sessionid={session}"},
            ),
            Stack(
                "djangochannelsrestframework", False, dcrf_servers, dcrf_counters, "/ws/books/",
                subscribe=lambda n: {"action": "subscribe_instance", "pk": BOOK, "request_id": n},
                write=lambda pages: {"action": "patch", "pk": BOOK, "data": {"pages": pages}, "request_id": 0},
                write_ok=lambda reply: reply.get("response_status") == 200,
            ),
        ]
        try:
            run(measure(stacks, args.subscribers, args.rounds, args.writes_per_round, args.timeout))
            for stack in stacks:
                stack.servers[0].profile_stop()
        finally:
            stop_all([*gql_servers, *dcrf_servers])
        writes = args.rounds * args.writes_per_round
        print(f"\n{writes} writes per library, each to {args.subscribers:,} subscribers over 2 processes")
        head = f"{'contender':34} {'median ms':>10} {'p99 ms':>8} {'max ms':>8} {'last sub. median':>17}"
        print(head + f"  {'SQL/write: proc 1, proc 2 (median; max)':>42} {'writer':>7}  verdict")
        print("-" * (len(head) + 62))
        rows = []
        for stack in stacks:
            lat = stack.latencies or [float("nan")]
            per_process = [[w[i] for w in stack.statements] for i in range(3)]
            medians = [statistics.median(values) if values else 0 for values in per_process]
            maxima = [max(values) if values else 0 for values in per_process]
            p99 = percentile(lat, 0.99) * 1000
            subscriber_queries = max(medians[:2])
            ok = p99 <= TARGET_P99_MS and max(maxima[:2]) <= TARGET_QUERIES
            mark = ("met" if ok else "MISSED") if stack.gql else "-"
            cells = f"{medians[0]:6.1f}, {medians[1]:6.1f}  ({maxima[0]}; {maxima[1]})"
            last = statistics.median(stack.last) * 1000 if stack.last else float("nan")
            print(
                f"{stack.name:34} {statistics.median(lat) * 1000:10.1f} {p99:8.1f} {max(lat) * 1000:8.1f} {last:17.1f}"
                f"  {cells:>42} {medians[2]:7.1f}  {mark}"
            )
            rows.append({
                "contender": stack.name, "gql": stack.gql, "events": len(stack.latencies),
                "latency_ms": {"median": statistics.median(lat) * 1000, "p99": p99, "max": max(lat) * 1000, "last_median": last},
                "statements_per_write": {"process 1": medians[0], "process 2": medians[1], "writer": medians[2]},
                "statements_per_write_max": {"process 1": maxima[0], "process 2": maxima[1], "writer": maxima[2]},
                "selects_per_write": [statistics.median([w[i] for w in stack.selects]) if stack.selects else 0 for i in range(3)],
                "queries_per_write_per_process": subscriber_queries,
                "slowest_subscriber_per_write_ms": [round(v * 1000, 1) for v in stack.last],
                "statements_per_write_each": stack.statements,
                "met": ok,
            })
        expected = args.subscribers * writes
        for stack in stacks:
            if len(stack.latencies) != expected:
                print(f"  {stack.name}: {len(stack.latencies):,} events of {expected:,} expected arrived")
        print(
            f"\nverdict (gql_channels): p99 write -> event <= {TARGET_P99_MS:.0f} ms and at most {TARGET_QUERIES} SQL statements per write "
            "in each subscriber process (every write); 'last sub.': per write, the slowest subscriber's latency."
            "\nSQL statements: everything the process sent while a write fanned out (BEGIN/COMMIT included); "
            "writer: the process that took the write (informational)."
        )
        write_json(args.json, {
            "code": label, "subscribers": args.subscribers, "writes": writes, "target_p99_ms": TARGET_P99_MS, "rows": rows,
        })
        print(f"results: {args.json}")
        for name, profile in profiles.items():
            if profile.exists():
                print(f"\nprofile of {name}'s first subscriber process (its event loop and database threads, after the warm-up), top 30 by cumulative time:")
                print(profile_top(profile, 30))
                print(f"the same, top 20 by own time ({profile}):")
                print(profile_top(profile, 20, "tottime"))


if __name__ == "__main__":
    main()
