"""The one-call ASGI app: routes, subprotocol choice, the session user, Host and Origin checks on every route."""

from __future__ import annotations

import json

import pytest
import strawberry
from asgiref.sync import sync_to_async
from channels.testing import (
    ApplicationCommunicator,
    HttpCommunicator,
    WebsocketCommunicator,
)
from django.test import Client, override_settings
from strawberry.schema.config import StrawberryConfig

from example_project.consumers import LegacyConsumer
from gql_channels.routers import GqlChannelsRouter
from gql_channels.testing import ActionCommunicator
from schema import schema
from schema.types import Mutation, Query, Subscription

pytestmark = pytest.mark.django_db(transaction=True)
APP = GqlChannelsRouter(schema, LegacyConsumer)


async def session_cookie(django_user_model) -> list[tuple[bytes, bytes]]:
    user = await sync_to_async(django_user_model.objects.create_user)("ada", password="pw")
    browser = Client()
    await sync_to_async(browser.force_login)(user)
    return [(b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())]


@pytest.mark.parametrize("path", ["/ws/", "/graphql/", "/ws", "/graphql"])
async def test_legacy_clients_on_both_paths(path: str, articles) -> None:
    async with ActionCommunicator(APP, path) as client:
        reply = await client.request("list", "test_child_route/?page=4")
        assert reply["data"]["count"] == 100


async def test_session_user_on_legacy_routes(django_user_model) -> None:
    async with ActionCommunicator(APP, "/ws/") as anonymous:
        assert (await anonymous.request("create", "authors/", {"name": "x"}))["status"] == 403
    async with ActionCommunicator(APP, "/ws/", headers=await session_cookie(django_user_model)) as ada:
        assert (await ada.request("create", "authors/", {"name": "Calvino"}))["status"] == 201


async def test_graphql_subprotocol_gets_strawberry(library) -> None:
    client = WebsocketCommunicator(APP, "/graphql/", subprotocols=["graphql-transport-ws"])
    connected, subprotocol = await client.connect()
    assert connected and subprotocol == "graphql-transport-ws"
    await client.send_json_to({"type": "connection_init"})
    assert (await client.receive_json_from())["type"] == "connection_ack"
    await client.disconnect()


async def test_graphql_http_sees_the_session_user(django_user_model, library) -> None:
    """``tags`` is for signed-in users only (it fails silently to [] for others)."""
    query = b'{"query": "{ tags { name } }"}'
    headers = [(b"content-type", b"application/json")]
    anonymous = HttpCommunicator(APP, "POST", "/graphql/", body=query, headers=headers)
    assert (await anonymous.get_response())["body"] == b'{"data":{"tags":[]}}'
    cookie = await session_cookie(django_user_model)
    signed_in = HttpCommunicator(APP, "POST", "/graphql/", body=query, headers=headers + cookie)
    response = await signed_in.get_response()
    assert response["status"] == 200 and b'"name":"fiction"' in response["body"]


WS_ROUTES = [("/ws/", None), ("/graphql/", None), ("/graphql/", ["graphql-transport-ws"])]
#: Origin -> served, for a handshake to ``Host: 127.0.0.1:8000`` (``None``: no Origin header).
ORIGINS = {
    b"http://evil.example": False,
    b"http://127.0.0.1:9999": False,
    b"https://127.0.0.1:8000": False,
    b"http://LOCALHOST:8000": False,
    b"http://127.0.0.1:8000": True,
    b"https://trusted.example": True,
    b"https://a.apps.example": True,
    b"http://a.apps.example": False,
    None: True,
}


async def _handshake(path: str, subprotocols: list[str] | None, headers: list[tuple[bytes, bytes]]) -> bool:
    client = WebsocketCommunicator(APP, path, headers=headers, subprotocols=subprotocols)
    connected, _ = await client.connect()
    await client.disconnect()
    return connected


@pytest.mark.parametrize(("path", "subprotocols"), WS_ROUTES)
@override_settings(CSRF_TRUSTED_ORIGINS=["https://trusted.example", "https://*.apps.example"])
async def test_origin_is_checked_on_every_websocket_route(path: str, subprotocols) -> None:
    for origin, allowed in ORIGINS.items():
        headers = [(b"host", b"127.0.0.1:8000"), *([(b"origin", origin)] if origin else [])]
        assert await _handshake(path, subprotocols, headers) is allowed, (path, origin)


@pytest.mark.parametrize(("path", "subprotocols"), WS_ROUTES)
async def test_the_own_origin_is_over_wss_under_tls(path: str, subprotocols) -> None:
    headers = [(b"host", b"localhost"), (b"origin", b"https://localhost")]
    scope = {"type": "websocket", "path": path, "headers": headers, "subprotocols": subprotocols or [], "scheme": "wss"}
    client = ApplicationCommunicator(APP, scope)
    await client.send_input({"type": "websocket.connect"})
    assert (await client.receive_output())["type"] == "websocket.accept"
    await client.send_input({"type": "websocket.disconnect", "code": 1000})
    await client.wait()


@pytest.mark.parametrize(("path", "subprotocols"), WS_ROUTES)
async def test_host_is_checked_on_every_websocket_route(path: str, subprotocols) -> None:
    assert await _handshake(path, subprotocols, [(b"host", b"rebound.evil.example")]) is False
    assert await _handshake(path, subprotocols, [(b"host", b"localhost:8000")]) is True
    with override_settings(ALLOWED_HOSTS=["rebound.evil.example"]):  # read on every handshake
        assert await _handshake(path, subprotocols, [(b"host", b"rebound.evil.example")]) is True


@pytest.mark.parametrize("host", [b"rebound.evil.example", b"127.0.0.1.evil.example:8000", b"localhost, evil.example"])
async def test_a_foreign_host_is_a_400_over_http(host: bytes) -> None:
    query, json_type = b'{"query": "{ __typename }"}', (b"content-type", b"application/json")
    refused = HttpCommunicator(APP, "POST", "/graphql/", body=query, headers=[(b"host", host), json_type])
    assert (await refused.get_response())["status"] == 400
    for allowed in ([(b"host", b"localhost:8000")], []):  # no Host at all: only test communicators send none
        served = HttpCommunicator(APP, "POST", "/graphql/", body=query, headers=[*allowed, json_type])
        assert (await served.get_response())["status"] == 200


@override_settings(GQL_CHANNELS={"MAX_HTTP_BODY_SIZE": 100})
async def test_a_body_over_the_limit_is_a_413() -> None:
    query = b'{"query": "{ __typename }"}'
    json_type = [(b"content-type", b"application/json")]
    at_limit = query + b" " * (100 - len(query))

    async def post(body: bytes, headers: list[tuple[bytes, bytes]]) -> dict:
        return await HttpCommunicator(APP, "POST", "/graphql/", body=body, headers=headers).get_response()

    assert (await post(at_limit, json_type))["status"] == 200
    refused = await post(at_limit + b" ", [*json_type, (b"content-length", b"101")])
    assert (refused["status"], refused["body"]) == (413, b"Request body too large: the limit is 100 bytes.")
    assert (await post(at_limit + b" ", json_type))["status"] == 413  # no Content-Length: counted


@pytest.mark.parametrize("body", [b"[1]", b'[{"query": "{ __typename }"}, null]', b'["{ __typename }"]'])
async def test_a_batch_of_non_objects_is_a_400(body: bytes) -> None:
    """The example does not batch (a list is Strawberry's 400 ``Batching is not enabled``); a schema that does."""
    config = StrawberryConfig(batching_config={"max_operations": 5})
    batching = strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription, config=config)
    app = GqlChannelsRouter(batching, LegacyConsumer)
    headers = [(b"content-type", b"application/json")]
    refused = await HttpCommunicator(app, "POST", "/graphql/", body=body, headers=headers).get_response()
    assert refused["status"] == 400 and b"must be a JSON object" in refused["body"]
    batch = b'[{"query": "{ __typename }"}, {"query": "{ __typename }"}]'
    served = await HttpCommunicator(app, "POST", "/graphql/", body=batch, headers=headers).get_response()
    assert json.loads(served["body"]) == [{"data": {"__typename": "Query"}}] * 2


@pytest.mark.parametrize(("variables", "status"), [("null", 200), ("1", 400), ("%7B%7D", 200)])
async def test_a_get_requests_variables_are_strawberrys_to_judge(variables: str, status: int) -> None:
    """The JSON-object check is the body's: a GET's ``variables`` parse as Strawberry parses them."""
    path = f"/graphql/?query=%7B__typename%7D&variables={variables}"
    response = await HttpCommunicator(APP, "GET", path, headers=[(b"accept", b"application/json")]).get_response()
    assert response["status"] == status, response
    assert b"must be a JSON object" not in response["body"]


async def test_graphiql_is_served_only_when_asked() -> None:
    page = [(b"accept", b"text/html")]
    off = await HttpCommunicator(APP, "GET", "/graphql/", headers=page).get_response()
    assert b"graphiql" not in off["body"].lower()
    with pytest.raises(ValueError, match="No route found"):  # no asset route; a project's Django app 404s it
        await HttpCommunicator(APP, "GET", "/graphql/assets/init.js").get_response()
    with_ide = GqlChannelsRouter(schema, LegacyConsumer, graphiql=True)
    on = await HttpCommunicator(with_ide, "GET", "/graphql/", headers=page).get_response()
    assert on["status"] in (200, 503) and b"gql_channels GraphiQL" in on["body"]


async def test_introspection_off_is_off_on_http_and_websocket() -> None:
    from schema.api import build_schema

    closed = GqlChannelsRouter(build_schema(introspection=False), LegacyConsumer)
    query = b'{"query": "{ __schema { queryType { name } } }"}'
    http = HttpCommunicator(closed, "POST", "/graphql/", body=query, headers=[(b"content-type", b"application/json")])
    body = (await http.get_response())["body"]
    assert b"introspection" in body.lower() and b'"queryType"' not in body
    client = WebsocketCommunicator(closed, "/graphql/", subprotocols=["graphql-transport-ws"])
    await client.connect()
    await client.send_json_to({"type": "connection_init"})
    await client.receive_json_from()
    await client.send_json_to({"type": "subscribe", "id": "1", "payload": {"query": "{ __schema { queryType { name } } }"}})
    reply = await client.receive_json_from()
    assert reply["type"] == "error" and "introspection" in json.dumps(reply).lower()
    await client.disconnect()
    async with ActionCommunicator(closed, "/ws/") as legacy:  # legacy routes have no introspection at all
        assert (await legacy.request("list", "__schema/"))["status"] == 405
