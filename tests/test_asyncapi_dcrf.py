"""``asyncapi_dcrf``: a djangochannelsrestframework consumer's messages as AsyncAPI 3.0.0, checked by the official
parser and against the real requests, replies and events of the example's DCRF consumers."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.management import call_command

from example_project.consumers import (
    ArticleConsumer,
    BookConsumer,
    MultiplexedConsumer,
    StreamedArticleConsumer,
)
from example_project.demo.models import Book
from gql_channels.asyncapi import asyncapi_document

from .conftest import HUNG, Validate
from .test_asyncapi import errors

DCRF_CONSUMERS = [BookConsumer, ArticleConsumer, StreamedArticleConsumer, MultiplexedConsumer]


def message(document: dict[str, Any], channel: str, key: str) -> str:
    return document["channels"][channel]["messages"][key]["$ref"].rsplit("/", 1)[1]


@pytest.mark.parametrize("consumer", DCRF_CONSUMERS, ids=lambda c: c.__name__)
def test_the_parser_finds_no_error(consumer: Any, validate: Validate) -> None:
    code, diagnostics = validate(asyncapi_document(consumer))
    assert errors(diagnostics) == [] and code == 0


def test_a_consumer_is_one_channel_with_dcrfs_actions() -> None:
    document = asyncapi_document(BookConsumer)
    assert list(document["channels"]) == ["root"]
    assert document["channels"]["root"]["address"] is None
    assert sorted(document["operations"]) == sorted(
        f"root.{action}" for action in (
            "list", "create", "publish", "retrieve", "update", "patch", "delete", "subscribe_instance",
            "unsubscribe_instance", "events",
        )
    )
    request = document["components"]["messages"][message(document, "root", "patch_request")]["payload"]
    assert request["required"] == ["action", "pk", "data"] and "route" not in request["properties"]
    reply = document["components"]["messages"][message(document, "root", "retrieve_reply")]["payload"]
    assert reply["required"] == ["errors", "data", "action", "response_status", "request_id"]
    assert reply["properties"]["response_status"] == {"const": 200}
    publish = document["components"]["messages"][message(document, "root", "publish_request")]["payload"]
    assert publish["required"] == ["action", "pk"]  # the field's argument, a top-level key


def test_multiplexed_streams_are_channels() -> None:
    document = asyncapi_document(MultiplexedConsumer)
    assert [(c, document["channels"][c]["address"]) for c in document["channels"]] == [
        ("books", "books"), ("articles", "articles"), ("streamed_articles", "streamed_articles"),
    ]
    assert "streamed_articles.list_cancel" in document["operations"]
    reply = document["components"]["messages"][message(document, "articles", "list_reply")]["payload"]
    assert reply["required"] == ["stream", "payload"] and reply["properties"]["stream"] == {"const": "articles"}
    assert list(reply["properties"]["payload"]["properties"]["data"]["properties"]) == ["count", "results", "limit", "offset"]


def test_the_command_writes_a_dcrf_document() -> None:
    out = StringIO()
    call_command("gql_channels_asyncapi", consumer="example_project.consumers.MultiplexedConsumer", stdout=out)
    assert json.loads(out.getvalue()) == asyncapi_document(MultiplexedConsumer)


@pytest.mark.django_db(transaction=True)
async def test_real_messages_match_their_schemas(
    validate: Validate, articles: list, library: dict, django_user_model: Any
) -> None:
    """Every request sent and reply or event received here validates against the message the document names."""
    admin = await django_user_model.objects.acreate(username="admin", is_superuser=True, is_staff=True)
    document = asyncapi_document(MultiplexedConsumer)
    book, author = library["books"][0].pk, library["authors"][0].pk
    payloads: list[dict[str, Any]] = []
    communicator = WebsocketCommunicator(MultiplexedConsumer.as_asgi(), "/ws/")
    communicator.scope["user"] = admin
    await communicator.connect()

    async def exchange(stream: str, key: str, request: dict[str, Any], replies: int = 1, error: bool = False) -> list[dict]:
        frame = {"stream": stream, "payload": request}
        await communicator.send_json_to(frame)
        received = [await communicator.receive_json_from(timeout=HUNG) for _ in range(replies)]
        payloads.append({"message": message(document, stream, f"{key}_request"), "payload": frame})
        for got in received:
            assert (got["payload"]["response_status"] >= 400) == error, got
            name = message(document, stream, "error" if error else f"{key}_reply")
            payloads.append({"message": name, "payload": got})
        return received

    await exchange("books", "list", {"action": "list", "request_id": 1})
    await exchange("books", "retrieve", {"action": "retrieve", "pk": book})
    created = await exchange("books", "create", {"action": "create", "data": {"title": "B", "author": author, "tags": []}})
    new = created[0]["payload"]["data"]["id"]
    await exchange("books", "update", {"action": "update", "pk": new, "data": {"title": "C", "author": author}})
    await exchange("books", "patch", {"action": "patch", "pk": new, "data": {"pages": 3}})
    await exchange("books", "publish", {"action": "publish", "pk": new, "request_id": "p"})
    await exchange("books", "subscribe_instance", {"action": "subscribe_instance", "pk": new, "request_id": "s"})
    await sync_to_async(lambda: Book.objects.get(pk=new).save())()
    event = await communicator.receive_json_from(timeout=HUNG)
    payloads.append({"message": message(document, "books", "update_event"), "payload": event})
    await exchange("books", "unsubscribe_instance", {"action": "unsubscribe_instance", "pk": new, "request_id": "s"})
    await exchange("books", "subscribe_instance", {"action": "subscribe_instance", "pk": new, "request_id": "s"})
    delete = {"stream": "books", "payload": {"action": "delete", "pk": new, "request_id": "d"}}
    await communicator.send_json_to(delete)
    frames = [await communicator.receive_json_from(timeout=HUNG) for _ in range(2)]  # the reply, then the event
    assert [f["payload"]["request_id"] for f in frames] == ["d", "s"]
    payloads += [
        {"message": message(document, "books", "delete_request"), "payload": delete},
        {"message": message(document, "books", "delete_reply"), "payload": frames[0]},
        {"message": message(document, "books", "delete_event"), "payload": frames[1]},
    ]
    await exchange("articles", "list", {"action": "list", "limit": 2, "offset": "3"})
    await exchange("streamed_articles", "list", {"action": "list", "limit": 50}, replies=2)
    await exchange("streamed_articles", "list_cancel", {"action": "list_cancel", "request_id": "gone"})
    for failing in ({"action": "retrieve", "pk": 999_999}, {"action": "nope", "request_id": [1]}, {"pk": 1}):
        await communicator.send_json_to({"stream": "books", "payload": failing})
        got = await communicator.receive_json_from(timeout=HUNG)
        assert got["payload"]["response_status"] >= 400, got
        payloads.append({"message": message(document, "books", "error"), "payload": got})
    await communicator.disconnect()
    code, diagnostics = validate(document, payloads)
    assert errors(diagnostics) == [] and code == 0


def test_a_payload_off_its_schema_is_reported(validate: Validate) -> None:
    document = asyncapi_document(BookConsumer)
    rfc_shaped = {"errors": [], "data": None, "action": "retrieve", "route": "", "status": 200}
    code, diagnostics = validate(document, [{"message": message(document, "root", "retrieve_reply"), "payload": rfc_shaped}])
    assert code == 1
    assert "must have required property 'response_status'" in errors(diagnostics)[0]["message"]
