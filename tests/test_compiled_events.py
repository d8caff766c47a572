"""``compiled_events``: which generated subscriptions render their events without executing the selection,
and that a rendered event is exactly what executing it answers (Hypothesis events, nulls and misfits
included), through ``execution.subscribe`` and through the consumer with ``COMPILED_READS = "compare"``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from typing import Any

import pytest
import strawberry
from graphql.execution import execute_subscription_event
from hypothesis import given, settings
from hypothesis import strategies as st
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.scalars import JSON

from example_project.consumers import LegacyConsumer
from example_project.demo.models import Book
from gql_channels import execution
from gql_channels.compiled_events import compile_event
from gql_channels.operations import plan_subscription
from gql_channels.testing import ActionCommunicator

from .conftest import HUNG
from .test_subscriptions import write


def test_the_example_renders_its_events_compiled() -> None:
    routes = LegacyConsumer.compiled_routes
    books = next(b for b in routes.bindings.values() if b.subscriptions)
    assert set(books.compiled_events) == {op.source for op in books.subscriptions.values()}


# --- a schema of its own: what compiles, and what the execution answers --------------------------


@strawberry.type
class Event:
    action: str
    pk: strawberry.ID
    data: JSON | None


@strawberry.type
class Query:
    ok: bool = True


class Loud(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return str(next_(source, info, **kwargs)).upper()


@strawberry.type
class LoudEvent:
    action: str = strawberry.field(extensions=[Loud()])
    pk: strawberry.ID
    data: JSON | None


@strawberry.type
class ResolvedEvent:
    action: str
    data: JSON | None

    @strawberry.field
    def pk(self) -> strawberry.ID:
        return strawberry.ID("always")


class Hooked(SchemaExtension):
    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        return _next(root, info, *args, **kwargs)


def _schema(event_type: type, *, extensions: list[Any] | None = None) -> strawberry.Schema:
    async def events(info: strawberry.Info) -> Any:
        for event in info.context["events"]:
            yield event

    # Annotations as objects (this module's are strings): the event type is a local here.
    events.__annotations__ = {"info": strawberry.Info, "return": AsyncGenerator[event_type, None]}  # type: ignore[valid-type]
    subscription = strawberry.type(type("Subscription", (), {"events": strawberry.subscription(events)}))
    return strawberry.Schema(query=Query, subscription=subscription, extensions=extensions or [])


PLAIN = _schema(Event)


def test_what_compiles() -> None:
    assert compile_event(PLAIN, plan_subscription(PLAIN, "events")) is not None
    for schema in (_schema(LoudEvent), _schema(ResolvedEvent), _schema(Event, extensions=[Hooked])):
        assert compile_event(schema, plan_subscription(schema, "events")) is None


class Misfit:
    """No ``pk`` at all: the execution's own error."""

    action = "update"
    data = None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
events = st.one_of(
    st.builds(
        Event,
        action=st.none() | st.text() | st.integers(),
        pk=st.none() | st.text() | st.integers(-(2**40), 2**40),
        data=json_values,
    ),
    st.just(Misfit()),
)


async def _results(schema: strawberry.Schema, sent: list[Any], *, compiled: bool) -> list[tuple[Any, list[str]]]:
    operation = plan_subscription(schema, "events")
    plan = compile_event(schema, operation) if compiled else None
    stream = await execution.subscribe(
        schema, operation.source, operation.document, {}, {"events": sent}, render=plan.render if plan else None
    )
    assert not isinstance(stream, execution.ExecutionResult)
    return [(result.data, [e.message for e in result.errors or []]) async for result in stream]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(sent=st.lists(events, max_size=6))
def test_a_rendered_event_is_what_executing_it_answers(sent: list[Any]) -> None:
    compiled = asyncio.run(_results(PLAIN, sent, compiled=True))
    executed = asyncio.run(_results(PLAIN, sent, compiled=False))
    assert compiled == executed


# --- through the consumer --------------------------------------------------------------------------


async def _fan_out(book: Book, monkeypatch: pytest.MonkeyPatch) -> tuple[list[dict[str, Any]], int]:
    """Three subscribers (the object's route and a filtered list) and one rename: their events, and how many
    executions of a subscription event ran meanwhile."""
    executed = 0

    def counting(executor: Any) -> Any:
        nonlocal executed
        executed += 1
        return execute_subscription_event(executor)

    monkeypatch.setattr(execution, "execute_subscription_event", counting)
    clients = [ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") for _ in range(3)]
    try:
        for n, client in enumerate(clients):
            await client.__aenter__()
            route = f"books/{book.id}/" if n else f"books/?author={book.author_id}"
            assert (await client.request("subscribe", route, request_id=n))["status"] == 201

        def rename() -> None:
            book.title = f"{book.title}!"
            book.save()

        await write(rename)
        return [await client.receive_json_from(timeout=HUNG) for client in clients], executed
    finally:
        for client in clients:
            await client.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("mode", "executions"), [(True, 0), ("compare", 3), (False, 3)])
async def test_subscribers_events_are_rendered_not_executed(
    library: Any, settings: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    mode: Any, executions: int,
) -> None:
    """Rendered by default; "compare" executes each event too and refuses a difference; False executes."""
    settings.GQL_CHANNELS = {"COMPILED_READS": mode}
    book = library["books"][0]
    with caplog.at_level(logging.ERROR):
        received, executed = await _fan_out(book, monkeypatch)
    assert {(e["action"], e["data"]["title"], e["status"]) for e in received} == {("update", "Earthsea!", 200)}
    assert executed == executions
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
