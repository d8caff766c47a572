"""``db``: legacy messages' database work runs in a pool of threads, so a slow query holds up only its own message."""

from __future__ import annotations

import asyncio

import pytest
import strawberry
import strawberry_django
from django.db import connection
from django.urls import path

from example_project.demo.models import Article
from gql_channels import Action, ActionConsumer, Resource
from gql_channels.db import (
    DEFAULT_THREADS,
    database_sync_to_async,
    database_threads,
    shared_thread,
)
from gql_channels.testing import ActionCommunicator

from .conftest import HUNG


def test_how_many_threads(settings) -> None:
    expected = 0 if connection.vendor == "sqlite" else DEFAULT_THREADS
    assert database_threads() == expected  # SQLite takes one writer: Channels' shared thread
    settings.GQL_CHANNELS = {"DATABASE_THREADS": 3}
    assert database_threads() == 3
    with shared_thread():
        assert database_threads() == 0


@strawberry_django.type(Article)
class ArticleType:
    id: strawberry.auto
    title: strawberry.auto


@strawberry.type
class Query:
    article: ArticleType = strawberry_django.field()

    @strawberry.field
    def slow(self, seconds: float) -> bool:
        """A query the database takes its time over (a report, a lock wait)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(%s)", [seconds])
        return True


slow_schema = strawberry.Schema(query=Query)


class SlowConsumer(ActionConsumer):
    schema = slow_schema
    routepatterns = [
        path("articles/<str:pk>/", Resource(retrieve="article", actions={"report": Action("slow")})),
    ]


@pytest.mark.django_db(transaction=True)
async def test_a_slow_query_does_not_hold_other_connections_up(articles) -> None:
    """Told by order, not by the clock: the other client's reply comes while the slow query still runs."""
    if connection.vendor != "postgresql":
        pytest.skip("pg_sleep is PostgreSQL's; SQLite keeps Channels' one shared thread")
    async with ActionCommunicator(SlowConsumer.as_asgi(), "/ws/") as slow, ActionCommunicator(
        SlowConsumer.as_asgi(), "/ws/"
    ) as other:
        await slow.send_json_to({"action": "report", "route": f"articles/{articles[0].id}/", "data": {"seconds": 5}})
        await asyncio.sleep(0.5)  # the slow query has started
        fast = await other.request("retrieve", f"articles/{articles[1].id}/", timeout=HUNG)
        assert fast["data"] == {"id": articles[1].id, "title": articles[1].title}
        assert await slow.receive_nothing(timeout=0.1)  # ... and it is still running
        assert (await slow.receive_json_from(timeout=HUNG))["data"] is True


@pytest.mark.django_db(transaction=True)
async def test_the_pool_closes_its_connections(articles, settings) -> None:
    """Each call closes what ``CONN_MAX_AGE`` says to (0 in the tests): nothing stays open after it, or
    PostgreSQL could not drop the test database (Channels' closing missed a pooled thread's connections)."""
    if connection.vendor == "sqlite":
        pytest.skip("Django never closes SQLite's in-memory test database")
    settings.GQL_CHANNELS = {"DATABASE_THREADS": 2}

    def count_and_report() -> tuple[int, bool]:
        from django.db import connections

        return Article.objects.count(), connections["default"].connection is not None

    assert await database_sync_to_async(count_and_report)() == (100, True)
    for _ in range(4):  # whichever pooled thread runs it: closed after the first call
        assert await database_sync_to_async(count_and_report)() == (100, True)
    leftover = await database_sync_to_async(lambda: sum(
        1 for conn in __import__("django.db").db.connections.all(initialized_only=True) if conn.connection is not None
    ))()
    assert leftover == 0


@pytest.mark.django_db(transaction=True)
def test_without_savepoints_a_nested_failure_fails_the_whole_write() -> None:
    from django.db import transaction
    from django.db.transaction import TransactionManagementError

    from gql_channels.db import without_savepoints

    with pytest.raises(TransactionManagementError), transaction.atomic(), without_savepoints():
        Article.objects.create(title="kept?", content="no")
        try:
            with transaction.atomic():  # no savepoint to roll back to: the whole transaction is doomed
                raise ValueError("caught inside")
        except ValueError:
            pass
    assert not Article.objects.filter(title="kept?").exists()
    # Outside, savepoints are back.
    with transaction.atomic():
        Article.objects.create(title="kept", content="yes")
        try:
            with transaction.atomic():
                raise ValueError("caught inside")
        except ValueError:
            pass
    assert Article.objects.filter(title="kept").exists()


def test_the_example_server_keeps_its_connection_between_messages(tmp_path_factory: pytest.TempPathFactory) -> None:
    """``CONN_MAX_AGE = 60`` in the example's settings: once a message is answered, the connection stays open
    (opening one per message, SQLite registering Django's functions on each, was a quarter of a list's time)."""
    import json
    import os
    from pathlib import Path

    import psycopg
    from websockets.sync.client import connect

    from .conftest import demo_database_env, start_server, stop_server

    env = demo_database_env(tmp_path_factory, "kept_connection")
    process, address = start_server(env)
    try:
        with connect(f"ws://{address}/ws/") as socket:
            for pk in (1, 2, 3):
                socket.send(json.dumps({"action": "retrieve", "route": f"test_child_route/{pk}/"}))
                assert json.loads(socket.recv(timeout=HUNG))["status"] == 200
            if "DATABASE_URL" in env:
                with psycopg.connect(env["DATABASE_URL"]) as admin:
                    (open_ones,) = admin.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    ).fetchone()
                assert open_ones >= 1
            else:
                database = Path(env["SQLITE_PATH"]).resolve()
                opened = [Path(os.readlink(fd)) for fd in Path(f"/proc/{process.pid}/fd").iterdir() if fd.is_symlink()]
                assert database in opened
    finally:
        stop_server(process)


async def test_a_function_is_wrapped_once_per_thread_setting(settings) -> None:
    """asgiref inspects what it wraps: a module's function is wrapped once, not once per message."""

    def answer() -> int:
        return 42

    assert database_sync_to_async(answer) is database_sync_to_async(answer)
    settings.GQL_CHANNELS = {"DATABASE_THREADS": 2}
    pooled = database_sync_to_async(answer)
    assert pooled is database_sync_to_async(answer) and await pooled() == 42
    settings.GQL_CHANNELS = {"DATABASE_THREADS": 3}
    assert database_sync_to_async(answer) is not pooled

    class Unhashable:
        __hash__ = None  # type: ignore[assignment]  # as a dataclass with eq: BoundResource's methods

        def method(self) -> int:
            return 7

    assert await database_sync_to_async(Unhashable().method)() == 7
