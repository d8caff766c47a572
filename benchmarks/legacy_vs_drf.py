"""Legacy messages through gql_channels vs rest_framework_channels 0.0.7, side by side in one run.

Seeds N articles (10,000 by default) into a throw-away SQLite file, then measures, round by round
with the contenders interleaved (their order alternating from round to round), fixed batches of
legacy messages for the seed page's routes (``list`` of ``test_child_route/?page=4``, ``retrieve``
of ``test_child_route/<pk>/``, ``create`` on ``articles/``):

- in-process, through ``channels.testing.WebsocketCommunicator`` (``ActionCommunicator`` for
  gql_channels), against the floor: the ORM work of the message (count + slice, a get, an insert)
  and a JSON encode through one thread hop (``await database_sync_to_async(fn)()``);
- over a real socket on uvicorn: one connection sending its messages one after the other, and
  20 connections doing so concurrently. gql_channels is ``example_project.asgi:application``,
  rest_framework_channels ``benchmarks/drf_app.py:application``;
- GraphQL over HTTP: the equivalent page query POSTed to the example server (which mounts
  ``GqlChannelsRouter``) vs a plain ``strawberry.channels.GraphQLProtocolTypeRouter`` of the same
  schema, both on uvicorn;
- memory: the RSS (``/proc/<pid>/status`` VmRSS) of a fresh uvicorn process before and while
  1,000 idle legacy WebSocket clients are connected to ``/ws/``.

Prints medians, min-max and the ratios gql_channels / rest_framework_channels (median of the
per-round ratios) and gql_channels / floor against the targets, the SQL queries per message, and
draws the ratios with their targets into a PNG (``--chart``).

    .venv/bin/python benchmarks/legacy_vs_drf.py [--rows 10000] [--rounds 15] [--quick] [--chart benchmarks/results.png]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "benchmarks.bench_settings"
PAGE = 4
LIST_ROUTE = f"test_child_route/?page={PAGE}"
PAGE_QUERY = f"{{ articles(pagination: {{offset: {(PAGE - 1) * 10}, limit: 10}}) {{ totalCount results {{ id title content }} }} }}"
SHORT = {"gql": "gql_channels", "drf": "rest_framework_channels", "floor": "floor", "plain": "plain Strawberry"}

#: Targets of the issue: gql_channels/rest_framework_channels, gql_channels/floor,
#: example server/plain Strawberry for GraphQL clients, MB for 1,000 idle connections.
TARGET_VS_DRF = 1.25
TARGET_VS_FLOOR = 0.5
TARGET_GRAPHQL = 0.95
TARGET_MEMORY_MB = 100.0


@dataclass
class Sizes:
    rounds: int
    in_process: int  # messages per batch, in-process
    sequential: int  # messages per batch, one socket
    connections: int  # concurrent sockets
    per_connection: int  # messages per concurrent socket and batch
    http: int  # GraphQL POSTs per batch
    idle: int  # idle connections of the memory scenario


@dataclass
class Scenario:
    """One scenario's timings: msgs/s per round, per contender."""

    name: str
    group: str  # "in-process", "socket", "graphql"
    rates: dict[str, list[float]] = field(default_factory=dict)

    def median(self, who: str) -> float:
        return statistics.median(self.rates[who])

    def ratio(self, who: str, other: str) -> float:
        """Median of the per-round ratios (the contenders ran side by side in each round)."""
        return statistics.median(a / b for a, b in zip(self.rates[who], self.rates[other], strict=True))


# -- set-up ---------------------------------------------------------------------------------------


def configure(db_path: Path) -> None:
    os.environ["SQLITE_PATH"] = str(db_path)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(rows: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from example_project.demo.models import Article

    call_command("migrate", verbosity=0)
    table = Article._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        batch = 50_000
        for start in range(1, rows + 1, batch):
            values = [(f"Title{i}", f"Content{i}") for i in range(start, min(start + batch, rows + 1))]
            cursor.executemany(f"INSERT INTO {table} (title, content) VALUES (%s, %s)", values)


def raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))  # inherited by the servers too


def plain_strawberry_app() -> Any:
    """``uvicorn --factory`` target: Strawberry's own Channels router over the example's schema."""
    from django.core.asgi import get_asgi_application

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    django_application = get_asgi_application()
    from strawberry.channels import GraphQLProtocolTypeRouter

    from schema import schema

    return GraphQLProtocolTypeRouter(schema, django_application=django_application)


class Server:
    """A uvicorn subprocess on a free loopback port, stopped by ``stop()`` (or at exit)."""

    def __init__(self, target: str, log_dir: Path, *extra: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        name = target.split(":")[-1] + f"-{self.port}"
        self.log = log_dir / f"{name}.log"
        command = [sys.executable, "-m", "uvicorn", target, *extra, "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--lifespan", "off", "--log-level", "warning", "--no-access-log"]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=log)
        deadline = time.monotonic() + 60
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

    @property
    def pid(self) -> int:
        return self.process.pid

    def url(self, scheme: str, path: str) -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def code_state() -> tuple[str, str]:
    """The commit and a fingerprint of uncommitted changes to the code the contenders run."""
    def git(*command: str) -> str:
        try:
            return subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    paths = ("gql_channels", "schema", "example_project", "benchmarks/drf_app.py", "benchmarks/bench_settings.py")
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


# -- messages and their checks ---------------------------------------------------------------------


class Messages:
    """The frames a batch sends, and what every reply must look like."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.counter = 0

    def frame(self, kind: str) -> str:
        self.counter += 1
        if kind == "list":
            message: dict[str, Any] = {"action": "list", "route": LIST_ROUTE}
        elif kind == "retrieve":
            message = {"action": "retrieve", "route": f"test_child_route/{self.pk(self.counter)}/"}
        else:
            message = {"action": "create", "route": "articles/", "data": {"title": f"Bench{self.counter}", "content": "bench"}}
        return json.dumps(message)

    def pk(self, n: int) -> int:
        return 1 + (n * 7919) % self.rows  # spread over the table, the same sequence for everyone

    @staticmethod
    def check(kind: str, text: str) -> None:
        reply = json.loads(text)
        if kind == "list":
            ok = reply["status"] == 200 and len(reply["data"]["results"]) == 10
        elif kind == "retrieve":
            ok = reply["status"] == 200 and reply["data"]["id"]
        else:
            ok = reply["status"] == 201 and reply["data"]["id"]
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


def communicator_batch(client: Any, kind: str, messages: Messages) -> Batch:
    async def run(n: int) -> None:
        for _ in range(n):
            await client.send_to(text_data=messages.frame(kind))
            messages.check(kind, (await client.receive_output(timeout=30))["text"])

    return run


def floor_batch(kind: str, messages: Messages) -> Batch:
    from channels.db import database_sync_to_async

    fn = floor_function(kind, messages)

    async def run(n: int) -> None:
        for _ in range(n):
            await database_sync_to_async(fn)()

    return run


def socket_batch(connections: list[Any], kind: str, messages: Messages) -> Batch:
    async def one(connection: Any, n: int) -> None:
        for _ in range(n):
            await connection.send(messages.frame(kind))
            messages.check(kind, await asyncio.wait_for(connection.recv(), 30))

    async def run(n: int) -> None:  # n messages on each connection
        await asyncio.gather(*(one(connection, n) for connection in connections))

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


# -- scenarios -------------------------------------------------------------------------------------


async def verify_equivalent(gql: Any, drf: Any, messages: Messages) -> None:
    """Both contenders answer the seed's message (and a retrieve, a create) the same way."""

    async def ask(client: Any, message: dict[str, Any]) -> dict[str, Any]:
        await client.send_json_to(message)
        return await client.receive_json_from(timeout=30)

    page = {"action": "list", "route": LIST_ROUTE}
    a, b = await ask(gql, page), await ask(drf, page)
    ids = list(range((PAGE - 1) * 10 + 1, PAGE * 10 + 1))
    assert [r["id"] for r in a["data"]["results"]] == ids, a
    assert a == b, f"page {PAGE} differs:\n{a}\n{b}"
    assert [r["title"] for r in a["data"]["results"]] == [f"Title{i}" for i in ids]
    retrieve = {"action": "retrieve", "route": f"test_child_route/{messages.pk(1)}/"}
    a, b = await ask(gql, retrieve), await ask(drf, retrieve)
    assert a == b and a["status"] == 200, (a, b)
    create = {"action": "create", "route": "articles/", "data": {"title": "Same", "content": "reply"}}
    a, b = await ask(gql, create), await ask(drf, create)
    assert a["status"] == b["status"] == 201 and b["data"]["id"] == a["data"]["id"] + 1, (a, b)
    assert {**a["data"], "id": 0} == {**b["data"], "id": 0}, (a, b)
    print(f"  equivalent replies: list page {PAGE} (ids {ids[0]}-{ids[-1]}), retrieve, create\n")


async def count_queries(gql: Any, drf: Any, messages: Messages) -> dict[str, dict[str, tuple[int, int]]]:
    """SQL statements per message, counted on every thread (informational): (all, without transaction control)."""
    from django.db.backends.utils import CursorWrapper

    seen: list[str] = []
    lock = threading.Lock()
    originals = CursorWrapper.execute, CursorWrapper.executemany

    def counting(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(self: Any, sql: str, *args: Any, **kwargs: Any) -> Any:
            with lock:
                seen.append(sql)
            return original(self, sql, *args, **kwargs)

        return wrapper

    control = ("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "COMMIT")
    CursorWrapper.execute, CursorWrapper.executemany = counting(originals[0]), counting(originals[1])
    counts: dict[str, dict[str, tuple[int, int]]] = {}
    try:
        for who, client in (("gql", gql), ("drf", drf)):
            counts[who] = {}
            for kind in ("list", "retrieve", "create"):
                await asyncio.sleep(0.05)
                seen.clear()
                await communicator_batch(client, kind, messages)(1)
                data = [sql for sql in seen if not sql.lstrip().upper().startswith(control)]
                counts[who][kind] = (len(seen), len(data))
    finally:
        CursorWrapper.execute, CursorWrapper.executemany = originals
    return counts


async def in_process(sizes: Sizes, messages: Messages) -> tuple[list[Scenario], dict[str, dict[str, int]]]:
    from channels.testing import WebsocketCommunicator

    from benchmarks.drf_app import DrfConsumer
    from example_project.consumers import LegacyConsumer
    from gql_channels.testing import ActionCommunicator

    async with ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") as gql:
        drf = WebsocketCommunicator(DrfConsumer.as_asgi(), "/ws/")
        assert (await drf.connect())[0], "rest_framework_channels refused the handshake"
        try:
            await verify_equivalent(gql, drf, messages)
            scenarios = []
            for kind in ("list", "retrieve", "create"):
                batches = {
                    "gql": communicator_batch(gql, kind, messages),
                    "drf": communicator_batch(drf, kind, messages),
                    "floor": floor_batch(kind, messages),
                }
                n = sizes.in_process
                scenarios.append(await interleave(Scenario(f"{kind}, in-process", "in-process"), batches, n, n, sizes.rounds))
            queries = await count_queries(gql, drf, messages)
            from example_project.asgi import application

            batches = {"gql": asgi_http_batch(application), "plain": asgi_http_batch(plain_strawberry_app())}
            n = sizes.http
            scenarios.append(await interleave(Scenario("GraphQL POST, in-process", "graphql"), batches, n, n, sizes.rounds))
        finally:
            await drf.disconnect()
    return scenarios, queries


async def open_sockets(url: str, count: int, parallel: int = 50) -> list[Any]:
    from websockets.asyncio.client import connect

    limit = asyncio.Semaphore(parallel)

    async def one() -> Any:
        async with limit:
            return await connect(url, proxy=None, max_size=None, open_timeout=30)

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def close_sockets(connections: list[Any]) -> None:
    await asyncio.gather(*(connection.close() for connection in connections), return_exceptions=True)


async def over_sockets(sizes: Sizes, messages: Messages, gql: Server, drf: Server) -> list[Scenario]:
    scenarios = []
    for concurrent in (False, True):
        count = sizes.connections if concurrent else 1
        n = sizes.per_connection if concurrent else sizes.sequential
        gql_sockets = await open_sockets(gql.url("ws", "/ws/"), count)
        drf_sockets = await open_sockets(drf.url("ws", "/ws/"), count)
        try:
            for kind in ("list", "retrieve", "create"):
                name = f"{kind}, {count} sockets x {n}" if concurrent else f"{kind}, 1 socket, sequential"
                batches = {
                    "gql": socket_batch(gql_sockets, kind, messages),
                    "drf": socket_batch(drf_sockets, kind, messages),
                }
                scenarios.append(await interleave(Scenario(name, "socket"), batches, n, n * count, sizes.rounds))
        finally:
            await close_sockets(gql_sockets + drf_sockets)
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
        assert replies[0] == replies[1] and replies[0]["data"]["articles"]["results"][0]["id"] == str((PAGE - 1) * 10 + 1), replies
        for count, n in ((1, sizes.http), (sizes.connections, max(1, sizes.http // sizes.connections))):
            name = "GraphQL POST, sequential" if count == 1 else f"GraphQL POST, {count} clients x {n}"
            batches = {who: http_batch(session, url, count) for who, url in urls.items()}
            scenarios.append(await interleave(Scenario(name, "graphql"), batches, n, n * count, sizes.rounds))
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
    return "met" if (value >= target if above else value < target) else "MISSED"


def report(scenarios: list[Scenario], queries: dict[str, dict[str, tuple[int, int]]], memory: dict[str, tuple[float, float, float]], idle: int) -> list[str]:
    lines = []
    width = 36
    head = f"{'scenario':{width}} {'contender':24} {'median/s':>9} {'min-max/s':>14}"
    print("\n" + head + f"   {'ratio':>6} {'med/med':>7} {'target':>7}  verdict")
    print("-" * (len(head) + 60))
    for scenario in scenarios:
        contenders = list(scenario.rates)
        base = {"in-process": "drf", "socket": "drf", "graphql": "plain"}[scenario.group]
        for index, who in enumerate(contenders):
            values = scenario.rates[who]
            label = scenario.name if index == 0 else ""
            row = f"{label:{width}} {SHORT[who]:24} {scenario.median(who):9.0f} {min(values):6.0f}-{max(values):<7.0f}"
            if who in (base, "floor"):
                target = TARGET_GRAPHQL if who == "plain" else TARGET_VS_DRF if who == "drf" else TARGET_VS_FLOOR
                ratio = scenario.ratio("gql", who)
                plain = scenario.median("gql") / scenario.median(who)
                row += f"   {ratio:5.2f}x {plain:6.2f}x {target:6.2f}x  {verdict(ratio, target):6}  gql_channels / {SHORT[who]}"
                lines.append(f"{scenario.name}: gql_channels / {SHORT[who]} = {ratio:.2f}x (target >= {target:.2f}x) {verdict(ratio, target)}")
            print(row)
    print("ratio: median of the per-round ratios (the verdict's); med/med: ratio of the medians\n")
    print(f"memory, {idle:,} idle legacy connections on one uvicorn process (VmRSS):")
    for who, (before, during, delta) in memory.items():
        row = f"  {SHORT[who]:24} {before:7.1f} MB -> {during:7.1f} MB: +{delta:6.1f} MB ({delta * 1024 / idle:5.1f} KB/connection)"
        if who == "gql":
            row += f"   target < {TARGET_MEMORY_MB:.0f} MB: {verdict(delta, TARGET_MEMORY_MB, above=False)}"
            lines.append(f"memory: +{delta:.1f} MB for {idle:,} idle connections (target < {TARGET_MEMORY_MB:.0f} MB) {verdict(delta, TARGET_MEMORY_MB, above=False)}")
        print(row)
    print("\nSQL statements per message (informational; in parentheses: without BEGIN/SAVEPOINT/RELEASE):")
    for who, counts in queries.items():
        print(f"  {SHORT[who]:24} " + ", ".join(f"{kind} {total} ({data})" for kind, (total, data) in counts.items()))
    return lines


def chart(path: Path, scenarios: list[Scenario], memory: dict[str, tuple[float, float, float]], idle: int, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    vs_drf = [s for s in scenarios if s.group != "graphql"]
    others = [(f"{s.name.split(',')[0]} vs floor", s.ratio("gql", "floor"), TARGET_VS_FLOOR) for s in scenarios if "floor" in s.rates]
    others += [(s.name.replace("GraphQL POST, ", "GraphQL POST\n"), s.ratio("gql", "plain"), TARGET_GRAPHQL) for s in scenarios if s.group == "graphql"]
    fig, axes = plt.subplots(1, 3, figsize=(17, 6.5), gridspec_kw={"width_ratios": [len(vs_drf) + 1, len(others) + 1, 2.6]})

    def bars(ax: Any, labels: list[str], values: list[float], targets: list[float]) -> None:
        colors = ["#2e7d32" if v >= t else "#c62828" for v, t in zip(values, targets, strict=True)]
        positions = range(len(values))
        ax.bar(positions, values, color=colors, width=0.7)
        top = max(values + targets)
        for x, (v, t) in enumerate(zip(values, targets, strict=True)):
            ax.hlines(t, x - 0.45, x + 0.45, colors="black", linestyles="--", linewidth=1.5)
            y = max(v, t) if abs(v - t) < 0.06 * top else v  # clear of the target line
            ax.text(x, y + 0.015 * top, f"{v:.2f}x", ha="center", va="bottom", fontsize=9)
        ax.set_xticks(list(positions), labels, rotation=35, ha="right", fontsize=8.5)
        ax.set_ylim(0, 1.18 * max(values + targets))
        ax.grid(axis="y", alpha=0.3)

    bars(axes[0], [s.name for s in vs_drf], [s.ratio("gql", "drf") for s in vs_drf], [TARGET_VS_DRF] * len(vs_drf))
    axes[0].set_title(f"gql_channels / rest_framework_channels (msgs/s)\ntarget >= {TARGET_VS_DRF}x (dashed)", fontsize=10)
    axes[0].set_ylabel("ratio of throughputs (median of per-round ratios)")
    bars(axes[1], [o[0] for o in others], [o[1] for o in others], [o[2] for o in others])
    axes[1].set_title(f"vs floor (target >= {TARGET_VS_FLOOR}x) and\nGraphQL clients vs plain Strawberry (>= {TARGET_GRAPHQL}x)", fontsize=10)

    ax = axes[2]
    whos = list(memory)
    deltas = [memory[w][2] for w in whos]
    colors = ["#9e9e9e" if w != "gql" else "#2e7d32" if d < TARGET_MEMORY_MB else "#c62828" for w, d in zip(whos, deltas, strict=True)]
    ax.bar(range(len(whos)), deltas, color=colors, width=0.6)
    ax.axhline(TARGET_MEMORY_MB, color="black", linestyle="--", linewidth=1.5)
    for x, d in enumerate(deltas):
        ax.text(x, d + 1, f"{d:.1f} MB", ha="center", va="bottom", fontsize=9)
    ax.set_xticks(range(len(whos)), [SHORT[w] for w in whos], rotation=20, ha="right", fontsize=8.5)
    ax.set_ylim(0, 1.2 * max([TARGET_MEMORY_MB, *deltas]))
    ax.set_title(f"RSS added by {idle:,} idle\nlegacy connections\n(gql_channels: < {TARGET_MEMORY_MB:.0f} MB)", fontsize=10)
    ax.set_ylabel("MB")
    ax.grid(axis="y", alpha=0.3)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- main ------------------------------------------------------------------------------------------


async def measure(sizes: Sizes, rows: int, log_dir: Path, skip_memory: bool) -> tuple[list[Scenario], dict, dict]:
    messages = Messages(rows)
    print("in-process (WebsocketCommunicator / ActionCommunicator), floor = ORM + json.dumps through one thread hop")
    scenarios, queries = await in_process(sizes, messages)

    print("\nover a socket (uvicorn on 127.0.0.1)")
    gql = Server("example_project.asgi:application", log_dir)
    drf = Server("benchmarks.drf_app:application", log_dir)
    plain = Server("benchmarks.legacy_vs_drf:plain_strawberry_app", log_dir, "--factory")
    try:
        scenarios += await over_sockets(sizes, messages, gql, drf)
        print("\nGraphQL over HTTP: the example server vs plain Strawberry (GraphQLProtocolTypeRouter)")
        scenarios += await graphql_http(sizes, gql, plain)
    finally:
        for server in (gql, drf, plain):
            server.stop()

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


def run(main: Awaitable[Any]) -> Any:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 rounds of small batches (under a minute)")
    parser.add_argument("--idle", type=int, default=1000, help="idle connections of the memory scenario")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--chart", type=Path, default=ROOT / "benchmarks" / "results.png")
    args = parser.parse_args()
    if args.quick:
        sizes = Sizes(rounds=3, in_process=40, sequential=40, connections=20, per_connection=5, http=40, idle=args.idle)
    else:
        sizes = Sizes(rounds=args.rounds, in_process=200, sequential=100, connections=20, per_connection=20, http=100, idle=args.idle)
    raise_fd_limit(2 * args.idle + 512)
    started = time.perf_counter()
    label, diff = code_state()
    with tempfile.TemporaryDirectory(prefix="legacy_vs_drf-") as tmp:
        configure(Path(tmp) / "bench.sqlite3")
        seed(args.rows)
        print(
            f"seeded {args.rows:,} articles in {time.perf_counter() - started:.1f} s; {sizes.rounds} rounds, "
            f"contenders interleaved; batches: {sizes.in_process} in-process, {sizes.sequential} on one socket, "
            f"{sizes.connections}x{sizes.per_connection} concurrent, {sizes.http} GraphQL POSTs; "
            f"{os.cpu_count()} CPUs, DEBUG={os.environ.get('DJANGO_DEBUG', '0') == '1'}\ncode: {label}\n"
        )
        scenarios, queries, memory = run(measure(sizes, args.rows, Path(tmp), args.skip_memory))
    lines = report(scenarios, queries, memory, sizes.idle)
    title = (
        f"gql_channels vs rest_framework_channels 0.0.7 - {args.rows:,} rows, page of 10, "
        f"{sizes.rounds} interleaved rounds{' (--quick)' if args.quick else ''}, {os.cpu_count()} CPUs"
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
