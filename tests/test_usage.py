"""``usage``: legacy messages counted in memory, flushed to ``RouteUsage``, signalled to metrics."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from example_project.consumers import LegacyConsumer
from gql_channels import usage
from gql_channels.models import RouteUsage
from gql_channels.testing import ActionCommunicator

pytestmark = pytest.mark.django_db(transaction=True)

CONSUMER = "example_project.consumers.LegacyConsumer"


@pytest.fixture(autouse=True)
async def clean_counts() -> AsyncIterator[None]:
    """Messages of earlier tests are still pending in this process: write them, then forget them."""
    await usage.flush()
    await RouteUsage.objects.all().adelete()
    yield


async def rows() -> dict[tuple[str | None, str | None], tuple[int, int]]:
    return {
        (row.route, row.action): (row.count, row.errors)
        async for row in RouteUsage.objects.filter(consumer=CONSUMER)
    }


async def test_record_then_flush_adds_to_the_rows() -> None:
    before = timezone.now()
    for status in (200, 200, 404):
        usage.record(CONSUMER, "articles/", "list", status)
    usage.record(CONSUMER, "articles/<str:pk>/", "destroy", 204)
    assert await usage.flush() == 2
    assert await rows() == {("articles/", "list"): (3, 1), ("articles/<str:pk>/", "destroy"): (1, 0)}
    row = await RouteUsage.objects.aget(route="articles/", action="list")
    assert before <= row.last_served_at <= timezone.now()

    usage.record(CONSUMER, "articles/", "list", 500)
    assert await usage.flush() == 1
    assert (await rows())[("articles/", "list")] == (4, 2)
    assert (await RouteUsage.objects.aget(route="articles/", action="list")).last_served_at >= row.last_served_at
    assert await usage.flush() == 0  # nothing pending


async def test_unmatched_routes_and_actions_are_null() -> None:
    usage.record(CONSUMER, None, "list", 405)
    usage.record(CONSUMER, None, None, 400)
    usage.record(CONSUMER, "", "list", 200)  # path(""): a real pattern, distinct from no match
    await usage.flush()
    assert await rows() == {(None, "list"): (1, 1), (None, None): (1, 1), ("", "list"): (1, 0)}


async def test_client_chosen_action_names_are_cut_to_the_column() -> None:
    usage.record(CONSUMER, None, "x" * 1000, 405)
    await usage.flush()
    assert await rows() == {(None, "x" * 255): (1, 1)}


async def test_signal_is_sent_with_the_message_outcome() -> None:
    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append({"sender": sender, **kwargs})

    usage.legacy_message_served.connect(receiver)
    try:
        usage.record(CONSUMER, "books/", "publish", 403)
    finally:
        usage.legacy_message_served.disconnect(receiver)
    usage.record(CONSUMER, "books/", "publish", 200)
    assert received == [
        {"sender": None, "signal": usage.legacy_message_served, "consumer": CONSUMER, "route": "books/",
         "action": "publish", "status": 403}
    ]


async def test_a_failing_receiver_is_logged_and_counting_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    def receiver(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("metrics backend down")

    usage.legacy_message_served.connect(receiver)
    try:
        with caplog.at_level(logging.ERROR, logger="gql_channels.usage"):
            usage.record(CONSUMER, "books/", "list", 200)
    finally:
        usage.legacy_message_served.disconnect(receiver)
    assert "legacy_message_served receiver" in caplog.text
    await usage.flush()
    assert await rows() == {("books/", "list"): (1, 0)}


async def test_interval_none_turns_recording_off(settings: Any) -> None:
    received: list[Any] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append(kwargs)

    settings.GQL_CHANNELS = {"USAGE_FLUSH_INTERVAL": None}
    usage.legacy_message_served.connect(receiver)
    try:
        usage.record(CONSUMER, "books/", "list", 200)
    finally:
        usage.legacy_message_served.disconnect(receiver)
    assert received == []
    assert await usage.flush() == 0
    assert await rows() == {}


async def test_not_recorded_context_leaves_messages_out() -> None:
    with usage.not_recorded():
        usage.record(CONSUMER, "books/", "list", 200)
    usage.record(CONSUMER, "tags/", "list", 200)
    await usage.flush()
    assert await rows() == {("tags/", "list"): (1, 0)}


async def test_a_failed_flush_is_logged_and_keeps_the_counts(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("database is down")

    usage.record(CONSUMER, "articles/", "list", 200)
    with monkeypatch.context() as patched:
        patched.setattr(usage, "_write", broken)
        with caplog.at_level(logging.ERROR, logger="gql_channels.usage"):
            assert await usage.flush() == 0
    assert "database is down" in caplog.text
    usage.record(CONSUMER, "articles/", "list", 404)  # counting goes on meanwhile
    assert await usage.flush() == 1
    assert await rows() == {("articles/", "list"): (2, 1)}


async def test_the_first_record_on_a_loop_starts_the_periodic_flush(settings: Any) -> None:
    settings.GQL_CHANNELS = {"USAGE_FLUSH_INTERVAL": 0.05}
    usage.record(CONSUMER, "tags/", "list", 200)
    for _ in range(100):
        await asyncio.sleep(0.05)
        if await rows():
            break
    assert await rows() == {("tags/", "list"): (1, 0)}


async def test_messages_through_the_consumer_are_counted_per_pattern_and_action(articles: list) -> None:
    pk = articles[0].pk
    since = timezone.now() - timedelta(seconds=1)
    async with ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") as client:
        assert (await client.request("list", "test_child_route/?page=2"))["status"] == 200
        assert (await client.request("list", "test_child_route/?page=99"))["status"] == 404
        assert (await client.request("retrieve", f"test_child_route/{pk}/"))["status"] == 200
        assert (await client.request("retrieve", f"articles/{pk}/"))["status"] == 200
        assert (await client.request("list", "nowhere/"))["status"] == 405
        assert (await client.request("fly", "articles/"))["status"] == 405
        await client.send_to(text_data="not json")
        assert (await client.receive_json_from())["status"] == 400
        # The client's free text is never a row (any length, any character: a lone surrogate too).
        await client.send_to(text_data='{"action": "\\ud800", "route": 5}')
        assert (await client.receive_json_from())["status"] == 400
        assert (await client.request("free text", 5))["status"] == 400
    await usage.flush()
    assert await rows() == {
        ("test_child_route/", "list"): (2, 1),
        (r"^test_child_route/(?P<pk>[-\w]+)/$", "retrieve"): (1, 0),
        ("articles/<str:pk>/", "retrieve"): (1, 0),
        ("articles/", None): (1, 1),
        (None, None): (4, 4),
    }
    assert all([row.last_served_at >= since async for row in RouteUsage.objects.all()])
