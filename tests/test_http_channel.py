"""The GraphQL HTTP consumer's channel: a request runs without one, unless ``channel_per_request``.

Channels gives every consumer a channel on the layer and listens to it while the consumer lives;
for HTTP nothing can await it (Channels dispatches one message at a time, and the request is one),
so ``GraphiQLHTTPConsumer`` skips it and its per-request receive task, keeping the layer at hand.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import strawberry
from channels.layers import get_channel_layer
from channels.testing import HttpCommunicator
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL
from strawberry.types import Info

from gql_channels.graphiql import GraphiQLHTTPConsumer

from .conftest import HUNG

JSON = [(b"content-type", b"application/json")]
SSE = (GRAPHQL_SSE_PROTOCOL,)


def consumer(info: Info) -> Any:
    return info.context["request"].consumer


@strawberry.type
class Query:
    @strawberry.field
    def channel(self, info: Info) -> str | None:
        return getattr(consumer(info), "channel_name", None)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def announce(self, info: Info, text: str) -> bool:
        await consumer(info).channel_layer.group_send("news", {"type": "news.item", "text": text})
        return True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def count(self) -> AsyncIterator[int]:
        for number in (1, 2):
            yield number

    @strawberry.subscription
    async def listen(self, info: Info) -> AsyncIterator[str]:
        async with consumer(info).listen_to_channel("news.item") as messages:
            async for message in messages:
                yield message["text"]

    @strawberry.subscription
    async def echo(self, info: Info) -> AsyncIterator[str]:
        """Awaits a message it sent to its own channel: one Channels would read after the response."""
        own = consumer(info)
        await own.channel_layer.send(own.channel_name, {"type": "echo.reply", "text": "over the layer"})
        async with own.listen_to_channel("echo.reply", timeout=0.5) as messages:
            async for message in messages:
                yield message["text"]
        yield "timed out"


SCHEMA = strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription)


class ChannelPerRequest(GraphiQLHTTPConsumer):
    channel_per_request = True


async def post(app: Any, query: str, headers: list[tuple[bytes, bytes]] = JSON) -> dict[str, Any]:
    body = json.dumps({"query": query}).encode()
    return await HttpCommunicator(app, "POST", "/graphql/", body=body, headers=headers).get_response(timeout=HUNG)


async def test_a_query_runs_without_a_channel_of_its_own() -> None:
    layer = get_channel_layer()
    before = set(getattr(layer, "channels", ()))  # the in-memory layer's queues, one per channel received on
    response = await post(GraphiQLHTTPConsumer.as_asgi(schema=SCHEMA), "{ channel }")
    assert response["status"] == 200
    assert json.loads(response["body"]) == {"data": {"channel": None}}
    assert set(getattr(layer, "channels", ())) == before


async def test_a_resolver_still_has_the_layer() -> None:
    layer = get_channel_layer()
    await layer.group_add("news", "reader")
    try:
        response = await post(GraphiQLHTTPConsumer.as_asgi(schema=SCHEMA), 'mutation { announce(text: "hi") }')
        assert json.loads(response["body"]) == {"data": {"announce": True}}
        assert await layer.receive("reader") == {"type": "news.item", "text": "hi"}
    finally:
        await layer.group_discard("news", "reader")


async def test_channel_per_request_keeps_channels_channel() -> None:
    response = await post(ChannelPerRequest.as_asgi(schema=SCHEMA), "{ channel }")
    channel = json.loads(response["body"])["data"]["channel"]
    assert channel and channel.startswith("specific.")


async def sse(app: Any, query: str) -> bytes:
    response = await post(app, query, headers=[*JSON, (b"accept", b"text/event-stream")])
    assert response["status"] == 200, response
    return response["body"]


async def test_a_streamed_subscription_runs_without_a_channel() -> None:
    body = await sse(GraphiQLHTTPConsumer.as_asgi(schema=SCHEMA, subscription_protocols=SSE), "subscription { count }")
    assert [json.loads(line[6:]) for line in body.decode().splitlines() if line.startswith("data: {")] == [
        {"data": {"count": 1}},
        {"data": {"count": 2}},
    ]


async def test_a_message_to_the_channel_does_not_reach_the_request() -> None:
    """Why the channel is off by default: with Channels' own, the stream's message waits behind it."""
    body = await sse(ChannelPerRequest.as_asgi(schema=SCHEMA, subscription_protocols=SSE), "subscription { echo }")
    assert b"timed out" in body and b"over the layer" not in body, body


async def test_listening_without_a_channel_says_why() -> None:
    """Rather than waiting out its timeout (or for ever) for what cannot come."""
    body = await sse(GraphiQLHTTPConsumer.as_asgi(schema=SCHEMA, subscription_protocols=SSE), "subscription { listen }")
    assert b"no channel to listen to" in body and b"graphql-transport-ws" in body, body
