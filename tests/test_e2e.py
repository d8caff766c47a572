"""End to end: the example under a real uvicorn, driven by real clients over loopback."""

from __future__ import annotations

import json

import aiohttp
import pytest
import websockets
from gql import Client, gql
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.websockets import WebsocketsTransport

SEED_REQUEST = {"action": "list", "route": "test_child_route/?page=4"}
ARTICLES_QUERY = gql(
    "query Page($pagination: OffsetPaginationInput) "
    "{ articles(pagination: $pagination) { totalCount results { id title content } } }"
)
ARTICLES_QUERY.variable_values = {"pagination": {"offset": 30, "limit": 10}}


def assert_seed_reply(reply: dict) -> None:
    assert reply == {
        "errors": [],
        "data": {
            "count": 100,
            "next": "test_child_route/?page=5",
            "previous": "test_child_route/?page=3",
            "results": [{"id": i, "title": f"Title{i}", "content": f"Content{i}"} for i in range(31, 41)],
        },
        "action": "list",
        "route": "test_child_route/?page=4",
        "status": 200,
    }


@pytest.mark.parametrize("path", ["/ws/", "/graphql/"])
async def test_legacy_exchange_over_a_real_socket(demo_server: str, path: str) -> None:
    async with websockets.connect(f"ws://{demo_server}{path}") as socket:
        assert socket.subprotocol is None
        await socket.send(json.dumps(SEED_REQUEST))
        assert_seed_reply(json.loads(await socket.recv()))
        await socket.send("not json")
        bad = json.loads(await socket.recv())
        assert bad["status"] == 400 and bad["data"] is None
        await socket.send(json.dumps({"action": "retrieve", "route": "test_child_route/42/", "request_id": 1}))
        reply = json.loads(await socket.recv())
        assert reply["data"] == {"id": 42, "title": "Title42", "content": "Content42"}
        assert reply["request_id"] == 1


async def test_books_render_relations_as_pks(demo_server: str) -> None:
    async with websockets.connect(f"ws://{demo_server}/ws/") as socket:
        await socket.send(json.dumps({"action": "retrieve", "route": "books/1/"}))
        reply = json.loads(await socket.recv())
    assert reply["status"] == 200
    assert reply["data"]["author"] == 1 and reply["data"]["tags"] == [1, 2]


async def test_same_data_over_graphql_http(demo_server: str) -> None:
    transport = AIOHTTPTransport(url=f"http://{demo_server}/graphql/")
    async with Client(transport=transport) as session:
        result = await session.execute(ARTICLES_QUERY)
    assert result["articles"]["totalCount"] == 100
    assert [r["title"] for r in result["articles"]["results"]] == [f"Title{i}" for i in range(31, 41)]
    assert result["articles"]["results"][0]["id"] == "31"


async def test_same_data_over_graphql_transport_ws(demo_server: str) -> None:
    transport = WebsocketsTransport(
        url=f"ws://{demo_server}/graphql/", subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL]
    )
    async with Client(transport=transport) as session:
        result = await session.execute(ARTICLES_QUERY)
    assert transport.subprotocol == "graphql-transport-ws"
    assert [r["id"] for r in result["articles"]["results"]] == [str(i) for i in range(31, 41)]


async def test_graphql_over_http_get(demo_server: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://{demo_server}/graphql/", params={"query": "{ authors { name } }"}) as response:
            assert response.status == 200
            result = await response.json()
    assert [a["name"] for a in result["data"]["authors"]] == ["Ursula K. Le Guin", "Jorge Luis Borges", "Carl Sagan"]


async def exchange(socket, message: dict) -> dict:
    await socket.send(json.dumps(message))
    return json.loads(await socket.recv())


async def test_writes_over_a_real_socket(demo_server: str) -> None:
    async with websockets.connect(f"ws://{demo_server}/ws/") as socket:
        created = await exchange(socket, {"action": "create", "route": "articles/", "data": {"title": "E2E", "content": "x"}})
        assert created["status"] == 201 and type(created["data"]["id"]) is int
        route = f"articles/{created['data']['id']}/"
        bad = await exchange(socket, {"action": "update", "route": route, "data": {"title": "only"}})
        assert bad["status"] == 400 and bad["errors"] == [{"content": ["This field is required."]}]
        changed = await exchange(socket, {"action": "partial_update", "route": route, "data": {"content": "y"}})
        assert changed["data"] == {"id": created["data"]["id"], "title": "E2E", "content": "y"}
        gone = await exchange(socket, {"action": "destroy", "route": route})
        assert (gone["status"], gone["data"]) == (204, None)
        again = await exchange(socket, {"action": "destroy", "route": route})
        assert again["status"] == 404
        denied = await exchange(socket, {"action": "create", "route": "books/", "data": {"title": "x", "author": 1}})
        assert denied["status"] == 403 and denied["errors"] == ["You do not have permission to perform this action."]


async def test_fifty_in_flight_messages_matched_by_request_id(demo_server: str) -> None:
    async with websockets.connect(f"ws://{demo_server}/graphql/") as socket:
        for n in range(50):
            route = f"test_child_route/?page={n % 10 + 1}" if n % 2 else f"test_child_route/{n + 1}/"
            await socket.send(json.dumps({"action": "list" if n % 2 else "retrieve", "route": route, "request_id": n}))
        replies = [json.loads(await socket.recv()) for _ in range(50)]
    assert sorted(r["request_id"] for r in replies) == list(range(50))
    for reply in replies:
        n = reply["request_id"]
        assert reply["status"] == 200
        if n % 2:
            assert reply["data"]["results"][0]["id"] == (n % 10) * 10 + 1
        else:
            assert reply["data"]["id"] == n + 1


async def test_legacy_graphql_ws_subprotocol_reaches_graphql(demo_server: str) -> None:
    """The older ``graphql-ws`` protocol is served by Strawberry (which keeps it for subscriptions)."""
    async with websockets.connect(f"ws://{demo_server}/graphql/", subprotocols=["graphql-ws"]) as socket:
        assert socket.subprotocol == "graphql-ws"
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"


async def test_the_readmes_dcrf_exchange(demo_server: str) -> None:
    """The README's djangochannelsrestframework snippet, against the demo: what it prints."""
    async with websockets.connect(f"ws://{demo_server}/ws/books/") as socket:
        await socket.send(json.dumps({"action": "retrieve", "pk": 1, "request_id": 1}))
        retrieved = json.loads(await socket.recv())
        await socket.send(json.dumps({"action": "patch", "pk": 1, "data": {"pages": 200}, "request_id": 2}))
        refused = json.loads(await socket.recv())
    created_at = retrieved["data"].pop("created_at")
    assert retrieved == {
        "errors": [],
        "data": {"id": 1, "title": "A Wizard of Earthsea", "pages": 183, "published": True, "author": 1, "tags": [1, 2]},
        "action": "retrieve", "response_status": 200, "request_id": 1,
    }
    assert created_at.endswith("+00:00") or created_at.endswith("Z")
    assert refused == {
        "errors": ["You do not have permission to perform this action."], "data": None, "action": "patch",
        "response_status": 403, "request_id": 2,
    }
    async with websockets.connect(f"ws://{demo_server}/ws/articles/") as socket:
        await socket.send(json.dumps({"action": "list", "limit": 2, "offset": 30, "request_id": "page"}))
        page = json.loads(await socket.recv())
    assert page == {
        "errors": [],
        "data": {"count": 100, "results": [{"id": 31, "title": "Title31", "content": "Content31"},
                                          {"id": 32, "title": "Title32", "content": "Content32"}],
                 "limit": 2, "offset": 30},
        "action": "list", "response_status": 200, "request_id": "page",
    }
