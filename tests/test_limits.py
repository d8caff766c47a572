"""Limits on what one legacy connection may send, each answered clearly (GQL_CHANNELS settings)."""

from __future__ import annotations

import asyncio
import json

import pytest
from django.test import override_settings

from example_project.consumers import LegacyConsumer
from gql_channels.handlers import BoundResource
from gql_channels.protocol import parse_frame
from gql_channels.testing import ActionCommunicator

from .conftest import HUNG

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_frame_over_the_limit_closes_with_1009(articles) -> None:
    with override_settings(GQL_CHANNELS={"MAX_FRAME_SIZE": 1000}):
        async with ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") as client:
            ok = await client.request("list", "test_child_route/", {"pad": "x" * 800})
            assert ok["status"] == 200
            await client.send_to(text_data=json.dumps({"action": "list", "route": "é" * 600}))
            assert await client.receive_output(timeout=HUNG) == {"type": "websocket.close", "code": 1009}


def test_json_nested_deeper_than_the_limit_is_a_400() -> None:
    deep = {"action": "list", "route": "x/", "request_id": 3, "data": [[[["too deep"]]]]}
    request = parse_frame(json.dumps(deep), max_depth=4)
    assert request.problem is not None and request.problem.status_code == 400
    assert request.problem.detail == "JSON nested deeper than 4 levels."
    assert (request.action, request.route, request.request_id) == ("list", "x/", 3)
    assert parse_frame(json.dumps(deep), max_depth=5).problem is None


async def test_deep_json_through_the_consumer(articles) -> None:
    async with ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") as client:
        nested: list = []
        for _ in range(40):
            nested = [nested]
        reply = await client.request("list", "test_child_route/", nested)
        assert reply["status"] == 400 and reply["errors"] == [{"detail": "JSON nested deeper than 32 levels."}]
        assert (await client.request("list", "test_child_route/"))["status"] == 200


async def test_messages_beyond_the_in_flight_limit_are_answered_429(articles, monkeypatch) -> None:
    release = asyncio.Event()
    perform = BoundResource.perform

    async def held(*args, **kwargs):  # keeps the first messages in flight until the rest arrived
        await release.wait()
        return await perform(*args, **kwargs)

    monkeypatch.setattr(BoundResource, "perform", held)
    with override_settings(GQL_CHANNELS={"MAX_IN_FLIGHT": 2}):
        async with ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") as client:
            for n in range(6):
                await client.send_json_to({"action": "list", "route": "test_child_route/", "request_id": n})
            throttled = [await client.receive_json_from(timeout=HUNG) for _ in range(4)]
            assert [r["request_id"] for r in throttled] == [2, 3, 4, 5]
            assert all(r["status"] == 429 for r in throttled)
            assert all(r["errors"] == [{"detail": "More than 2 messages in flight on this connection."}] for r in throttled)
            release.set()
            served = [await client.receive_json_from(timeout=HUNG) for _ in range(2)]
            assert sorted(r["request_id"] for r in served) == [0, 1] and {r["status"] for r in served} == {200}
            assert (await client.request("list", "test_child_route/"))["status"] == 200


async def test_no_page_is_larger_than_max_page_size(articles) -> None:
    with override_settings(GQL_CHANNELS={"MAX_PAGE_SIZE": 7}):
        async with ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") as client:
            page = await client.request("list", "test_child_route/?page_size=50&page=2")
            assert len(page["data"]["results"]) == 7 and page["data"]["results"][0]["title"] == "Title8"
            window = await client.request("list", "offset/articles/?limit=40")
            assert len(window["data"]["results"]) == 7 and window["data"]["next"] == "offset/articles/?limit=7&offset=7"


async def test_subscriptions_beyond_the_limit_are_answered_429(library) -> None:
    with override_settings(GQL_CHANNELS={"MAX_SUBSCRIPTIONS": 2}):
        async with ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") as client:
            books = library["books"]
            assert (await client.request("subscribe", f"books/{books[0].id}/", request_id=1))["status"] == 201
            assert (await client.request("subscribe", f"books/{books[1].id}/", request_id=2))["status"] == 201
            again = await client.request("subscribe", f"books/{books[1].id}/", request_id=2)
            assert again["status"] == 201  # the same subscription, replaced
            refused = await client.request("subscribe", f"books/{books[2].id}/", request_id=3)
            assert refused["status"] == 429 and refused["errors"] == [{"detail": "More than 2 subscriptions on this connection."}]
