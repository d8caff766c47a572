"""``asyncapi``: the legacy protocol as AsyncAPI 3.0.0, checked by the official parser and against real replies.

The parser (``@asyncapi/parser``, pinned in ``tests/asyncapi_validator/``) is installed with
``npm ci`` once into ``<venv>/share/gql_channels/asyncapi-validator``. Without node/npm the
parser tests are skipped, except under ``CI``, where they fail.
"""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from example_project.consumers import LegacyConsumer
from gql_channels.asyncapi import asyncapi_document
from gql_channels.testing import ActionCommunicator

from .conftest import Validate


def errors(diagnostics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in diagnostics if d["severity"] == "error"]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return asyncapi_document(LegacyConsumer)


def channel_of(document: dict[str, Any], pattern: str) -> dict[str, Any]:
    return next(channel for channel in document["channels"].values() if channel["title"] == pattern)


def message_name(document: dict[str, Any], pattern: str, key: str) -> str:
    return channel_of(document, pattern)["messages"][key]["$ref"].rsplit("/", 1)[1]


def payload(document: dict[str, Any], pattern: str, key: str) -> dict[str, Any]:
    return document["components"]["messages"][message_name(document, pattern, key)]["payload"]


def schema(document: dict[str, Any], ref: dict[str, str]) -> dict[str, Any]:
    return document["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


# --- the document ---------------------------------------------------------------------------------


def test_header_and_server(document: dict[str, Any]) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"] == "LegacyConsumer legacy action protocol"
    assert document["defaultContentType"] == "application/json"
    assert document["servers"] == {
        "legacy": {"host": "127.0.0.1:8000", "protocol": "ws", "pathname": "/ws/", "description": document["servers"]["legacy"]["description"]}
    }
    other = asyncapi_document(LegacyConsumer, host="legacy.example:443", pathname="/legacy/")
    assert (other["servers"]["legacy"]["host"], other["servers"]["legacy"]["pathname"]) == ("legacy.example:443", "/legacy/")


def test_a_channel_per_route_pattern_captures_as_parameters(document: dict[str, Any]) -> None:
    patterns = [entry.route for entry in LegacyConsumer.compiled_routes.table.entries()]
    assert [channel["title"] for channel in document["channels"].values()] == patterns
    detail = document["channels"]["test_child_route_pk"]
    assert detail["title"] == r"^test_child_route/(?P<pk>[-\w]+)/$"
    assert detail["address"] == "test_child_route/{pk}/"
    assert detail["parameters"] == {"pk": {"description": "The object's primary key."}}
    assert document["channels"]["articles_pk"]["address"] == "articles/{pk}/"
    assert "parameters" not in document["channels"]["articles"]


def test_a_send_operation_per_action_with_its_reply(document: dict[str, Any]) -> None:
    operation = document["operations"]["test_child_route.list"]
    assert operation["action"] == "send"
    assert operation["channel"] == {"$ref": "#/channels/test_child_route"}
    assert operation["messages"] == [{"$ref": "#/channels/test_child_route/messages/list_request"}]
    assert operation["reply"] == {
        "channel": {"$ref": "#/channels/test_child_route"},
        "messages": [
            {"$ref": "#/channels/test_child_route/messages/list_reply"},
            {"$ref": "#/channels/test_child_route/messages/error"},
        ],
    }
    source = LegacyConsumer.compiled_routes.binding(LegacyConsumer.routepatterns[0].callback).operations["list"].source
    assert operation["x-graphql-document"] == source
    detail = [name for name in document["operations"] if name.startswith("books_pk.")]
    assert detail == [
        "books_pk.retrieve", "books_pk.update", "books_pk.partial_update", "books_pk.destroy", "books_pk.publish",
        "books_pk.subscribe", "books_pk.unsubscribe", "books_pk.events",
    ]


def test_subscriptions_and_what_they_push(document: dict[str, Any]) -> None:
    subscribe = document["operations"]["books_pk.subscribe"]
    assert subscribe["action"] == "send" and subscribe["x-graphql-document"].startswith("subscription ")
    assert payload(document, "books/<str:pk>/", "subscribe_reply")["properties"]["status"] == {"const": 201}
    assert payload(document, "books/<str:pk>/", "unsubscribe_reply")["properties"]["status"] == {"const": 204}
    events = document["operations"]["books_pk.events"]
    assert events["action"] == "receive"
    assert events["messages"] == [
        {"$ref": "#/channels/books_pk/messages/event"}, {"$ref": "#/channels/books_pk/messages/publish_reply"}
    ]
    event = payload(document, "books/<str:pk>/", "event")
    assert event["properties"]["action"] == {"enum": ["create", "update", "delete"]}
    assert schema(document, event["properties"]["data"])["properties"]["id"] == {"type": "integer"}
    assert not any(name.startswith("articles.sub") for name in document["operations"])  # no subscription there


def test_request_payloads(document: dict[str, Any]) -> None:
    listing = payload(document, "test_child_route/", "list_request")
    assert listing["required"] == ["action", "route"]
    assert listing["properties"]["action"] == {"const": "list"}
    assert "`page`, `page_size`" in listing["properties"]["route"]["description"]
    assert set(listing["properties"]) == {"action", "route", "request_id"}
    create = payload(document, "books/", "create_request")
    assert create["required"] == ["action", "route", "data"]
    data = schema(document, create["properties"]["data"])
    assert data["required"] == ["title", "author"]
    assert data["properties"]["author"] == {"type": "integer"}
    assert data["properties"]["tags"] == {"type": "array", "items": {"type": "integer"}}
    update = payload(document, "books/<str:pk>/", "update_request")
    assert update["properties"]["partial"]["type"] == "boolean"
    assert update["if"] == {"required": ["partial"], "properties": {"partial": {"const": True}}}
    assert schema(document, update["else"]["properties"]["data"])["required"] == ["title", "author"]
    partial = payload(document, "books/<str:pk>/", "partial_update_request")
    assert "required" not in schema(document, partial["properties"]["data"])
    assert update["then"]["properties"]["data"] == partial["properties"]["data"]
    # A custom action's variables come from the route when it captures them, else from data.
    assert payload(document, "books/", "publish_request")["properties"]["data"] == {
        "type": "object", "required": ["pk"], "properties": {"pk": {"type": ["integer", "string"]}}
    }
    assert "data" not in payload(document, "books/<str:pk>/", "publish_request")["properties"]


def test_reply_payloads(document: dict[str, Any]) -> None:
    page = payload(document, "test_child_route/", "list_reply")
    assert page["required"] == ["errors", "data", "action", "route", "status"]
    assert page["properties"]["status"] == {"const": 200}
    data = page["properties"]["data"]
    assert data["required"] == ["count", "next", "previous", "results"]
    assert data["properties"]["count"]["type"] == "integer"
    assert data["properties"]["next"]["type"] == ["string", "null"]
    assert schema(document, data["properties"]["results"]["items"]) == {
        "type": "object",
        "description": "GraphQL `ArticleType`, rendered for legacy clients.",
        "required": ["id", "title", "content"],
        "properties": {"id": {"type": "integer"}, "title": {"type": "string"}, "content": {"type": "string"}},
    }
    book = schema(document, payload(document, "books/<str:pk>/", "retrieve_reply")["properties"]["data"])
    assert book["properties"] == {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "pages": {"type": "integer"},
        "published": {"type": "boolean"},
        "created_at": {"type": "string", "format": "date-time"},
        "author": {"type": "integer"},
        "tags": {"type": "array", "items": {"type": "integer"}},
    }
    authors = payload(document, "authors/", "list_reply")["properties"]["data"]
    assert authors["type"] == "array"  # not paginated
    destroy = payload(document, "articles/<str:pk>/", "destroy_reply")["properties"]
    assert (destroy["data"], destroy["status"]) == ({"type": "null"}, {"const": 204})
    assert payload(document, "articles/", "create_reply")["properties"]["status"] == {"const": 201}
    # Action("publishBook"): the book, rendered like retrieve.
    assert payload(document, "books/", "publish_reply")["properties"]["data"] == {"$ref": "#/components/schemas/BookType"}
    error = document["components"]["messages"]["ErrorReply"]
    assert error["payload"] == {"$ref": "#/components/schemas/ErrorReply"}
    assert document["components"]["schemas"]["ErrorReply"]["properties"]["data"] == {"type": "null"}


def test_command_writes_the_document(tmp_path: Path, settings: Any) -> None:
    settings.GQL_CHANNELS = {"CONSUMER": "example_project.consumers.LegacyConsumer"}
    out = StringIO()
    call_command("gql_channels_asyncapi", stdout=out)
    assert json.loads(out.getvalue()) == asyncapi_document(LegacyConsumer)
    target = tmp_path / "asyncapi.json"
    call_command("gql_channels_asyncapi", output=target, host="h:1", stdout=StringIO())
    assert json.loads(target.read_text())["servers"]["legacy"]["host"] == "h:1"


# --- the official parser ------------------------------------------------------------------------


def test_the_parser_finds_no_error(document: dict[str, Any], validate: Validate) -> None:
    code, diagnostics = validate(document)
    assert errors(diagnostics) == [] and code == 0


def test_the_parser_would_catch_a_broken_document(document: dict[str, Any], validate: Validate) -> None:
    broken = copy.deepcopy(document)
    del broken["asyncapi"]
    code, diagnostics = validate(broken)
    assert code == 1 and errors(diagnostics)
    unparameterised = copy.deepcopy(document)
    unparameterised["channels"]["articles_pk"]["address"] = "articles/<str:pk>/"
    code, diagnostics = validate(unparameterised)
    assert code == 1 and "asyncapi3-channel-parameters" in {d["code"] for d in errors(diagnostics)}


@pytest.mark.django_db(transaction=True)
async def test_real_messages_match_their_schemas(
    document: dict[str, Any], validate: Validate, articles: list, library: dict, django_user_model: Any
) -> None:
    """Every request sent and reply received here validates against the message the document names."""
    admin = await django_user_model.objects.acreate(username="admin", is_superuser=True, is_staff=True)
    pk, book = articles[0].pk, library["books"][0].pk
    cases: list[tuple[str, str, dict[str, Any]]] = [
        (entry.route, "list", {"route": entry.route})
        for entry in LegacyConsumer.compiled_routes.table.entries()
        if "list" in LegacyConsumer.compiled_routes.binding(entry.resource).actions_for(entry.captures)
    ]
    cases += [
        ("test_child_route/", "list", {"route": "test_child_route/?page=4"}),
        (r"^test_child_route/(?P<pk>[-\w]+)/$", "retrieve", {"route": f"test_child_route/{pk}/"}),
        ("articles/", "create", {"route": "articles/", "data": {"title": "New", "content": "x"}, "request_id": 7}),
        ("articles/<str:pk>/", "update", {"route": f"articles/{pk}/", "data": {"title": "T"}, "partial": True}),
        ("articles/<str:pk>/", "partial_update", {"route": f"articles/{pk}/", "data": {"content": "y"}}),
        ("articles/<str:pk>/", "destroy", {"route": f"articles/{pk}/"}),
        ("books/<str:pk>/", "retrieve", {"route": f"books/{book}/"}),
        ("books/", "create", {"route": "books/", "data": {"title": "B", "author": library["authors"][0].pk, "tags": []}}),
        ("books/", "publish", {"route": "books/", "data": {"pk": book}}),
        ("books/<str:pk>/", "publish", {"route": f"books/{book}/"}),
    ]
    failures = [
        {"route": "test_child_route/?page=999", "action": "list"},
        {"route": "nowhere/", "action": "list", "request_id": "abc"},
        {"route": "articles/", "action": "create", "data": {"title": ""}},
        {"route": f"articles/{pk}/", "action": "retrieve"},  # destroyed above
    ]
    payloads: list[dict[str, Any]] = []
    client = ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/")
    client.scope["user"] = admin
    async with client:
        for pattern, action, message in cases:
            request = {"action": action, **message}
            await client.send_json_to(request)
            reply = await client.receive_json_from()
            assert reply["status"] < 400, (request, reply)
            payloads += [
                {"message": message_name(document, pattern, f"{action}_request"), "payload": request},
                {"message": message_name(document, pattern, f"{action}_reply"), "payload": reply},
            ]
        # Live updates: subscribe, an event pushed by a write, a broadcast, unsubscribe.
        detail = f"books/{book}/"
        subscribe = {"action": "subscribe", "route": detail, "request_id": "live"}
        await client.send_json_to(subscribe)
        subscribed = await client.receive_json_from()
        assert subscribed["status"] == 201, subscribed
        await client.send_json_to({"action": "partial_update", "route": detail, "data": {"pages": 7}})
        pushed = [await client.receive_json_from(), await client.receive_json_from()]
        event = next(m for m in pushed if m.get("request_id") == "live")
        unsubscribe = {"action": "unsubscribe", "route": detail, "request_id": "live"}
        await client.send_json_to(unsubscribe)
        unsubscribed = await client.receive_json_from()
        assert unsubscribed["status"] == 204, unsubscribed
        payloads += [
            {"message": message_name(document, "books/<str:pk>/", key), "payload": message}
            for key, message in (
                ("subscribe_request", subscribe), ("subscribe_reply", subscribed), ("event", event),
                ("unsubscribe_request", unsubscribe), ("unsubscribe_reply", unsubscribed),
            )
        ]
        for request in failures:
            await client.send_json_to(request)
            reply = await client.receive_json_from()
            assert reply["status"] >= 400, (request, reply)
            payloads.append({"message": "ErrorReply", "payload": reply})
    code, diagnostics = validate(document, payloads)
    assert errors(diagnostics) == [] and code == 0


def test_a_payload_off_its_schema_is_reported(document: dict[str, Any], validate: Validate) -> None:
    reply = {"errors": [], "data": {"id": "1", "title": "t", "content": "c"}, "action": "retrieve",
             "route": "articles/1/", "status": 200}
    update = {"action": "update", "route": "articles/1/", "data": {"title": "t"}}  # content required unless partial
    code, diagnostics = validate(document, [
        {"message": message_name(document, "articles/<str:pk>/", "retrieve_reply"), "payload": reply},
        {"message": message_name(document, "articles/<str:pk>/", "update_request"), "payload": update},
        {"message": message_name(document, "articles/<str:pk>/", "update_request"), "payload": {**update, "partial": True}},
    ])
    assert code == 1
    assert [(d["code"], d["path"][2], d["message"]) for d in errors(diagnostics)] == [
        ("payload-schema", "ArticleTypeRetrieveReply", "payload/data/id must be integer"),
        ("payload-schema", "ArticleTypeUpdateRequest", "payload/data must have required property 'content', "
         'payload must match "else" schema'),
    ]
