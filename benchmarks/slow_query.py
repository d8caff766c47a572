"""One slow query on one connection: do the other connections' reads notice? PostgreSQL, one server process.

Serves ``benchmarks/slow_app.py`` (the example plus a message whose resolver runs ``SELECT
pg_sleep(2)``) from a fresh PostgreSQL database, twice: with gql_channels' database threads
(``GQL_CHANNELS["DATABASE_THREADS"]`` 8, the default on PostgreSQL) and with Channels' one shared
thread (0). rest_framework_channels (the same ``pg_sleep`` in an ``@async_action``) is measured on the
first process. In every round and for every contender, 20 reading connections send ``retrieve`` s one
after the other for a window of ``--window`` seconds, twice: alone, and while the slow message runs
on a 21st connection (sent 0.1 s before the window opens; the window closes before it can end).
Reported side by side: the readers' latency (median, p99, max) and retrieves/s with and without the
slow query, and how long the slow reply took. Writes ``benchmarks/results_slow.json`` for the chart of
``legacy_vs_drf.py``.

    .venv/bin/python benchmarks/slow_query.py [--rounds 5] [--readers 20] [--quick]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (
    ROOT,
    SETTINGS,
    Server,
    close_sockets,
    code_state,
    fresh_database,
    manage,
    open_sockets,
    raise_fd_limit,
    run,
    stop_all,
    summary_ms,
    write_json,
)

DATABASE = "bench_gql_channels"
SLOW_SECONDS = 2.0
ARTICLES = 100  # seed_demo's


class Contender:
    def __init__(self, name: str, server: Server, read_path: str, slow_path: str, goal: bool) -> None:
        self.name, self.server, self.read_path, self.slow_path, self.goal = name, server, read_path, slow_path, goal
        self.without: list[float] = []
        self.with_slow: list[float] = []
        self.rates: dict[str, list[float]] = {"without": [], "with": []}
        self.slow_replies: list[float] = []


async def read_for(connections: list[Any], seconds: float, latencies: list[float], counter: list[int]) -> float:
    """Each connection sends retrieves one after the other until ``seconds`` have passed; retrieves/s."""
    started = time.perf_counter()
    deadline = started + seconds

    async def one(connection: Any, offset: int) -> int:
        done = 0
        while time.perf_counter() < deadline:
            counter[0] += 1
            pk = 1 + (counter[0] * 37 + offset) % ARTICLES
            sent = time.perf_counter()
            await connection.send(json.dumps({"action": "retrieve", "route": f"test_child_route/{pk}/"}))
            reply = json.loads(await asyncio.wait_for(connection.recv(), 60))
            if reply.get("status") != 200 or reply["data"]["id"] != pk:
                raise AssertionError(f"unexpected retrieve reply: {reply}")
            latencies.append(time.perf_counter() - sent)
            done += 1
        return done

    total = sum(await asyncio.gather(*(one(c, i) for i, c in enumerate(connections))))
    return total / (time.perf_counter() - started)


async def slow_message(connection: Any) -> float:
    sent = time.perf_counter()
    await connection.send(json.dumps({"action": "report", "route": "slow/1/", "data": {"seconds": SLOW_SECONDS}}))
    reply = json.loads(await asyncio.wait_for(connection.recv(), 60))
    if reply.get("status") != 200 or reply["data"] is not True:
        raise AssertionError(f"unexpected slow reply: {reply}")
    return time.perf_counter() - sent


async def measure(contenders: list[Contender], rounds: int, readers: int, window: float) -> None:
    counter = [0]
    opened = {}
    for contender in contenders:
        connections = await open_sockets(contender.server.url("ws", contender.read_path), readers)
        slow = (await open_sockets(contender.server.url("ws", contender.slow_path), 1))[0]
        opened[contender.name] = (connections, slow)
        # Warm-up: every reader, and one slow message alone (its plan built, its connection open).
        await read_for(connections, 0.5, [], counter)
        await slow_message(slow)
    try:
        for number in range(rounds):
            order = contenders if number % 2 == 0 else contenders[::-1]
            for contender in order:
                connections, slow = opened[contender.name]
                phases = ("without", "with") if number % 2 == 0 else ("with", "without")
                for phase in phases:
                    if phase == "without":
                        contender.rates["without"].append(await read_for(connections, window, contender.without, counter))
                    else:
                        pending = asyncio.ensure_future(slow_message(slow))
                        await asyncio.sleep(0.1)  # the slow query has started
                        contender.rates["with"].append(await read_for(connections, window, contender.with_slow, counter))
                        contender.slow_replies.append(await pending)
                    await asyncio.sleep(0.2)
            print(f"  round {number + 1}/{rounds} done", flush=True)
    finally:
        await close_sockets([c for connections, slow in opened.values() for c in [*connections, slow]])


def unaffected(without: dict[str, float], with_slow: dict[str, float]) -> bool:
    """'As if it were not there': median within 1.5x (+5 ms) and p99 within 2x (+20 ms) of the run without."""
    return with_slow["median"] <= 1.5 * without["median"] + 5 and with_slow["p99"] <= 2 * without["p99"] + 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--window", type=float, default=1.6, help="seconds the readers read, in each phase")
    parser.add_argument("--quick", action="store_true", help="2 rounds")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results_slow.json")
    args = parser.parse_args()
    rounds = 2 if args.quick else args.rounds
    raise_fd_limit(4096)
    label, _ = code_state()
    env = {"DJANGO_SETTINGS_MODULE": SETTINGS, "DATABASE_URL": fresh_database(args.postgres, DATABASE)}
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    print(
        f"one slow message (pg_sleep({SLOW_SECONDS:g})) vs {args.readers} connections reading, PostgreSQL ({DATABASE}), "
        f"{rounds} rounds of {args.window:g} s windows, code {label}"
    )
    with tempfile.TemporaryDirectory(prefix="slow_query-") as tmp:
        pooled = Server("benchmarks.slow_app:application", Path(tmp), env={**env, "BENCH_DATABASE_THREADS": "8"})
        shared = Server("benchmarks.slow_app:application", Path(tmp), env={**env, "BENCH_DATABASE_THREADS": "0"})
        contenders = [
            Contender("gql_channels, DATABASE_THREADS=8", pooled, "/ws/", "/ws/slow/", goal=True),
            Contender("gql_channels, DATABASE_THREADS=0", shared, "/ws/", "/ws/slow/", goal=False),
            Contender("rest_framework_channels 0.0.7", pooled, "/ws/rfc/", "/ws/rfc/", goal=False),
        ]
        try:
            run(measure(contenders, rounds, args.readers, args.window))
        finally:
            stop_all([pooled, shared])
    print(f"\n{args.readers} connections' retrieves (ms), alone and while one connection's message runs pg_sleep({SLOW_SECONDS:g})")
    head = f"{'contender':34} {'':8} {'median':>8} {'p99':>8} {'max':>8} {'retrieves/s':>12}"
    print(head + f"  {'slow reply':>10}  verdict")
    print("-" * (len(head) + 30))
    rows = []
    for contender in contenders:
        without, with_slow = summary_ms(contender.without), summary_ms(contender.with_slow)
        ok = unaffected(without, with_slow)
        rows.append({
            "contender": contender.name,
            "without": {**without, "rate": statistics.median(contender.rates["without"]), "n": len(contender.without)},
            "with": {**with_slow, "rate": statistics.median(contender.rates["with"]), "n": len(contender.with_slow)},
            "slow_reply_s": statistics.median(contender.slow_replies),
            "unaffected": ok,
            "goal": contender.goal,
        })
        for phase, values, rate in (("alone", without, rows[-1]["without"]["rate"]), ("+ slow", with_slow, rows[-1]["with"]["rate"])):
            first = phase == "alone"
            row = f"{contender.name if first else '':34} {phase:8} {values['median']:8.1f} {values['p99']:8.1f} {values['max']:8.1f} {rate:12.0f}"
            if not first:
                mark = ("met" if ok else "MISSED") if contender.goal else ("unaffected" if ok else "held up")
                row += f"  {rows[-1]['slow_reply_s']:9.2f}s  {mark}"
            print(row)
    print(
        "\nverdict: 'as if it were not there' = with the slow query, median <= 1.5x (+5 ms) and p99 <= 2x (+20 ms) of alone;"
        "\nthe goal is gql_channels' default on PostgreSQL (DATABASE_THREADS=8); the others are shown for comparison."
    )
    write_json(args.json, {"code": label, "readers": args.readers, "slow_seconds": SLOW_SECONDS, "rows": rows})
    print(f"results: {args.json}")


if __name__ == "__main__":
    main()
