"""Security matrix (issue 7), over real sockets: the same rules on every transport.

Two private uvicorn servers of the example share one freshly seeded database:

- ``open``: ``DJANGO_DEBUG=1`` (the demo: introspection on);
- ``closed``: ``DJANGO_DEBUG=0`` (production: ``GRAPHQL_INTROSPECTION`` follows ``DEBUG``, so off).

Sessions are issued by Django (``Client.force_login``) in that database, and each client sends the
``sessionid`` cookie exactly as a browser would. The matrix:

1. A protected read (``tags``: strawberry-django ``IsAuthenticated`` in the schema) × every transport
   (legacy on ``/ws/`` and on ``/graphql/``, GraphQL over HTTP POST and GET, ``graphql-transport-ws``)
   × every identity (no cookie, forged cookie, a deactivated user's session, a session issued before a
   password change, a logged-in user): only the logged-in user reads tags, on every transport alike.
2. GraphQL over HTTP is not reachable cross-site with the browser's session: only
   ``application/json`` POSTs (which need a CORS preflight, which is refused) and no mutations on GET.
3. ``Origin`` × every WebSocket endpoint: foreign and look-alike origins, and the server's host under
   another scheme or port, are refused (even carrying a valid session); the handshake's own origin, the
   ``CSRF_TRUSTED_ORIGINS`` and clients sending no ``Origin`` are served.
4. Introspection: off on the closed server over HTTP POST/GET and ``graphql-transport-ws`` (however it
   is spelled), on on the open server (so the test can fail), and never offered by the legacy protocol.

5. The schema guards what the legacy routes guard: writes refused to a legacy client (anonymous
   authors, books without ``add_book``) are refused over GraphQL too, a permitted one passes on every
   transport, protected tag names are not reachable through ``books``.
6. ``Host`` × every HTTP route and WebSocket endpoint: a host outside ``ALLOWED_HOSTS`` (DNS rebinding)
   is answered 400 or refused at the handshake, as Django's views answer it; the allowed hosts are served.
7. The example refuses to start with ``DJANGO_DEBUG=0`` and no ``DJANGO_SECRET_KEY`` (its demo key is
   public); both servers here share one key of the test's, so the sessions issued for them hold on both.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import websockets

from .conftest import demo_database_env, start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 30
SEEDED_TAGS = ["fiction", "classic", "science"]
DENIED = ["You do not have permission to perform this action."]
INTROSPECTION_DISABLED = "GraphQL introspection has been disabled"
#: The open server's ``CSRF_TRUSTED_ORIGINS``: one exact origin, one with its subdomains.
TRUSTED_ORIGINS = "https://trusted.example,https://*.apps.example"

# --- servers and sessions -------------------------------------------------------------------------

#: Run by ``manage.py shell`` in the servers' database: one session per identity, as cookies.
ISSUE_SESSIONS = """
import json, secrets
from django.contrib.auth import get_user_model
from django.test import Client

User = get_user_model()

def session_of(user):
    browser = Client()
    browser.force_login(user)
    return browser.cookies["sessionid"].value

reader = User.objects.create_user("reader", password="pw")
inactive = User.objects.create_user("inactive", password="pw")
inactive_session = session_of(inactive)
inactive.is_active = False
inactive.save()
stale = User.objects.create_user("stale", password="pw")
stale_session = session_of(stale)
stale.set_password("changed")
stale.save()
print(json.dumps({
    "anonymous": None,
    "forged": secrets.token_hex(16),
    "inactive": inactive_session,
    "stale": stale_session,
    "reader": session_of(reader),
}))
"""
#: Who must be served as a logged-in user; every other identity is anonymous on every transport.
LOGGED_IN = "reader"
IDENTITIES = ["anonymous", "forged", "inactive", "stale", "reader"]


@dataclass(frozen=True)
class Server:
    address: str  # host:port

    @property
    def port(self) -> int:
        return int(self.address.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def database_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a freshly migrated and seeded database of the servers' own, and their secret key."""
    return {**demo_database_env(tmp_path_factory, "security"), "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}


@pytest.fixture(scope="module")
def cookies(database_env: dict[str, str]) -> dict[str, str | None]:
    """``Cookie`` header per identity (``None``: the client sends none)."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", ISSUE_SESSIONS],
        cwd=ROOT, env=database_env, check=True, capture_output=True, text=True,
    )
    sessions = json.loads(done.stdout.strip().splitlines()[-1])
    return {who: (f"sessionid={key}" if key else None) for who, key in sessions.items()}


def _serve(env: dict[str, str]) -> Iterator[Server]:
    process, address = start_server(env)
    try:
        yield Server(address)
    finally:
        stop_server(process)


@pytest.fixture(scope="module")
def open_server(database_env: dict[str, str]) -> Iterator[Server]:
    yield from _serve({**database_env, "DJANGO_DEBUG": "1", "DJANGO_CSRF_TRUSTED_ORIGINS": TRUSTED_ORIGINS})


@pytest.fixture(scope="module")
def closed_server(database_env: dict[str, str]) -> Iterator[Server]:
    yield from _serve({**database_env, "DJANGO_DEBUG": "0"})


# --- clients --------------------------------------------------------------------------------------


def _headers(cookie: str | None) -> dict[str, str]:
    return {"Cookie": cookie} if cookie else {}


def _connect(server: Server, path: str, *, cookie: str | None = None, subprotocol: str | None = None,
             origin: str | None = None, host: str | None = None) -> Any:
    """A WebSocket to ``server``, sending ``Host: host`` (default: the address dialled)."""
    return websockets.connect(
        f"ws://{host or server.address}{path}",
        host="127.0.0.1",
        port=server.port,
        additional_headers=_headers(cookie),
        subprotocols=[subprotocol] if subprotocol else None,
        origin=origin,
        proxy=None,
        open_timeout=TIMEOUT,
    )


async def _receive(socket: Any) -> dict:
    async with asyncio.timeout(TIMEOUT):
        return json.loads(await socket.recv())


async def legacy(server: Server, message: dict, *, path: str = "/ws/", cookie: str | None = None) -> dict:
    """One legacy message and its reply, on a connection of its own."""
    async with _connect(server, path, cookie=cookie) as socket:
        assert socket.subprotocol is None
        await socket.send(json.dumps(message))
        return await _receive(socket)


async def graphql_post(server: Server, query: str, *, cookie: str | None = None) -> dict:
    url = f"http://{server.address}/graphql/"
    async with aiohttp.ClientSession() as http, http.post(url, json={"query": query}, headers=_headers(cookie)) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def graphql_get(server: Server, query: str, *, cookie: str | None = None) -> dict:
    url = f"http://{server.address}/graphql/"
    async with aiohttp.ClientSession() as http, http.get(url, params={"query": query}, headers=_headers(cookie)) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def graphql_ws(server: Server, query: str, *, cookie: str | None = None) -> dict:
    """One operation over ``graphql-transport-ws``, as an HTTP-like result (``error`` → ``data: None``)."""
    async with _connect(server, "/graphql/", cookie=cookie, subprotocol="graphql-transport-ws") as socket:
        assert socket.subprotocol == "graphql-transport-ws"
        await socket.send(json.dumps({"type": "connection_init"}))
        assert (await _receive(socket))["type"] == "connection_ack"
        await socket.send(json.dumps({"type": "subscribe", "id": "1", "payload": {"query": query}}))
        reply = await _receive(socket)
        if reply["type"] == "error":
            return {"data": None, "errors": reply["payload"]}
        assert reply["type"] == "next", reply
        assert (await _receive(socket)) == {"id": "1", "type": "complete"}
        return reply["payload"]


GraphQLClient = Callable[..., Awaitable[dict]]
GRAPHQL: dict[str, GraphQLClient] = {
    "graphql-http-post": graphql_post,
    "graphql-http-get": graphql_get,
    "graphql-transport-ws": graphql_ws,
}
LEGACY_PATHS = {"legacy-ws": "/ws/", "legacy-graphql-path": "/graphql/"}
TRANSPORTS = [*LEGACY_PATHS, *GRAPHQL]


# --- 1. a protected read, identical authentication on every transport ------------------------------


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_protected_read(open_server: Server, cookies: dict, transport: str, identity: str) -> None:
    """``tags`` is for logged-in users: anyone else is refused (legacy 403) or sees none (GraphQL)."""
    cookie = cookies[identity]
    allowed = identity == LOGGED_IN
    if transport in LEGACY_PATHS:
        message = {"action": "list", "route": "tags/", "request_id": 7}
        reply = await legacy(open_server, message, path=LEGACY_PATHS[transport], cookie=cookie)
        if allowed:
            assert (reply["status"], reply["errors"]) == (200, [])
            assert [tag["name"] for tag in reply["data"]] == SEEDED_TAGS
        else:
            assert reply == {**message, "status": 403, "errors": DENIED, "data": None}
    else:
        result = await GRAPHQL[transport](open_server, "{ tags { name } }", cookie=cookie)
        # The schema's guard fails silently for GraphQL clients (``[]``, no error): documented in
        # schema/types.py. What matters here is that no tag reaches anyone but the logged-in user.
        assert result == {"data": {"tags": [{"name": name} for name in (SEEDED_TAGS if allowed else [])]}}


# --- 2. GraphQL over HTTP and cross-site requests ---------------------------------------------------

CREATE_AUTHOR = 'mutation { createAuthor(data: {name: "Forged"}) { __typename } }'


async def _author_names(server: Server) -> list[str]:
    return [a["name"] for a in (await graphql_post(server, "{ authors { name } }"))["data"]["authors"]]


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
async def test_cross_site_simple_posts_are_refused(open_server: Server, cookies: dict, content_type: str) -> None:
    """A form on another site can POST these without a preflight, with the browser's cookies."""
    before = await _author_names(open_server)
    body = json.dumps({"query": CREATE_AUTHOR})
    headers = {"Content-Type": content_type, "Origin": "http://evil.example", "Cookie": cookies[LOGGED_IN]}
    url = f"http://{open_server.address}/graphql/"
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as response:
        assert response.status == 400
        assert "access-control-allow-origin" not in response.headers
    assert await _author_names(open_server) == before


async def test_json_posts_get_no_cors_grant_and_mutations_need_post(open_server: Server, cookies: dict) -> None:
    """``application/json`` needs a preflight, which is not granted; GET (no preflight) cannot mutate."""
    url = f"http://{open_server.address}/graphql/"
    preflight = {
        "Origin": "http://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    before = await _author_names(open_server)
    async with aiohttp.ClientSession() as http:
        async with http.options(url, headers=preflight) as response:
            assert response.status >= 400 and "access-control-allow-origin" not in response.headers
        headers = {"Origin": "http://evil.example", "Cookie": cookies[LOGGED_IN]}
        async with http.get(url, params={"query": CREATE_AUTHOR}, headers=headers) as response:
            assert response.status == 400 and "mutations are not allowed" in await response.text()
    assert await _author_names(open_server) == before


# --- 3. Origin on every WebSocket endpoint ----------------------------------------------------------

WS_ENDPOINTS = {
    "legacy-ws": ("/ws/", None),
    "legacy-graphql-path": ("/graphql/", None),
    "graphql-transport-ws": ("/graphql/", "graphql-transport-ws"),
    "graphql-ws": ("/graphql/", "graphql-ws"),
}
#: ``{port}`` is the server's port; every client dials ``127.0.0.1:{port}`` (``Host``).
REFUSED_ORIGINS = [
    "http://evil.example",
    "https://evil.example",
    "null",  # sandboxed iframes, file:// pages
    "http://127.0.0.1.evil.example",
    "http://localhost.evil.example",
    "http://127.0.0.1:9999",  # the server's host, another port
    "https://127.0.0.1",  # another scheme and port
    "https://127.0.0.1:{port}",  # another scheme
    "http://LOCALHOST:3000",
    "http://localhost:{port}",  # an allowed host, but not the one dialled
    "http://trusted.example",  # trusted over https only
    "https://trusted.example.evil.example",
    "https://apps.example.evil.example",
]
#: (``Origin``, ``Host``): the handshake's own origin, trusted ones, and none at all.
ACCEPTED_ORIGINS = {
    "same-origin": ("http://127.0.0.1:{port}", None),
    "same-origin-localhost": ("http://localhost:{port}", "localhost:{port}"),
    "trusted-exact": ("https://trusted.example", None),
    "trusted-subdomain": ("https://a.apps.example", None),
    "trusted-deeper-subdomain": ("https://b.a.apps.example", None),
    "no-origin": (None, None),
}


async def _use(socket: Any, endpoint: str) -> None:
    """Prove the accepted connection is served by the right protocol."""
    if WS_ENDPOINTS[endpoint][1] is None:
        await socket.send(json.dumps({"action": "retrieve", "route": "articles/1/"}))
        assert (await _receive(socket))["data"] == {"id": 1, "title": "Title1", "content": "Content1"}
    else:
        await socket.send(json.dumps({"type": "connection_init"}))
        assert (await _receive(socket))["type"] == "connection_ack"


async def _handshake_status(server: Server, endpoint: str, *, origin: str | None = None, host: str | None = None,
                            cookie: str | None = None) -> int:
    path, subprotocol = WS_ENDPOINTS[endpoint]
    try:
        async with _connect(server, path, cookie=cookie, subprotocol=subprotocol, origin=origin, host=host) as socket:
            await _use(socket, endpoint)
            return 101
    except websockets.InvalidStatus as refused:
        return refused.response.status_code


@pytest.mark.parametrize("origin", REFUSED_ORIGINS)
@pytest.mark.parametrize("endpoint", WS_ENDPOINTS)
async def test_foreign_origin_is_refused(open_server: Server, cookies: dict, endpoint: str, origin: str) -> None:
    """Cross-site WebSocket hijacking: another origin's page, carrying the user's session cookie."""
    origin = origin.format(port=open_server.port)
    assert await _handshake_status(open_server, endpoint, origin=origin, cookie=cookies[LOGGED_IN]) == 403


@pytest.mark.parametrize("accepted", ACCEPTED_ORIGINS)
@pytest.mark.parametrize("endpoint", WS_ENDPOINTS)
async def test_own_trusted_and_no_origin_are_served(open_server: Server, endpoint: str, accepted: str) -> None:
    origin, host = (value.format(port=open_server.port) if value else None for value in ACCEPTED_ORIGINS[accepted])
    assert await _handshake_status(open_server, endpoint, origin=origin, host=host) == 101


# --- 4. introspection ---------------------------------------------------------------------------------

INTROSPECTION = {
    "__schema": ("{ __schema { queryType { name } } }", {"__schema": {"queryType": {"name": "Query"}}}),
    "__type": ('{ __type(name: "TagType") { name } }', {"__type": {"name": "TagType"}}),
    "aliased-in-fragment": (
        "query { ...Q } fragment Q on Query { s: __schema { queryType { name } } }",
        {"s": {"queryType": {"name": "Query"}}},
    ),
}


@pytest.mark.parametrize("query", INTROSPECTION)
@pytest.mark.parametrize("transport", GRAPHQL)
async def test_introspection_off_is_off(closed_server: Server, cookies: dict, transport: str, query: str) -> None:
    """Even for a logged-in user; and the server still answers ordinary queries."""
    result = await GRAPHQL[transport](closed_server, INTROSPECTION[query][0], cookie=cookies[LOGGED_IN])
    assert result["data"] is None and result["errors"]
    assert all(error["message"].startswith(INTROSPECTION_DISABLED) for error in result["errors"])
    ordinary = await GRAPHQL[transport](closed_server, "{ __typename tags { name } }", cookie=cookies[LOGGED_IN])
    assert ordinary == {"data": {"__typename": "Query", "tags": [{"name": name} for name in SEEDED_TAGS]}}


@pytest.mark.parametrize("query", INTROSPECTION)
@pytest.mark.parametrize("transport", GRAPHQL)
async def test_introspection_on_is_on(open_server: Server, transport: str, query: str) -> None:
    text, expected = INTROSPECTION[query]
    assert await GRAPHQL[transport](open_server, text) == {"data": expected}


#: Every way a legacy message could name introspection: a route, an action, a raw query.
LEGACY_INTROSPECTION = [
    {"action": "list", "route": "__schema/"},
    {"action": "list", "route": "__type/?name=Query"},
    {"action": "retrieve", "route": "__type/Query/"},
    {"action": "__schema", "route": "tags/"},
    {"action": "__type", "route": "books/"},
    {"action": "query", "route": "books/", "data": {"query": "{ __schema { types { name } } }"}},
]


@pytest.mark.parametrize("which", ["open", "closed"])
@pytest.mark.parametrize("path", ["/ws/", "/graphql/"])
async def test_legacy_protocol_offers_no_introspection(request: pytest.FixtureRequest, cookies: dict, which: str, path: str) -> None:
    """Whatever the switch: no route or action reaches the schema's meta-fields (405, no data)."""
    server: Server = request.getfixturevalue(f"{which}_server")
    async with _connect(server, path, cookie=cookies[LOGGED_IN]) as socket:
        for n, message in enumerate(LEGACY_INTROSPECTION):
            await socket.send(json.dumps({**message, "request_id": n}))
            reply = await _receive(socket)
            assert (reply["status"], reply["data"], reply["request_id"]) == (405, None, n), message
            assert "queryType" not in json.dumps(reply) and "TagType" not in json.dumps(reply)
        # The legacy binding's own documents are unaffected by the switch.
        await socket.send(json.dumps({"action": "list", "route": "tags/"}))
        assert [tag["name"] for tag in (await _receive(socket))["data"]] == SEEDED_TAGS


# --- the schema guards what the legacy routes guard -----------------------------------------------

NESTED_TAGS = "{ books { results { title tags { name } } } }"


@pytest.mark.parametrize("transport", ["legacy-ws", *GRAPHQL])
async def test_protected_tags_are_not_readable_through_books(open_server: Server, transport: str) -> None:
    """An anonymous client must not read tag names by another path than the guarded ``tags`` field."""
    if transport in LEGACY_PATHS:
        answer = await legacy(open_server, {"action": "list", "route": "books/"})
        assert answer["status"] == 200 and all(type(pk) is int for book in answer["data"]["results"] for pk in book["tags"])
    else:
        answer = await GRAPHQL[transport](open_server, NESTED_TAGS)
    assert not any(name in json.dumps(answer) for name in SEEDED_TAGS), answer


#: identity, the legacy message refused with 403, the GraphQL mutation the same route runs, its field
WRITES = {
    "anonymous-creates-author": (
        "anonymous",
        {"action": "create", "route": "authors/", "data": {"name": "Anonymous"}},
        'mutation { createAuthor(data: {name: "Anonymous"}) { __typename ... on AuthorType { id } } }',
        "createAuthor",
    ),
    "user-without-add_book-creates-book": (
        "reader",
        {"action": "create", "route": "books/", "data": {"title": "Unpermitted", "pages": 1, "author": 1}},
        'mutation { createBook(data: {title: "Unpermitted", pages: 1, author: {set: "1"}}) { __typename id } }',
        "createBook",
    ),
}


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("transport", ["legacy-ws", "graphql-http-post", "graphql-transport-ws"])
async def test_writes_refused_to_legacy_are_refused_over_graphql(
    open_server: Server, cookies: dict, transport: str, write: str
) -> None:
    """Who may write must not depend on the transport (the legacy route's permission classes)."""
    identity, message, mutation, field = WRITES[write]
    if transport in LEGACY_PATHS:
        reply = await legacy(open_server, message, cookie=cookies[identity])
        assert (reply["status"], reply["errors"], reply["data"]) == (403, DENIED, None)
    else:
        result = await GRAPHQL[transport](open_server, mutation, cookie=cookies[identity])
        written = (result.get("data") or {}).get(field)
        # Refused: an error (no object), or strawberry-django's OperationInfo payload.
        assert not written or written["__typename"] == "OperationInfo", result


@pytest.mark.parametrize("transport", ["legacy-ws", "graphql-http-post", "graphql-transport-ws"])
async def test_a_permitted_write_passes_on_every_transport(open_server: Server, cookies: dict, transport: str) -> None:
    """The other half: the same session may write where the permission allows (authors: logged-in users)."""
    name = f"Written over {transport}"
    if transport in LEGACY_PATHS:
        reply = await legacy(open_server, {"action": "create", "route": "authors/", "data": {"name": name}}, cookie=cookies[LOGGED_IN])
        assert (reply["status"], reply["data"]["name"]) == (201, name), reply
    else:
        mutation = f'mutation {{ createAuthor(data: {{name: "{name}"}}) {{ __typename ... on AuthorType {{ name }} }} }}'
        result = await GRAPHQL[transport](open_server, mutation, cookie=cookies[LOGGED_IN])
        assert result == {"data": {"createAuthor": {"__typename": "AuthorType", "name": name}}}, result


# --- 6. Host -------------------------------------------------------------------------------------------

#: ``{port}`` is the server's port. Every request is sent to 127.0.0.1, whatever it names as its host.
FOREIGN_HOSTS = [
    "rebound.evil.example",  # DNS rebinding: evil.example now resolves to 127.0.0.1
    "rebound.evil.example:{port}",
    "127.0.0.1.evil.example:{port}",
    "localhost.evil.example",
]
ALLOWED_HOSTS = ["127.0.0.1:{port}", "localhost:{port}", "localhost", "LOCALHOST:{port}", "[::1]:{port}"]
#: Every HTTP route of ``GqlChannelsRouter``: (method, path, what the allowed host gets).
HTTP_ROUTES = {
    "graphql-post": ("POST", "/graphql/", 200),
    "graphql-get": ("GET", "/graphql/?query=%7B__typename%7D", 200),
    "graphiql-asset": ("GET", "/graphql/assets/init.js", 200),
    "django": ("GET", "/", 200),  # Django's own "it worked" page: DEBUG and no URL patterns
}


async def _http_status(server: Server, route: str, host: str) -> int:
    method, path, _ = HTTP_ROUTES[route]
    body = {"json": {"query": "{ __typename }"}} if method == "POST" else {}
    async with aiohttp.ClientSession() as http, http.request(
        method, f"http://{server.address}{path}", headers={"Host": host}, **body
    ) as response:
        return response.status


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
async def test_a_foreign_host_is_refused_everywhere(open_server: Server, host: str) -> None:
    """As Django answers ``DisallowedHost``: 400 over HTTP; the WebSocket handshake is refused."""
    host = host.format(port=open_server.port)
    statuses = {route: await _http_status(open_server, route, host) for route in HTTP_ROUTES}
    assert statuses == dict.fromkeys(HTTP_ROUTES, 400)
    statuses = {endpoint: await _handshake_status(open_server, endpoint, host=host) for endpoint in WS_ENDPOINTS}
    assert statuses == dict.fromkeys(WS_ENDPOINTS, 403)


@pytest.mark.parametrize("host", ALLOWED_HOSTS)
async def test_allowed_hosts_are_served_everywhere(open_server: Server, host: str) -> None:
    host = host.format(port=open_server.port)
    expected = {route: status for route, (_, _, status) in HTTP_ROUTES.items()}
    statuses = {route: await _http_status(open_server, route, host) for route in HTTP_ROUTES}
    assert statuses == expected
    statuses = {endpoint: await _handshake_status(open_server, endpoint, host=host) for endpoint in WS_ENDPOINTS}
    assert statuses == dict.fromkeys(WS_ENDPOINTS, 101)


# --- 7. SECRET_KEY -------------------------------------------------------------------------------------


def test_debug_off_needs_a_secret_key(tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_SECRET_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="example_project.settings", DJANGO_DEBUG="0")
    env["SQLITE_PATH"] = str(tmp_path / "db.sqlite3")
    check = [sys.executable, "manage.py", "check"]
    refused = subprocess.run(check, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert refused.returncode != 0
    assert "ImproperlyConfigured: DJANGO_DEBUG=0 needs a secret key: set DJANGO_SECRET_KEY" in refused.stderr
    served = subprocess.run(check, cwd=ROOT, env={**env, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)},
                            capture_output=True, text=True, check=False)
    assert served.returncode == 0, served.stderr
