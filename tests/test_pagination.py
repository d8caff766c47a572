"""``pagination``: page-number pagination over a fake ``fetch`` (legacy-protocol.md section 4).

``fetch`` slices a Python list the way strawberry-django's offset pagination does:
the limit is capped at ``PAGINATION_MAX_LIMIT`` (100 by default) and a limit of 0 returns no rows.
Query parameters come from ``RouteTable.resolve``, exactly as the binding passes them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import path

from gql_channels.exceptions import NotFound
from gql_channels.pagination import (
    Page,
    PageNumberPagination,
    _positive_int,
    build_route,
    remove_query_param,
    replace_query_param,
)
from gql_channels.routing import RouteTable

SEED_ROWS = [{"id": i, "title": f"Title{i}", "content": f"Content{i}"} for i in range(1, 101)]


def _endpoint() -> None:
    raise AssertionError("never called")


ROUTES = RouteTable([path("test_child_route/", _endpoint), path("", _endpoint)])


class Pager(PageNumberPagination):
    page_size = 10


class SizedPager(PageNumberPagination):
    page_size = 10
    page_size_query_param = "page_size"
    max_page_size = 20


class SchemaCappedPager(PageNumberPagination):
    page_size = 10
    page_size_query_param = "page_size"


class FakeField:
    """A paginated list field: records each ``fetch(offset, limit)`` it serves."""

    def __init__(self, rows: list[Any], cap: int | None = 100) -> None:
        self.rows = rows
        self.cap = cap
        self.calls: list[tuple[int, int]] = []

    async def fetch(self, offset: int, limit: int) -> Page:
        self.calls.append((offset, limit))
        applied = limit if self.cap is None else min(limit, self.cap)
        return Page(len(self.rows), offset, applied, self.rows[offset : offset + applied])


async def paginate(pagination: PageNumberPagination, rows: list[Any], route: str, **field: Any) -> dict[str, Any]:
    match = ROUTES.resolve(route)
    assert match is not None
    return await pagination.paginate(FakeField(rows, **field).fetch, match.path, match.query_params)


NUMBERS = list(range(1, 101))


# -- link helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, "r/"),
        ({"b": ["2"], "a": ["1"]}, "r/?a=1&b=2"),
        ({"zeta": ["1"], "page": ["3"], "alpha": ["2"]}, "r/?alpha=2&page=3&zeta=1"),
        ({"q": ["a b"]}, "r/?q=a+b"),
        ({"q": ["été"]}, "r/?q=%C3%A9t%C3%A9"),
        ({"é": ["1"]}, "r/?%C3%A9=1"),
        ({"q": ["a&b=c"]}, "r/?q=a%26b%3Dc"),
        ({"tag": ["b", "a"]}, "r/?tag=b&tag=a"),
    ],
)
def test_build_route(params: dict, expected: str) -> None:
    assert build_route("r/", params) == expected


def test_build_route_on_empty_path() -> None:
    assert build_route("", {}) == ""
    assert build_route("", {"page": ["2"]}) == "?page=2"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, "r/?page=3"),
        ({"page": ["1", "2"]}, "r/?page=3"),
        ({"z": ["1"], "a": ["2"], "page": ["9"]}, "r/?a=2&page=3&z=1"),
    ],
)
def test_replace_query_param(params: dict, expected: str) -> None:
    before = {k: list(v) for k, v in params.items()}

    assert replace_query_param("r/", params, "page", 3) == expected
    assert params == before


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"page": ["2"]}, "r/"),
        ({}, "r/"),
        ({"page": ["2"], "foo": ["bar"]}, "r/?foo=bar"),
        ({"foo": ["b a"], "page": ["1", "2"], "bar": ["x"]}, "r/?bar=x&foo=b+a"),
    ],
)
def test_remove_query_param(params: dict, expected: str) -> None:
    before = {k: list(v) for k, v in params.items()}

    assert remove_query_param("r/", params, "page") == expected
    assert params == before


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        ("5", {}, 5),
        ("0", {}, 0),
        ("050", {}, 50),
        ("50", {"cutoff": 20}, 20),
        ("5", {"cutoff": 20}, 5),
        ("50", {"cutoff": None}, 50),
        ("1", {"strict": True}, 1),
    ],
)
def test_positive_int(value: str, kwargs: dict, expected: int) -> None:
    assert _positive_int(value, **kwargs) == expected


@pytest.mark.parametrize(
    ("value", "kwargs"),
    [("-1", {}), ("0", {"strict": True}), ("-1", {"strict": True}), ("x", {}), ("", {}), ("4.5", {}), ("4.0", {})],
)
def test_positive_int_rejects(value: str, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        _positive_int(value, **kwargs)


# -- page number -----------------------------------------------------------------------------


async def test_seed_example() -> None:
    data = await paginate(Pager(), SEED_ROWS, "test_child_route/?page=4")

    assert data == {
        "count": 100,
        "next": "test_child_route/?page=5",
        "previous": "test_child_route/?page=3",
        "results": SEED_ROWS[30:40],
    }
    assert list(data) == ["count", "next", "previous", "results"]
    assert data["results"][0] == {"id": 31, "title": "Title31", "content": "Content31"}


async def test_links_sort_parameters() -> None:
    data = await paginate(Pager(), NUMBERS, "test_child_route/?zeta=1&page=3&alpha=2")

    assert data["next"] == "test_child_route/?alpha=2&page=4&zeta=1"
    assert data["previous"] == "test_child_route/?alpha=2&page=2&zeta=1"


@pytest.mark.parametrize(
    ("query", "page"),
    [
        ("", 1),
        ("?", 1),
        ("?page=", 1),
        ("?page=1", 1),
        ("?page=4", 4),
        ("?page=%34", 4),
        ("?page=04", 4),
        ("?page=10", 10),
        ("?page=last", 10),
        ("?page=2&page=5", 5),
        ("?page=5&page=2", 2),
        ("?page=abc&page=3", 3),
        ("?page=3&page=", 3),
    ],
)
async def test_page_number(query: str, page: int) -> None:
    data = await paginate(Pager(), NUMBERS, f"test_child_route/{query}")

    assert data["count"] == 100
    assert data["results"] == NUMBERS[(page - 1) * 10 : page * 10]


@pytest.mark.parametrize(
    "value",
    ["0", "-1", "-0", "abc", "4.5", "4.0", "1e1", "11", "12", "99999999999999999999", "9" * 5000, "Last", "%2D1"],
)
async def test_invalid_page(value: str) -> None:
    with pytest.raises(NotFound) as info:
        await paginate(Pager(), NUMBERS, f"test_child_route/?page={value}")

    assert info.value.status_code == 404
    assert info.value.detail == "Invalid page."


async def test_invalid_page_when_last_value_is_bad() -> None:
    with pytest.raises(NotFound):
        await paginate(Pager(), NUMBERS, "test_child_route/?page=3&page=abc")


@pytest.mark.parametrize("query", ["", "?page=1", "?page=last"])
async def test_empty_list_has_a_page_1(query: str) -> None:
    data = await paginate(Pager(), [], f"test_child_route/{query}")

    assert data == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize("value", ["2", "0"])
async def test_empty_list_has_no_other_page(value: str) -> None:
    with pytest.raises(NotFound):
        await paginate(Pager(), [], f"test_child_route/?page={value}")


async def test_last_page_of_a_partial_page() -> None:
    data = await paginate(Pager(), NUMBERS[:95], "test_child_route/?page=last")

    assert data["results"] == NUMBERS[90:95]
    assert data["next"] is None
    assert data["previous"] == "test_child_route/?page=9"


async def test_last_page_string_is_configurable() -> None:
    class EndPager(Pager):
        last_page_strings = ("end",)

    data = await paginate(EndPager(), NUMBERS, "test_child_route/?page=end")

    assert data["results"] == NUMBERS[90:]
    with pytest.raises(NotFound):
        await paginate(EndPager(), NUMBERS, "test_child_route/?page=last")


async def test_page_query_param_is_configurable() -> None:
    class PPager(Pager):
        page_query_param = "p"

    data = await paginate(PPager(), NUMBERS, "test_child_route/?p=2&page=9")

    assert data["results"] == NUMBERS[10:20]
    assert data["next"] == "test_child_route/?p=3&page=9"
    assert data["previous"] == "test_child_route/?page=9"


async def test_fetch_is_asked_for_the_window() -> None:
    field = FakeField(NUMBERS)
    match = ROUTES.resolve("test_child_route/?page=3")

    await Pager().paginate(field.fetch, match.path, match.query_params)

    assert field.calls[-1] == (20, 10)


# -- links -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "previous"),
    [
        ("test_child_route/?page=2", "test_child_route/"),
        ("test_child_route/?page=2&foo=bar", "test_child_route/?foo=bar"),
        ("test_child_route/?foo=bar&page=2", "test_child_route/?foo=bar"),
        ("test_child_route/?page=1&page=2", "test_child_route/"),
        ("?page=2", ""),
        ("?page=3", "?page=2"),
    ],
)
async def test_previous_of_page_2_drops_the_page_param(route: str, previous: str) -> None:
    assert (await paginate(Pager(), NUMBERS, route))["previous"] == previous


async def test_first_page_links() -> None:
    data = await paginate(Pager(), NUMBERS, "test_child_route/?foo=bar")

    assert data["previous"] is None
    assert data["next"] == "test_child_route/?foo=bar&page=2"


@pytest.mark.parametrize("query", ["?page=10", "?page=last"])
async def test_last_page_links(query: str) -> None:
    data = await paginate(Pager(), NUMBERS, f"test_child_route/{query}")

    assert data["next"] is None
    assert data["previous"] == "test_child_route/?page=9"


async def test_single_page_has_no_links() -> None:
    data = await paginate(Pager(), NUMBERS[:10], "test_child_route/")

    assert (data["next"], data["previous"]) == (None, None)


@pytest.mark.parametrize(
    ("query", "next_link"),
    [
        ("?page=2&q=a%20b", "test_child_route/?page=3&q=a+b"),
        ("?page=2&q=a+b", "test_child_route/?page=3&q=a+b"),
        ("?page=2&q=été", "test_child_route/?page=3&q=%C3%A9t%C3%A9"),
        ("?page=2&q=%C3%A9t%C3%A9", "test_child_route/?page=3&q=%C3%A9t%C3%A9"),
        ("?page=2&empty=&foo=1", "test_child_route/?foo=1&page=3"),
        ("?page=2&tag=b&tag=a", "test_child_route/?page=3&tag=b&tag=a"),
        ("?page=2&page_size=x", "test_child_route/?page=3&page_size=x"),
        ("?page=2&page_size=5", "test_child_route/?page=3&page_size=5"),
        ("?page=2#frag", "test_child_route/?page=3"),
    ],
)
async def test_next_keeps_other_params(query: str, next_link: str) -> None:
    data = await paginate(Pager(), NUMBERS, f"test_child_route/{query}")

    assert data["results"] == NUMBERS[10:20]
    assert data["next"] == next_link


async def test_bad_page_size_is_kept_in_links() -> None:
    data = await paginate(SizedPager(), NUMBERS, "test_child_route/?page=3&page_size=x")

    assert data["results"] == NUMBERS[20:30]
    assert data["next"] == "test_child_route/?page=4&page_size=x"
    assert data["previous"] == "test_child_route/?page=2&page_size=x"


async def test_page_2_previous_keeps_bad_page_size() -> None:
    data = await paginate(SizedPager(), NUMBERS, "test_child_route/?page=2&page_size=x")

    assert data["previous"] == "test_child_route/?page_size=x"


async def test_links_follow_the_limit_fetch_applied() -> None:
    # The schema applies 5 rows a page although 10 were asked: 15 rows are 3 pages, not 2.
    data = await paginate(Pager(), NUMBERS[:15], "test_child_route/?page=2", cap=5)

    assert data["count"] == 15
    assert data["next"] == "test_child_route/?page=3"
    assert data["previous"] == "test_child_route/"


async def test_count_is_what_fetch_returned() -> None:
    class Field(FakeField):
        async def fetch(self, offset: int, limit: int) -> Page:
            page = await super().fetch(offset, limit)
            return Page(35, page.offset, page.limit, page.results)

    match = ROUTES.resolve("test_child_route/?page=3")
    data = await Pager().paginate(Field(NUMBERS).fetch, match.path, match.query_params)

    assert data["count"] == 35
    assert data["next"] == "test_child_route/?page=4"


# -- page size -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "size"),
    [
        ("", 10),
        ("?page_size=5", 5),
        ("?page_size=20", 20),
        ("?page_size=21", 20),
        ("?page_size=1000", 20),
        ("?page_size=0", 10),
        ("?page_size=-5", 10),
        ("?page_size=x", 10),
        ("?page_size=2.5", 10),
        ("?page_size=", 10),
        ("?page_size=%35", 5),
    ],
)
async def test_page_size_param(query: str, size: int) -> None:
    data = await paginate(SizedPager(), NUMBERS, f"test_child_route/{query}")

    assert data["results"] == NUMBERS[:size]


async def test_page_size_param_windows_later_pages() -> None:
    data = await paginate(SizedPager(), NUMBERS, "test_child_route/?page=3&page_size=7")

    assert data["results"] == NUMBERS[14:21]
    assert data["next"] == "test_child_route/?page=4&page_size=7"
    assert data["previous"] == "test_child_route/?page=2&page_size=7"


async def test_page_size_param_ignored_when_not_configured() -> None:
    data = await paginate(Pager(), NUMBERS, "test_child_route/?page_size=5")

    assert data["results"] == NUMBERS[:10]


async def test_last_page_with_page_size_param() -> None:
    data = await paginate(SizedPager(), NUMBERS, "test_child_route/?page=last&page_size=15")

    assert data["results"] == NUMBERS[90:]
    assert data["previous"] == "test_child_route/?page=6&page_size=15"


async def test_max_page_size_none_means_schema_cap() -> None:
    rows = list(range(300))

    data = await paginate(SchemaCappedPager(), rows, "test_child_route/?page_size=500", cap=None)

    assert len(data["results"]) == 100
    assert data["next"] == "test_child_route/?page=2&page_size=500"


async def test_max_page_size_none_follows_overridden_schema_cap() -> None:
    field = FakeField(list(range(300)), cap=None)
    match = ROUTES.resolve("test_child_route/?page_size=500")

    with override_settings(STRAWBERRY_DJANGO={"PAGINATION_MAX_LIMIT": 50}):
        data = await SchemaCappedPager().paginate(field.fetch, match.path, match.query_params)

    assert field.calls == [(0, 50)]
    assert len(data["results"]) == 50


# -- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attrs", "field"),
    [({"page_size": 101}, "page_size"), ({"page_size": 10, "max_page_size": 101}, "max_page_size")],
)
def test_check_configuration_rejects_more_than_the_schema_cap(attrs: dict, field: str) -> None:
    pagination = type("Configured", (PageNumberPagination,), attrs)()

    with pytest.raises(ImproperlyConfigured) as info:
        pagination.check_configuration("articles")

    message = str(info.value)
    assert f"Configured.{field} = 101" in message
    assert "`articles`" in message


def test_check_configuration_accepts_the_schema_cap() -> None:
    type("Configured", (PageNumberPagination,), {"page_size": 100, "max_page_size": 100})().check_configuration(
        "articles"
    )


def test_check_configuration_follows_overridden_cap() -> None:
    pagination = type("Configured", (PageNumberPagination,), {"page_size": 60})()

    pagination.check_configuration("articles")
    with override_settings(STRAWBERRY_DJANGO={"PAGINATION_MAX_LIMIT": 50}):
        with pytest.raises(ImproperlyConfigured, match="page_size"):
            pagination.check_configuration("articles")


def test_check_configuration_without_cap_accepts_any_size() -> None:
    pagination = type("Configured", (PageNumberPagination,), {"page_size": 1000, "max_page_size": 5000})()

    with override_settings(STRAWBERRY_DJANGO={"PAGINATION_MAX_LIMIT": None}):
        pagination.check_configuration("articles")


def test_check_configuration_checks_the_settings_page_size() -> None:
    with override_settings(GQL_CHANNELS={"PAGE_SIZE": 101}):
        with pytest.raises(ImproperlyConfigured, match="page_size = 101"):
            PageNumberPagination().check_configuration("articles")


async def test_page_size_falls_back_to_settings() -> None:
    with override_settings(GQL_CHANNELS={"PAGE_SIZE": 7}):
        PageNumberPagination().check_configuration("articles")
        data = await paginate(PageNumberPagination(), NUMBERS, "test_child_route/?page=2")

    assert data["results"] == NUMBERS[7:14]


async def test_class_page_size_wins_over_settings() -> None:
    with override_settings(GQL_CHANNELS={"PAGE_SIZE": 7}):
        data = await paginate(Pager(), NUMBERS, "test_child_route/")

    assert len(data["results"]) == 10


async def test_no_page_size_is_improperly_configured() -> None:
    with override_settings(GQL_CHANNELS={}):
        with pytest.raises(ImproperlyConfigured, match="page_size"):
            PageNumberPagination().check_configuration("articles")
        with pytest.raises(ImproperlyConfigured):
            await paginate(PageNumberPagination(), NUMBERS, "test_child_route/")


def test_no_page_size_is_improperly_configured_without_schema_cap() -> None:
    with override_settings(GQL_CHANNELS={}, STRAWBERRY_DJANGO={"PAGINATION_MAX_LIMIT": None}):
        with pytest.raises(ImproperlyConfigured):
            PageNumberPagination().check_configuration("articles")
