"""Python function calls per legacy message: gql_channels vs rest_framework_channels vs the consumer floor (or DCRF).

A count, not a time: the same on a busy machine, so two commits (or two contenders) compare without
interleaved rounds. The messages and seed of ``legacy_vs_drf.py``, in-process through a
``WebsocketCommunicator``; cProfile counts the calls of the event loop's thread ("loop", the
communicator's own plumbing included, the same for all) and of asgiref's worker threads while they
run a call ("database thread"). ``--dcrf``: the DCRF dialect, the example's ``/ws/articles/`` consumer
vs djangochannelsrestframework 1.3.0's. ``--http``: GraphQL POSTs of the list page query, the example's
ASGI application vs plain Strawberry's router over the same schema. ``--clients 20``: the messages
from 20 communicators at once, as 20 sockets send them (the counts stay; the CPU time need not).

The profiled milliseconds beside them are cProfile's, inflated by it and by whatever else the
machine runs: read them as shares, not speeds. The last column, the process's CPU time per message
of a second, unprofiled batch (the communicators' plumbing included), moves with the machine too.

    .venv/bin/python benchmarks/call_counts.py [list retrieve create] [--messages 500] [--dcrf | --http] [--clients 1]
"""

from __future__ import annotations

import argparse
import asyncio
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import legacy_vs_drf as bench
from benchmarks.harness import run
from benchmarks.server_profile import ThreadProfiles

KINDS = ("list", "retrieve", "create")
HEADER = (
    f"{'contender':28s} {'message':9s} {'loop calls':>10s} {'db thread calls':>15s} {'all':>6s}"
    "   profiled ms loop + thread   CPU ms unprofiled"
)


def per_message(profile: Any, n: int) -> tuple[float, float]:
    """(calls, profiled ms) per message of one thread's profile, or of several merged."""
    stats = pstats.Stats(profile) if not isinstance(profile, list) else _merged(profile)
    return stats.total_calls / n, stats.total_tt / n * 1e3


def _merged(profiles: list[Any]) -> pstats.Stats:
    stats = pstats.Stats(profiles[0])
    for profile in profiles[1:]:
        stats.add(profile)
    return stats


async def count(kinds: list[str], n: int, rows: int, dialect: str, clients: int) -> None:
    from channels.testing import WebsocketCommunicator

    from benchmarks.dcrf_app import DcrfArticleConsumer
    from benchmarks.drf_app import DrfConsumer
    from benchmarks.floor_app import FloorConsumer
    from example_project.consumers import ArticleConsumer, LegacyConsumer

    contenders: tuple[tuple[str, Any], ...] = (
        (("gql", ArticleConsumer), ("dcrf", DcrfArticleConsumer))
        if dialect == "dcrf"
        else (("gql", LegacyConsumer), ("drf", DrfConsumer), ("cfloor", FloorConsumer))
    )
    messages = bench.Messages(rows)
    print(HEADER)
    for kind in kinds:
        for who, consumer in contenders:
            communicators = [WebsocketCommunicator(consumer.as_asgi(), "/ws/") for _ in range(clients)]
            for communicator in communicators:
                assert (await communicator.connect())[0], f"{consumer.__name__} refused the handshake"
            batches = [bench.communicator_batch(communicator, kind, messages, dialect) for communicator in communicators]

            async def batch(total: int, batches: list[Any] = batches) -> None:
                """``total`` messages shared by the clients, all of them in flight at once."""
                await asyncio.gather(*(one(max(1, total // clients)) for one in batches))

            await report(who, kind, batch, n - n % clients)
            for communicator in communicators:
                await communicator.disconnect()


async def count_http(n: int) -> None:
    from example_project.asgi import application

    print(HEADER)
    for who, app in (("gql", application), ("plain", bench.plain_strawberry_app())):
        await report(who, "POST", bench.asgi_http_batch(app), n)


async def report(who: str, kind: str, batch: Any, n: int) -> None:
    """Profile ``n`` messages of ``batch`` after a warm-up (plans built, connections open), time ``n`` more; a row."""
    await batch(max(1, n // 10))
    profiles = ThreadProfiles()
    profiles.start()
    try:
        await batch(n)
    finally:
        profiles.finish()
    started = time.process_time()
    await batch(n)
    cpu_ms = (time.process_time() - started) / n * 1e3
    loop_calls, loop_ms = per_message(profiles.main, n)
    thread_calls, thread_ms = per_message(list(profiles.threads.values()), n)
    print(
        f"{bench.SHORT[who]:28s} {kind:9s} {loop_calls:10.0f} {thread_calls:15.0f} {loop_calls + thread_calls:6.0f}"
        f"   {loop_ms:.2f} + {thread_ms:.2f}   {cpu_ms:.3f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kinds", nargs="*", help=f"any of {', '.join(KINDS)} (default: all)")
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--dcrf", action="store_true", help="the DCRF dialect: the example's /ws/articles/ vs DCRF 1.3.0")
    parser.add_argument("--http", action="store_true", help="GraphQL POSTs: the example vs plain Strawberry")
    parser.add_argument("--clients", type=int, default=1, help="legacy messages from this many communicators at once")
    args = parser.parse_args()
    kinds = args.kinds or list(KINDS)
    if set(kinds) - set(KINDS):
        parser.error(f"choose from {', '.join(KINDS)}")
    if not 1 <= args.clients <= args.messages or (args.http and args.clients != 1):
        parser.error("--clients: 1 to --messages legacy communicators (GraphQL POSTs are sent one at a time)")
    with tempfile.TemporaryDirectory(prefix="call_counts-") as tmp:
        bench.configure(Path(tmp) / "bench.sqlite3")
        bench.seed(args.rows)
        if args.http:
            run(count_http(args.messages))
        else:
            run(count(kinds, args.messages, args.rows, "dcrf" if args.dcrf else "rfc", args.clients))


if __name__ == "__main__":
    main()
