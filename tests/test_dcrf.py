"""The djangochannelsrestframework dialect (``shared/dcrf-protocol.md``), row by row, through a communicator.

The example's DCRF consumers (``example_project.consumers``: books with a subscription and a custom
action, paged articles, streamed articles, all three multiplexed) behind Channels' auth, as a DCRF
app served them. Replies are read as text, so key order and ``json.dumps``' formatting are checked
too. Every bad frame is followed by a good message on the same connection.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.auth import AuthMiddlewareStack
from channels.testing import WebsocketCommunicator
from django.db import transaction

from example_project.consumers import (
    ArticleConsumer,
    BookConsumer,
    MultiplexedConsumer,
    StreamedArticleConsumer,
)
from example_project.demo.models import Article, Author, Book

from .conftest import HUNG, session_headers

pytestmark = pytest.mark.django_db(transaction=True)

DENIED = ["You do not have permission to perform this action."]
NOT_FOUND = ["Not found"]
ENVELOPE = ["errors", "data", "action", "response_status", "request_id"]


class DcrfClient:
    """A DCRF client on one connection: sends a message, returns the reply (checked to be ``json.dumps``' text)."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator

    async def send(self, message: Any) -> None:
        await self.communicator.send_to(text_data=message if isinstance(message, str) else json.dumps(message))

    async def receive(self) -> dict[str, Any]:
        text = await self.communicator.receive_from(timeout=HUNG)
        reply = json.loads(text)
        assert text == json.dumps(reply), "not written like json.dumps (default separators, ensure_ascii)"
        payload = reply.get("payload", reply)
        assert list(payload) == ENVELOPE, payload
        assert type(payload["response_status"]) is int
        assert (payload["errors"] == []) == (payload["response_status"] < 400)
        if payload["errors"]:
            assert payload["data"] is None
        return reply

    async def __call__(self, message: Any) -> dict[str, Any]:
        await self.send(message)
        return await self.receive()

    async def nothing(self, seconds: float = 0.5) -> bool:
        return await self.communicator.receive_nothing(timeout=seconds)


@pytest.fixture
async def dcrf(users) -> AsyncIterator[Callable[..., Any]]:
    """``await dcrf(BookConsumer, "editor")``: a DCRF client, logged in through the session like a browser."""
    opened: list[WebsocketCommunicator] = []

    async def open_as(consumer: Any, username: str | None = None) -> DcrfClient:
        headers = await session_headers(users[username] if username else None)
        communicator = WebsocketCommunicator(AuthMiddlewareStack(consumer.as_asgi()), "/ws/", headers=headers)
        connected, _ = await communicator.connect()
        assert connected
        opened.append(communicator)
        return DcrfClient(communicator)

    yield open_as
    for communicator in opened:
        await communicator.disconnect()


def reply(data: Any, action: str, status: int = 200, request_id: Any = None, errors: list[Any] | None = None) -> dict:
    return {"errors": errors or [], "data": None if errors else data, "action": action, "response_status": status,
            "request_id": request_id}


def rendered(book: Book) -> dict[str, Any]:
    """A book as the old ``ModelSerializer(fields="__all__")`` wrote it."""
    book = Book.objects.get(pk=book.pk)
    return {
        "id": book.id, "title": book.title, "pages": book.pages, "published": book.published,
        "created_at": book.created_at.isoformat(), "author": book.author_id,
        "tags": sorted(book.tags.values_list("id", flat=True)),
    }


def on_the_db(function: Callable[..., Any]) -> Callable[..., Any]:
    return sync_to_async(function)


# --- 1. envelope -------------------------------------------------------------------------------------


async def test_reply_envelope(dcrf, library) -> None:
    client = await dcrf(BookConsumer)
    book = library["books"][0]
    got = await client({"action": "retrieve", "pk": book.id, "request_id": 7})
    assert got == reply(await on_the_db(rendered)(book), "retrieve", request_id=7)
    # No request_id sent: null in the reply.
    assert (await client({"action": "retrieve", "pk": book.id}))["request_id"] is None


@pytest.mark.parametrize("request_id", [1, "a-b", 2.5, [1, "x"], {"k": [1]}, None, True, "", "\u00e9\u2603"])
async def test_request_id_is_echoed_as_sent_on_success_and_error(dcrf, library, request_id: Any) -> None:
    client = await dcrf(BookConsumer)
    assert (await client({"action": "retrieve", "pk": library["books"][0].id, "request_id": request_id}))["request_id"] == request_id
    assert (await client({"action": "retrieve", "pk": 999_999, "request_id": request_id}))["request_id"] == request_id
    assert (await client({"action": "nope", "request_id": request_id}))["request_id"] == request_id


async def test_duplicate_keys_the_last_wins(dcrf, library) -> None:
    client = await dcrf(BookConsumer)
    first, second = library["books"][:2]
    got = await client(f'{{"action": "retrieve", "pk": {first.id}, "pk": {second.id}, "request_id": 1, "request_id": 2}}')
    assert (got["data"]["id"], got["request_id"]) == (second.id, 2)


async def test_unknown_keys_are_ignored_and_partial_does_not_make_update_partial(dcrf, library) -> None:
    client = await dcrf(BookConsumer, "editor")
    book = library["books"][0]
    got = await client({"action": "retrieve", "pk": book.id, "data": {}, "format": "x", "self": 1, "scope": 2,
                        "queryset": 3, "kwargs": {}, "route": "nowhere/"})
    assert got["response_status"] == 200 and got["data"]["id"] == book.id
    partial = await client({"action": "update", "pk": book.id, "data": {"title": "only"}, "partial": True})
    assert (partial["response_status"], partial["errors"]) == (400, [{"author": ["This field is required."]}])
    assert (await on_the_db(Book.objects.get)(pk=book.id)).title == book.title


# --- 2. actions --------------------------------------------------------------------------------------


async def test_list_unpaginated_is_a_plain_array_of_retrieve_renderings(dcrf, library) -> None:
    client = await dcrf(BookConsumer)
    got = await client({"action": "list", "request_id": 1, "data": {}})
    expected = await on_the_db(lambda: [rendered(book) for book in Book.objects.order_by("id")])()
    assert got == reply(expected, "list", request_id=1)


async def test_create_update_patch_delete(dcrf, library) -> None:
    client = await dcrf(BookConsumer, "editor")
    author, tags = library["authors"][0], library["tags"]
    created = await client({"action": "create", "data": {"title": 123, "author": f"{author.id}", "tags": [tags[0].id]}})
    book = await on_the_db(Book.objects.get)(title="123")  # numbers are valid strings
    assert created == reply(await on_the_db(rendered)(book), "create", 201)
    updated = await client({"action": "update", "pk": book.id, "data": {"title": "Full", "author": author.id + 0.5}})
    assert updated["response_status"] == 200
    assert (updated["data"]["title"], updated["data"]["author"]) == ("Full", author.id)  # 2.5 is author 2, as DRF read it
    patched = await client({"action": "patch", "pk": str(book.id), "data": {"pages": "12"}})
    assert (patched["response_status"], patched["data"]["pages"], patched["data"]["title"]) == (200, 12, "Full")
    unchanged = await client({"action": "patch", "pk": book.id, "data": {}})
    assert unchanged == reply(patched["data"], "patch")
    assert await client({"action": "delete", "pk": book.id, "data": {}}) == reply(None, "delete", 204)
    assert await client({"action": "delete", "pk": book.id}) == reply(None, "delete", 404, errors=NOT_FOUND)


@pytest.mark.parametrize("action", ["partial_update", "destroy", "subscribe", "unsubscribe", "nope", "list_cancel"])
async def test_drf_names_are_not_actions_here(dcrf, library, action: str) -> None:
    client = await dcrf(BookConsumer, "editor")
    got = await client({"action": action, "pk": library["books"][0].id, "data": {}, "request_id": 3})
    assert got == reply(None, action, 405, request_id=3, errors=[f'Method "{action}" not allowed.'])


async def test_custom_action_takes_top_level_arguments_and_renders_like_retrieve(dcrf, library) -> None:
    editor, anonymous = await dcrf(BookConsumer, "editor"), await dcrf(BookConsumer)
    book = library["books"][1]
    assert await anonymous({"action": "publish", "pk": book.id}) == reply(None, "publish", 403, errors=DENIED)
    got = await editor({"action": "publish", "pk": book.id, "request_id": "p"})
    assert got == reply(await on_the_db(rendered)(book), "publish", request_id="p")
    assert got["data"]["published"] is True and type(got["data"]["id"]) is int
    missing = await editor({"action": "publish", "pk": 999_999})
    assert missing == reply(None, "publish", 404, errors=NOT_FOUND)
    required = await editor({"action": "publish"})
    assert required == reply(None, "publish", 400, errors=[{"pk": ["This field is required."]}])


# --- 3. errors ---------------------------------------------------------------------------------------


async def test_no_action_key(dcrf, library) -> None:
    client = await dcrf(BookConsumer)
    got = await client({"pk": 1, "request_id": 9})
    assert got == reply(None, None, 405, request_id=9, errors=["Unable to find action in message body."])
    assert (await client({"action": "list"}))["response_status"] == 200


@pytest.mark.parametrize(("action", "named"), [(None, "None"), (5, "5"), (2.5, "2.5"), (True, "True"), ("", "")])
async def test_a_non_string_action_is_named_with_str_and_echoed_as_sent(dcrf, library, action: Any, named: str) -> None:
    client = await dcrf(BookConsumer)
    assert await client({"action": action}) == reply(None, action, 405, errors=[f'Method "{named}" not allowed.'])
    assert (await client({"action": "list"}))["response_status"] == 200


@pytest.mark.parametrize("pk", [101_000, -1, "abc", None, [1], {"pk": 1}, 2**64, 2.7, True, False, "", "1.5"])
@pytest.mark.parametrize("action", ["retrieve", "patch", "delete", "subscribe_instance", "unsubscribe_instance"])
async def test_a_pk_that_is_no_key_is_not_found(dcrf, library, pk: Any, action: str) -> None:
    client = await dcrf(BookConsumer, "editor")
    got = await client({"action": action, "pk": pk, "data": {"title": "x"}, "request_id": 1})
    assert got == reply(None, action, 404, request_id=1, errors=NOT_FOUND)
    assert (await client({"action": "retrieve", "pk": library["books"][0].id}))["response_status"] == 200


async def test_a_key_reads_like_dcrfs_int(dcrf, library) -> None:
    client = await dcrf(BookConsumer)
    book = library["books"][0]
    for pk in (str(book.id), float(book.id), f" {book.id}"):
        assert (await client({"action": "retrieve", "pk": pk}))["data"]["id"] == book.id


@pytest.mark.parametrize("action", ["retrieve", "update", "patch", "delete", "subscribe_instance", "unsubscribe_instance"])
async def test_no_pk_is_not_found(dcrf, library, action: str) -> None:
    """**Fixed**: DCRF died on an assert."""
    client = await dcrf(BookConsumer, "editor")
    assert await client({"action": action, "data": {}, "request_id": 1}) == reply(None, action, 404, 1, NOT_FOUND)
    assert (await client({"action": "list"}))["response_status"] == 200


async def test_the_lookup_runs_before_validation(dcrf, library) -> None:
    client = await dcrf(BookConsumer, "editor")
    got = await client({"action": "update", "pk": 999_999, "data": {"title": "", "pages": "x"}})
    assert got == reply(None, "update", 404, errors=NOT_FOUND)


async def test_every_bad_field_at_once_in_serializer_field_order(dcrf, library) -> None:
    client = await dcrf(BookConsumer, "editor")
    before = await on_the_db(Book.objects.count)()
    got = await client({"action": "create", "data": {"author": 999, "published": "maybe", "pages": "abc", "title": "x" * 201}})
    assert got == reply(None, "create", 400, errors=[{
        "title": ["Ensure this field has no more than 200 characters."],
        "pages": ["A valid integer is required."],
        "published": ["Must be a valid boolean."],
        "author": ['Invalid pk "999" - object does not exist.'],
    }])
    required = await client({"action": "create", "data": {}})
    assert required["errors"] == [{"title": ["This field is required."], "author": ["This field is required."]}]
    wrong_type = await client({"action": "create", "data": {"title": "t", "author": "abc"}})
    assert wrong_type["errors"] == [{"author": ["Incorrect type. Expected pk value, received str."]}]
    assert await on_the_db(Book.objects.count)() == before


@pytest.mark.parametrize(("data", "kind"), [([1], "list"), ("x", "str"), (1, "int"), (1.5, "float"), (True, "bool")])
@pytest.mark.parametrize("action", ["create", "update", "patch"])
async def test_data_not_an_object(dcrf, library, data: Any, kind: str, action: str) -> None:
    client = await dcrf(BookConsumer, "editor")
    got = await client({"action": action, "pk": library["books"][0].id, "data": data})
    message = f"Invalid data. Expected a dictionary, but got {kind}."
    assert got == reply(None, action, 400, errors=[{"non_field_errors": [message]}])


@pytest.mark.parametrize("message", [{"data": None}, {}], ids=["null", "missing (Fixed: DCRF died)"])
@pytest.mark.parametrize("action", ["create", "update", "patch"])
async def test_no_data(dcrf, library, message: dict, action: str) -> None:
    client = await dcrf(BookConsumer, "editor")
    got = await client({"action": action, "pk": library["books"][0].id, **message})
    assert got == reply(None, action, 400, errors=[{"non_field_errors": ["No data provided"]}])
    assert (await client({"action": "list"}))["response_status"] == 200


@pytest.mark.parametrize("action", ["create", "update", "patch", "delete", "publish"])
async def test_permission_denied(dcrf, library, action: str) -> None:
    client = await dcrf(BookConsumer)  # anonymous: reads only
    got = await client({"action": action, "pk": library["books"][0].id, "data": {"title": "x"}})
    assert got == reply(None, action, 403, errors=DENIED)
    assert await on_the_db(Book.objects.filter(title="x").exists)() is False


@pytest.mark.parametrize(
    ("frame", "detail"),
    [
        ("not json", "JSON parse error - Expecting value: line 1 column 1 (char 0)"),
        ("[1, 2]", "Expected a JSON object, got an array."),
        ('"text"', "Expected a JSON object, got a string."),
        ("  ", "Empty frame."),
        (b'{"action": "list"}', "Binary frames are not supported; send the message as JSON text."),
        ('{"action": ["list"], "request_id": 1}', '"action" must be a string.'),
        ('{"action": {"a": 1}}', '"action" must be a string.'),
        ('{"stream": 1, "payload": {}}', 'A multiplexed frame is {"stream": "<name>", "payload": {...}}.'),
    ],
)
async def test_bad_frames_are_a_400_and_the_connection_stays_usable(dcrf, library, frame: Any, detail: str) -> None:
    """**Fixed**: DCRF closed the connection (1011)."""
    client = await dcrf(BookConsumer)
    if isinstance(frame, bytes):
        await client.communicator.send_to(bytes_data=frame)
    else:
        await client.communicator.send_to(text_data=frame)
    got = json.loads(await client.communicator.receive_from(timeout=HUNG))
    assert (got["errors"], got["data"], got["response_status"]) == ([detail], None, 400)
    assert list(got) == ENVELOPE
    assert (await client({"action": "list"}))["response_status"] == 200


async def test_anything_unexpected_is_a_500_without_traceback(dcrf, library, monkeypatch, caplog) -> None:
    client = await dcrf(BookConsumer)

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(Book._meta.pk.__class__, "to_python", explode)
    got = await client({"action": "retrieve", "pk": library["books"][0].id, "request_id": 1})
    assert got == reply(None, "retrieve", 500, request_id=1, errors=["A server error occurred."])
    assert "secret internals" in caplog.text
    monkeypatch.undo()
    assert (await client({"action": "list"}))["response_status"] == 200


# --- 4. pagination -----------------------------------------------------------------------------------


def page(count: int, first: int, limit: int, offset: int) -> dict[str, Any]:
    """The page of the seed's articles (``Title1``...) starting at the ``first``-th."""
    rows = Article.objects.order_by("id").values("id", "title", "content")[first - 1:first - 1 + limit]
    results = [dict(row) for row in rows]
    assert [row["title"] for row in results] == [f"Title{n}" for n in range(first, min(first + limit, count + 1))]
    return {"count": count, "results": results, "limit": limit, "offset": offset}


@pytest.mark.parametrize(
    ("sent", "limit", "offset"),
    [
        ({}, 5, 0),
        ({"limit": 3, "offset": 2}, 3, 2),
        ({"limit": "7", "offset": "10"}, 7, 10),
        ({"limit": 0}, 5, 0),
        ({"limit": "abc"}, 5, 0),
        ({"limit": "7.5"}, 5, 0),
        ({"limit": -3}, 5, 0),
        ({"limit": 500}, 50, 0),  # max_limit
        ({"limit": 7.9}, 7, 0),
        ({"limit": True}, 1, 0),
        ({"limit": None, "offset": None}, 5, 0),  # Fixed: DCRF died
        ({"limit": [3], "offset": [3]}, 5, 0),  # Fixed: DCRF died
        ({"offset": -4}, 5, 0),
        ({"offset": 2.5}, 5, 2),
        ({"offset": "x"}, 5, 0),
        ({"data": {"limit": 3, "offset": 50}}, 5, 0),  # inside data: ignored
    ],
)
async def test_limit_offset_are_top_level_keys(dcrf, articles, sent: dict, limit: int, offset: int) -> None:
    client = await dcrf(ArticleConsumer)
    got = await client({"action": "list", "request_id": "p", **sent})
    assert got == reply(await on_the_db(page)(100, offset + 1, limit, offset), "list", request_id="p")
    assert list(got["data"]) == ["count", "results", "limit", "offset"]


async def test_an_offset_at_or_past_the_end_is_an_empty_page(dcrf, articles) -> None:
    client = await dcrf(ArticleConsumer)
    for offset in (100, 250, 2**40):
        got = await client({"action": "list", "limit": 5, "offset": offset})
        assert got["data"] == {"count": 100, "results": [], "limit": 5, "offset": offset}


async def test_a_streamed_list_sends_every_page_in_order_under_one_request_id(dcrf, articles) -> None:
    client = await dcrf(StreamedArticleConsumer)
    await client.send({"action": "list", "limit": 5, "request_id": "s"})
    frames = [await client.receive() for _ in range(20)]
    expected = await on_the_db(lambda: [page(100, 1 + 5 * n, 5, 5 * n) for n in range(20)])()
    assert frames == [reply(data, "list", request_id="s") for data in expected]
    assert await client.nothing()
    await client.send({"action": "list", "limit": 30, "offset": 50, "request_id": "t"})
    pages = [await client.receive() for _ in range(2)]
    assert [p["data"]["offset"] for p in pages] == [50, 80] and len(pages[1]["data"]["results"]) == 20
    assert await client.nothing()


async def test_a_streamed_empty_list_or_offset_past_the_end_is_one_empty_page(dcrf, db) -> None:
    client = await dcrf(StreamedArticleConsumer)
    assert (await client({"action": "list", "request_id": 1}))["data"] == {"count": 0, "results": [], "limit": 5, "offset": 0}
    assert await client.nothing()
    await on_the_db(Article.objects.create)(title="t", content="c")
    got = await client({"action": "list", "offset": 9, "request_id": 2})
    assert got["data"] == {"count": 1, "results": [], "limit": 5, "offset": 9}
    assert await client.nothing()


async def test_other_messages_are_served_during_a_stream_and_list_cancel_stops_it(dcrf, db) -> None:
    await on_the_db(Article.objects.bulk_create)([Article(title=f"Title{n}", content=f"Content{n}") for n in range(1, 2001)])
    client = await dcrf(StreamedArticleConsumer)
    await client.send({"action": "list", "limit": 1, "request_id": "long"})
    first = await client.receive()
    assert first["data"]["offset"] == 0
    await client.send({"action": "list_cancel", "request_id": "long"})
    offsets = []
    while True:
        frame = await client.receive()
        if frame["action"] == "list_cancel":
            assert frame == reply(None, "list_cancel", request_id="long")
            break
        offsets.append(frame["data"]["offset"])
    assert await client.nothing()
    assert offsets == list(range(1, len(offsets) + 1)) and len(offsets) < 1999  # in order, and stopped
    # Nothing was streaming under that id any more: still 200.
    assert await client({"action": "list_cancel", "request_id": "long"}) == reply(None, "list_cancel", request_id="long")


# --- 5. instance subscriptions -----------------------------------------------------------------------


async def test_subscribe_needs_an_existing_pk_and_a_request_id(dcrf, library) -> None:
    client = await dcrf(BookConsumer)
    book = library["books"][0]
    assert await client({"action": "subscribe_instance", "pk": 999_999, "request_id": 1}) == reply(
        None, "subscribe_instance", 404, 1, NOT_FOUND
    )
    for missing in ({}, {"request_id": None}):
        got = await client({"action": "subscribe_instance", "pk": book.id, **missing})
        assert got == reply(None, "subscribe_instance", 400, errors=["A subscription needs a request_id: its events carry it."])
    got = await client({"action": "subscribe_instance", "pk": book.id, "request_id": [1, {"any": "json"}]})
    assert got == reply(None, "subscribe_instance", 201, request_id=[1, {"any": "json"}])


async def test_events_save_update_and_delete(dcrf, library) -> None:
    client = await dcrf(BookConsumer)
    book = library["books"][0]
    assert (await client({"action": "subscribe_instance", "pk": book.id, "request_id": "s"}))["response_status"] == 201

    def save() -> None:
        with transaction.atomic():
            fresh = Book.objects.get(pk=book.pk)
            fresh.pages = 1
            fresh.save()
            fresh.title = "Renamed"
            fresh.save()
            Book.objects.get(pk=book.pk).save()  # another Python instance of the same row: still one event

    await on_the_db(save)()
    assert await client.receive() == reply(await on_the_db(rendered)(book), "update", request_id="s")
    assert await client.nothing()

    def rolled_back() -> None:
        with transaction.atomic():
            Book.objects.filter(pk=book.pk).update(title="never")  # no signal at all
            Book.objects.get(pk=book.pk).save()
            transaction.set_rollback(True)

    await on_the_db(rolled_back)()
    assert await client.nothing()
    await on_the_db(Book.objects.filter(pk=book.pk).delete)()
    assert await client.receive() == reply({"pk": book.id}, "delete", 204, request_id="s")
    assert await client.nothing()


async def test_a_cascade_delete_is_an_event(dcrf, library) -> None:
    client = await dcrf(BookConsumer)
    book = library["books"][1]
    await client({"action": "subscribe_instance", "pk": book.id, "request_id": 1})
    await on_the_db(Author.objects.filter(pk=book.author_id).delete)()
    assert await client.receive() == reply({"pk": book.id}, "delete", 204, request_id=1)


async def test_a_change_on_the_subscribers_own_connection_replies_first(dcrf, library) -> None:
    client = await dcrf(BookConsumer, "editor")
    book = library["books"][0]
    await client({"action": "subscribe_instance", "pk": book.id, "request_id": "sub"})
    await client.send({"action": "patch", "pk": book.id, "data": {"pages": 7}, "request_id": "own"})
    first, second = await client.receive(), await client.receive()
    assert (first["action"], first["request_id"], first["data"]["pages"]) == ("patch", "own", 7)
    assert (second["action"], second["request_id"], second["data"]) == ("update", "sub", first["data"])


async def test_many_to_many_changes_from_either_side(dcrf, library) -> None:
    client = await dcrf(BookConsumer)
    earthsea, ficciones, untagged = library["books"]
    fiction, classic, science = library["tags"]
    for book in (earthsea, ficciones, untagged):
        await client({"action": "subscribe_instance", "pk": book.id, "request_id": book.id})

    async def events() -> dict[Any, dict]:
        received = {}
        while not await client.nothing():
            frame = await client.receive()
            received[frame["request_id"]] = frame
        return received

    await on_the_db(lambda: earthsea.tags.add(science))()  # the owner's side
    assert set(await events()) == {earthsea.id}
    await on_the_db(lambda: science.books.add(untagged))()  # the other side
    got = await events()
    assert set(got) == {untagged.id} and got[untagged.id]["data"]["tags"] == [science.id]
    await on_the_db(lambda: classic.books.remove(earthsea))()
    assert set(await events()) == {earthsea.id}
    await on_the_db(lambda: science.books.clear())()  # every book that lost a row (Ficciones had it from the start)
    assert set(await events()) == {earthsea.id, ficciones.id, untagged.id}
    await on_the_db(lambda: fiction.books.add(earthsea))()  # already related: the owner's side still notified
    assert await events() == {}
    await on_the_db(lambda: earthsea.tags.add(fiction))()
    assert set(await events()) == {earthsea.id}


async def test_one_frame_per_subscribing_request_id(dcrf, library) -> None:
    client = await dcrf(BookConsumer)
    book = library["books"][0]
    for request_id in ("a", "b", "a"):  # subscribing an id twice is one subscription
        await client({"action": "subscribe_instance", "pk": book.id, "request_id": request_id})
    await on_the_db(lambda: Book.objects.get(pk=book.pk).save())()
    frames = [await client.receive(), await client.receive()]
    assert sorted(frame["request_id"] for frame in frames) == ["a", "b"]
    assert await client.nothing()


async def test_unsubscribe(dcrf, library) -> None:
    client = await dcrf(BookConsumer)
    first, second = library["books"][:2]
    save = on_the_db(lambda pk: Book.objects.get(pk=pk).save())
    for book in (first, second):
        for request_id in ("x", "y"):
            await client({"action": "subscribe_instance", "pk": book.id, "request_id": request_id})
    got = await client({"action": "unsubscribe_instance", "pk": first.id, "request_id": "x"})
    assert got == reply(None, "unsubscribe_instance", 204, request_id="x")
    await save(first.pk)
    assert [(await client.receive())["request_id"]] == ["y"]
    await save(second.pk)  # Fixed: "x" still hears the other book (DCRF silenced it on every object)
    assert sorted([(await client.receive())["request_id"], (await client.receive())["request_id"]]) == ["x", "y"]
    # Without a request_id: every id for that object.
    assert (await client({"action": "unsubscribe_instance", "pk": second.id}))["response_status"] == 204
    await save(second.pk)
    assert await client.nothing()
    # 204 even when nothing is subscribed; 404 for a pk naming no object.
    assert (await client({"action": "unsubscribe_instance", "pk": second.id, "request_id": "x"}))["response_status"] == 204
    missing = await client({"action": "unsubscribe_instance", "pk": 999_999, "request_id": "x"})
    assert missing == reply(None, "unsubscribe_instance", 404, "x", NOT_FOUND)


# --- channelsmultiplexer streams ---------------------------------------------------------------------


async def test_multiplexed_streams_are_the_routes(dcrf, library, articles) -> None:
    client = await dcrf(MultiplexedConsumer, "editor")
    book = library["books"][0]
    got = await client({"stream": "books", "payload": {"action": "retrieve", "pk": book.id, "request_id": "r"}})
    assert got == {"stream": "books", "payload": reply(await on_the_db(rendered)(book), "retrieve", request_id="r")}
    paged = await client({"stream": "articles", "payload": {"action": "list", "limit": 2}})
    assert paged["payload"]["data"] == await on_the_db(page)(100, 1, 2, 0)
    unknown = await client({"stream": "nowhere", "payload": {"action": "list", "request_id": 1}})
    assert unknown == {"stream": "nowhere", "payload": reply(None, "list", 405, 1, ['Method "list" not allowed.'])}
    bare = await client({"action": "list"})  # no envelope: the resource at path(""), which this consumer has not
    assert bare == reply(None, "list", 405, errors=['Method "list" not allowed.'])
    # Events go back on the stream they were subscribed on.
    await client({"stream": "books", "payload": {"action": "subscribe_instance", "pk": book.id, "request_id": "s"}})
    await client.send({"stream": "books", "payload": {"action": "patch", "pk": book.id, "data": {"pages": 3}, "request_id": "w"}})
    assert (await client.receive())["payload"]["request_id"] == "w"
    event = await client.receive()
    assert (event["stream"], event["payload"]["action"], event["payload"]["request_id"]) == ("books", "update", "s")
    # A bad payload still answers on its stream's envelope rules: one 400 string, the stream unknown.
    await client.send('{"stream": "books", "payload": "text"}')
    bad = json.loads(await client.communicator.receive_from(timeout=HUNG))
    assert bad["errors"] == ['A multiplexed frame is {"stream": "<name>", "payload": {...}}.']


async def test_a_single_resource_consumer_answers_any_stream(dcrf, library) -> None:
    """dcrf-client always wraps its messages: a consumer with one resource serves whatever stream it names."""
    client = await dcrf(BookConsumer)
    got = await client({"stream": "library", "payload": {"action": "retrieve", "pk": library["books"][0].id}})
    assert got["stream"] == "library" and got["payload"]["response_status"] == 200
    await asyncio.sleep(0)


# --- hostile input -----------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
dcrf_actions = st.sampled_from([
    "list", "retrieve", "create", "update", "patch", "delete", "subscribe_instance", "unsubscribe_instance",
    "publish", "list_cancel", "partial_update", "destroy", "nope",
]) | json_values
messages = st.fixed_dictionaries(
    {},
    optional={
        "action": dcrf_actions, "request_id": json_values,
        "pk": st.sampled_from([1, 2, "1", 999, -1, 2**70, 1.5, True, None, "x", [1]]) | json_values,
        "data": st.fixed_dictionaries({}, optional={"title": json_values, "author": json_values, "tags": json_values,
                                                     "pages": json_values, "published": json_values}) | json_values,
        "limit": json_values, "offset": json_values, "stream": json_values, "payload": json_values,
        "self": json_values, "scope": json_values, "kwargs": json_values,
    },
)


@pytest.mark.django_db(transaction=True)
@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sent=st.lists(messages, min_size=1, max_size=5))
async def test_any_frame_gets_one_well_formed_reply(dcrf, library, sent: list[dict[str, Any]]) -> None:
    """Random DCRF messages from a user who may write books: each gets exactly one envelope in DCRF's shape
    (a subscription's events aside), never a 500, and the connection keeps serving."""
    client = await dcrf(BookConsumer, "editor")
    for message in sent:
        await client.send(message)
        got = await client.receive()  # checks the envelope's keys, order, types and json.dumps text
        payload = got.get("payload", got)
        assert payload["response_status"] in (200, 201, 204, 400, 403, 404, 405), got
        while not await client.nothing(0.05):  # events of a subscription this example made
            event = (await client.receive()).get("payload")
            assert event is None or event["action"] in ("update", "delete")
    assert (await client({"action": "retrieve", "pk": library["books"][0].id}))["response_status"] in (200, 404)
