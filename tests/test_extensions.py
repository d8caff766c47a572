"""gql_channels.extensions: Strawberry's depth and alias limits in linear time, errors masked for GraphQL clients.

1. Differential: on Hypothesis-generated documents (fields, aliases, inline fragments, spreads, repeated
   spreads, cycles, unknown fragments) the limiters report what Strawberry's report.
2. The example schema's limits: each refuses past its documented bound with its message, and a 1.3 KB
   fan-out of fragments (2^30 spreads, which Strawberry's limiters never finish walking) is judged at once.
3. A real server answers other clients while it judges the fan-out, over HTTP and ``graphql-transport-ws``.
4. ``MaskErrors``: unexpected errors (a database's text) are masked for GraphQL clients and logged once
   with their traceback; what clients are meant to read is kept; legacy messages keep their mapping.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NewType

import aiohttp
import pytest
import strawberry
import websockets
from asgiref.sync import sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import DatabaseError, OperationalError
from django.db.backends.utils import CursorWrapper
from graphql import (
    GraphQLError,
    Lexer,
    NoFragmentCyclesRule,
    Source,
    TokenKind,
    parse,
    validate,
)
from graphql.validation.validate import ValidationAbortedError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry import extensions as strawberry_extensions
from strawberry.extensions import AddValidationRules
from strawberry.extensions.query_depth_limiter import IgnoreContext
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import validate_document
from websockets.typing import Subprotocol

from example_project.demo.models import Author
from gql_channels.context import LegacyContext
from gql_channels.extensions import MaskErrors, MaxAliasesLimiter, QueryDepthLimiter, Schema
from gql_channels.testing import ActionCommunicator
from schema import schema

from .conftest import demo_database_env, start_server, stop_server

# --- 1. the same verdicts as Strawberry's limiters ------------------------------------------------


@strawberry.type
class Item:
    id: int
    name: str

    @strawberry.field
    def item(self, n: int = 0) -> Item:
        return self


@strawberry.type
class ItemQuery:
    @strawberry.field
    def item(self, n: int = 0) -> Item:
        return Item(id=1, name="one")


#: Only the limiters run on it: the generated documents need not be well-typed, only well-formed.
ITEMS = strawberry.Schema(query=ItemQuery)
FRAGMENT_NAMES = ["F0", "F1", "F2", "F3"]

def _nested(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    body = st.lists(children, min_size=1, max_size=3).map(" ".join)
    return st.one_of(
        st.builds("{}item(n: {}) {{ {} }}".format, st.sampled_from(["", "x: "]), st.integers(0, 2), body),
        st.builds("... on Item {{ {} }}".format, body),
        st.builds('__type(name: "Item") {{ {} }}'.format, body),
    )


def _bodies(spreadable: list[str]) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(["id", "a: id", "b: name", "__typename", *(f"...{name}" for name in spreadable)])
    return st.lists(st.recursive(leaves, _nested, max_leaves=8), min_size=1, max_size=3).map(" ".join)


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Operations (anonymous, named, names repeated) and fragments F0.. (some spread but not defined).

    Half of them without cycles by construction (F1 spreads only F2 and F3, ...): there the limiters must
    agree exactly, and documents drawn freely mostly have a cycle.
    """
    operations = [
        draw(st.sampled_from(["", "query A ", "query B "])) + "{ " + draw(_bodies(FRAGMENT_NAMES)) + " }"
        for _ in range(draw(st.integers(1, 2)))
    ]
    acyclic = draw(st.booleans())
    defined = draw(st.integers(0, 4) | st.just(4))  # mostly all: a spread of an unknown fragment ends the comparison
    fragments = [
        f"fragment {name} on Item {{ {draw(_bodies(FRAGMENT_NAMES[n + 1:] if acyclic else FRAGMENT_NAMES))} }}"
        for n, name in enumerate(FRAGMENT_NAMES[:defined])
    ]
    return " ".join(draw(st.permutations(operations + fragments)))


IGNORERS: dict[str, Callable[[IgnoreContext], bool] | None] = {
    "none": None,
    "argument": lambda ignore: ignore.field_args.get("n") == 1,
    "alias": lambda ignore: ignore.field_name == "x",
}

def _outcome(document: str, rule: Any) -> tuple[str, ...] | None:
    """Each error (message and place) in order, or ``None``: past 100 errors graphql-core aborts (raising)."""
    try:
        errors = validate(ITEMS._schema, parse(document), [rule])
    except ValidationAbortedError:
        return None
    return tuple(json.dumps(error.formatted) for error in errors)


def _is_subsequence(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    remaining = iter(whole)
    return all(any(item == other for other in remaining) for item in part)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    document=documents(),
    max_depth=st.integers(-1, 4),
    max_aliases=st.integers(0, 4),
    ignorer=st.sampled_from(list(IGNORERS)),
)
def test_the_limiters_agree_with_strawberrys(document: str, max_depth: int, max_aliases: int, ignorer: str) -> None:
    should_ignore = IGNORERS[ignorer]
    theirs_depths: list[dict[str, int]] = []
    ours_depths: list[dict[str, int]] = []
    theirs_rules = [
        *strawberry_extensions.QueryDepthLimiter(max_depth, theirs_depths.append, should_ignore).validation_rules,
        *strawberry_extensions.MaxAliasesLimiter(max_aliases).validation_rules,
    ]
    ours_rules = [
        *QueryDepthLimiter(max_depth, ours_depths.append, should_ignore).validation_rules,
        *MaxAliasesLimiter(max_aliases).validation_rules,
    ]
    cyclic = bool(validate(ITEMS._schema, parse(document), [NoFragmentCyclesRule]))
    for limit, theirs_rule, ours_rule in zip(["depth", "aliases"], theirs_rules, ours_rules, strict=True):
        ours = _outcome(document, ours_rule)  # never raises, whatever the document
        try:
            theirs = _outcome(document, theirs_rule)
        except KeyError:  # Strawberry's depth limiter on a spread of an unknown fragment
            continue
        if not cyclic:
            assert ours == theirs
        elif theirs is not None:
            # Strawberry cuts a cycle on every path, these walks where the first one meets it: they see a part
            # of Strawberry's walk, in its order, and count no more aliases.
            assert ours is not None
            if limit == "depth":
                assert _is_subsequence(ours, theirs)
            else:
                assert _alias_count(ours) <= _alias_count(theirs)
    if not cyclic and len(theirs_depths) == 1:
        assert ours_depths == theirs_depths


def _alias_count(outcome: tuple[str, ...]) -> int:
    return int(json.loads(outcome[0])["message"].split()[0]) if outcome else 0


def test_cycles_end_and_are_left_to_graphql_core() -> None:
    document = (
        "{ item { ...A ...C } } fragment A on Item { ...B } fragment B on Item { ...A }"
        " fragment C on Item { ...C x: id }"
    )
    assert _outcome(document, QueryDepthLimiter(max_depth=1).validation_rules[0]) == ()
    assert _outcome(document, MaxAliasesLimiter(max_alias_count=0).validation_rules[0]) == (
        json.dumps({"message": "1 aliases found. Allowed: 0"}),
    )
    assert len(validate(ITEMS._schema, parse(document), [NoFragmentCyclesRule])) == 2


def test_should_ignore_is_checked() -> None:
    with pytest.raises(TypeError, match="must be a callable"):
        QueryDepthLimiter(max_depth=1, should_ignore="item")  # type: ignore[arg-type]


# --- 2. the example schema's limits ---------------------------------------------------------------


def _fan_out(leaf: str = "id") -> str:
    """30 fragments, each spreading the next twice: ``leaf`` is reached 2^30 times through 1.3 KB."""
    fragments = " ".join(f"fragment F{i} on BookType {{ ...F{i + 1} ...F{i + 1} }}" for i in range(30))
    return f'{{ book(pk: "1") {{ ...F0 }} }} {fragments} fragment F30 on BookType {{ {leaf} }}'


FAN_OUT = _fan_out()
#: Past depth 10 below every one of the 2^30 paths: Strawberry would report each (graphql-core stops at 100).
DEEP = "author { books { author { books { author { books { author { books { author { books { id } } } } } } } } } }"


def _finished(seconds: float, function: Callable[[], Any]) -> Any:
    """``function()`` in a daemon thread: a regression (hours of walking) fails here, it does not hang the suite."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(function())
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert outcome, f"still validating after {seconds} s"
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _validation_messages(document: str) -> list[str]:
    """The example schema's validation of ``document``, as ``Schema.execute`` runs it (and reports an abort)."""
    extensions = schema.get_extensions()
    rules = tuple(rule for ext in extensions if isinstance(ext, AddValidationRules) for rule in ext.validation_rules)
    try:
        return [error.message for error in validate_document(schema._schema, parse(document), rules)]
    except ValidationAbortedError as aborted:
        return [aborted.message]


@pytest.mark.parametrize(
    ("leaf", "messages"),
    [
        ("id", []),  # 2^30 times the same field, one level below book: neither deep nor aliased
        ("a: id", ["1073741824 aliases found. Allowed: 30"]),  # the alias counts once per spread, as Strawberry's
        (DEEP, ["Too many validation errors, error limit reached. Validation aborted."]),
    ],
    ids=["accepted", "aliased", "deep"],
)
def test_the_fan_out_is_judged_at_once(leaf: str, messages: list[str]) -> None:
    document = _fan_out(leaf)
    assert len(document) < 1500 and _tokens(document) < 400
    assert _finished(30, lambda: _validation_messages(document)) == messages


def _tokens(document: str) -> int:
    lexer, count = Lexer(Source(document)), 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def _books(levels: int) -> str:
    """``books`` with ``levels`` fields holding a selection, counting ``books`` itself (Strawberry's depth)."""
    path = ["books", "results"] + ["author", "books"] * ((levels - 2) // 2) + ["author"] * (levels % 2)
    return "{ " + " { ".join(path) + " { id" + " }" * len(path) + " }"


#: Each documented limit: the largest document it accepts, the smallest it refuses, and the message.
LIMITS = {
    "depth": (_books(10), _books(11), "'anonymous' exceeds maximum operation depth of 10"),
    "aliases": (
        "{ " + " ".join(f"a{n}: __typename" for n in range(30)) + " }",
        "{ " + " ".join(f"a{n}: __typename" for n in range(31)) + " }",
        "31 aliases found. Allowed: 30",
    ),
    "tokens": (
        "{ books(filters: {id: {inList: [" + "1 " * 1977 + "]}}) { results { id } } }",
        "{ books(filters: {id: {inList: [" + "1 " * 1978 + "]}}) { results { id } } }",
        "Syntax Error: Document contains more than 2000 tokens. Parsing aborted.",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("limit", LIMITS)
def test_each_documented_limit_refuses_past_it(limit: str) -> None:
    accepted, refused, message = LIMITS[limit]
    if limit == "tokens":
        assert (_tokens(accepted), _tokens(refused)) == (2000, 2001)
    assert schema.execute_sync(accepted).errors is None
    result = schema.execute_sync(refused)
    assert result.data is None and [error.message for error in result.errors or []] == [message]


# --- 3. a real server keeps serving while it judges the fan-out -----------------------------------

HUNG = 30  # seconds: far beyond a normal answer, far below Strawberry's limiters on FAN_OUT (an hour and more)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``host:port`` of the example under uvicorn on a seeded database of its own, and its log file."""
    log = tmp_path_factory.mktemp("extensions-log") / "server.log"
    process, address = start_server(demo_database_env(tmp_path_factory, "extensions"), log=log)
    try:
        yield address, log
    finally:
        stop_server(process)


async def _post(address: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.post(
        f"http://{address}/graphql/", json={"query": query, "variables": variables or {}}
    ) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def _transport_ws(address: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """One operation over ``graphql-transport-ws``: its ``next`` payload (or an ``error``'s, as ``errors``)."""
    subprotocols = [Subprotocol("graphql-transport-ws")]
    async with websockets.connect(f"ws://{address}/graphql/", subprotocols=subprotocols, proxy=None) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": query, "variables": variables or {}}
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": payload}))
        reply = json.loads(await ws.recv())
        if reply["type"] == "error":
            return {"data": None, "errors": reply["payload"]}
        assert reply["type"] == "next", reply
        assert json.loads(await ws.recv()) == {"id": "1", "type": "complete"}
        return reply["payload"]


async def test_other_clients_are_served_while_the_fan_out_is_judged(server: tuple[str, Path]) -> None:
    address, _ = server
    fan_outs = [asyncio.create_task(_post(address, FAN_OUT)), asyncio.create_task(_transport_ws(address, FAN_OUT))]
    async with asyncio.timeout(HUNG):
        assert await _post(address, "{ __typename }") == {"data": {"__typename": "Query"}}
    async with asyncio.timeout(HUNG):
        answers = await asyncio.gather(*fan_outs)
    assert answers == [{"data": {"book": {"id": "1"}}}] * 2


# --- 4. MaskErrors ----------------------------------------------------------------------------------

#: SQLite refuses a LIKE pattern over 50,000 bytes: a direct client used to read this text.
TOO_COMPLEX = "LIKE or GLOB pattern too complex"
CONTAINS = "query ($text: String!) { books(filters: {title: {contains: $text}}) { results { id } } }"


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="SQLite's LIKE pattern limit")
@pytest.mark.parametrize("send", [_post, _transport_ws], ids=["http-post", "graphql-transport-ws"])
async def test_a_database_error_is_masked_and_logged(server: tuple[str, Path], send: Callable[..., Any]) -> None:
    address, log = server
    original = f"django.db.utils.OperationalError: {TOO_COMPLEX}"
    before = log.read_text().count(original)
    result = await send(address, CONTAINS, {"text": "x" * 60_000})
    assert result["data"] is None
    assert [error["message"] for error in result["errors"]] == ["Unexpected error."]
    assert TOO_COMPLEX not in json.dumps(result)
    # The original with its traceback, in the server's log only (strawberry.execution, once per request).
    logged = log.read_text()
    assert "Traceback (most recent call last)" in logged
    assert logged.count(original) == before + 1


async def test_a_clients_errors_add_no_traceback_to_the_servers_log(server: tuple[str, Path]) -> None:
    """Refused documents and denied writes, anonymously and many times: the log does not grow by a traceback each."""
    address, log = server
    before = log.read_text()
    for _ in range(10):
        unknown = await _post(address, "query ($r: String!) { books(filters: {title: {regex: $r}}) { results { id } } }", {"r": "."})
        assert unknown["errors"] and unknown["data"] is None
        denied = await _post(address, 'mutation { deleteBook(data: {id: "1"}) { id } }')
        assert denied["errors"][0]["message"] == "You don't have permission to access this app."
    grown = log.read_text()[len(before):]
    assert "Traceback" not in grown and "regex" not in grown and "permission" not in grown, grown[:2000]


def _even(value: Any) -> int:
    if int(value) % 2:
        raise ValueError("odd")  # a plain ValueError: validation reports it as the error's original_error
    return int(value)


Even = NewType("Even", int)

FAILURES: dict[str, tuple[Exception, str | None]] = {
    "database": (DatabaseError(TOO_COMPLEX), None),
    "key": (KeyError("secret_key_name"), None),
    "bug": (ZeroDivisionError("division by zero"), None),
    "validation": (
        ValidationError({"title": ["Ensure this value has at most 255 characters."]}),
        "{'title': ['Ensure this value has at most 255 characters.']}",
    ),
    "permission": (PermissionDenied("You don't have permission to access this app."),
                   "You don't have permission to access this app."),
    "missing": (ObjectDoesNotExist("Book matching query does not exist."), "Book matching query does not exist."),
    "graphql": (GraphQLError("Raised for the client."), "Raised for the client."),
}


@strawberry.type
class FailingQuery:
    @strawberry.field
    def fail(self, kind: str) -> str:
        raise FAILURES[kind][0]

    @strawberry.field
    def even(self, value: Even) -> int:  # type: ignore[valid-type]
        return int(value)


def _failing(schema_class: type[strawberry.Schema]) -> strawberry.Schema:
    return schema_class(
        query=FailingQuery,
        extensions=[MaskErrors],
        config=StrawberryConfig(scalar_map={Even: strawberry.scalar(name="Even", serialize=int, parse_value=_even)}),
    )


MASKED = _failing(strawberry.Schema)


@pytest.mark.parametrize("field", FAILURES)
def test_only_unexpected_errors_are_masked(field: str, caplog: pytest.LogCaptureFixture) -> None:
    error, shown = FAILURES[field]
    with caplog.at_level(logging.ERROR, logger="strawberry.execution"):
        result = MASKED.execute_sync("query ($kind: String!) { fail(kind: $kind) }", variable_values={"kind": field})
    assert [e.message for e in result.errors or []] == [shown or "Unexpected error."]
    assert (result.errors or [])[0].path == ["fail"]
    # Logged once, with the original exception, before the mask: the traceback is not lost.
    logged = [record for record in caplog.records if record.name == "strawberry.execution"]
    assert len(logged) == 1 and logged[0].exc_info and logged[0].exc_info[1] is error


QUIET = _failing(Schema)


@pytest.mark.parametrize("field", FAILURES)
def test_the_quiet_schema_logs_a_traceback_only_for_the_servers_errors(field: str, caplog: pytest.LogCaptureFixture) -> None:
    """Any client could otherwise add a traceback to the log per request (an over-limit list, say)."""
    error, shown = FAILURES[field]
    with caplog.at_level(logging.INFO, logger="strawberry.execution"):
        result = QUIET.execute_sync("query ($kind: String!) { fail(kind: $kind) }", variable_values={"kind": field})
    assert [e.message for e in result.errors or []] == [shown or "Unexpected error."]
    logged = [record for record in caplog.records if record.name == "strawberry.execution"]
    assert len(logged) == 1
    if shown is None:  # the server's: as Strawberry logs it, with the original's traceback
        assert logged[0].levelno == logging.ERROR and logged[0].exc_info and logged[0].exc_info[1] is error
    else:  # the client's: one line at INFO
        assert logged[0].levelno == logging.INFO and not logged[0].exc_info
        assert logged[0].getMessage() == f"A client's error: {shown}"


@pytest.mark.parametrize(
    ("query", "variables"),
    [("{ nope }", None), ("{ fail(kind: ", None), ("{ even(value: 3) }", None), ("query ($v: Even!) { even(value: $v) }", {"v": 3})],
    ids=["validation", "syntax", "literal-refused-by-a-scalar", "variable-refused-by-a-scalar"],
)
def test_the_quiet_schema_logs_graphqls_own_errors_in_one_line(
    query: str, variables: dict | None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="strawberry.execution"):
        result = QUIET.execute_sync(query, variable_values=variables)
    assert result.errors
    logged = [record for record in caplog.records if record.name == "strawberry.execution"]
    assert [(r.levelno, r.exc_info) for r in logged] == [(logging.INFO, None)]


@pytest.mark.parametrize(
    ("query", "variables", "message"),
    [
        ("{ nope }", None, "Cannot query field 'nope' on type 'FailingQuery'."),
        ("{ fail(kind: ", None, "Syntax Error: Unexpected <EOF>."),
        ("{ even(value: 3) }", None, "Expected value of type 'Even', but encountered error 'odd'; found: 3."),
        ("query ($v: Even!) { even(value: $v) }", {"v": 3},
         "Variable '$v' has invalid value: Expected value of type 'Even', but encountered error 'odd'; found: 3."),
    ],
    ids=["validation", "syntax", "literal-refused-by-a-scalar", "variable-refused-by-a-scalar"],
)
def test_graphqls_own_errors_are_kept(query: str, variables: dict | None, message: str) -> None:
    result = MASKED.execute_sync(query, variable_values=variables)
    assert [error.message for error in result.errors or []] == [message]


def test_legacy_executions_are_not_masked() -> None:
    """gql_channels maps a legacy execution's errors by ``original_error``: it must still find the DatabaseError."""
    result = MASKED.execute_sync('{ fail(kind: "database") }', context_value=LegacyContext())
    assert [error.message for error in result.errors or []] == [TOO_COMPLEX]
    assert isinstance((result.errors or [])[0].original_error, DatabaseError)


@pytest.fixture
def failing_books(monkeypatch: pytest.MonkeyPatch) -> Callable[[Exception], None]:
    """``fail(error)``: every SQL statement on the books table raises ``error`` (in any thread)."""

    def fail(error: Exception) -> None:
        execute = CursorWrapper.execute

        def failing(self: CursorWrapper, sql: str, params: Any = None) -> Any:
            if "demo_book" in sql:
                raise error
            return execute(self, sql, params)

        monkeypatch.setattr(CursorWrapper, "execute", failing)

    return fail


def _anonymous() -> dict[str, Any]:
    return {"request": SimpleNamespace(user=AnonymousUser())}


@pytest.mark.django_db
def test_the_example_schema_masks_a_database_error(failing_books: Callable[[Exception], None],
                                                   caplog: pytest.LogCaptureFixture) -> None:
    failing_books(DatabaseError(TOO_COMPLEX))
    with caplog.at_level(logging.ERROR, logger="strawberry.execution"):
        result = schema.execute_sync("{ books { results { id } } }", context_value=_anonymous())
    assert [error.message for error in result.errors or []] == ["Unexpected error."]
    assert TOO_COMPLEX not in json.dumps([error.formatted for error in result.errors or []])
    logged = [record for record in caplog.records if record.name == "strawberry.execution"]
    assert len(logged) == 1 and isinstance(logged[0].exc_info and logged[0].exc_info[1], DatabaseError)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('mutation { createArticle(data: {title: "' + "x" * 300 + '", content: "c"}) { id } }',
         "{'title': ['Ensure this value has at most 255 characters (it has 300).']}"),
        ('mutation { createBook(data: {title: "t", pages: 1, author: {set: "1"}}) { id } }',
         "You don't have permission to access this app."),
        ('{ book(pk: "999999") { id } }', "Book matching query does not exist."),
    ],
    ids=["validation", "permission", "not-found"],
)
def test_the_example_schema_keeps_what_clients_are_meant_to_read(query: str, message: str) -> None:
    result = schema.execute_sync(query, context_value=_anonymous())
    assert [error.message for error in result.errors or []] == [message]


DENIED = ["You do not have permission to perform this action."]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("error", "status", "errors"),
    [
        (DatabaseError(TOO_COMPLEX), 500, [{"detail": "A server error occurred."}]),
        (OperationalError("database is locked"), 503, [{"detail": "Service unavailable."}]),
    ],
    ids=["unexpected", "database-unavailable"],
)
async def test_legacy_messages_keep_their_mapping_for_failures(
    client: ActionCommunicator, failing_books: Callable[[Exception], None], caplog: pytest.LogCaptureFixture,
    error: Exception, status: int, errors: list,
) -> None:
    failing_books(error)
    with caplog.at_level(logging.ERROR, logger="gql_channels"):
        reply = await client.request("list", "books/")
    assert (reply["status"], reply["errors"], reply["data"]) == (status, errors, None)
    assert str(error) not in json.dumps(reply)
    # The legacy binding logs the original (a masked error would have left it no traceback to log).
    logged = [record for record in caplog.records if record.name == "gql_channels"]
    assert [record.exc_info and record.exc_info[1] for record in logged] == [error]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("action", "route", "data", "status", "errors"),
    [
        # A failure only full_clean() finds, inside the execution (lengths are checked before it).
        ("create", "books/", {"title": "t", "author": 1, "pages": -1}, 400,
         [{"pages": ["Ensure this value is greater than or equal to 0."]}]),
        ("list", "tags/", None, 403, DENIED),
        ("retrieve", "articles/999999/", None, 404, [{"detail": "No Article matches the given query."}]),
    ],
    ids=["validation", "permission", "not-found"],
)
async def test_legacy_messages_keep_their_mapping_for_expected_errors(
    connect: Callable[..., Any], action: str, route: str, data: dict | None, status: int, errors: list
) -> None:
    await sync_to_async(Author.objects.create)(pk=1, name="A")
    client = await connect("editor" if action == "create" else None)  # tags/ are for signed-in users
    reply = await (client.request(action, route, data) if data else client.request(action, route))
    assert (reply["status"], reply["errors"], reply["data"]) == (status, errors, None)
