"""Live updates in one process: model events, legacy subscribe/unsubscribe, GraphQL subscriptions."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.urls import path
from strawberry.channels.testing import GraphQLWebsocketCommunicator

from example_project.consumers import LegacyConsumer, books
from example_project.demo.models import Book
from gql_channels import ActionConsumer
from gql_channels.events import model_group
from gql_channels.permissions import BasePermission, IsAuthenticated
from gql_channels.testing import ActionCommunicator
from schema import schema

from .conftest import HUNG

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def write(function: Any, *args: Any) -> Any:
    """Run a write the way a view or another process would: in a thread, in a transaction."""
    with transaction.atomic():
        return function(*args)


async def no_more(client: ActionCommunicator) -> None:
    assert await client.receive_nothing(timeout=0.3)


def group_members() -> set[str]:
    layer = get_channel_layer()
    return {channel for members in layer.groups.values() for channel in members}


async def test_subscribe_to_one_book(client: ActionCommunicator, library) -> None:
    book = library["books"][0]
    reply = await client.request("subscribe", f"books/{book.id}/", request_id=7)
    assert reply == {"errors": [], "data": None, "action": "subscribe", "route": f"books/{book.id}/", "status": 201, "request_id": 7}

    def rename() -> None:
        book.title = "Renamed"
        book.save()

    await write(rename)
    event = await client.receive_json_from(timeout=HUNG)
    assert event == {
        "errors": [],
        "data": {
            "id": book.id, "title": "Renamed", "pages": 183, "published": True,
            "created_at": event["data"]["created_at"], "author": book.author_id,
            "tags": [t.id for t in library["tags"][:2]],
        },
        "action": "update",
        "route": f"books/{book.id}/",
        "status": 200,
        "request_id": 7,
    }
    retrieved = await client.request("retrieve", f"books/{book.id}/")
    assert retrieved["data"] == event["data"]
    await write(library["books"][1].delete)
    await no_more(client)
    await write(lambda: Book.objects.get(pk=book.id).delete())
    deleted = await client.receive_json_from(timeout=HUNG)
    assert (deleted["action"], deleted["data"]["id"], deleted["route"]) == ("delete", book.id, f"books/{book.id}/")


async def test_filtered_list_subscription(client: ActionCommunicator, library) -> None:
    le_guin, borges = library["authors"]
    reply = await client.request("subscribe", f"books/?author={borges.id}", request_id="b")
    assert reply["status"] == 201
    ficciones = library["books"][1]

    def create() -> Book:
        made = Book.objects.create(title="Aleph", author=borges)
        made.tags.set(library["tags"][:1])
        return made

    aleph = await write(create)
    created = await client.receive_json_from(timeout=HUNG)
    assert (created["action"], created["data"]["id"], created["data"]["tags"]) == ("create", aleph.id, [library["tags"][0].id])
    assert created["route"] == f"books/{aleph.id}/" and created["request_id"] == "b"
    await write(lambda: Book.objects.create(title="Not Borges", author=le_guin))
    await write(lambda: Book.objects.filter(pk=library["books"][0].id).update(title="bulk, no signal"))
    await no_more(client)
    ficciones_id = ficciones.id
    await write(ficciones.delete)
    deleted = await client.receive_json_from(timeout=HUNG)
    assert (deleted["action"], deleted["data"]["id"], deleted["route"]) == ("delete", ficciones_id, f"books/{ficciones_id}/")
    await no_more(client)


async def test_rolled_back_write_sends_nothing_and_one_transaction_is_one_event(client: ActionCommunicator, library) -> None:
    book = library["books"][0]
    await client.request("subscribe", f"books/{book.id}/")

    def failing() -> None:
        with transaction.atomic():
            book.title = "never"
            book.save()
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await database_sync_to_async(failing)()
    await no_more(client)

    def many_changes() -> None:
        book.title = "once"
        book.save()
        book.tags.set([])
        book.pages = 1
        book.save()

    await write(many_changes)
    event = await client.receive_json_from(timeout=HUNG)
    assert (event["action"], event["data"]["title"], event["data"]["tags"], event["data"]["pages"]) == ("update", "once", [], 1)
    await no_more(client)


async def test_bulk_writes_publish_when_asked(client: ActionCommunicator, library) -> None:
    from example_project.demo.apps import book_events

    author = library["authors"][0]
    await client.request("subscribe", f"books/?author={author.id}")

    def bulk() -> list[Book]:
        made = Book.objects.bulk_create([Book(title=f"bulk {i}", author=author) for i in range(3)])
        book_events.publish("create", made)
        return made

    made = await write(bulk)
    events = [await client.receive_json_from(timeout=HUNG) for _ in made]
    assert sorted(e["data"]["id"] for e in events) == sorted(b.id for b in made)


async def test_unsubscribe_and_disconnect_leave_no_group_membership(library) -> None:
    async with ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") as client:
        book = library["books"][0]
        await client.request("subscribe", f"books/{book.id}/", request_id=1)
        await client.request("subscribe", "books/", request_id=2)
        # One channel per group: the consumer's own in the broadcast groups, the process's in the event groups.
        assert all(len(members) == 1 for members in get_channel_layer().groups.values())
        reply = await client.request("unsubscribe", f"books/{book.id}/", request_id=1)
        assert reply["status"] == 204 and reply["data"] is None
        again = await client.request("unsubscribe", f"books/{book.id}/", request_id=1)
        assert again["status"] == 404
        await write(lambda: Book.objects.filter(pk=book.id).update(title="x"))
        book.title = "after unsubscribe"
        await write(book.save)
        event = await client.receive_json_from(timeout=HUNG)
        assert event["request_id"] == 2  # only the list subscription is left
        await no_more(client)
    assert group_members() == set()


class Switch(BasePermission):
    """A permission an administrator can withdraw while the client is subscribed."""

    allowed = True

    async def has_permission(self, scope: Any, action: str, resource: Any) -> bool:
        return Switch.allowed


class SwitchedConsumer(ActionConsumer):
    permission_classes = [Switch]


async def test_permissions_at_subscribe_time_and_per_event(library) -> None:
    app = SwitchedConsumer.as_asgi(schema=schema, routepatterns=[path("books/<str:pk>/", books)])
    book = library["books"][0]
    Switch.allowed = True
    async with ActionCommunicator(app, "/ws/") as client:
        assert (await client.request("subscribe", f"books/{book.id}/"))["status"] == 201
        Switch.allowed = False
        book.title = "hidden"
        await write(book.save)
        await no_more(client)
        denied = await client.request("subscribe", f"books/{book.id}/", request_id=9)
        assert denied["status"] == 403 and denied["errors"] == ["You do not have permission to perform this action."]
    Switch.allowed = True

    class Private(ActionConsumer):
        permission_classes = [IsAuthenticated]

    private = Private.as_asgi(schema=schema, routepatterns=[path("books/<str:pk>/", books)])
    async with ActionCommunicator(private, "/ws/") as client:
        assert (await client.request("subscribe", f"books/{book.id}/"))["status"] == 403


async def test_graphql_subscription_over_graphql_transport_ws(library) -> None:
    from strawberry.channels import GraphQLWSConsumer

    author = library["authors"][1]
    app = GraphQLWSConsumer.as_asgi(schema=schema)
    async with GraphQLWebsocketCommunicator(application=app, path="/graphql/") as client:
        stream = client.subscribe(
            "subscription ($filters: BookFilter) { booksChanged(filters: $filters) { action pk data } }",
            variables={"filters": {"author": {"pk": str(author.id)}}},
        )
        first = asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0.3)  # the subscription joins its group when it starts
        made = await write(lambda: Book.objects.create(title="Labyrinths", author=author))
        result = await asyncio.wait_for(first, 5)
        assert result.data["booksChanged"]["action"] == "create"
        assert result.data["booksChanged"]["pk"] == str(made.id)
        assert result.data["booksChanged"]["data"]["title"] == "Labyrinths"
        await stream.aclose()


@pytest.mark.parametrize("request_id", [[1, "a"], {"b": [2], "a": 1}, None, 1.5])
async def test_any_json_request_id_subscribes_and_unsubscribes(client: ActionCommunicator, library, request_id) -> None:
    book = library["books"][0]
    reply = await client.request("subscribe", f"books/{book.id}/", request_id=request_id)
    assert (reply["status"], reply["request_id"]) == (201, request_id)
    reply = await client.request("unsubscribe", f"books/{book.id}/", request_id=request_id)
    assert (reply["status"], reply["request_id"]) == (204, request_id)


async def test_invalid_subscribe_routes(client: ActionCommunicator, library) -> None:
    assert (await client.request("subscribe", "authors/"))["status"] == 405
    assert (await client.request("subscribe", "books/abc/"))["status"] == 404
    bad = await client.request("subscribe", "books/?pages=many")
    assert bad["status"] == 400 and bad["errors"] == [{"pages": ["Enter a whole number."]}]
    assert (await client.request("unsubscribe", "books/"))["status"] == 404


async def test_broadcast_action_reaches_subscribers_of_the_route(connect, library) -> None:
    book = library["books"][1]
    watcher = await connect()
    other = await connect()
    editor = await connect("editor")
    assert (await watcher.request("subscribe", f"books/{book.id}/", request_id="w"))["status"] == 201
    assert (await other.request("subscribe", f"books/{library['books'][0].id}/"))["status"] == 201
    assert (await editor.request("subscribe", f"books/{book.id}/"))["status"] == 201
    await editor.send_json_to({"action": "publish", "route": f"books/{book.id}/", "request_id": "mine"})
    # The reply and the editor's own model event may come in either order.
    own = [await editor.receive_json_from(timeout=HUNG), await editor.receive_json_from(timeout=HUNG)]
    reply = next(m for m in own if m["action"] == "publish")
    assert reply["request_id"] == "mine" and reply["data"]["published"] is True
    assert next(m for m in own if m["action"] == "update")["data"]["published"] is True
    copies = [await watcher.receive_json_from(timeout=HUNG), await watcher.receive_json_from(timeout=HUNG)]
    broadcast = next(c for c in copies if c["action"] == "publish")
    assert broadcast == {
        "errors": [], "data": reply["data"], "action": "publish", "route": f"books/{book.id}/", "status": 200
    }
    assert next(c for c in copies if c["action"] == "update")["request_id"] == "w"  # the model event too
    await no_more(editor)  # no second copy of its own reply
    await no_more(other)


async def test_a_route_key_is_the_model_key_for_groups(connect, library) -> None:
    """``books/ 2/`` names book 2 (as Django reads it): its broadcast reaches ``books/2/``'s subscribers,
    and a key no row can have is a 404 before any group is joined or anything written."""
    book = library["books"][1]
    watcher = await connect()
    editor = await connect("editor")
    assert (await watcher.request("subscribe", f"books/{book.id}/", request_id="w"))["status"] == 201
    reply = await editor.request("publish", f"books/ {book.id}/")
    assert (reply["status"], reply["route"]) == (200, f"books/ {book.id}/")
    copies = [await watcher.receive_json_from(timeout=HUNG), await watcher.receive_json_from(timeout=HUNG)]
    assert {c["action"] for c in copies} == {"publish", "update"}
    for route in (f"books/{'9' * 300}/", f"books/{2**63}/"):
        refused = await watcher.request("subscribe", route)
        assert (refused["status"], refused["errors"]) == (404, [{"detail": "No Book matches the given query."}])
        refused = await editor.request("publish", route)
        assert refused["status"] == 404
    await no_more(watcher)


async def test_a_subscription_that_cannot_start_leaves_no_group(library) -> None:
    """``books/<missing>/``: the broadcast group is joined before the object subscription fails; the
    failure answers 404 and leaves that group again."""
    async with ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") as client:
        reply = await client.request("subscribe", "books/999999/")
        assert (reply["status"], reply["errors"]) == (404, [{"detail": "No Book matches the given query."}])
        assert group_members() == set()
        assert (await client.request("list", "books/"))["status"] == 200


async def test_a_running_subscription_that_fails_is_logged(library, monkeypatch, caplog) -> None:
    """Its events stop: the client cannot be told (no request to answer), the server log says why."""

    async def failing(self: Any, groups: list[str], joined: asyncio.Event) -> None:
        joined.set()
        await asyncio.sleep(0.05)
        raise RuntimeError("the channel layer went away")

    monkeypatch.setattr(ActionConsumer, "_push_broadcasts", failing)
    async with ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") as client:
        assert (await client.request("subscribe", f"books/{library['books'][0].id}/"))["status"] == 201
        for _ in range(100):
            if any("stopped pushing events" in r.message for r in caplog.records):
                break
            await asyncio.sleep(0.01)
        failed = [r for r in caplog.records if "stopped pushing events" in r.message]
        assert len(failed) == 1 and "the channel layer went away" in str(failed[0].exc_info[1])
        assert (await client.request("list", "books/"))["status"] == 200


async def test_one_visibility_query_per_event_for_every_subscriber_alike(library, monkeypatch) -> None:
    """Fifty subscribers of one process to the same filtered list: the saved book is checked against
    the filters and ``get_queryset`` once for all of them, not once each (issue 14's fan-out)."""
    from django.db.backends.utils import CursorWrapper

    statements: list[str] = []
    execute = CursorWrapper.execute

    def counting(self: CursorWrapper, sql: str, params: Any = None) -> Any:
        statements.append(sql)
        return execute(self, sql, params)

    book = library["books"][0]
    clients = [ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") for _ in range(50)]
    for client in clients:
        await client.__aenter__()
        subscribed = await client.request("subscribe", f"books/?author={book.author_id}", request_id="list")
        assert subscribed["status"] == 201
    try:
        monkeypatch.setattr(CursorWrapper, "execute", counting)

        def rename() -> None:
            book.title = "Renamed"
            book.save()

        await write(rename)
        events = [await client.receive_json_from(timeout=HUNG) for client in clients]
        assert {(e["action"], e["data"]["title"]) for e in events} == {("update", "Renamed")}
        # The writer's UPDATE and rendering aside, the subscribers asked the database one thing: exists().
        checks = [sql for sql in statements if ' AS "a" FROM ' in sql and sql.endswith('LIMIT 1')]
        assert len(checks) == 1, statements
        # And the layer delivered the event once to the process, not once per subscriber.
        assert len(get_channel_layer().groups[model_group(Book)]) == 1
    finally:
        for client in clients:
            await client.disconnect()


async def test_an_unfiltered_subscription_to_an_unrestricted_type_asks_the_database_nothing(library, monkeypatch) -> None:
    """``books/<pk>/`` of a type without ``get_queryset``: the event was rendered after commit, so the object
    exists and anyone may see it; the subscribers' process sends no query (the writer's rendering is one)."""
    from django.db.backends.utils import CursorWrapper

    from gql_channels import subscriptions

    book = library["books"][0]
    async with ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") as client:
        assert (await client.request("subscribe", f"books/{book.id}/", request_id=1))["status"] == 201
        asked: list[Any] = []
        monkeypatch.setattr(subscriptions, "_visible_in_database", lambda *args: asked.append(args) or True)
        statements: list[str] = []
        execute = CursorWrapper.execute
        monkeypatch.setattr(CursorWrapper, "execute", lambda self, sql, params=None: statements.append(sql) or execute(self, sql, params))

        def rename() -> None:
            book.title = "Renamed"
            book.save()

        await write(rename)
        event = await client.receive_json_from(timeout=HUNG)
        assert (event["action"], event["data"]["title"]) == ("update", "Renamed")
        assert asked == []
        # The writer: its UPDATE, then the rendering (the row and its tags); no exists() after them. (SQLite's
        # BEGIN goes through the cursor, psycopg's does not.)
        assert [sql.split()[0] for sql in statements if sql != "BEGIN"] == ["UPDATE", "SELECT", "SELECT"], statements


async def test_a_many_to_many_change_from_the_other_side_is_an_event(client: ActionCommunicator, library) -> None:
    """``tag.books.add(book)`` changes the book's ``tags`` as ``book.tags.add(tag)`` does (issue 12)."""
    book, science = library["books"][0], library["tags"][2]
    await client.request("subscribe", f"books/{book.id}/", request_id="tags")
    await write(lambda: science.books.add(book))
    event = await client.receive_json_from(timeout=HUNG)
    assert (event["action"], event["request_id"], science.id in event["data"]["tags"]) == ("update", "tags", True)
    await write(lambda: science.books.clear())
    event = await client.receive_json_from(timeout=HUNG)
    assert (event["action"], science.id in event["data"]["tags"]) == ("update", False)
    await no_more(client)
