"""Injection: GraphQL syntax sent by a legacy client is data, never part of a document.

Route kwargs, query parameters, ``data`` (values and keys), ``action`` and ``request_id`` carrying
``"){ __schema { types { name } } }``, ``$x``, ``#``, ``\\"``, ``}`` and the like are answered like any
other value: the document executed for such a message is the very document generated for its
(route, action) when the consumer was built, byte for byte the one a benign message executes; no
document is parsed from client text; and the reply treats the text literally (a filter matches it, a
create stores it, a key that cannot be a pk is a 404).

Executions are observed where every legacy operation runs: graphql-core's ``execute`` and
``subscribe`` as ``gql_channels.execution`` calls them. GraphQL over HTTP has nothing to test here:
its clients send their own documents.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from asgiref.sync import sync_to_async
from graphql import DocumentNode, print_ast
from graphql.language.parser import Parser

import gql_channels.compiled
import gql_channels.compiled_writes
import gql_channels.execution
from example_project.consumers import LegacyConsumer
from example_project.demo.apps import book_events
from example_project.demo.models import Article, Author, Book
from gql_channels.testing import ActionCommunicator

from .conftest import HUNG

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOADS = [
    '"){ __schema { types { name } } }',
    '") { id } } mutation { deleteBook(data: {id: "1"}) { id } } #',
    "$x",
    "$pk",
    "# comment",
    '\\"',
    "}",
    "{",
    '"""',
    "...on Query { __typename }",
    "@include(if: false)",
    "query Q { __typename }",
]
#: What a benign message carries where the payload would be.
BENIGN = "benign"


@dataclass
class Executions:
    """Documents executed (graphql-core's execute/subscribe) and parsed, while recording."""

    executed: list[tuple[DocumentNode, str, dict[str, Any]]] = field(default_factory=list)
    parsed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> tuple[list[tuple[DocumentNode, str, dict[str, Any]]], list[str]]:
        with self.lock:
            taken = self.executed, self.parsed
            self.executed, self.parsed = [], []
        return taken


@pytest.fixture
def executions(monkeypatch: pytest.MonkeyPatch) -> Iterator[Executions]:
    seen = Executions()

    def recording(run: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(schema: Any, document: DocumentNode, *args: Any, **kwargs: Any) -> Any:
            with seen.lock:
                seen.executed.append((document, print_ast(document), dict(kwargs.get("variable_values") or {})))
            return run(schema, document, *args, **kwargs)

        return wrapper

    parse_document = Parser.parse_document

    def parsing(self: Parser) -> DocumentNode:
        with seen.lock:
            seen.parsed.append(self._lexer.source.body)
        return parse_document(self)

    def compiled(execute_compiled: Callable[..., Any]) -> Callable[..., Any]:
        def plan_execute(plan: Any, schema: Any, variables: dict[str, Any], context: Any) -> Any:
            """A compiled plan runs the same document with the same variables, without graphql-core's execute."""
            with seen.lock:
                document = plan.operation.document
                seen.executed.append((document, print_ast(document), dict(variables)))
            return execute_compiled(plan, schema, variables, context)

        return plan_execute

    monkeypatch.setattr(gql_channels.compiled.CompiledRead, "execute", compiled(gql_channels.compiled.CompiledRead.execute))
    writes = gql_channels.compiled_writes.CompiledWrite
    monkeypatch.setattr(writes, "execute", compiled(writes.execute))
    monkeypatch.setattr(gql_channels.execution, "graphql_execute", recording(gql_channels.execution.graphql_execute))
    monkeypatch.setattr(
        gql_channels.execution, "subscription_executor", recording(gql_channels.execution.subscription_executor)
    )
    monkeypatch.setattr(Parser, "parse_document", parsing)
    yield seen


def prepared_documents() -> dict[tuple[str, str], tuple[DocumentNode, str]]:
    """Every (route pattern, action) of the example with its document, as generated at start-up."""
    compiled = LegacyConsumer.compiled_routes
    return {
        (entry.route, action): (operation.document, operation.source)
        for entry in compiled.table.entries()
        for action, operation in compiled.binding(entry.resource).served_operations(entry.captures).items()
    }


PREPARED = {key: (document, print_ast(document)) for key, (document, _) in prepared_documents().items()}
#: The other document generated at start-up: how a book's change events render it (run after book writes).
EVENTS = book_events.render_operation.document


def pattern_of(route: str) -> str | None:
    match = LegacyConsumer.compiled_routes.table.resolve(route)
    return match.pattern if match else None


async def exchange(client: ActionCommunicator, executions: Executions, message: dict[str, Any]) -> dict[str, Any]:
    """Send ``message``, check what ran for it: only the prepared document of its route and action."""
    executions.take()
    await client.send_json_to(message)
    reply = await client.receive_json_from(timeout=HUNG)
    executed, parsed = executions.take()
    assert not parsed, f"a document was parsed while serving {message!r}: {parsed}"
    key = (pattern_of(message["route"]) if isinstance(message.get("route"), str) else None, message.get("action"))
    served = []
    for document, text, variables in executed:
        if document is EVENTS:  # the saved book, rendered for its change event: by its pk, nothing else
            assert list(variables) == [book_events.render_operation.lookup_variable], variables
            assert str(next(iter(variables.values()))).isdigit(), variables
            continue
        assert key in PREPARED, f"{message!r} ran {text!r}, yet its route and action have no document"
        prepared, prepared_text = PREPARED[key]
        assert document is prepared, f"{message!r} ran another document than the prepared one: {text!r}"
        assert text == prepared_text, f"{message!r} ran {text!r}"
        served.append((text, variables))
    # The documents were the generated ones; the reply must still be a client's answer.
    echoed = ["request_id"] if "request_id" in message else []
    assert list(reply) == ["errors", "data", "action", "route", "status", *echoed]
    assert reply["status"] != 500, (message, reply)
    reply["executed"] = [text for text, _ in served]
    reply["variables"] = [variables for _, variables in served]
    return reply


def injected(value: Any, payload: str) -> Any:
    """``value`` with every occurrence of ``BENIGN`` replaced by the payload."""
    if isinstance(value, str):
        return value.replace(BENIGN, payload)
    if isinstance(value, dict):
        return {injected(key, payload): injected(item, payload) for key, item in value.items()}
    if isinstance(value, list):
        return [injected(item, payload) for item in value]
    return value


def q(payload: str) -> str:
    """The payload as a query string value, escaped as a client's URL library would."""
    return quote(payload, safe="")


@pytest.fixture
async def editor(connect: Callable[..., Any], library: dict[str, list]) -> ActionCommunicator:
    """A logged-in client holding the book permissions (writes are attempted, not refused)."""
    return await connect("editor")


def test_the_documents_are_generated_once_and_printable() -> None:
    """Every served (route, action) has one parsed document whose printed text is its source."""
    assert PREPARED
    for key, (document, source) in prepared_documents().items():
        assert print_ast(document) == source, key
        assert PREPARED[key][0] is document


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_query_parameters_are_variables(editor: ActionCommunicator, executions: Executions, payload: str) -> None:
    book = await Book.objects.acreate(title=payload.strip(), pages=1, author=await Author.objects.afirst())
    for template in [
        "books/?title__icontains={}",
        "books/?title={}",
        "books/?title__in={}",
        "books/?title__startswith={}&ordering=-pages",
        "books/?{}=1",
        "books/?page={}",
        "books/?page_size={}",
        "books/?ordering={}",
        "articles/?page={}",
        "offset/articles/?limit={}&offset={}",
        "cursor/articles/?cursor={}",
        "connection/articles/?page={}",
    ]:
        benign = await exchange(editor, executions, {"action": "list", "route": template.replace("{}", BENIGN)})
        reply = await exchange(editor, executions, {"action": "list", "route": template.replace("{}", q(payload))})
        assert reply["status"] in (200, 400, 404), reply
        assert set(reply["executed"]) <= set(benign["executed"]) or benign["status"] != 200, (template, reply)
        assert reply["executed"] or reply["status"] != 200, (template, reply)
    # The payload is matched as text: the book titled with it, and only that one.
    found = await exchange(editor, executions, {"action": "list", "route": f"books/?title={q(payload.strip())}"})
    assert found["status"] == 200 and [b["id"] for b in found["data"]["results"]] == [book.id], found
    contains = await exchange(editor, executions, {"action": "list", "route": f"books/?title__icontains={q(payload)}"})
    assert [b["id"] for b in contains["data"]["results"]] == [book.id], contains
    assert found["variables"][0]["filters"] == {"title": {"exact": payload.strip()}}


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_route_kwargs_are_variables(editor: ActionCommunicator, executions: Executions, payload: str) -> None:
    for template in ["books/{}/", "articles/{}/", "authors/{}/", "test_child_route/{}/"]:
        for action in ["retrieve", "update", "partial_update", "destroy", "publish"]:
            data = {"title": "t", "content": "c", "pages": 1, "author": 1, "name": "n"}
            route = template.format(payload)
            benign = await exchange(editor, executions, {"action": action, "route": template.format(BENIGN), "data": data})
            reply = await exchange(editor, executions, {"action": action, "route": route, "data": data})
            pattern = pattern_of(route)
            if pattern is not None and "pk" in pattern:
                # A key that cannot be a primary key names no object, as "benign" names none (or the
                # route does not serve the action, whatever its key).
                assert reply["status"] in (404, 405), (route, action, reply)
                assert (reply["status"], reply["errors"]) == (benign["status"], benign["errors"]), (route, action, reply)
            else:
                # No pattern matches (test_child_route's keys are [-\w]+), or a "#" cut the route short
                # to the list route: an action it does not serve, or publish without its pk.
                assert reply["status"] in (400, 405), (route, action, reply)
            assert not reply["executed"], (route, action, reply)
    assert await Book.objects.acount() == 3 and await Author.objects.acount() == 2


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_written_data_is_stored_literally(
    editor: ActionCommunicator, executions: Executions, library: dict[str, list], payload: str
) -> None:
    stored = payload.strip()  # DRF's CharField trims
    author, tag = library["authors"][0].pk, library["tags"][0].pk
    cases = [
        ("create", "articles/", {"title": BENIGN, "content": BENIGN}, Article, "title"),
        ("create", "books/", {"title": BENIGN, "pages": 3, "author": author, "tags": [tag]}, Book, "title"),
        ("create", "authors/", {"name": BENIGN}, Author, "name"),
    ]
    for action, route, data, model, column in cases:
        benign = await exchange(editor, executions, {"action": action, "route": route, "data": data})
        reply = await exchange(editor, executions, {"action": action, "route": route, "data": injected(data, payload)})
        assert (benign["status"], reply["status"]) == (201, 201), reply
        assert reply["executed"] == benign["executed"]
        assert reply["data"][column] == stored
        assert getattr(await model.objects.aget(pk=reply["data"]["id"]), column) == stored
        pk = reply["data"]["id"]
        for update in ("update", "partial_update"):
            message = {"action": update, "route": f"{route}{pk}/", "data": injected(data, payload + "!")}
            changed = await exchange(editor, executions, message)
            assert changed["status"] == 200 and changed["data"][column] == f"{payload}!".strip(), changed
            assert set(changed["executed"]) == {PREPARED[(pattern_of(f"{route}{pk}/"), update)][1]}
    # Keys are data too: unknown ones are ignored, whatever they spell.
    message = {"action": "create", "route": "articles/", "data": {payload: 1, "title": "t", "content": "c"}}
    reply = await exchange(editor, executions, message)
    assert reply["status"] == 201 and reply["data"]["title"] == "t"


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_custom_action_variables_are_variables(
    editor: ActionCommunicator, executions: Executions, library: dict[str, list], payload: str
) -> None:
    pk = str(library["books"][0].pk)
    benign = await exchange(editor, executions, {"action": "publish", "route": "books/", "data": {"pk": pk}})
    assert benign["status"] == 200 and benign["executed"]
    reply = await exchange(editor, executions, {"action": "publish", "route": "books/", "data": {"pk": payload}})
    # No book has such a key: not found (or refused as a key), never a server error.
    assert reply["status"] in (400, 404), reply
    assert set(reply["executed"]) <= set(benign["executed"])
    # Other keys of data are not variables of the document: they are ignored.
    message = {"action": "publish", "route": f"books/{pk}/", "data": {payload: 1, "x": payload}}
    extra = await exchange(editor, executions, message)
    assert extra["status"] == 200 and extra["executed"] == benign["executed"]
    assert extra["variables"] == [{"pk": pk}]


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_subscriptions_take_their_filters_as_variables(
    client: ActionCommunicator, executions: Executions, library: dict[str, list], payload: str
) -> None:
    benign = await exchange(client, executions, {"action": "subscribe", "route": "books/?title=x", "request_id": 1})
    message = {"action": "subscribe", "route": f"books/?title={q(payload)}", "request_id": payload}
    reply = await exchange(client, executions, message)
    assert (benign["status"], reply["status"]) == (201, 201), reply
    assert reply["executed"] == benign["executed"]
    assert reply["variables"][0]["filters"] == {"title": {"exact": payload.strip()}}
    detail = await exchange(client, executions, {"action": "subscribe", "route": f"books/{payload}/"})
    if pattern_of(f"books/{payload}/") == "books/<str:pk>/":
        assert detail["status"] == 404 and not detail["executed"], detail
    for route, request_id in ((f"books/?title={q(payload)}", payload), ("books/?title=x", 1)):
        stopped = await exchange(client, executions, {"action": "unsubscribe", "route": route, "request_id": request_id})
        assert stopped["status"] == 204, stopped


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_action_request_id_and_other_keys_are_echoed_not_run(
    client: ActionCommunicator, executions: Executions, payload: str
) -> None:
    reply = await exchange(client, executions, {"action": payload, "route": "articles/"})
    assert (reply["status"], reply["errors"]) == (405, [f'Action "{payload}" not allowed in message body.'])
    assert not reply["executed"]
    benign = await exchange(client, executions, {"action": "list", "route": "articles/"})
    message = {"action": "list", "route": "articles/", payload: payload, "request_id": payload}
    reply = await exchange(client, executions, message)
    assert reply["request_id"] == payload and reply["status"] == 200 and reply["executed"] == benign["executed"]
    assert reply["variables"] == benign["variables"]
    routes = await exchange(client, executions, {"action": "list", "route": f"{payload}/"})
    assert routes["status"] == 405 and not routes["executed"]


async def test_injected_messages_leave_the_documents_as_generated(
    editor: ActionCommunicator, executions: Executions, library: dict[str, list]
) -> None:
    """After messages carrying every payload everywhere, each document still prints as it was generated."""
    book = library["books"][0].pk
    for payload in PAYLOADS:
        for message in [
            {"action": "list", "route": f"books/?title={q(payload)}&ordering={q(payload)}"},
            {"action": "create", "route": "articles/", "data": {"title": payload, "content": payload}},
            {"action": "retrieve", "route": f"books/{payload}/"},
            {"action": "publish", "route": f"books/{book}/", "data": {"pk": payload, payload: payload}},
        ]:
            await exchange(editor, executions, message)
    now = {key: (document, print_ast(document)) for key, (document, _) in prepared_documents().items()}
    assert {key: text for key, (_, text) in now.items()} == {key: text for key, (_, text) in PREPARED.items()}
    assert all(now[key][0] is PREPARED[key][0] for key in now)
    assert await sync_to_async(Article.objects.filter(title__in=[p.strip() for p in PAYLOADS]).count)() == len(PAYLOADS)
