"""Deep cursor pages cost what the first page costs: keyset pagination through the legacy consumer.

Seeds N articles (1,000,000 by default) into a throw-away SQLite file, then times, round by round
and interleaved, the legacy message for the first page of ``cursor/articles/`` (a
``DjangoCursorConnection``) and for the page after row N-10, plus the same two depths with
page numbers over ``OFFSET`` for contrast. Prints medians, min-max and the deep/first ratios.

    .venv/bin/python benchmarks/cursor_depth.py [--rows 1000000] [--rounds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, quote

ROOT = Path(__file__).resolve().parent.parent


def setup(rows: int, db_path: Path) -> None:
    os.environ["SQLITE_PATH"] = str(db_path)
    os.environ["DJANGO_SETTINGS_MODULE"] = "example_project.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from legacy_vs_drf import seed  # the same Title1..TitleN rows, inserted in batches

    seed(rows)


def deep_cursor(first_reply: dict, first_id: int, deep_id: int) -> str:
    """The legacy cursor of the page after ``deep_id``, made from a real cursor of the first page."""
    from strawberry.relay import from_base64, to_base64

    from example_project.consumers import ArticleCursor

    pagination = ArticleCursor()
    sent = parse_qs(first_reply["data"]["next"].partition("?")[2])[pagination.cursor_query_param][-1]
    direction, inner = pagination.decode_cursor(sent)
    prefix, values = from_base64(inner)
    values = [str(deep_id) if v == str(first_id) else v for v in json.loads(values)]
    return quote(pagination.encode_cursor(direction, to_base64(prefix, json.dumps(values))))


async def measure(rows: int, rounds: int) -> dict[str, list[float]]:
    from example_project.consumers import LegacyConsumer
    from gql_channels.testing import ActionCommunicator

    async with ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") as client:
        first = await client.request("list", "cursor/articles/")
        first_id = first["data"]["results"][-1]["id"]
        cursor = deep_cursor(first, first_id, rows - 10)
        deep = await client.request("list", f"cursor/articles/?cursor={cursor}")
        assert [r["id"] for r in deep["data"]["results"]] == list(range(rows - 9, rows + 1)), deep
        scenarios = {
            "cursor, first page": "cursor/articles/",
            f"cursor, after row {rows - 10:,}": f"cursor/articles/?cursor={cursor}",
            "page number, first page": "test_child_route/",
            f"page number, page {rows // 10:,}": f"test_child_route/?page={rows // 10}",
        }
        timings: dict[str, list[float]] = {name: [] for name in scenarios}
        for _ in range(rounds):
            for name, route in scenarios.items():
                started = time.perf_counter()
                reply = await client.request("list", route, timeout=60)
                timings[name].append(time.perf_counter() - started)
                assert reply["status"] == 200 and len(reply["data"]["results"]) == 10
    return timings


def report(timings: dict[str, list[float]]) -> None:
    medians = {name: statistics.median(values) for name, values in timings.items()}
    print(f"{'scenario':32} {'median ms':>10} {'min-max ms':>18}")
    for name, values in timings.items():
        print(f"{name:32} {medians[name] * 1000:10.2f} {min(values) * 1000:8.2f}-{max(values) * 1000:<8.2f}")
    names = list(timings)
    print(f"\ncursor deep/first:      {medians[names[1]] / medians[names[0]]:.2f}x  (target <= 1.20x)")
    print(f"page number deep/first: {medians[names[3]] / medians[names[2]]:.2f}x  (OFFSET, for contrast)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        setup(args.rows, Path(tmp) / "bench.sqlite3")
        print(f"seeded {args.rows:,} articles in {time.perf_counter() - started:.1f} s; {args.rounds} rounds\n")
        report(asyncio.run(measure(args.rows, args.rounds)))


if __name__ == "__main__":
    main()
