"""Writes, permissions and custom actions through the example consumer (contract sections 3 and 7)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from example_project.demo.models import Article, Author, Book
from gql_channels.testing import ActionCommunicator

from .conftest import HUNG

pytestmark = pytest.mark.django_db(transaction=True)
DENIED = ["You do not have permission to perform this action."]


def snapshot() -> list:
    """Every row the example writes, to show a failed write changed nothing."""
    return [
        list(Article.objects.values_list()),
        list(Book.objects.values_list()),
        list(Book.tags.through.objects.values_list()),
        list(Author.objects.values_list()),
    ]


async def test_create_article_ignores_unknown_fields_and_id(client: ActionCommunicator) -> None:
    reply = await client.request("create", "articles/", {"title": "  New  ", "content": 5, "id": 999, "nope": 1})
    created = await Article.objects.aget()
    assert reply == {
        "errors": [],
        "data": {"id": created.id, "title": "New", "content": "5"},
        "action": "create",
        "route": "articles/",
        "status": 201,
    }
    assert created.id != 999


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, [{"title": ["This field is required."], "content": ["This field is required."]}]),
        ({"title": None, "content": "x"}, [{"title": ["This field may not be null."]}]),
        ({"title": "x" * 256, "content": "x"}, [{"title": ["Ensure this field has no more than 255 characters."]}]),
        ({"title": True, "content": ["x"]}, [{"title": ["Not a valid string."], "content": ["Not a valid string."]}]),
        ([1, 2], [{"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}]),
        ("text", [{"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}]),
        (None, [{"non_field_errors": ["No data provided"]}]),
    ],
)
async def test_create_validation_failures(client: ActionCommunicator, data: Any, errors: list) -> None:
    reply = await client.request("create", "articles/", data)
    assert (reply["status"], reply["errors"], reply["data"]) == (400, errors, None)
    assert await sync_to_async(snapshot)() == [[], [], [], []]


async def test_create_without_data_key(client: ActionCommunicator) -> None:
    reply = await client.request("create", "articles/")
    assert reply["status"] == 400 and reply["errors"] == [{"non_field_errors": ["No data provided"]}]


async def test_update_partial_update_and_destroy(client: ActionCommunicator) -> None:
    article = await Article.objects.acreate(title="Old", content="Body")
    route = f"articles/{article.id}/"
    reply = await client.request("update", route, {"title": "New"})
    assert reply["status"] == 400 and reply["errors"] == [{"content": ["This field is required."]}]
    reply = await client.request("update", route, {"title": "New"}, partial=True)
    assert reply["status"] == 200 and reply["data"] == {"id": article.id, "title": "New", "content": "Body"}
    reply = await client.request("partial_update", route, {"content": "Changed", "id": 12345})
    assert reply["data"] == {"id": article.id, "title": "New", "content": "Changed"}
    reply = await client.request("partial_update", route, {})
    assert reply["data"] == {"id": article.id, "title": "New", "content": "Changed"}
    reply = await client.request("update", route, {"title": "T", "content": "C"})
    assert reply["status"] == 200 and reply["data"]["title"] == "T"
    reply = await client.request("destroy", route)
    assert reply == {"errors": [], "data": None, "action": "destroy", "route": route, "status": 204}
    assert not await Article.objects.aexists()
    again = await client.request("destroy", route)
    assert again["status"] == 404 and again["errors"] == [{"detail": "No Article matches the given query."}]
    missing = await client.request("update", route, {"title": "x", "content": "y"})
    assert missing["status"] == 404


async def test_failed_update_changes_nothing(client: ActionCommunicator) -> None:
    article = await Article.objects.acreate(title="Old", content="Body")
    before = await sync_to_async(snapshot)()
    reply = await client.request("update", f"articles/{article.id}/", {"title": "x" * 300, "content": "new"})
    assert reply["status"] == 400 and list(reply["errors"][0]) == ["title"]
    assert await sync_to_async(snapshot)() == before


async def test_book_writes_with_fk_and_m2m(connect, library) -> None:
    editor = await connect("editor")
    author, tags = library["authors"][1], library["tags"]
    data = {"title": "New", "pages": "12", "published": "yes", "author": str(author.id), "tags": [tags[0].id, str(tags[2].id)]}
    reply = await editor.request("create", "books/", data)
    assert reply["status"] == 201, reply
    book = await Book.objects.aget(title="New")
    assert reply["data"]["id"] == book.id and reply["data"]["pages"] == 12 and reply["data"]["published"] is True
    assert reply["data"]["author"] == author.id and reply["data"]["tags"] == [tags[0].id, tags[2].id]
    reply = await editor.request("partial_update", f"books/{book.id}/", {"tags": [], "pages": 12.0, "published": 0})
    assert reply["data"]["tags"] == [] and reply["data"]["published"] is False
    assert reply["data"]["author"] == author.id


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"title": "x", "pages": 12.5, "author": 1}, {"pages": ["A valid integer is required."]}),
        ({"title": "x", "published": "maybe", "author": 1}, {"published": ["Must be a valid boolean."]}),
        ({"title": "x", "author": [1]}, {"author": ["Incorrect type. Expected pk value, received list."]}),
        ({"title": "x", "author": 1, "tags": 3}, {"tags": ['Expected a list of items but got type "int".']}),
        ({"title": "x"}, {"author": ["This field is required."]}),
        ({"title": "x", "pages": -1, "author": 1}, {"pages": ["Ensure this value is greater than or equal to 0."]}),
    ],
)
async def test_book_validation_failures(connect, library, data: dict, errors: dict) -> None:
    editor = await connect("editor")
    before = await sync_to_async(snapshot)()
    data = {**data, "author": library["authors"][0].id} if "author" in data and data["author"] == 1 else data
    reply = await editor.request("create", "books/", data)
    assert (reply["status"], reply["errors"]) == (400, [errors])
    assert await sync_to_async(snapshot)() == before


async def test_unknown_related_pks_are_refused_and_nothing_is_written(connect, library) -> None:
    editor = await connect("editor")
    before = await sync_to_async(snapshot)()
    author = library["authors"][0].id
    book = library["books"][0].id
    invalid = 'Invalid pk "999999" - object does not exist.'
    for action, route, data, field in (
        ("create", "books/", {"title": "x", "author": 999999}, "author"),
        ("create", "books/", {"title": "x", "author": author, "tags": [library["tags"][0].id, 999999]}, "tags"),
        ("update", f"books/{book}/", {"title": "x", "author": 999999}, "author"),
        ("partial_update", f"books/{book}/", {"tags": [999999]}, "tags"),
        # Beyond what the key column holds: no row can have it (the database is never asked).
        ("create", "books/", {"title": "x", "author": 2**64}, "author"),
        ("create", "books/", {"title": "x", "author": author, "tags": [2**63]}, "tags"),
    ):
        # DRF's PrimaryKeyRelatedField: a 400 on the field, not the route's 404.
        reply = await editor.request(action, route, data)
        key = data[field][-1] if isinstance(data[field], list) else data[field]
        assert (reply["status"], reply["errors"], reply["data"]) == (400, [{field: [invalid.replace("999999", str(key))]}], None)
    # The object itself missing is still the route's 404, whatever the related keys.
    reply = await editor.request("update", "books/999998/", {"title": "x", "author": 999999})
    assert (reply["status"], reply["errors"]) == (404, [{"detail": "No Book matches the given query."}])
    assert await sync_to_async(snapshot)() == before


async def test_operation_info_style_mutations(connect, library) -> None:
    user = await connect("user")
    reply = await user.request("create", "authors/", {"name": ""})
    assert reply["status"] == 400 and list(reply["errors"][0]) == ["name"]
    reply = await user.request("create", "authors/", {"name": "Calvino"})
    assert reply["status"] == 201 and reply["data"]["name"] == "Calvino" and type(reply["data"]["id"]) is int
    reply = await user.request("update", "authors/999999/", {"name": "x"})
    assert reply["status"] == 404 and reply["errors"] == [{"detail": "No Author matches the given query."}]
    editor = await connect("editor")  # deleting an author deletes its books: that takes demo.delete_book
    reply = await editor.request("destroy", f"authors/{library['authors'][0].id}/")
    assert reply["status"] == 204


async def test_deleting_an_author_needs_the_right_to_delete_its_books(connect, library) -> None:
    """The delete cascades to the author's books (``on_delete=CASCADE``): without ``demo.delete_book``, a
    logged-in user could remove books ``books/`` would not let them delete (issue 11, finding 5)."""
    author = library["authors"][0]
    books_of = sync_to_async(lambda: sorted(Book.objects.filter(author=author).values_list("id", flat=True)))
    written = await books_of()
    assert written
    user, editor = await connect("user"), await connect("editor")
    denied = await user.request("destroy", f"authors/{author.id}/")
    assert (denied["status"], denied["errors"]) == (403, ["You do not have permission to perform this action."])
    assert await books_of() == written
    for action, data in (("create", {"name": "Calvino"}), ("partial_update", {"name": "U. K. Le Guin"})):
        route = "authors/" if action == "create" else f"authors/{author.id}/"
        assert (await user.request(action, route, data))["status"] in (200, 201)  # only deletes cascade
    deleted = await editor.request("destroy", f"authors/{author.id}/")
    assert deleted["status"] == 204
    assert await books_of() == []


BOOK_ACTIONS = {
    # action: (route, data, status when allowed)
    "list": ("books/", None, 200),
    "retrieve": ("books/{book}/", None, 200),
    "create": ("books/", {"title": "x", "author": "{author}"}, 201),
    "update": ("books/{book}/", {"title": "y", "author": "{author}"}, 200),
    "partial_update": ("books/{book}/", {"pages": 1}, 200),
    "destroy": ("books/{book}/", None, 204),
    "publish": ("books/{book}/", None, 200),
}
#: books/ reads are open; writes and `publish` need Django's book permissions (only "editor" has them).
PERMISSION_CASES = [
    (user, action, route, data, allowed if action in ("list", "retrieve") or user == "editor" else 403)
    for user in (None, "user", "staff", "editor")
    for action, (route, data, allowed) in BOOK_ACTIONS.items()
] + [
    (None, "list", "authors/", None, 200),
    (None, "create", "authors/", {"name": "x"}, 403),
    ("user", "create", "authors/", {"name": "x"}, 201),
    (None, "list", "tags/", None, 403),
    ("user", "list", "tags/", None, 200),
]


@pytest.mark.parametrize(("username", "action", "route", "data", "status"), PERMISSION_CASES)
async def test_permissions(connect, library, username, action, route, data, status) -> None:
    client = await connect(username)
    ids = {"book": library["books"][0].id, "author": library["authors"][0].id}
    route = route.format(**ids)
    data = json.loads(json.dumps(data).replace('"{author}"', str(ids["author"]))) if data else data
    reply = await client.request(action, route, data) if data is not None else await client.request(action, route)
    assert reply["status"] == status, reply
    if status == 403:
        assert reply["errors"] == DENIED and reply["data"] is None


async def test_graphql_permission_fails_silently_only_for_graphql_clients(connect, library) -> None:
    client = await connect()
    from types import SimpleNamespace

    from django.contrib.auth.models import AnonymousUser

    from schema import schema

    graphql_client = SimpleNamespace(scope={"user": AnonymousUser()})
    result = await schema.execute("{ tags { id } }", context_value={"request": graphql_client})
    assert result.errors is None and result.data == {"tags": []}
    reply = await client.request("list", "tags/")
    assert reply["status"] == 403 and reply["errors"] == DENIED


async def test_custom_action(connect, library) -> None:
    editor = await connect("editor")
    book = library["books"][1]
    retrieved = await editor.request("retrieve", f"books/{book.id}/")
    reply = await editor.request("publish", f"books/{book.id}/", request_id="p1")
    # Action("publishBook"): the field's book, rendered exactly as retrieve renders it (integer ids, pks).
    assert reply == {
        "errors": [],
        "data": {**retrieved["data"], "published": True},
        "action": "publish",
        "route": f"books/{book.id}/",
        "status": 200,
        "request_id": "p1",
    }
    assert list(reply["data"]) == ["id", "title", "pages", "published", "created_at", "author", "tags"]
    assert type(reply["data"]["id"]) is int and type(reply["data"]["author"]) is int
    assert (await Book.objects.aget(pk=book.id)).published
    reply = await editor.request("publish", "books/999999/")
    assert (reply["status"], reply["errors"], reply["data"]) == (404, [{"detail": "No Book matches the given query."}], None)
    # A key that cannot be a pk is the route's 404 before anything runs, as for retrieve.
    reply = await editor.request("publish", "books/abc/")
    assert (reply["status"], reply["errors"]) == (404, [{"detail": "No Book matches the given query."}])


async def test_concurrent_in_flight_actions_are_matched_by_request_id(client: ActionCommunicator, articles) -> None:
    kinds = ["list", "retrieve", "create"]
    for n in range(50):
        action = kinds[n % 3]
        message: dict[str, Any] = {"action": action, "request_id": n}
        if action == "list":
            message["route"] = f"articles/?page={n % 10 + 1}"
        elif action == "retrieve":
            message["route"] = f"articles/{articles[n].id}/"
        else:
            message |= {"route": "articles/", "data": {"title": f"c{n}", "content": "x"}}
        await client.send_json_to(message)
    replies = [await client.receive_json_from(timeout=HUNG) for _ in range(50)]
    assert sorted(r["request_id"] for r in replies) == list(range(50))
    for reply in replies:
        n = reply["request_id"]
        assert reply["action"] == kinds[n % 3] and reply["errors"] == []
        if reply["action"] == "retrieve":
            assert reply["data"]["title"] == f"Title{n + 1}"
        if reply["action"] == "create":
            assert reply["status"] == 201 and reply["data"]["title"] == f"c{n}"
    assert await Article.objects.acount() == 100 + 16
    await asyncio.sleep(0)
