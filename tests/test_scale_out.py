"""Two ASGI server processes sharing PostgreSQL and Redis: events cross processes, exactly once."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import websockets
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

from .conftest import (
    REDIS_URL,
    scale_out_env,
    session_cookie,
    start_server,
    stop_server,
)

BURST = 500


#: Where each server process logs (one file per process, read by the tests).
LOGS: list[Path] = []


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """Two uvicorn processes on one fresh PostgreSQL database and one Redis channel layer."""
    env = scale_out_env("gql_channels_scale_out")
    editor = session_cookie(env, "editor", "demo.add_book", "demo.change_book", "demo.delete_book")
    LOGS[:] = [tmp_path_factory.mktemp("scale_out") / name for name in ("first.log", "second.log")]
    first, first_address = start_server(env, log=LOGS[0])
    second, second_address = start_server(env, log=LOGS[1])
    try:
        yield first_address, second_address, editor
    finally:
        stop_server(first)
        stop_server(second)


class GraphQLHTTP:
    """The third client: writes through GraphQL mutations over HTTP."""

    def __init__(self, session: aiohttp.ClientSession, address: str, cookie: str) -> None:
        self.session, self.url, self.headers = session, f"http://{address}/graphql/", {"Cookie": cookie}

    async def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        body = {"query": query, "variables": variables}
        async with self.session.post(self.url, json=body, headers=self.headers) as response:
            return await response.json()


UPDATE = "mutation ($data: BookPartial!) { updateBook(data: $data) { id } }"
CREATE = "mutation ($data: BookInput!) { createBook(data: $data) { id } }"
DELETE = "mutation ($data: KeyInput!) { deleteBook(data: $data) { id } }"
SUBSCRIBE_ALL = gql("subscription { booksChanged { action pk data } }")


async def legacy_listener(socket: Any, events: dict[Any, list[tuple[str, int]]]) -> None:
    async for frame in socket:
        message = json.loads(frame)
        events[message.get("request_id")].append((message["action"], message["data"]["id"] if message["data"] else None))


async def graphql_listener(session: Any, events: list[tuple[str, int]], ready: asyncio.Event) -> None:
    async for result in session.subscribe(SUBSCRIBE_ALL):
        event = result["booksChanged"]
        if event["data"] and event["data"]["title"].startswith("probe"):
            ready.set()
            continue
        events.append((event["action"], int(event["pk"])))


async def wait_until(condition: Any, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting for events")
        await asyncio.sleep(0.05)


async def test_events_cross_processes_in_commit_order_exactly_once(servers: tuple[str, str, str]) -> None:
    first, second, editor = servers
    legacy: dict[Any, list[tuple[str, int]]] = defaultdict(list)
    graphql: list[tuple[str, int]] = []
    ready = asyncio.Event()
    async with (
        websockets.connect(f"ws://{first}/ws/") as socket,
        Client(transport=WebsocketsTransport(url=f"ws://{second}/graphql/", subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL])) as subscriber,
        aiohttp.ClientSession() as http,
    ):
        for route, request_id in (("books/3/", "one"), ("books/?author=2", "list")):
            await socket.send(json.dumps({"action": "subscribe", "route": route, "request_id": request_id}))
            assert json.loads(await socket.recv())["status"] == 201
        listening = [
            asyncio.create_task(legacy_listener(socket, legacy)),
            asyncio.create_task(graphql_listener(subscriber, graphql, ready)),
        ]
        try:
            await exchange_events(GraphQLHTTP(http, second, editor), legacy, graphql, ready)
        finally:
            for task in listening:
                task.cancel()
            await asyncio.gather(*listening, return_exceptions=True)


async def exchange_events(
    write: GraphQLHTTP, legacy: dict[Any, list[tuple[str, int]]], graphql: list[tuple[str, int]], ready: asyncio.Event
) -> None:
    """The third client's writes, and what each subscriber must have received."""
    for attempt in range(100):  # the GraphQL subscription is live once it sees a write
        await write(UPDATE, data={"id": "5", "title": f"probe {attempt}"})
        try:
            await asyncio.wait_for(ready.wait(), 0.2)
            break
        except TimeoutError:
            continue
    await asyncio.sleep(0.3)
    graphql.clear()

    await write(UPDATE, data={"id": "3", "title": "Ficciones (2nd ed.)"})
    x = int((await write(CREATE, data={"title": "El Aleph", "author": {"set": "2"}}))["data"]["createBook"]["id"])
    y = int((await write(CREATE, data={"title": "Contact", "author": {"set": "3"}}))["data"]["createBook"]["id"])
    await write(UPDATE, data={"id": str(x), "pages": 200, "tags": {"set": ["1"]}})
    failed = await write(CREATE, data={"title": "x" * 300, "author": {"set": "2"}})
    assert failed["errors"], "the over-long title must be refused (and roll back)"
    await write(DELETE, data={"id": str(x)})
    await write(DELETE, data={"id": "3"})

    expected_graphql = [("update", 3), ("create", x), ("create", y), ("update", x), ("delete", x), ("delete", 3)]
    await wait_until(lambda: len(graphql) >= len(expected_graphql) and len(legacy["list"]) >= 5)
    await asyncio.sleep(0.5)  # anything extra would arrive now
    assert graphql == expected_graphql
    assert legacy["one"] == [("update", 3), ("delete", 3)]
    assert legacy["list"] == [("update", 3), ("create", x), ("update", x), ("delete", x), ("delete", 3)]

    created = await asyncio.gather(
        *(write(CREATE, data={"title": f"burst {i}", "author": {"set": "2"}}) for i in range(BURST))
    )
    ids = sorted(int(r["data"]["createBook"]["id"]) for r in created)
    await wait_until(lambda: len(graphql) >= 6 + BURST and len(legacy["list"]) >= 5 + BURST, timeout=120)
    await asyncio.sleep(0.5)
    assert sorted(pk for _, pk in graphql[6:]) == ids
    assert sorted(pk for _, pk in legacy["list"][5:]) == ids
    assert {action for action, _ in graphql[6:] + legacy["list"][5:]} == {"create"}


async def test_unsubscribe_and_disconnect_leave_no_redis_group_membership(servers: tuple[str, str, str]) -> None:
    import redis.asyncio as redis

    first, _, _ = servers
    client = redis.from_url(REDIS_URL)
    try:
        before = {key: await client.zcard(key) for key in await client.keys("asgi:group:gql_channels.*")}
        async with websockets.connect(f"ws://{first}/ws/") as socket:
            await socket.send(json.dumps({"action": "subscribe", "route": "books/2/", "request_id": 1}))
            assert json.loads(await socket.recv())["status"] == 201
            await socket.send(json.dumps({"action": "subscribe", "route": "books/?author=1", "request_id": 2}))
            assert json.loads(await socket.recv())["status"] == 201
            members = {key: await client.zcard(key) for key in await client.keys("asgi:group:gql_channels.*")}
            # the book's events, its "publish" broadcast group, and the model's events
            assert sum(members.values()) == sum(before.values()) + 3
            await socket.send(json.dumps({"action": "unsubscribe", "route": "books/2/", "request_id": 1}))
            assert json.loads(await socket.recv())["status"] == 204
            members = {key: await client.zcard(key) for key in await client.keys("asgi:group:gql_channels.*")}
            assert sum(members.values()) == sum(before.values()) + 1
        await asyncio.sleep(0.5)  # the server sees the close and leaves the groups
        after = {key: await client.zcard(key) for key in await client.keys("asgi:group:gql_channels.*")}
        assert sum(after.values()) == sum(before.values())
    finally:
        await client.aclose()


async def test_an_idle_subscriber_keeps_its_channel_layer_connection(servers: tuple[str, str, str]) -> None:
    """Idle past channels-redis' 5 s ``BZPOPMIN`` and redis-py's 5 s default read timeout (redis-py 6+), a
    subscriber still gets the next event at once, and no server logs the layer as unavailable: with both at
    5 s every idle receive failed, and the consumer's retry backoff delayed events by up to 5 s."""
    first, second, editor = servers
    async with (
        websockets.connect(f"ws://{first}/ws/") as subscriber,
        websockets.connect(f"ws://{second}/ws/", additional_headers={"Cookie": editor}) as writer,
    ):
        await subscriber.send(json.dumps({"action": "subscribe", "route": "books/2/", "request_id": "idle"}))
        assert json.loads(await subscriber.recv())["status"] == 201
        await asyncio.sleep(12)  # idle: longer than both timeouts, twice over
        await writer.send(json.dumps({"action": "partial_update", "route": "books/2/", "data": {"pages": 305}}))
        assert json.loads(await asyncio.wait_for(writer.recv(), 30))["status"] == 200
        event = json.loads(await asyncio.wait_for(subscriber.recv(), 30))
        assert (event["action"], event["request_id"], event["data"]["pages"]) == ("update", "idle", 305)
    for log in LOGS:
        assert "channel layer is unavailable" not in log.read_text(errors="replace"), log.read_text()[-3000:]


async def test_both_dialects_side_by_side_across_processes(servers: tuple[str, str, str]) -> None:
    """A rest_framework_channels client on one process and djangochannelsrestframework clients (one consumer per
    URL, and multiplexed) on the other watch the same book; a write through either dialect reaches each
    subscriber once, in its own dialect (book 4: the first test of the module deleted book 3)."""
    first, second, editor = servers
    cookie = {"Cookie": editor}
    async with (
        websockets.connect(f"ws://{first}/ws/") as legacy,
        websockets.connect(f"ws://{second}/ws/books/", additional_headers=cookie) as dcrf,
        websockets.connect(f"ws://{second}/ws/multiplex/") as multiplexed,
    ):
        await legacy.send(json.dumps({"action": "subscribe", "route": "books/4/", "request_id": "rfc"}))
        assert json.loads(await legacy.recv())["status"] == 201
        await dcrf.send(json.dumps({"action": "subscribe_instance", "pk": 4, "request_id": "dcrf"}))
        assert json.loads(await dcrf.recv())["response_status"] == 201
        subscribe = {"action": "subscribe_instance", "pk": 4, "request_id": "mux"}
        await multiplexed.send(json.dumps({"stream": "books", "payload": subscribe}))
        assert json.loads(await multiplexed.recv())["payload"]["response_status"] == 201

        await dcrf.send(json.dumps({"action": "patch", "pk": 4, "data": {"pages": 175}, "request_id": "w"}))
        written = json.loads(await asyncio.wait_for(dcrf.recv(), 30))
        assert (written["action"], written["response_status"], written["request_id"]) == ("patch", 200, "w")
        book = written["data"]
        own = json.loads(await asyncio.wait_for(dcrf.recv(), 30))  # the reply first, then its own event
        assert own == {"errors": [], "data": book, "action": "update", "response_status": 200, "request_id": "dcrf"}
        assert json.loads(await asyncio.wait_for(multiplexed.recv(), 30)) == {"stream": "books", "payload": {**own, "request_id": "mux"}}
        assert json.loads(await asyncio.wait_for(legacy.recv(), 30)) == {
            "errors": [], "data": book, "action": "update", "route": "books/4/", "status": 200, "request_id": "rfc"
        }
        # Deleted through the other dialect, on the other process.
        async with websockets.connect(f"ws://{first}/ws/", additional_headers=cookie) as writer:
            await writer.send(json.dumps({"action": "destroy", "route": "books/4/"}))
            assert json.loads(await asyncio.wait_for(writer.recv(), 30))["status"] == 204
        deleted = {"errors": [], "data": {"pk": 4}, "action": "delete", "response_status": 204, "request_id": "dcrf"}
        assert json.loads(await asyncio.wait_for(dcrf.recv(), 30)) == deleted
        assert json.loads(await asyncio.wait_for(multiplexed.recv(), 30)) == {"stream": "books", "payload": {**deleted, "request_id": "mux"}}
        gone = json.loads(await asyncio.wait_for(legacy.recv(), 30))
        assert (gone["action"], gone["route"], gone["request_id"], gone["data"]["id"]) == ("delete", "books/4/", "rfc", 4)
        for socket in (legacy, dcrf, multiplexed):  # exactly once
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(socket.recv(), 1)
