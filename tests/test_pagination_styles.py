"""Limit/offset, cursor, and page numbers over a connection, through the example consumer (sections 5, 6)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from example_project.demo.models import Article
from gql_channels.testing import ActionCommunicator

pytestmark = pytest.mark.django_db(transaction=True)


def titles(reply: dict) -> list[str]:
    return [row["title"] for row in reply["data"]["results"]]


@pytest.mark.parametrize(
    ("route", "first", "size", "next_", "previous"),
    [
        ("offset/articles/", 1, 5, "offset/articles/?limit=5&offset=5", None),
        ("offset/articles/?offset=10&limit=5", 11, 5, "offset/articles/?limit=5&offset=15", "offset/articles/?limit=5&offset=5"),
        ("offset/articles/?offset=3&limit=5", 4, 5, "offset/articles/?limit=5&offset=8", "offset/articles/?limit=5"),
        ("offset/articles/?offset=5&limit=5", 6, 5, "offset/articles/?limit=5&offset=10", "offset/articles/?limit=5"),
        ("offset/articles/?limit=0", 1, 5, "offset/articles/?limit=5&offset=5", None),
        ("offset/articles/?limit=-3&offset=x", 1, 5, "offset/articles/?limit=5&offset=5", None),
        ("offset/articles/?limit=abc&offset=-4", 1, 5, "offset/articles/?limit=5&offset=5", None),
        ("offset/articles/?limit=500", 1, 50, "offset/articles/?limit=50&offset=50", None),
        ("offset/articles/?offset=95&limit=10", 96, 5, None, "offset/articles/?limit=10&offset=85"),
        ("offset/articles/?offset=90&limit=10", 91, 10, None, "offset/articles/?limit=10&offset=80"),
        ("offset/articles/?zeta=1&offset=10&alpha=2", 11, 5, "offset/articles/?alpha=2&limit=5&offset=15&zeta=1",
         "offset/articles/?alpha=2&limit=5&offset=5&zeta=1"),
    ],
)
async def test_limit_offset(client: ActionCommunicator, articles, route, first, size, next_, previous) -> None:
    reply = await client.request("list", route)
    assert list(reply["data"]) == ["count", "next", "previous", "results"]
    assert reply["data"]["count"] == 100
    assert titles(reply) == [f"Title{i}" for i in range(first, first + size)]
    assert (reply["data"]["next"], reply["data"]["previous"]) == (next_, previous)


async def test_limit_offset_past_the_end_still_has_a_previous(client: ActionCommunicator, articles) -> None:
    reply = await client.request("list", "offset/articles/?offset=500&limit=10")
    assert reply["data"] == {
        "count": 100, "next": None, "previous": "offset/articles/?limit=10&offset=490", "results": []
    }


@pytest.mark.parametrize("offset", [2**31 - 1, 2**31, 10**30])
async def test_offset_past_graphql_int_is_an_empty_page(client: ActionCommunicator, articles, offset: int) -> None:
    """GraphQL's Int is 32-bit: an offset past it is past the last row, not a 400 in GraphQL's words."""
    reply = await client.request("list", f"offset/articles/?offset={offset}&limit=10")
    assert reply["status"] == 200
    assert reply["data"] == {
        "count": 100, "next": None, "previous": f"offset/articles/?limit=10&offset={offset - 10}", "results": []
    }


@pytest.mark.parametrize("route", ["articles/", "connection/articles/"])
@pytest.mark.parametrize("page", [2**31 // 10 + 1, 10**30])
async def test_page_past_graphql_int_is_invalid_page(client: ActionCommunicator, articles, route: str, page: int) -> None:
    reply = await client.request("list", f"{route}?page={page}")
    assert (reply["status"], reply["errors"]) == (404, [{"detail": "Invalid page."}])


async def test_page_numbers_over_a_list_connection(client: ActionCommunicator, articles) -> None:
    reply = await client.request("list", "connection/articles/?page=4")
    assert reply["data"]["count"] == 100
    assert reply["data"]["next"] == "connection/articles/?page=5"
    assert reply["data"]["previous"] == "connection/articles/?page=3"
    assert [r["id"] for r in reply["data"]["results"]] == [a.id for a in articles[30:40]]
    last = await client.request("list", "connection/articles/?page=last&page_size=30")
    assert titles(last) == [f"Title{i}" for i in range(91, 101)] and last["data"]["next"] is None
    assert (await client.request("list", "connection/articles/?page=11"))["status"] == 404


async def walk(client: ActionCommunicator, route: str, key: str) -> tuple[list[int], list[str]]:
    """Follow ``key`` links from ``route`` to the end; return the ids seen and the routes visited."""
    seen: list[int] = []
    routes = []
    while route:
        reply = await client.request("list", route)
        assert reply["status"] == 200, reply
        assert list(reply["data"]) == ["next", "previous", "results"]
        rows = [r["id"] for r in reply["data"]["results"]]
        seen += rows if key == "next" else rows[::-1]
        routes.append(route)
        route = reply["data"][key]
    return seen, routes


async def test_cursor_walk_forward_and_back_over_the_whole_table(client: ActionCommunicator, articles) -> None:
    ids = [a.id for a in articles]
    forward, routes = await walk(client, "cursor/articles/?page_size=7&x=1", "next")
    assert forward == ids and len(routes) == 15
    assert all("x=1" in r and "page_size=7" in r for r in routes)
    last_page = await client.request("list", routes[-1])
    backward, _ = await walk(client, last_page["data"]["previous"], "previous")
    assert backward == ids[:98][::-1]
    first = await client.request("list", "cursor/articles/?page_size=7&x=1")
    assert first["data"]["previous"] is None


async def test_cursor_walk_has_no_gap_or_repeat_while_rows_are_inserted(client: ActionCommunicator, articles) -> None:
    seen: list[int] = []
    route = "cursor/articles/"
    while route:
        reply = await client.request("list", route)
        seen += [r["id"] for r in reply["data"]["results"]]
        await Article.objects.acreate(title="late", content="x")
        route = reply["data"]["next"]
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen)
    assert set(a.id for a in articles) <= set(seen)


@pytest.mark.parametrize("cursor", ["%%%", "bm9wZQ", "eg==", "YQ==", "Yg", "YWdhcmJhZ2U=", "YlcxbGRBPT0="])
async def test_invalid_cursor_is_404(client: ActionCommunicator, articles, cursor: str) -> None:
    reply = await client.request("list", f"cursor/articles/?cursor={cursor}")
    assert reply["status"] == 404 and reply["errors"] == [{"detail": "Invalid cursor"}]


async def test_cursor_page_size_clamped(client: ActionCommunicator, articles) -> None:
    reply = await client.request("list", "cursor/articles/?page_size=1000")
    assert len(reply["data"]["results"]) == 100 and reply["data"]["next"] is None
    with override_settings(GQL_CHANNELS={"PAGE_SIZE": 3}):
        reply = await client.request("list", "cursor/articles/?page_size=0")
        assert len(reply["data"]["results"]) == 10
