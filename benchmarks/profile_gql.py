"""Where gql_channels spends a scenario's time: cProfile of its side only, top functions by cumulative time.

For the scenarios of ``legacy_vs_drf.py`` that miss their goal: the same seed and messages, sent to
gql_channels alone, under cProfile: the event loop's thread, and asgiref's worker threads (the
database work: Channels' shared thread or gql_channels' pool) while they run a call, merged.

- ``in-process`` (default): ``rfc-list``, ``rfc-retrieve``, ``rfc-create``, ``dcrf-list``, ``dcrf-retrieve``,
  ``dcrf-create``, ``dcrf-event`` through a ``WebsocketCommunicator`` on the bare consumer, ``graphql``
  POSTs into the example's ASGI app;
- ``--socket``: the example server on uvicorn, its event loop (where uvicorn, websockets and the
  consumer run) and its database threads, merged, profiled after a warm-up
  (``benchmarks.server_profile``), while this process sends the rfc messages over 1 socket, or 20
  with ``--connections 20``.

    .venv/bin/python benchmarks/profile_gql.py [rfc-list ...] [--messages 2000] [--top 30] [--socket] [--connections 1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import legacy_vs_drf as bench
from benchmarks.harness import Server, close_sockets, open_sockets, profile_top, run
from benchmarks.server_profile import ThreadProfiles

SCENARIOS = ("rfc-list", "rfc-retrieve", "rfc-create", "dcrf-list", "dcrf-retrieve", "dcrf-create", "dcrf-event", "graphql")


async def in_process(name: str, n: int, messages: bench.Messages, book_pk: int) -> Any:
    from channels.testing import WebsocketCommunicator

    from benchmarks.dcrf_app import only_gql_channels_events
    from example_project.consumers import ArticleConsumer, BookConsumer, LegacyConsumer

    dialect, _, kind = name.partition("-")
    if name == "graphql":
        from example_project.asgi import application

        return bench.asgi_http_batch(application), None
    consumer = {"rfc": LegacyConsumer, "dcrf": BookConsumer if kind == "event" else ArticleConsumer}[dialect]
    client = WebsocketCommunicator(consumer.as_asgi(), "/ws/")
    assert (await client.connect())[0]
    if kind == "event":
        await client.send_json_to({"action": "subscribe_instance", "pk": book_pk, "request_id": 1})
        await client.receive_json_from(timeout=30)
        return bench.event_batch(client, book_pk, messages, only_gql_channels_events, []), client
    return bench.communicator_batch(client, kind, messages, dialect), client


async def profile_in_process(names: list[str], n: int, rows: int, book_pk: int, top: int, out: Path) -> None:
    messages = bench.Messages(rows)
    for name in names:
        batch, client = await in_process(name, n, messages, book_pk)
        await batch(max(1, n // 10))  # warm-up: plans built, connections open
        profiles = ThreadProfiles()
        path = out / f"{name}.prof"
        profiles.start()
        try:
            await batch(n if name != "dcrf-event" else max(1, n // 10))
        finally:
            profiles.stop(path)
        if client is not None:
            await client.disconnect()
        print(f"\n=== {name}, in-process, gql_channels only: top {top} by cumulative time (all threads) ===")
        print(profile_top(path, top))
        print(f"=== {name}: top {top // 2} by own time ===")
        print(profile_top(path, top // 2, "tottime"))


async def drive_socket(server: Server, kind: str, n: int, connections: int, messages: bench.Messages) -> None:
    sockets = await open_sockets(server.url("ws", "/ws/"), connections)
    try:
        batch = bench.socket_batch(sockets, kind, messages)
        await batch(max(1, n // 10 // connections))  # warm-up, not profiled
        server.profile_start()
        await batch(max(1, n // connections))
    finally:
        await close_sockets(sockets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", help=f"any of {', '.join(SCENARIOS)} (default: all)")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--socket", action="store_true", help="profile the example server on uvicorn (rfc scenarios)")
    parser.add_argument("--connections", type=int, default=1)
    args = parser.parse_args()
    args.scenarios = args.scenarios or list(SCENARIOS)
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}: choose from {', '.join(SCENARIOS)}")
    with tempfile.TemporaryDirectory(prefix="profile_gql-") as tmp:
        bench.configure(Path(tmp) / "bench.sqlite3")
        book_pk = bench.seed(args.rows)
        if not args.socket:
            run(profile_in_process(args.scenarios, args.messages, args.rows, book_pk, args.top, Path(tmp)))
            return
        for name in args.scenarios:
            dialect, _, kind = name.partition("-")
            if dialect != "rfc":
                continue
            path = Path(tmp) / f"{name}-server.prof"
            server = Server("example_project.asgi:application", Path(tmp), profile=path)
            try:
                run(drive_socket(server, kind, args.messages, args.connections, bench.Messages(args.rows)))
                server.profile_stop()
            finally:
                server.stop()
            print(f"\n=== {name}, {args.connections} socket(s), the example server's loop and database threads: top {args.top} by cumulative time ===")
            print(profile_top(path, args.top))
            print(f"=== {name}, server: top {args.top // 2} by own time ===")
            print(profile_top(path, args.top // 2, "tottime"))


if __name__ == "__main__":
    main()
