"""Load on a real server (issue 7): the example under uvicorn on 127.0.0.1, driven by many legacy clients.

- 1,000 legacy connections, all open at once, each sending 20 mixed messages: 0 errors, every reply
  matched to its ``request_id``.
- 50 connections creating rows concurrently: exactly the expected rows, unique ids, every reply 201.

Each scenario runs on a server of its own (its own process and database, seeded like ``make demo``), so
the session's ``demo_server`` and the other tests never see this load; both run on SQLite (the demo's
default) and on a fresh PostgreSQL database.

These are correctness tests, bounded by message counts, never by the clock: a busy machine makes
replies wait longer in the server's queue (p99 about 11 s on an idle 2-core machine), it never makes
them stop. So the only time limit is a watchdog on progress: the test fails as hung when no reply at
all has arrived for ``STALL_TIMEOUT``. Throughput is measured in ``benchmarks/``; the figures printed
here only describe the run.

What "an error" is here: anything but the exact reply expected for the message. A transport failure
(handshake refused, connection closed, the server hung), a frame that is
not a JSON envelope, a reply whose ``request_id`` was not sent (or was already answered), a request left
without a reply, a status other than the expected one (so any 5xx), or data other than the seeded
data. Replies with an *expected* 4xx status (an unknown route's 405, a missing object's 404, an invalid
page's 404, an anonymous write's 403) are part of the mix and are checked like the others: they are
counted as ``expected_4xx`` in the figures, not as errors.

Figures (throughput, latency p50/p90/p99/max of every message, from just before its frame is sent to
its reply parsed) are printed on one line per scenario, recorded with ``record_property`` (junit XML)
and written to ``<pytest basetemp>/load-figures.json``. The client runs in the test process on the same
machine as the server: on 2 cores they share the CPU, so the figures are this machine's, client included.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from .conftest import (
    fresh_postgres_database,
    prepare_demo_database,
    session_cookie,
    start_server,
    stop_server,
)

ROOT = Path(__file__).resolve().parent.parent

CONNECTIONS = 1000
MESSAGES_PER_CONNECTION = 20
#: Messages a load client sends back to back before reading their replies (which may come in any order).
BURST = 5
#: Handshakes in progress at once while the 1,000 connections open.
HANDSHAKES_AT_ONCE = 100
CREATORS = 50
#: Creates each creator sends back to back on its connection.
CREATES_PER_CREATOR = 10
#: The server is hung when no reply at all (on any connection) has arrived for this long.
STALL_TIMEOUT = 120.0
#: How often a waiting client looks at the watchdog.
POLL = 5.0
#: Errors shown when a scenario fails (all are counted).
SHOWN_ERRORS = 20

#: Both scenarios run on the demo's SQLite and on PostgreSQL (which needs the example's persistent
#: connections: with a new connection per message the mixed run took 141 s, replies waiting up to 49 s).
MIXED_BACKENDS = ["sqlite", "postgresql"]
CREATE_BACKENDS = ["sqlite", "postgresql"]
#: Messages sent one at a time on one connection before the load: the latency without queueing.
IDLE_CONNECTIONS_REPLAYED = 10


# --- a private server -------------------------------------------------------------------------------


@dataclass
class Server:
    address: str
    env: dict[str, str]
    process: subprocess.Popen
    #: uvicorn's log, for failure messages.
    log: Path

    @property
    def url(self) -> str:
        return f"ws://{self.address}/ws/"

    def check_alive(self) -> None:
        assert self.process.poll() is None, f"the server died: {self.log_tail()}"

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@contextmanager
def private_server(backend: str, directory: Path, name: str) -> Iterator[Server]:
    """The example under uvicorn on a free loopback port, on a fresh seeded database of its own."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "example_project.settings"}
    env.pop("REDIS_URL", None)  # the demo's in-memory channel layer: nothing shared with other servers
    if backend == "postgresql":
        env["DATABASE_URL"] = fresh_postgres_database(name)
    else:
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(directory / f"{name}.sqlite3")
    prepare_demo_database(env)
    log = directory / f"{name}.log"
    process, address = start_server(env, log=log)
    try:
        yield Server(address, env, process, log)
    finally:
        stop_server(process)


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) used so far by process ``pid``, where /proc tells it."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def orm(server: Server, code: str) -> Any:
    """Run ``code`` (ending with ``print(json.dumps(...))``) in ``manage.py shell`` on the server's database."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", f"import json\n{code}"],
        cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- figures ------------------------------------------------------------------------------------------


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def latency_ms(latencies: list[float], prefix: str = "") -> dict[str, float]:
    ordered = sorted(latencies)
    named = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))
    return {f"{prefix}{name}_ms": round(percentile(ordered, q) * 1000, 1) for name, q in named}


def figures(latencies: list[float], elapsed: float, **extra: Any) -> dict[str, Any]:
    return {
        **extra,
        "messages": len(latencies),
        "seconds": round(elapsed, 3),
        "throughput_msg_per_s": round(len(latencies) / elapsed, 1),
        **latency_ms(latencies),
    }


def report(
    scenario: str, measured: dict[str, Any], record_property: Callable[[str, Any], None],
    capsys: pytest.CaptureFixture[str], tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Record the figures three ways: junit property, a JSON file for the session, one printed line."""
    for key, value in measured.items():
        record_property(key, value)
    path = tmp_path_factory.getbasetemp() / "load-figures.json"
    everything = json.loads(path.read_text()) if path.exists() else {}
    everything[scenario] = measured
    path.write_text(json.dumps(everything, indent=2) + "\n")
    line = (
        f"load {scenario}: {measured['messages']} msgs in {measured['seconds']:.2f} s = "
        f"{measured['throughput_msg_per_s']:.0f} msg/s; latency p50 {measured['p50_ms']} ms, "
        f"p90 {measured['p90_ms']} ms, p99 {measured['p99_ms']} ms, max {measured['max_ms']} ms"
    )
    if "idle_p50_ms" in measured:
        line += f"; one client alone: p50 {measured['idle_p50_ms']} ms, p99 {measured['idle_p99_ms']} ms"
    if measured.get("server_cpu_ms_per_msg") is not None:
        line += f"; server CPU {measured['server_cpu_ms_per_msg']} ms/msg"
    line += f" ({path})"
    with capsys.disabled():
        print(f"\n{line}")


# --- the mixed messages -------------------------------------------------------------------------------

#: The seeded library (seed_demo): book pk -> (title, author pk, tag pks).
BOOKS = {
    1: ("A Wizard of Earthsea", 1, [1, 2]),
    2: ("The Left Hand of Darkness", 1, [1]),
    3: ("Ficciones", 2, [1, 2]),
    4: ("Cosmos", 3, [3]),
    5: ("Pale Blue Dot", 3, []),
}
AUTHORS = ["Ursula K. Le Guin", "Jorge Luis Borges", "Carl Sagan"]


def article(pk: int) -> dict[str, Any]:
    return {"id": pk, "title": f"Title{pk}", "content": f"Content{pk}"}


def page_link(route: str, page: int, last: int, extra: str = "") -> str | None:
    if page < 1 or page > last:
        return None
    query = "&".join(part for part in (f"page={page}" if page > 1 else "", extra) if part)
    return f"{route}?{query}" if query else route


#: A check takes the reply and returns what is wrong with it, or None.
Check = Callable[[dict[str, Any]], "str | None"]


def expect(status: int, data: Any = None, errors: Any = None) -> Check:
    def check(reply: dict[str, Any]) -> str | None:
        wanted = {"errors": errors if errors is not None else [], "data": data, "status": status}
        got = {key: reply.get(key) for key in wanted}
        return None if got == wanted else f"expected {wanted}, got {got}"

    return check


def mixed_message(c: int, n: int) -> tuple[str, str, dict[str, Any], Check]:
    """Message ``n`` of connection ``c``: (kind, action, extra keys, check). Every kind comes up evenly."""
    kind = MIXED_KINDS[(c * 7 + n) % len(MIXED_KINDS)]
    i = c + n  # spreads pages and pks over the connections
    if kind in ("page", "connection"):  # page numbers over an offset field, and over a list connection
        p = i % 10 + 1
        route = "test_child_route/" if kind == "page" else "connection/articles/"
        data = {
            "count": 100, "next": page_link(route, p + 1, 10), "previous": page_link(route, p - 1, 10),
            "results": [article(pk) for pk in range((p - 1) * 10 + 1, p * 10 + 1)],
        }
        return kind, "list", {"route": f"{route}?page={p}"}, expect(200, data)
    if kind == "page_size":
        p = i % 4 + 1
        route = "test_child_route/"
        data = {
            "count": 100, "next": page_link(route, p + 1, 4, "page_size=25"),
            "previous": page_link(route, p - 1, 4, "page_size=25"),
            "results": [article(pk) for pk in range((p - 1) * 25 + 1, p * 25 + 1)],
        }
        return kind, "list", {"route": f"{route}?page_size=25&page={p}"}, expect(200, data)
    if kind == "retrieve":
        pk = i % 100 + 1
        return kind, "retrieve", {"route": f"test_child_route/{pk}/"}, expect(200, article(pk))
    if kind == "retrieve_articles":
        pk = (i * 37) % 100 + 1
        return kind, "retrieve", {"route": f"articles/{pk}/"}, expect(200, article(pk))
    if kind == "filter":
        author = i % 3 + 1
        ids = sorted((pk for pk, book in BOOKS.items() if book[1] == author), reverse=True)
        route = f"books/?author={author}&ordering=-id"

        def check_filter(reply: dict[str, Any]) -> str | None:
            data = reply.get("data") or {}
            got = (reply.get("status"), data.get("count"), [r.get("id") for r in data.get("results", [])])
            return None if got == (200, len(ids), ids) else f"expected 200 with books {ids}, got {reply}"

        return kind, "list", {"route": route}, check_filter
    if kind == "book":
        pk = i % 5 + 1
        title, author, tags = BOOKS[pk]

        def check_book(reply: dict[str, Any]) -> str | None:
            data = reply.get("data") or {}
            got = (reply.get("status"), data.get("id"), data.get("title"), data.get("author"), data.get("tags"))
            return None if got == (200, pk, title, author, tags) else f"expected book {pk}, got {reply}"

        return kind, "retrieve", {"route": f"books/{pk}/"}, check_book
    if kind == "offset":
        offset = (i * 5) % 95
        route = "offset/articles/"
        data = {
            "count": 100,
            "next": f"{route}?limit=5&offset={offset + 5}",
            "previous": None if offset == 0 else (f"{route}?limit=5" if offset <= 5 else f"{route}?limit=5&offset={offset - 5}"),
            "results": [article(pk) for pk in range(offset + 1, offset + 6)],
        }
        return kind, "list", {"route": f"{route}?offset={offset}&limit=5"}, expect(200, data)
    if kind == "cursor":

        def check_cursor(reply: dict[str, Any]) -> str | None:
            data = reply.get("data") or {}
            ids = [r.get("id") for r in data.get("results", [])]
            ok = reply.get("status") == 200 and ids == list(range(1, 11)) and data.get("previous") is None
            ok = ok and str(data.get("next", "")).startswith("cursor/articles/?cursor=")
            return None if ok else f"expected the first cursor page, got {reply}"

        return kind, "list", {"route": "cursor/articles/"}, check_cursor
    if kind == "authors":

        def check_authors(reply: dict[str, Any]) -> str | None:
            names = [a.get("name") for a in reply.get("data") or []]
            return None if (reply.get("status"), names) == (200, AUTHORS) else f"expected the 3 authors, got {reply}"

        return kind, "list", {"route": "authors/"}, check_authors
    if kind == "missing":
        route = f"test_child_route/{100_000 + c}/"
        return kind, "retrieve", {"route": route}, expect(404, errors=[{"detail": "No Article matches the given query."}])
    if kind == "unknown_route":
        return kind, "list", {"route": f"nowhere/{c}/"}, expect(405, errors=['Action "list" not allowed in message body.'])
    if kind == "invalid_page":
        return kind, "list", {"route": "test_child_route/?page=999"}, expect(404, errors=[{"detail": "Invalid page."}])
    if kind == "anonymous_write":
        extra = {"route": "books/", "data": {"title": "never", "author": 1}}
        return kind, "create", extra, expect(403, errors=["You do not have permission to perform this action."])
    raise AssertionError(kind)


MIXED_KINDS = [
    "page", "retrieve", "filter", "page_size", "book", "offset", "retrieve_articles", "missing",
    "cursor", "connection", "authors", "unknown_route", "page", "retrieve", "invalid_page", "anonymous_write",
]


def connection_plan(c: int) -> list[list[tuple[str, dict[str, Any], Check]]]:
    """Connection ``c``'s 20 messages in bursts of ``BURST``, as (kind, message, check).

    The first message subscribes to a book's route and the last unsubscribes from it with the same
    ``request_id`` (the protocol's key for a subscription): so they are in different bursts, and no
    ``request_id`` is sent twice within a burst. No book changes meanwhile, so no event is pushed.
    """
    book = c % 5 + 1
    sub_id = f"sub-{c}"
    plan: list[tuple[str, dict[str, Any], Check]] = [
        ("subscribe", {"action": "subscribe", "route": f"books/{book}/", "request_id": sub_id}, expect(201)),
    ]
    for n in range(1, MESSAGES_PER_CONNECTION - 1):
        kind, action, extra, check = mixed_message(c, n)
        # request_ids of both JSON types: replies must echo them as sent.
        request_id: int | str = c * 1000 + n if n % 2 else f"{c}/{n}"
        plan.append((kind, {"action": action, **extra, "request_id": request_id}, check))
    plan.append(("unsubscribe", {"action": "unsubscribe", "route": f"books/{book}/", "request_id": sub_id}, expect(204)))
    assert len(plan) == MESSAGES_PER_CONNECTION
    return [plan[start:start + BURST] for start in range(0, len(plan), BURST)]


# --- the clients --------------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    replies: int = 0
    last_reply: float = 0.0
    #: When the server last showed progress (a reply, or the scenario starting): the watchdog's clock.
    progress: float = field(default_factory=time.perf_counter)

    def error(self, message: str) -> None:
        self.errors.append(message[:500])

    def stalled(self) -> bool:
        return time.perf_counter() - self.progress > STALL_TIMEOUT


async def until_progress_stops(operation: Callable[[], Any], tally: Tally) -> Any:
    """Await ``operation()`` however long the server takes, as long as it answers someone meanwhile."""
    task = asyncio.ensure_future(operation())
    while True:
        done, _ = await asyncio.wait({task}, timeout=POLL)
        if done:
            return task.result()
        if tally.stalled():
            task.cancel()
            raise TimeoutError(f"no reply from the server on any connection for {STALL_TIMEOUT} s")


async def exchange_burst(
    socket: ClientConnection, who: str, burst: list[tuple[str, dict[str, Any], Check]], tally: Tally
) -> list[dict[str, Any]]:
    """Send ``burst`` back to back, then read until every message has its one reply; return the replies."""
    pending: dict[Any, tuple[float, str, dict[str, Any], Check]] = {}
    for kind, message, check in burst:
        assert message["request_id"] not in pending
        pending[message["request_id"]] = (time.perf_counter(), kind, message, check)
        await until_progress_stops(lambda message=message: socket.send(json.dumps(message)), tally)
    replies = []
    while pending:
        try:
            frame = await until_progress_stops(socket.recv, tally)
        except TimeoutError as hung:
            tally.error(f"{who}: {hung}; still waiting for request_ids {sorted(map(str, pending))}")
            return replies
        received = time.perf_counter()
        tally.progress = received
        try:
            reply = json.loads(frame)
            assert isinstance(reply, dict) and list(reply)[:5] == ["errors", "data", "action", "route", "status"]
        except (ValueError, AssertionError):
            tally.error(f"{who}: not a legacy envelope: {frame!r}")
            continue
        request_id = reply.get("request_id", "<none>")
        if request_id not in pending:
            tally.error(f"{who}: a reply to request_id {request_id!r}, not awaited (unknown or answered twice): {reply}")
            continue
        sent, kind, message, check = pending.pop(request_id)
        tally.latencies.append(received - sent)
        tally.replies += 1
        tally.last_reply = max(tally.last_reply, received)
        tally.statuses[reply.get("status")] += 1
        tally.kinds[kind] += 1
        echoed = (reply.get("action"), reply.get("route"))
        problem = check(reply)
        if echoed != (message["action"], message["route"]):
            problem = f"action/route not echoed: {echoed}"
        if problem:
            tally.error(f"{who} {kind} {message}: {problem}")
        replies.append(reply)
    return replies


async def open_connection(url: str, handshakes: asyncio.Semaphore, tally: Tally, **options: Any) -> ClientConnection:
    async with handshakes:
        socket = await until_progress_stops(lambda: connect(url, open_timeout=None, **options), tally)
        tally.progress = time.perf_counter()  # an accepted handshake is progress too
        return socket


async def close_all(sockets: list[ClientConnection]) -> None:
    await asyncio.wait_for(asyncio.gather(*(s.close() for s in sockets), return_exceptions=True), STALL_TIMEOUT)


# --- 1,000 connections × 20 mixed messages ------------------------------------------------------------


async def one_client_alone(server: Server, tally: Tally) -> None:
    """The plans of the first connections, one message at a time on one connection: latency without queueing."""
    socket = await open_connection(server.url, asyncio.Semaphore(1), tally)
    try:
        for c in range(IDLE_CONNECTIONS_REPLAYED):
            for burst in connection_plan(c):
                for message in burst:
                    await exchange_burst(socket, f"alone, plan {c}", [message], tally)
    finally:
        await close_all([socket])


async def thousand_connections(server: Server, tally: Tally) -> dict[str, float | None]:
    """Open every connection, then run every connection's bursts at once; return the phases' figures."""
    handshakes = asyncio.Semaphore(HANDSHAKES_AT_ONCE)
    started = time.perf_counter()
    opened = await asyncio.gather(
        *(open_connection(server.url, handshakes, tally) for _ in range(CONNECTIONS)), return_exceptions=True
    )
    connected = time.perf_counter() - started
    sockets = [s for s in opened if isinstance(s, ClientConnection)]
    for failure in (s for s in opened if not isinstance(s, ClientConnection)):
        tally.error(f"handshake failed: {failure!r}")

    async def converse(c: int, socket: ClientConnection) -> None:
        try:
            for burst in connection_plan(c):
                await exchange_burst(socket, f"connection {c}", burst, tally)
        except Exception as exc:  # noqa: BLE001 - a transport failure is counted, the others go on
            tally.error(f"connection {c}: {exc!r}")

    cpu_before = cpu_seconds(server.process.pid)
    go = time.perf_counter()
    try:
        await asyncio.gather(*(converse(c, s) for c, s in enumerate(sockets)))
        cpu_after = cpu_seconds(server.process.pid)
    finally:
        await close_all(sockets)
    seconds = (tally.last_reply or time.perf_counter()) - go
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return {"connect_seconds": connected, "seconds": seconds, "server_cpu_seconds": cpu}


def assert_no_errors(tally: Tally, expected: int, server: Server) -> None:
    assert not tally.errors, (
        f"{len(tally.errors)} errors in {expected} messages; first {SHOWN_ERRORS}:\n"
        + "\n".join(tally.errors[:SHOWN_ERRORS]) + f"\nserver log:\n{server.log_tail()}"
    )
    assert tally.replies == expected
    assert not [status for status in tally.statuses if status >= 500]


@pytest.mark.parametrize("backend", MIXED_BACKENDS)
async def test_thousand_connections_twenty_mixed_messages_each(
    backend: str, tmp_path: Path, record_property: Any, capsys: pytest.CaptureFixture[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    alone, tally = Tally(), Tally()
    with private_server(backend, tmp_path, "gql_channels_load_mixed") as server:
        await one_client_alone(server, alone)
        phases = await thousand_connections(server, tally)
        server.check_alive()
    server_errors = [line for line in server.log.read_text(errors="replace").splitlines() if "Traceback" in line or "ERROR" in line]

    assert_no_errors(alone, IDLE_CONNECTIONS_REPLAYED * MESSAGES_PER_CONNECTION, server)
    assert_no_errors(tally, CONNECTIONS * MESSAGES_PER_CONNECTION, server)
    assert not server_errors, server.log_tail()
    # Every kind of message was sent and answered.
    assert set(tally.kinds) == {*MIXED_KINDS, "subscribe", "unsubscribe"}
    cpu = phases["server_cpu_seconds"]
    measured = {
        **figures(tally.latencies, phases["seconds"], backend=backend, connections=CONNECTIONS,
                  messages_per_connection=MESSAGES_PER_CONNECTION, burst=BURST),
        "connect_seconds": round(phases["connect_seconds"], 3),
        "expected_4xx": sum(n for status, n in tally.statuses.items() if status >= 400),
        "errors": len(tally.errors),
        "server_cpu_ms_per_msg": None if cpu is None else round(cpu / tally.replies * 1000, 2),
        **latency_ms(alone.latencies, "idle_"),
    }
    report(f"mixed-{backend}", measured, record_property, capsys, tmp_path_factory)


# --- 50 connections creating rows ---------------------------------------------------------------------

CREATED_ROWS = """
from example_project.demo.models import Article, Book
print(json.dumps({
    "articles": [[a.id, a.title, a.content] for a in Article.objects.filter(title__startswith="load ")],
    "books": [
        [b.id, b.title, b.pages, b.author_id, sorted(t.id for t in b.tags.all())]
        for b in Book.objects.filter(title__startswith="load ").prefetch_related("tags")
    ],
    "article_count": Article.objects.count(),
    "book_count": Book.objects.count(),
}))
"""


def creator_plan(c: int) -> list[tuple[str, dict[str, Any], Check]]:
    """Creator ``c``'s creates: articles anonymously (even ``c``), books as an editor (odd ``c``)."""
    plan: list[tuple[str, dict[str, Any], Check]] = []
    for k in range(CREATES_PER_CREATOR):
        if c % 2 == 0:
            data = {"title": f"load {c}-{k}", "content": f"content {c}-{k}"}
            route = "articles/"
        else:
            data = {"title": f"load {c}-{k}", "pages": k, "author": c % 3 + 1, "tags": [k % 3 + 1]}
            route = "books/"

        def check(reply: dict[str, Any], data: dict[str, Any] = data) -> str | None:
            got = reply.get("data") or {}
            ok = reply.get("status") == 201 and reply.get("errors") == [] and type(got.get("id")) is int
            ok = ok and all(got.get(key) == value for key, value in data.items())
            return None if ok else f"expected 201 with {data}, got {reply}"

        plan.append(("create", {"action": "create", "route": route, "data": data, "request_id": f"{c}/{k}"}, check))
    return plan


async def fifty_creators(server: Server, cookie: str, tally: Tally) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Every creator sends its creates at once; then one list counts the articles over the protocol."""
    handshakes = asyncio.Semaphore(CREATORS)
    editor = {"additional_headers": {"Cookie": cookie}}
    opened = await asyncio.gather(
        *(open_connection(server.url, handshakes, tally, **(editor if c % 2 else {})) for c in range(CREATORS)),
        return_exceptions=True,
    )
    sockets = [s for s in opened if isinstance(s, ClientConnection)]
    try:
        failures = [s for s in opened if not isinstance(s, ClientConnection)]
        assert not failures, f"handshakes failed: {failures[:SHOWN_ERRORS]}"
        cpu_before = cpu_seconds(server.process.pid)
        go = time.perf_counter()
        replies = await asyncio.gather(
            *(exchange_burst(socket, f"creator {c}", creator_plan(c), tally) for c, socket in enumerate(sockets))
        )
        cpu_after = cpu_seconds(server.process.pid)
        phases = {
            "seconds": (tally.last_reply or time.perf_counter()) - go,
            "server_cpu_seconds": None if cpu_before is None or cpu_after is None else cpu_after - cpu_before,
        }
        count = await exchange_burst(
            sockets[0], "count", [("count", {"action": "list", "route": "articles/", "request_id": "count"}, lambda r: None)], tally
        )
    finally:
        await close_all(sockets)
    return phases, [reply for per_socket in replies for reply in per_socket] + count


@pytest.mark.parametrize("backend", CREATE_BACKENDS)
async def test_fifty_connections_create_concurrently(
    backend: str, tmp_path: Path, record_property: Any, capsys: pytest.CaptureFixture[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    tally = Tally()
    with private_server(backend, tmp_path, "gql_channels_load_creates") as server:
        cookie = session_cookie(server.env, "load-editor", "demo.add_book")
        phases, replies = await fifty_creators(server, cookie, tally)
        server.check_alive()
        rows = orm(server, CREATED_ROWS)

    creates = CREATORS * CREATES_PER_CREATOR
    assert_no_errors(tally, creates + 1, server)
    *created, count = replies
    assert len(created) == creates and {r["status"] for r in created} == {201}
    articles = sorted([r["data"]["id"], r["data"]["title"], r["data"]["content"]] for r in created if r["route"] == "articles/")
    books = sorted(
        [r["data"]["id"], r["data"]["title"], r["data"]["pages"], r["data"]["author"], r["data"]["tags"]]
        for r in created if r["route"] == "books/"
    )
    expected_titles = {f"load {c}-{k}" for c in range(CREATORS) for k in range(CREATES_PER_CREATOR)}
    # Unique ids, one reply per create, and exactly those rows in the database: nothing lost, nothing extra.
    assert len({row[0] for row in articles}) == len(articles) == creates // 2
    assert len({row[0] for row in books}) == len(books) == creates // 2
    assert {row[1] for row in articles + books} == expected_titles
    assert sorted(rows["articles"]) == articles
    assert sorted(rows["books"]) == books
    assert (rows["article_count"], rows["book_count"]) == (100 + creates // 2, 5 + creates // 2)
    assert count["status"] == 200 and count["data"]["count"] == 100 + creates // 2

    cpu = phases["server_cpu_seconds"]
    measured = {
        **figures(tally.latencies[:creates], phases["seconds"], backend=backend, connections=CREATORS,
                  creates_per_connection=CREATES_PER_CREATOR),
        "errors": len(tally.errors),
        "server_cpu_ms_per_msg": None if cpu is None else round(cpu / creates * 1000, 2),
    }
    report(f"creates-{backend}", measured, record_property, capsys, tmp_path_factory)
