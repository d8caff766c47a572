"""Small anonymous requests that used to stall the whole server (issue 11), on a real uvicorn.

Each attack is sent to the example under uvicorn while another client reads through the same
server; the read must be answered (``HUNG``: a bound meaning "stalled", far above a slow answer
on a busy machine), and the attack must get its envelope. The payloads are sized so that before
the fixes the server would have been busy for minutes, not seconds:

- a client's regular expression: ``.*`` fourteen times then ``☃``, Python's ``re`` holding the GIL
  inside SQLite's ``REGEXP`` for each title (nine repetitions already took 0.7 s on the five demo
  titles; each one more is about four times that);
- 100,000 repeats of one many-to-many key (300 KB): strawberry-django's ``update_m2m`` ran about six
  queries per item (1,200 took 3.7 s).

Also: deleting an author, which cascades to its books, needs the right to delete books.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
import websockets

from .conftest import demo_database_env, session_cookie, start_server, stop_server

#: Longer than this, a read is stalled (answers take milliseconds; a loaded CI machine, seconds).
HUNG = 30.0
#: The issue's pattern, with enough repetitions to keep the old server busy for minutes.
REGEX = ".*" * 14 + "\u2603"
#: One key, repeated: 300 KB, under the 1 MiB frame limit.
REPEATED_TAGS = [1] * 100_000
TOO_MANY = "Ensure this field has no more than 100 elements."


@dataclass
class Server:
    address: str
    env: dict[str, str]
    editor: str

    @property
    def legacy_url(self) -> str:
        return f"ws://{self.address}/ws/"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = demo_database_env(tmp_path_factory, "hardening")
    editor = session_cookie(env, "hardening-editor", "demo.add_book", "demo.change_book", "demo.delete_author")
    process, address = start_server(env)
    try:
        yield Server(address, env, editor)
    finally:
        stop_server(process)


async def legacy(server: Server, message: dict[str, Any], *, cookie: str | None = None) -> dict[str, Any]:
    headers = {"Cookie": cookie} if cookie else {}
    async with websockets.connect(server.legacy_url, additional_headers=headers, max_size=None) as socket:
        await socket.send(json.dumps(message))
        return json.loads(await asyncio.wait_for(socket.recv(), HUNG * 4))


async def graphql(server: Server, query: str, variables: dict[str, Any] | None = None, *, cookie: str | None = None) -> Any:
    headers = {"Cookie": cookie} if cookie else {}
    timeout = aiohttp.ClientTimeout(total=HUNG * 4)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        body = {"query": query, "variables": variables or {}}
        async with http.post(f"http://{server.address}/graphql/", json=body, headers=headers) as response:
            return response.status, await response.json()


async def reads_while(server: Server, attack: Awaitable[Any]) -> tuple[Any, dict[str, float]]:
    """Send ``attack``, then time a legacy read and a GraphQL read by other clients meanwhile."""
    attacking = asyncio.ensure_future(attack)
    await asyncio.sleep(0.3)  # let the server start on it
    timings: dict[str, float] = {}

    async def timed(name: str, read: Awaitable[Any]) -> Any:
        started = time.perf_counter()
        result = await asyncio.wait_for(read, HUNG)
        timings[name] = time.perf_counter() - started
        return result

    try:
        retrieved = await timed("legacy read", legacy(server, {"action": "retrieve", "route": "test_child_route/7/"}))
        status, body = await timed("graphql read", graphql(server, "{ article(pk: 7) { title } }"))
    except TimeoutError:
        attacking.cancel()
        pytest.fail(f"a read waited more than {HUNG} s while the attack was served: the server stalled")
    assert (retrieved["status"], retrieved["data"]["title"]) == (200, "Title7")
    assert (status, body) == (200, {"data": {"article": {"title": "Title7"}}})
    return await asyncio.wait_for(attacking, HUNG * 4), timings


async def test_a_clients_regex_does_not_run_on_legacy_routes(server: Server, record_property: Any) -> None:
    reply, timings = await reads_while(
        server, legacy(server, {"action": "list", "route": "books/?title__regex=" + quote(REGEX)})
    )
    # The example's titles offer no regex lookup: an unknown parameter, ignored like django-filter does.
    assert (reply["status"], reply["data"]["count"]) == (200, 5)
    record_property("stall", timings)


async def test_a_clients_regex_is_not_a_graphql_filter(server: Server, record_property: Any) -> None:
    query = "query ($r: String) { books(filters: {title: {regex: $r}}) { totalCount } }"
    (status, body), timings = await reads_while(server, graphql(server, query, {"r": REGEX}))
    assert status == 200 and body.get("data") is None
    assert [error["message"] for error in body["errors"]] == [
        "Expected value of type 'TextFilterLookup' not to include unknown field 'regex', found: { regex: $r }."
    ]
    record_property("stall", timings)


async def test_repeated_many_to_many_keys_on_a_legacy_create(server: Server, record_property: Any) -> None:
    message = {"action": "create", "route": "books/", "data": {"title": "t", "author": 1, "tags": REPEATED_TAGS}}
    reply, timings = await reads_while(server, legacy(server, message, cookie=server.editor))
    assert (reply["status"], reply["errors"]) == (400, [{"tags": [TOO_MANY]}])
    # The same key a few times is one key: the book gets it once.
    created = await legacy(
        server, {**message, "data": {"title": "twice", "author": 1, "tags": [2, 2, 3, 2]}}, cookie=server.editor
    )
    assert (created["status"], created["data"]["tags"]) == (201, [2, 3])
    record_property("stall", timings)


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (
            "mutation ($t: [ID!]) { createBook(data: {title: \"t\", author: {set: \"1\"}, tags: {set: $t}}) { id } }",
            {"t": REPEATED_TAGS},
        ),
        ("mutation ($t: [ID!]) { updateBook(data: {id: \"1\", tags: {set: $t}}) { id } }", {"t": REPEATED_TAGS}),
        ("mutation ($t: [ID!]) { updateBook(data: {id: \"1\", tags: {add: $t}}) { id } }", {"t": list(range(101))}),
    ],
    ids=["create-set", "update-set", "update-add"],
)
async def test_repeated_many_to_many_keys_on_a_graphql_mutation(
    server: Server, query: str, variables: dict[str, Any], record_property: Any
) -> None:
    (status, body), timings = await reads_while(server, graphql(server, query, variables, cookie=server.editor))
    assert status == 200 and body["data"] is None
    assert [error["message"] for error in body["errors"]] == [str({"tags": [TOO_MANY]})]
    record_property("stall", timings)


async def test_graphql_many_to_many_keys_are_sent_once(server: Server) -> None:
    query = "mutation ($t: [ID!]) { updateBook(data: {id: \"2\", tags: {set: $t}}) { tags { id } } }"
    status, body = await graphql(server, query, {"t": ["3", "1", "3", "3"]}, cookie=server.editor)
    assert (status, body) == (200, {"data": {"updateBook": {"tags": [{"id": "1"}, {"id": "3"}]}}})


async def test_deleting_an_author_over_graphql_needs_the_right_to_delete_books(server: Server) -> None:
    """The editor may delete authors, not books: the cascade would delete books (finding 5)."""
    query = 'mutation { deleteAuthor(data: {id: "3"}) { ... on OperationInfo { messages { kind } } } }'
    status, body = await graphql(server, query, cookie=server.editor)
    # Author mutations answer errors as strawberry-django's OperationInfo (handle_django_errors=True).
    assert (status, body) == (200, {"data": {"deleteAuthor": {"messages": [{"kind": "PERMISSION"}]}}})
    reply = await legacy(server, {"action": "destroy", "route": "authors/3/"}, cookie=server.editor)
    assert (reply["status"], reply["errors"]) == (403, ["You do not have permission to perform this action."])
    books = await legacy(server, {"action": "list", "route": "books/?author=3"})
    assert books["data"]["count"] == 2  # Carl Sagan's books are still there
