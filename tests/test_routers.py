"""The one-call ASGI app: routes, subprotocol choice, and the session user on every route."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator, WebsocketCommunicator
from django.test import Client

from example_project.consumers import LegacyConsumer
from gql_channels.routers import GqlChannelsRouter
from gql_channels.testing import ActionCommunicator
from schema import schema

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
