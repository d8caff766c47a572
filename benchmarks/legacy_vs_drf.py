"""Legacy messages through gql_channels vs rest_framework_channels 0.0.7, djangochannelsrestframework 1.3.0 and a consumer floor, side by side in one run.

Seeds N articles (10,000 by default) and a book into a throw-away SQLite file, then measures, round by
round with the contenders interleaved (their order alternating from round to round), fixed batches
of legacy messages:

- the rest_framework_channels dialect (the seed page's routes: ``list`` of ``test_child_route/?page=4``,
  ``retrieve`` of ``test_child_route/<pk>/``, ``create`` on ``articles/``): gql_channels'
  ``LegacyConsumer`` vs rest_framework_channels (``benchmarks/drf_app.py``) vs the consumer floor
  (``benchmarks/floor_app.py``: a minimal Channels consumer doing the same database work directly),
  in-process through ``channels.testing.WebsocketCommunicator`` and over uvicorn sockets (1 socket
  sequential, 20 concurrent); in-process the ORM floor (the database work and a JSON encode through
  one thread hop, no consumer) is shown for reference;
- the djangochannelsrestframework dialect: the example's ``ArticleConsumer`` vs DCRF's own
  (``benchmarks/dcrf_app.py``) for ``list`` (``limit`` 10, ``offset`` 30), ``retrieve``, ``create``,
  in-process and over sockets, and an instance event (``subscribe_instance`` on a book, then writes:
  events/s and write -> event latency) between ``BookConsumer`` and DCRF's ``ObserverModelInstanceMixin``;
- GraphQL over HTTP: the equivalent page query POSTed to the example server vs a plain
  ``strawberry.channels.GraphQLProtocolTypeRouter`` of the same schema, in-process and on uvicorn;
- memory: the RSS of a fresh uvicorn process before and while 1,000 idle legacy clients are connected.

Prints medians, min-max and the ratios (median of the per-round ratios) against the targets, the SQL
statements per message of every contender, and draws the ratios with their targets into a PNG
(``--chart``), with the slow-query and fan-out results of ``slow_query.py``/``fanout.py`` when their
JSON files are there.

    .venv/bin/python benchmarks/legacy_vs_drf.py [--rows 10000] [--rounds 15] [--quick] [--chart benchmarks/results.png]
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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (
    ROOT,
    SETTINGS,
    Server,
    close_sockets,
    code_state,
    open_sockets,
    percentile,
    raise_fd_limit,
    rss_mb,
    run,
    stop_all,
)

PAGE = 4
LIST_ROUTE = f"test_child_route/?page={PAGE}"
PAGE_QUERY = f"{{ articles(pagination: {{offset: {(PAGE - 1) * 10}, limit: 10}}) {{ totalCount results {{ id title content }} }} }}"
SHORT = {
    "gql": "gql_channels",
    "drf": "rest_framework_channels",
    "cfloor": "consumer floor",
    "floor": "ORM floor (reference)",
    "dcrf": "djangochannelsrestframework",
    "plain": "plain Strawberry",
}

#: Targets of issue 14: gql_channels / rest_framework_channels by message kind, gql_channels / the
#: consumer floor in every legacy scenario, gql_channels' DCRF consumers / djangochannelsrestframework,
#: the example server / plain Strawberry for GraphQL clients, MB for 1,000 idle connections, SQL
#: statements of one create.
TARGET_VS_DRF = {"list": 1.3, "retrieve": 1.3, "create": 1.1}
TARGET_VS_FLOOR = 0.8
TARGET_VS_DCRF = 1.3
TARGET_GRAPHQL = 1.0
TARGET_MEMORY_MB = 100.0
TARGET_CREATE_STATEMENTS = 3

RESULTS = ROOT / "benchmarks"
SLOW_JSON = RESULTS / "results_slow.json"
FANOUT_JSON = RESULTS / "results_fanout.json"


@dataclass
class Sizes:
    rounds: int
    in_process: int  # messages per batch, in-process
    sequential: int  # messages per batch, one socket
    connections: int  # concurrent sockets
    per_connection: int  # messages per concurrent socket and batch
    http: int  # GraphQL POSTs per batch
    events: int  # writes per batch of the instance-event scenario
    idle: int  # idle connections of the memory scenario


@dataclass
class Scenario:
    """One scenario's timings: msgs/s per round, per contender (and write -> event latencies for events)."""

    name: str
    group: str  # "legacy", "dcrf", "event", "graphql"
    kind: str  # "list", "retrieve", "create", "event", "graphql"
    rates: dict[str, list[float]] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)

    def median(self, who: str) -> float:
        return statistics.median(self.rates[who])

    def ratio(self, who: str, other: str) -> float:
        """Median of the per-round ratios (the contenders ran side by side in each round)."""
        return statistics.median(a / b for a, b in zip(self.rates[who], self.rates[other], strict=True))

    def targets(self) -> list[tuple[str, float | None]]:
        """(contender gql_channels is compared with, target ratio or None for a reference)."""
        if self.group == "legacy":
            found = [(who, target) for who, target in (("drf", TARGET_VS_DRF[self.kind]), ("cfloor", TARGET_VS_FLOOR))]
            return [*found, *([("floor", None)] if "floor" in self.rates else [])]
        if self.group in ("dcrf", "event"):
            return [("dcrf", TARGET_VS_DCRF)]
        return [("plain", TARGET_GRAPHQL)]


# -- set-up ---------------------------------------------------------------------------------------


def configure(db_path: Path) -> None:
    os.environ["SQLITE_PATH"] = str(db_path)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    import django

    django.setup()


def seed(rows: int) -> int:
    """``rows`` articles (Title1..), an author, a tag and a book of theirs; the book's pk."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from example_project.demo.models import Article, Author, Book, Tag

    call_command("migrate", verbosity=0)
    table = Article._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        batch = 50_000
        for start in range(1, rows + 1, batch):
            values = [(f"Title{i}", f"Content{i}") for i in range(start, min(start + batch, rows + 1))]
            cursor.executemany(f"INSERT INTO {table} (title, content) VALUES (%s, %s)", values)
    author = Author.objects.create(name="Ursula K. Le Guin")
    book = Book.objects.create(title="A Wizard of Earthsea", pages=0, published=True, author=author)
    book.tags.set([Tag.objects.create(name="fiction")])
    return book.pk


def plain_strawberry_app() -> Any:
    """``uvicorn --factory`` target: Strawberry's own Channels router over the example's schema."""
    from django.core.asgi import get_asgi_application

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    django_application = get_asgi_application()
    from strawberry.channels import GraphQLProtocolTypeRouter

    from schema import schema

    return GraphQLProtocolTypeRouter(schema, django_application=django_application)


# -- messages and their checks ---------------------------------------------------------------------


class Messages:
    """The frames a batch sends (in either dialect), and what every reply must look like."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.counter = 0

    def frame(self, kind: str, dialect: str = "rfc") -> str:
        self.counter += 1
        if dialect == "dcrf":
            return json.dumps(self.dcrf(kind))
        if kind == "list":
            message: dict[str, Any] = {"action": "list", "route": LIST_ROUTE}
        elif kind == "retrieve":
            message = {"action": "retrieve", "route": f"test_child_route/{self.pk(self.counter)}/"}
        else:
            message = {"action": "create", "route": "articles/", "data": {"title": f"Bench{self.counter}", "content": "bench"}}
        return json.dumps(message)

    def dcrf(self, kind: str) -> dict[str, Any]:
        if kind == "list":
            return {"action": "list", "limit": 10, "offset": (PAGE - 1) * 10, "request_id": self.counter}
        if kind == "retrieve":
            return {"action": "retrieve", "pk": self.pk(self.counter), "request_id": self.counter}
        return {"action": "create", "data": {"title": f"Bench{self.counter}", "content": "bench"}, "request_id": self.counter}

    def pk(self, n: int) -> int:
        return 1 + (n * 7919) % self.rows  # spread over the table, the same sequence for everyone

    @staticmethod
    def check(kind: str, text: str, dialect: str = "rfc") -> None:
        reply = json.loads(text)
        status = reply.get("response_status" if dialect == "dcrf" else "status")
        if kind == "list":
            ok = status == 200 and len(reply["data"]["results"]) == 10
        elif kind == "retrieve":
            ok = status == 200 and reply["data"]["id"]
        else:
            ok = status == 201 and reply["data"]["id"]
        if not ok:
            raise AssertionError(f"unexpected {kind} reply: {text[:300]}")


def floor_function(kind: str, messages: Messages) -> Callable[[], str]:
    """The least work a reply needs: the ORM queries of the message and one JSON encode."""
    from example_project.demo.models import Article

    fields = ("id", "title", "content")
    offset = (PAGE - 1) * 10

    def floor_list() -> str:
        qs = Article.objects.all()
        count = qs.count()
        results = list(qs.values(*fields)[offset : offset + 10])
        return json.dumps({"count": count, "results": results})

    def floor_retrieve() -> str:
        messages.counter += 1
        return json.dumps(Article.objects.filter(pk=messages.pk(messages.counter)).values(*fields).first())

    def floor_create() -> str:
        messages.counter += 1
        article = Article.objects.create(title=f"Bench{messages.counter}", content="bench")
        return json.dumps({"id": article.pk, "title": article.title, "content": article.content})

    return {"list": floor_list, "retrieve": floor_retrieve, "create": floor_create}[kind]


# -- the contenders' batches -----------------------------------------------------------------------

Batch = Callable[[int], Awaitable[None]]


def communicator_batch(client: Any, kind: str, messages: Messages, dialect: str = "rfc") -> Batch:
    async def run(n: int) -> None:
        for _ in range(n):
            await client.send_to(text_data=messages.frame(kind, dialect))
            messages.check(kind, (await client.receive_output(timeout=30))["text"], dialect)

    return run


def floor_batch(kind: str, messages: Messages) -> Batch:
    from channels.db import database_sync_to_async

    fn = floor_function(kind, messages)

    async def run(n: int) -> None:
        for _ in range(n):
            await database_sync_to_async(fn)()

    return run


def socket_batch(connections: list[Any], kind: str, messages: Messages, dialect: str = "rfc") -> Batch:
    async def one(connection: Any, n: int) -> None:
        for _ in range(n):
            await connection.send(messages.frame(kind, dialect))
            messages.check(kind, await asyncio.wait_for(connection.recv(), 30), dialect)

    async def run(n: int) -> None:  # n messages on each connection
        await asyncio.gather(*(one(connection, n) for connection in connections))

    return run


def event_batch(client: Any, book_pk: int, messages: Messages, quiet: Callable[[], Any], latencies: list[float]) -> Batch:
    """``n`` writes of the book one after the other, each timed until its event reaches ``client``.

    ``quiet`` returns a context in which only this contender's signal receivers run (the other
    library's would otherwise render and publish every write too).
    """
    from channels.db import database_sync_to_async

    from example_project.demo.models import Book

    def write(pages: int) -> None:
        book = Book.objects.get(pk=book_pk)
        book.pages = pages
        book.save()

    save = database_sync_to_async(write)

    async def run(n: int) -> None:
        with quiet():
            for _ in range(n):
                messages.counter += 1
                pages = messages.counter
                started = time.perf_counter()
                await save(pages)
                while True:
                    event = json.loads(await client.receive_from(timeout=30))
                    if event.get("action") == "update" and event["data"]["pages"] == pages:
                        break
                latencies.append(time.perf_counter() - started)

    return run


def http_batch(session: Any, url: str, connections: int) -> Batch:
    async def one(n: int) -> None:
        for _ in range(n):
            async with session.post(url, json={"query": PAGE_QUERY}) as response:
                body = await response.json()
                if response.status != 200 or len(body["data"]["articles"]["results"]) != 10:
                    raise AssertionError(f"unexpected GraphQL reply: {body}")

    async def run(n: int) -> None:  # n POSTs on each of `connections` concurrent clients
        await asyncio.gather(*(one(n) for _ in range(connections)))

    return run


def asgi_http_batch(app: Any) -> Batch:
    """GraphQL POSTs straight into an ASGI app (no socket, no second process): the binding's own cost."""
    from channels.testing import HttpCommunicator

    body = json.dumps({"query": PAGE_QUERY}).encode()
    headers = [(b"content-type", b"application/json"), (b"host", b"127.0.0.1")]

    async def run(n: int) -> None:
        for _ in range(n):
            response = await HttpCommunicator(app, "POST", "/graphql/", body=body, headers=headers).get_response(30)
            if response["status"] != 200 or len(json.loads(response["body"])["data"]["articles"]["results"]) != 10:
                raise AssertionError(f"unexpected GraphQL reply: {response}")

    return run


async def interleave(scenario: Scenario, batches: dict[str, Batch], n: int, total: int, rounds: int) -> Scenario:
    """One warm-up batch each, then ``rounds`` rounds timing each contender in turn."""
    for batch in batches.values():
        await batch(max(1, n // 5))
    for latencies in scenario.latencies.values():
        latencies.clear()  # the warm-up's
    names = list(batches)
    for who in names:
        scenario.rates[who] = []
    for number in range(rounds):
        order = names if number % 2 == 0 else names[::-1]
        for who in order:
            started = time.perf_counter()
            await batches[who](n)
            scenario.rates[who].append(total / (time.perf_counter() - started))
    print(f"  {scenario.name:40} " + "  ".join(f"{SHORT[w]} {scenario.median(w):7.0f}/s" for w in names), flush=True)
    return scenario


# -- equivalence and SQL statements ----------------------------------------------------------------

#: Differences between contenders' replies found before timing (reported first, never fatal).
DIFFERENCES: list[str] = []
#: Verdict lines of the half-written probe.
PROBE: list[str] = []


def differ(what: str, a: Any, b: Any, names: tuple[str, str]) -> None:
    line = f"{what}: {names[0]} and {names[1]} answer differently:\n    {names[0]}: {json.dumps(a)[:400]}\n    {names[1]}: {json.dumps(b)[:400]}"
    DIFFERENCES.append(line)
    print(f"  DIFFERENCE {line}")


async def ask(client: Any, message: dict[str, Any]) -> dict[str, Any]:
    await client.send_json_to(message)
    return await client.receive_json_from(timeout=30)


async def verify_equivalent(gql: Any, others: dict[str, Any], messages: Messages) -> None:
    """Every contender answers the seed's message (and a retrieve, a create) as gql_channels does."""
    page = {"action": "list", "route": LIST_ROUTE}
    ids = list(range((PAGE - 1) * 10 + 1, PAGE * 10 + 1))
    retrieve = {"action": "retrieve", "route": f"test_child_route/{messages.pk(1)}/"}
    create = {"action": "create", "route": "articles/", "data": {"title": "Same", "content": "reply"}}
    for who, other in others.items():
        names = (SHORT["gql"], SHORT[who])
        a, b = await ask(gql, page), await ask(other, page)
        assert [r["id"] for r in a["data"]["results"]] == ids, a
        assert [r["title"] for r in a["data"]["results"]] == [f"Title{i}" for i in ids]
        if a != b:
            differ(f"list {LIST_ROUTE}", a, b, names)
        a, b = await ask(gql, retrieve), await ask(other, retrieve)
        if a != b or a["status"] != 200:
            differ("retrieve", a, b, names)
        a, b = await ask(gql, create), await ask(other, create)
        if a["status"] != 201 or {**a["data"], "id": 0} != {**b["data"], "id": 0} or {**a, "data": 0} != {**b, "data": 0}:
            differ("create", a, b, names)
    print(f"  replies compared: list page {PAGE} (ids {ids[0]}-{ids[-1]}), retrieve, create: gql_channels vs {', '.join(SHORT[w] for w in others)}")


async def verify_dcrf(gql: Any, dcrf: Any, gql_books: Any, dcrf_books: Any, book_pk: int, messages: Messages) -> None:
    """The DCRF dialect: list, retrieve, create, a subscription and its event, as DCRF answers them."""
    from channels.db import database_sync_to_async

    from benchmarks.dcrf_app import only_dcrf_events, only_gql_channels_events
    from example_project.demo.models import Book

    names = (SHORT["gql"], SHORT["dcrf"])
    for kind in ("list", "retrieve", "create"):
        message = messages.dcrf(kind)
        a, b = await ask(gql, message), await ask(dcrf, message)
        if kind == "create":
            a, b = {**a, "data": {**a["data"], "id": 0}}, {**b, "data": {**b["data"], "id": 0}}
        if a != b:
            differ(f"DCRF {kind} {json.dumps(message)}", a, b, names)
    message = {"action": "retrieve", "pk": book_pk, "request_id": 1}
    a, b = await ask(gql_books, message), await ask(dcrf_books, message)
    if a != b:
        differ(f"DCRF book retrieve {json.dumps(message)}", a, b, names)
    subscribe = {"action": "subscribe_instance", "pk": book_pk, "request_id": 7}
    a, b = await ask(gql_books, subscribe), await ask(dcrf_books, subscribe)
    if a != b:
        differ("DCRF subscribe_instance", a, b, names)

    def touch() -> None:
        Book.objects.get(pk=book_pk).save()

    events = []
    for client, quiet in ((gql_books, only_gql_channels_events), (dcrf_books, only_dcrf_events)):
        with quiet():
            await database_sync_to_async(touch)()
        events.append(await client.receive_json_from(timeout=30))
        assert await client.receive_nothing(timeout=0.2), "a second event for one write"
    if events[0] != events[1]:
        differ("DCRF instance event (a book saved)", events[0], events[1], names)
    print("  replies compared: DCRF list (limit 10, offset 30), retrieve, create, book retrieve, subscribe_instance, its event")


async def count_queries(clients: list[tuple[str, str, Any]], messages: Messages) -> dict[str, dict[str, list[str]]]:
    """The SQL statements of one message of each kind, per contender (all threads; COMMIT/ROLLBACK counted)."""
    from benchmarks import sql_counter

    counts: dict[str, dict[str, list[str]]] = {}
    for label, dialect, client in clients:
        counts[label] = {}
        for kind in ("list", "retrieve", "create"):
            await asyncio.sleep(0.05)
            with sql_counter.recording() as seen:
                await communicator_batch(client, kind, messages, dialect)(1)
            counts[label][kind] = list(seen)
    return counts


def atomic(statements: list[str]) -> bool:
    """One data statement alone, or every one of them inside BEGIN ... COMMIT."""
    data = [s for s in statements if sql_counter_kind(s) != "control"]
    if len(data) <= 1 and len(statements) == len(data):
        return True
    heads = [s.lstrip().upper() for s in statements]
    return bool(heads) and heads[0].startswith("BEGIN") and heads[-1].startswith("COMMIT")


def sql_counter_kind(sql: str) -> str:
    from benchmarks.sql_counter import kind

    return kind(sql)


# -- scenarios -------------------------------------------------------------------------------------


async def half_written_probe(book_pk: int) -> tuple[list[str], list[str]]:
    """A book create with tags (BEGIN ... COMMIT), and one naming a missing tag: refused, and nothing of it kept.

    Through ``LegacyConsumer`` as a superuser (the books' route needs ``demo.add_book``). Returns the
    verdict lines and the valid create's statements.
    """
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.contrib.auth import get_user_model

    from benchmarks import sql_counter
    from benchmarks.dcrf_app import only_gql_channels_events
    from example_project.consumers import LegacyConsumer
    from example_project.demo.models import Book

    def prepare() -> tuple[Any, int, int]:
        user, _ = get_user_model().objects.get_or_create(username="bench-admin", defaults={"is_superuser": True})
        book = Book.objects.get(pk=book_pk)
        return user, book.author_id, book.tags.get().pk

    user, author, tag = await database_sync_to_async(prepare)()
    books = database_sync_to_async(lambda: (Book.objects.count(), Book.tags.through.objects.count()))
    client = WebsocketCommunicator(LegacyConsumer.as_asgi(), "/ws/")
    client.scope["user"] = user
    assert (await client.connect())[0]
    lines = []
    try:
        data = {"title": "Probe", "pages": 1, "published": False, "author": author, "tags": [tag]}
        with only_gql_channels_events(), sql_counter.recording() as statements:
            good = await ask(client, {"action": "create", "route": "books/", "data": data})
        before = await books()
        with only_gql_channels_events():
            bad = await ask(client, {"action": "create", "route": "books/", "data": {**data, "tags": [tag, 999_999]}})
        after = await books()
    finally:
        await client.disconnect()
    kept = good["status"] == 201 and good["data"]["tags"] == [tag]
    refused = 400 <= bad["status"] < 500 and after == before
    print(
        f"  a book create with a tag: {good['status']}, {len(statements)} SQL statements; naming a missing tag too: "
        f"{bad['status']} {json.dumps(bad['errors'])[:120]}, books/tag rows {before} -> {after}"
    )
    print("    its statements: " + " | ".join(" ".join(s.split())[:48] for s in statements))
    lines.append(
        f"create with a missing related key: refused ({bad['status']}) and nothing written (rows {before} -> {after}); "
        f"a good one kept whole: {'met' if kept and refused else 'MISSED'}"
    )
    return lines, list(statements)




async def in_process(sizes: Sizes, messages: Messages, book_pk: int) -> tuple[list[Scenario], dict[str, dict[str, list[str]]]]:
    from channels.testing import WebsocketCommunicator

    from benchmarks.dcrf_app import DcrfArticleConsumer, DcrfBookConsumer, only_dcrf_events, only_gql_channels_events
    from benchmarks.drf_app import DrfConsumer
    from benchmarks.floor_app import FloorConsumer
    from example_project.consumers import ArticleConsumer, BookConsumer, LegacyConsumer

    async def connected(consumer: Any) -> Any:
        client = WebsocketCommunicator(consumer.as_asgi(), "/ws/")
        assert (await client.connect())[0], f"{consumer.__name__} refused the handshake"
        opened.append(client)
        return client

    opened: list[Any] = []
    scenarios = []
    try:
        gql, drf, cfloor = await connected(LegacyConsumer), await connected(DrfConsumer), await connected(FloorConsumer)
        await verify_equivalent(gql, {"drf": drf, "cfloor": cfloor}, messages)
        n = sizes.in_process
        for kind in ("list", "retrieve", "create"):
            batches = {
                "gql": communicator_batch(gql, kind, messages),
                "drf": communicator_batch(drf, kind, messages),
                "cfloor": communicator_batch(cfloor, kind, messages),
                "floor": floor_batch(kind, messages),
            }
            scenarios.append(await interleave(Scenario(f"{kind}, in-process", "legacy", kind), batches, n, n, sizes.rounds))
        PROBE.extend((await half_written_probe(book_pk))[0])

        gql_dcrf, dcrf = await connected(ArticleConsumer), await connected(DcrfArticleConsumer)
        gql_books, dcrf_books = await connected(BookConsumer), await connected(DcrfBookConsumer)
        await verify_dcrf(gql_dcrf, dcrf, gql_books, dcrf_books, book_pk, messages)
        for kind in ("list", "retrieve", "create"):
            batches = {
                "gql": communicator_batch(gql_dcrf, kind, messages, "dcrf"),
                "dcrf": communicator_batch(dcrf, kind, messages, "dcrf"),
            }
            scenarios.append(await interleave(Scenario(f"DCRF {kind}, in-process", "dcrf", kind), batches, n, n, sizes.rounds))
        events = Scenario("DCRF instance event, in-process", "event", "event", latencies={"gql": [], "dcrf": []})
        batches = {
            "gql": event_batch(gql_books, book_pk, messages, only_gql_channels_events, events.latencies["gql"]),
            "dcrf": event_batch(dcrf_books, book_pk, messages, only_dcrf_events, events.latencies["dcrf"]),
        }
        scenarios.append(await interleave(events, batches, sizes.events, sizes.events, sizes.rounds))

        queries = await count_queries(
            [("gql", "rfc", gql), ("drf", "rfc", drf), ("cfloor", "rfc", cfloor), ("gql DCRF", "dcrf", gql_dcrf), ("dcrf", "dcrf", dcrf)],
            messages,
        )
        from example_project.asgi import application

        batches = {"gql": asgi_http_batch(application), "plain": asgi_http_batch(plain_strawberry_app())}
        n = sizes.http
        scenarios.append(await interleave(Scenario("GraphQL POST, in-process", "graphql", "graphql"), batches, n, n, sizes.rounds))
    finally:
        for client in opened:
            await client.disconnect()
    return scenarios, queries


async def over_sockets(sizes: Sizes, messages: Messages, servers: dict[str, Server], group: str) -> list[Scenario]:
    """1 socket sequential, then ``connections`` concurrent: rfc (gql, drf, cfloor) or DCRF (gql, dcrf)."""
    if group == "legacy":
        contenders, path, dialect, prefix = ("gql", "drf", "cfloor"), {"gql": "/ws/", "drf": "/ws/", "cfloor": "/ws/"}, "rfc", ""
    else:
        contenders, path, dialect, prefix = ("gql", "dcrf"), {"gql": "/ws/articles/", "dcrf": "/ws/articles/"}, "dcrf", "DCRF "
    scenarios = []
    for concurrent in (False, True):
        count = sizes.connections if concurrent else 1
        n = sizes.per_connection if concurrent else sizes.sequential
        sockets = {who: await open_sockets(servers[who].url("ws", path[who]), count) for who in contenders}
        try:
            for kind in ("list", "retrieve", "create"):
                name = f"{prefix}{kind}, {count} sockets x {n}" if concurrent else f"{prefix}{kind}, 1 socket, sequential"
                batches = {who: socket_batch(sockets[who], kind, messages, dialect) for who in contenders}
                scenarios.append(await interleave(Scenario(name, group, kind), batches, n, n * count, sizes.rounds))
        finally:
            await close_sockets([s for group_sockets in sockets.values() for s in group_sockets])
    return scenarios


async def graphql_http(sizes: Sizes, gql: Server, plain: Server) -> list[Scenario]:
    import aiohttp

    urls = {"gql": gql.url("http", "/graphql/"), "plain": plain.url("http", "/graphql/")}
    scenarios = []
    connector = aiohttp.TCPConnector(limit=sizes.connections * 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        replies = []
        for url in urls.values():
            async with session.post(url, json={"query": PAGE_QUERY}) as response:
                replies.append(await response.json())
        if replies[0] != replies[1]:
            differ("GraphQL POST", replies[0], replies[1], (SHORT["gql"], SHORT["plain"]))
        for count, n in ((1, sizes.http), (sizes.connections, max(1, sizes.http // sizes.connections))):
            name = "GraphQL POST, sequential" if count == 1 else f"GraphQL POST, {count} clients x {n}"
            batches = {who: http_batch(session, url, count) for who, url in urls.items()}
            scenarios.append(await interleave(Scenario(name, "graphql", "graphql"), batches, n, n * count, sizes.rounds))
    return scenarios


async def idle_memory(server: Server, idle: int) -> tuple[float, float, float]:
    """RSS of ``server`` warmed up, then while ``idle`` legacy clients sit connected to /ws/."""
    warm = await open_sockets(server.url("ws", "/ws/"), 5)
    for connection in warm:
        await connection.send(json.dumps({"action": "list", "route": LIST_ROUTE}))
        Messages.check("list", await asyncio.wait_for(connection.recv(), 30))
    await close_sockets(warm)
    await asyncio.sleep(1.0)
    before = rss_mb(server.pid)
    connections = await open_sockets(server.url("ws", "/ws/"), idle)
    try:
        await asyncio.sleep(2.0)  # let the server settle every handshake
        during = rss_mb(server.pid)
        # Still serving: the last connection answers a page.
        await connections[-1].send(json.dumps({"action": "list", "route": LIST_ROUTE}))
        Messages.check("list", await asyncio.wait_for(connections[-1].recv(), 30))
    finally:
        await close_sockets(connections)
    return before, during, during - before


# -- report ----------------------------------------------------------------------------------------


def verdict(value: float, target: float, above: bool = True) -> str:
    return "met" if (value >= target if above else value <= target) else "MISSED"


def report(
    scenarios: list[Scenario], queries: dict[str, dict[str, list[str]]], memory: dict[str, tuple[float, float, float]], idle: int
) -> list[str]:
    lines = []
    width = 38
    head = f"{'scenario':{width}} {'contender':28} {'median/s':>9} {'min-max/s':>14}"
    print("\n" + head + f"   {'ratio':>6} {'med/med':>7} {'target':>7}  verdict")
    print("-" * (len(head) + 62))
    for scenario in scenarios:
        compared = dict(scenario.targets())
        for index, who in enumerate(scenario.rates):
            values = scenario.rates[who]
            label = scenario.name if index == 0 else ""
            row = f"{label:{width}} {SHORT[who]:28} {scenario.median(who):9.0f} {min(values):6.0f}-{max(values):<7.0f}"
            if who in compared:
                target = compared[who]
                ratio = scenario.ratio("gql", who)
                plain = scenario.median("gql") / scenario.median(who)
                if target is None:
                    row += f"   {ratio:5.2f}x {plain:6.2f}x {'-':>7}  {'ref.':6}  gql_channels / {SHORT[who]}"
                else:
                    row += f"   {ratio:5.2f}x {plain:6.2f}x {target:6.2f}x  {verdict(ratio, target):6}  gql_channels / {SHORT[who]}"
                    lines.append(f"{scenario.name}: gql_channels / {SHORT[who]} = {ratio:.2f}x (target >= {target:.2f}x) {verdict(ratio, target)}")
            print(row)
    print("ratio: median of the per-round ratios (the verdict's); med/med: ratio of the medians")
    for scenario in scenarios:
        if scenario.latencies:
            print(f"\n{scenario.name}: one write at a time (ORM save in a thread), until its event frame reaches the subscriber")
            for who, values in scenario.latencies.items():
                print(
                    f"  {SHORT[who]:28} write -> event: median {statistics.median(values) * 1000:6.2f} ms, "
                    f"p99 {percentile(values, 0.99) * 1000:6.2f} ms, max {max(values) * 1000:6.2f} ms ({len(values)} writes)"
                )
    if memory:
        print(f"\nmemory, {idle:,} idle legacy connections on one uvicorn process (VmRSS):")
    for who, (before, during, delta) in memory.items():
        row = f"  {SHORT[who]:28} {before:7.1f} MB -> {during:7.1f} MB: +{delta:6.1f} MB ({delta * 1024 / idle:5.1f} KB/connection)"
        if who == "gql":
            row += f"   target < {TARGET_MEMORY_MB:.0f} MB: {verdict(delta, TARGET_MEMORY_MB, above=False)}"
            lines.append(f"memory: +{delta:.1f} MB for {idle:,} idle connections (target < {TARGET_MEMORY_MB:.0f} MB) {verdict(delta, TARGET_MEMORY_MB, above=False)}")
        print(row)
    print("\nSQL statements per message (all threads; COMMIT/ROLLBACK counted; in parentheses: without transaction control):")
    for who, counts in queries.items():
        label = SHORT.get(who, who.replace("gql", "gql_channels"))
        cells = []
        for kind, statements in counts.items():
            data = [s for s in statements if sql_counter_kind(s) != "control"]
            cells.append(f"{kind} {len(statements)} ({len(data)})")
        print(f"  {label:28} " + ", ".join(cells))
    lines += PROBE
    for who in ("gql", "gql DCRF"):
        statements = queries[who]["create"]
        count = len(statements)
        whole = atomic(statements)
        label = "rfc dialect" if who == "gql" else "DCRF dialect"
        print(f"  gql_channels create ({label}): " + " | ".join(s[:60] for s in statements))
        ok = count <= TARGET_CREATE_STATEMENTS and whole
        lines.append(
            f"create ({label}): {count} SQL statements (target <= {TARGET_CREATE_STATEMENTS}), "
            f"{'one transaction or one statement' if whole else 'NOT atomic'} {'met' if ok else 'MISSED'}"
        )
    return lines


def chart(
    path: Path, scenarios: list[Scenario], memory: dict[str, tuple[float, float, float]], idle: int, title: str
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    legacy = [s for s in scenarios if s.group == "legacy"]
    panels: list[tuple[str, list[tuple[str, float, float]]]] = [
        ("gql_channels / rest_framework_channels\n(targets: list, retrieve 1.3x; create 1.1x)",
         [(s.name, s.ratio("gql", "drf"), TARGET_VS_DRF[s.kind]) for s in legacy]),
        (f"gql_channels / consumer floor\n(target >= {TARGET_VS_FLOOR}x)", [(s.name, s.ratio("gql", "cfloor"), TARGET_VS_FLOOR) for s in legacy]),
        (f"gql_channels DCRF consumers / djangochannelsrestframework 1.3.0\n(target >= {TARGET_VS_DCRF}x)",
         [(s.name.replace("DCRF ", ""), s.ratio("gql", "dcrf"), TARGET_VS_DCRF) for s in scenarios if s.group in ("dcrf", "event")]),
        (f"GraphQL POST: example server / plain Strawberry\n(target >= {TARGET_GRAPHQL}x)",
         [(s.name.replace("GraphQL POST, ", ""), s.ratio("gql", "plain"), TARGET_GRAPHQL) for s in scenarios if s.group == "graphql"]),
    ]
    slow = json.loads(SLOW_JSON.read_text()) if SLOW_JSON.exists() else None
    fanout = json.loads(FANOUT_JSON.read_text()) if FANOUT_JSON.exists() else None
    extra = int(bool(memory)) + int(slow is not None) + int(fanout is not None)
    columns = 3
    rows = (len(panels) + extra + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(19, 6.2 * rows), squeeze=False)
    cells = iter(axes.flat)

    def bars(ax: Any, labels: list[str], values: list[float], targets: list[float], above: bool = True, unit: str = "x") -> None:
        colors = ["#2e7d32" if (v >= t if above else v <= t) else "#c62828" for v, t in zip(values, targets, strict=True)]
        positions = range(len(values))
        ax.bar(positions, values, color=colors, width=0.7)
        top = max(values + targets) or 1
        for x, (v, t) in enumerate(zip(values, targets, strict=True)):
            ax.hlines(t, x - 0.45, x + 0.45, colors="black", linestyles="--", linewidth=1.5)
            y = max(v, t) if abs(v - t) < 0.06 * top else v  # clear of the target line
            ax.text(x, y + 0.015 * top, f"{v:.2f}{unit}" if unit == "x" else f"{v:.0f}{unit}", ha="center", va="bottom", fontsize=8)
        ax.set_xticks(list(positions), labels, rotation=35, ha="right", fontsize=8)
        ax.set_ylim(0, 1.18 * top)
        ax.grid(axis="y", alpha=0.3)

    for heading, items in panels:
        ax = next(cells)
        if items:
            bars(ax, [i[0] for i in items], [i[1] for i in items], [i[2] for i in items])
        ax.set_title(heading, fontsize=10)
        ax.set_ylabel("ratio of throughputs (median of per-round ratios)", fontsize=8)
    if memory:
        ax = next(cells)
        whos = list(memory)
        deltas = [memory[w][2] for w in whos]
        colors = ["#9e9e9e" if w != "gql" else "#2e7d32" if d < TARGET_MEMORY_MB else "#c62828" for w, d in zip(whos, deltas, strict=True)]
        ax.bar(range(len(whos)), deltas, color=colors, width=0.6)
        ax.axhline(TARGET_MEMORY_MB, color="black", linestyle="--", linewidth=1.5)
        for x, d in enumerate(deltas):
            ax.text(x, d + 1, f"{d:.1f} MB", ha="center", va="bottom", fontsize=9)
        ax.set_xticks(range(len(whos)), [SHORT[w] for w in whos], rotation=20, ha="right", fontsize=8.5)
        ax.set_ylim(0, 1.2 * max([TARGET_MEMORY_MB, *deltas]))
        ax.set_title(f"RSS added by {idle:,} idle legacy connections\n(gql_channels: < {TARGET_MEMORY_MB:.0f} MB)", fontsize=10)
        ax.set_ylabel("MB")
        ax.grid(axis="y", alpha=0.3)
    if slow is not None:
        ax = next(cells)
        labels, values, targets = [], [], []
        for row in slow["rows"]:
            labels.append(f"{row['contender']}\np99 alone / with slow")
            values.append(row["with"]["p99"])
            targets.append(max(row["without"]["p99"] * 2, 1.0))
        positions = range(len(labels))
        ax.bar([p - 0.2 for p in positions], [r["without"]["p99"] for r in slow["rows"]], width=0.4, color="#9e9e9e", label="without the slow query")
        ax.bar([p + 0.2 for p in positions], values, width=0.4,
               color=["#2e7d32" if r["unaffected"] else "#c62828" for r in slow["rows"]], label="while pg_sleep(2) runs")
        for x, v in enumerate(values):
            ax.text(x + 0.2, v, f"{v:.0f} ms", ha="center", va="bottom", fontsize=8)
        ax.set_xticks(list(positions), [r["contender"] for r in slow["rows"]], rotation=20, ha="right", fontsize=8)
        ax.set_ylabel("p99 retrieve latency of the 20 other connections (ms)", fontsize=8)
        ax.set_yscale("log")
        ax.legend(fontsize=8)
        ax.set_title(f"one slow query (pg_sleep(2)) on one connection\n(green: as if it were not there)\ncode {slow['code']}", fontsize=10)
    if fanout is not None:
        ax = next(cells)
        rows_ = fanout["rows"]
        labels = [r["contender"] for r in rows_]
        p99 = [r["latency_ms"]["p99"] for r in rows_]
        positions = range(len(labels))
        colors = ["#2e7d32" if (v <= fanout["target_p99_ms"] or not r["gql"]) else "#c62828" for v, r in zip(p99, rows_, strict=True)]
        colors = [c if r["gql"] else "#9e9e9e" for c, r in zip(colors, rows_, strict=True)]
        ax.bar(list(positions), p99, color=colors, width=0.6)
        ax.axhline(fanout["target_p99_ms"], color="black", linestyle="--", linewidth=1.5)
        for x, r in enumerate(rows_):
            ax.text(x, p99[x], f"{p99[x]:.0f} ms\n{r['queries_per_write_per_process']:.1f} q/write/proc", ha="center", va="bottom", fontsize=8)
        ax.set_xticks(list(positions), labels, rotation=20, ha="right", fontsize=8)
        ax.set_ylabel("p99 write -> event at the subscribers (ms)", fontsize=8)
        ax.set_ylim(0, 1.3 * max([*p99, fanout["target_p99_ms"]]))
        ax.set_title(
            f"fan-out: 1 write -> {fanout['subscribers']:,} subscribers over 2 processes\n"
            f"(gql_channels: p99 <= {fanout['target_p99_ms']:.0f} ms, <= 2 queries/write/process)\ncode {fanout['code']}",
            fontsize=10,
        )
    for ax in cells:
        ax.axis("off")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


# -- main ------------------------------------------------------------------------------------------


async def measure(sizes: Sizes, rows: int, book_pk: int, log_dir: Path, skip_memory: bool) -> tuple[list[Scenario], dict, dict]:
    messages = Messages(rows)
    print("in-process (WebsocketCommunicator on the bare consumers); ORM floor = ORM + json.dumps through one thread hop")
    scenarios, queries = await in_process(sizes, messages, book_pk)

    print("\nover a socket (uvicorn on 127.0.0.1)")
    servers = {
        "gql": Server("example_project.asgi:application", log_dir),
        "drf": Server("benchmarks.drf_app:application", log_dir),
        "cfloor": Server("benchmarks.floor_app:application", log_dir),
        "dcrf": Server("benchmarks.dcrf_app:server", log_dir, "--factory"),
        "plain": Server("benchmarks.legacy_vs_drf:plain_strawberry_app", log_dir, "--factory"),
    }
    try:
        scenarios += await over_sockets(sizes, messages, servers, "legacy")
        print("\nthe DCRF dialect over a socket: the example's /ws/articles/ vs DCRF's")
        scenarios += await over_sockets(sizes, messages, servers, "dcrf")
        print("\nGraphQL over HTTP: the example server vs plain Strawberry (GraphQLProtocolTypeRouter)")
        scenarios += await graphql_http(sizes, servers["gql"], servers["plain"])
    finally:
        stop_all(list(servers.values()))

    memory: dict[str, tuple[float, float, float]] = {}
    if not skip_memory:
        print(f"\nmemory: {sizes.idle:,} idle clients on a fresh server each")
        for who, target in (("gql", "example_project.asgi:application"), ("drf", "benchmarks.drf_app:application")):
            server = Server(target, log_dir)
            try:
                memory[who] = await idle_memory(server, sizes.idle)
            finally:
                server.stop()
    return scenarios, queries, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 rounds of small batches (a minute or two)")
    parser.add_argument("--idle", type=int, default=1000, help="idle connections of the memory scenario")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--chart", type=Path, default=RESULTS / "results.png")
    args = parser.parse_args()
    if args.quick:
        sizes = Sizes(rounds=3, in_process=40, sequential=40, connections=20, per_connection=5, http=40, events=10, idle=args.idle)
    else:
        sizes = Sizes(
            rounds=args.rounds, in_process=200, sequential=100, connections=20, per_connection=20, http=100, events=50, idle=args.idle
        )
    raise_fd_limit(2 * args.idle + 512)
    started = time.perf_counter()
    label, diff = code_state()
    with tempfile.TemporaryDirectory(prefix="legacy_vs_drf-") as tmp:
        configure(Path(tmp) / "bench.sqlite3")
        book_pk = seed(args.rows)
        print(
            f"seeded {args.rows:,} articles in {time.perf_counter() - started:.1f} s; {sizes.rounds} rounds, "
            f"contenders interleaved; batches: {sizes.in_process} in-process, {sizes.sequential} on one socket, "
            f"{sizes.connections}x{sizes.per_connection} concurrent, {sizes.http} GraphQL POSTs, {sizes.events} writes; "
            f"{os.cpu_count()} CPUs, DEBUG={os.environ.get('DJANGO_DEBUG', '0') == '1'}\ncode: {label}\n"
        )
        scenarios, queries, memory = run(measure(sizes, args.rows, book_pk, Path(tmp), args.skip_memory))
    if DIFFERENCES:
        print(f"\n{len(DIFFERENCES)} DIFFERENCE(S) between contenders' replies (found before timing):")
        for line in DIFFERENCES:
            print(f"  - {line}")
    lines = report(scenarios, queries, memory, sizes.idle)
    title = (
        f"gql_channels vs rest_framework_channels 0.0.7, djangochannelsrestframework 1.3.0, a consumer floor, plain Strawberry\n"
        f"{args.rows:,} rows, {sizes.rounds} interleaved rounds{' (--quick)' if args.quick else ''}, {os.cpu_count()} CPUs, code {label}"
    )
    chart(args.chart, scenarios, memory, sizes.idle, title)
    missed = [line for line in lines if line.endswith("MISSED")]
    print(f"\ntargets: {len(lines) - len(missed)} of {len(lines)} met")
    for line in missed:
        print(f"  missed: {line}")
    if code_state()[1] != diff:
        print("\nWARNING: the library's code changed during the run; scenarios may have run different versions.")
    print(f"chart: {args.chart}\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
