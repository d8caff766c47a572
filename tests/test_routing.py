"""``routing``: route strings resolved against ``path()``/``re_path()`` (legacy-protocol.md section 2)."""

from __future__ import annotations

import pytest
from django.urls import include, path, re_path

from gql_channels.resources import Resource
from gql_channels.routing import RouteTable, split_route


class Endpoint:
    """A stand-in for a ``Resource``: Django only needs the callback to be callable."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self) -> None:
        raise AssertionError("routing never calls the callback")

    def __repr__(self) -> str:
        return f"Endpoint({self.name!r})"


ARTICLES = Endpoint("articles")
ARTICLE = Endpoint("article")
BOOK = Endpoint("book")
ITEM = Endpoint("item")
AUTHOR_BOOK = Endpoint("author-book")
ROOT = Endpoint("root")

ROUTES = RouteTable(
    [
        path("articles/", ARTICLES),
        path("articles/<int:pk>/", ARTICLE),
        re_path(r"^books/(?P<slug>[-\w]+)/$", BOOK),
        path("nested/", include([path("items/<str:name>/", ITEM)])),
        path("authors/<int:author_id>/", include([path("books/<int:pk>/", AUTHOR_BOOK)])),
        path("", ROOT),
    ]
)


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        ("articles/", ("articles/", "")),
        ("articles/?page=2", ("articles/", "page=2")),
        ("articles/?page=2#top", ("articles/", "page=2")),
        ("articles/#top", ("articles/", "")),
        ("articles/#top?page=2", ("articles/", "")),
        ("articles/?a=1?b=2", ("articles/", "a=1?b=2")),
        ("articles/?", ("articles/", "")),
        ("?page=2", ("", "page=2")),
        ("#x", ("", "")),
        ("", ("", "")),
    ],
)
def test_split_route(route: str, expected: tuple[str, str]) -> None:
    assert split_route(route) == expected


@pytest.mark.parametrize(
    ("route", "resource", "kwargs"),
    [
        ("articles/", ARTICLES, {}),
        ("articles/5/", ARTICLE, {"pk": 5}),
        ("articles/5/?page=2#x", ARTICLE, {"pk": 5}),
        ("books/le-guin_1/", BOOK, {"slug": "le-guin_1"}),
        ("nested/items/foo/", ITEM, {"name": "foo"}),
        ("authors/3/books/7/", AUTHOR_BOOK, {"author_id": 3, "pk": 7}),
        ("", ROOT, {}),
        ("?page=2", ROOT, {}),
        ("#frag", ROOT, {}),
    ],
)
def test_resolve(route: str, resource: Endpoint, kwargs: dict) -> None:
    match = ROUTES.resolve(route)

    assert match is not None
    assert match.resource is resource
    assert match.kwargs == kwargs


@pytest.mark.parametrize(
    "route",
    [
        "articles",
        "articles/extra/",
        "articles/5",
        "articles/5/extra/",
        "articles/x/",
        "articles/-5/",
        "/articles/",
        "books/a b/",
        "nested/",
        "nested/items/",
        "authors/3/",
        "missing/",
        " ",
    ],
)
def test_resolve_returns_none_without_a_full_match(route: str) -> None:
    assert ROUTES.resolve(route) is None


def test_detail_route_listed_after_list_route_is_reachable() -> None:
    table = RouteTable([path("articles/", ARTICLES), path("articles/<int:pk>/", ARTICLE)])

    assert table.resolve("articles/1/").resource is ARTICLE
    assert table.resolve("articles/").resource is ARTICLES


def test_int_converter_gives_int() -> None:
    match = ROUTES.resolve("articles/0042/")

    assert match.kwargs == {"pk": 42}
    assert type(match.kwargs["pk"]) is int


def test_re_path_captures_are_strings() -> None:
    assert ROUTES.resolve("books/12/").kwargs == {"slug": "12"}


def test_match_path_is_the_path_part_as_sent() -> None:
    assert ROUTES.resolve("articles/0042/?page=2#top").path == "articles/0042/"
    assert ROUTES.resolve("?page=2").path == ""


@pytest.mark.parametrize(
    ("route", "params"),
    [
        ("articles/", {}),
        ("articles/?page=2", {"page": ["2"]}),
        ("articles/?page=%34", {"page": ["4"]}),
        ("articles/?q=a%20b&r=c+d", {"q": ["a b"], "r": ["c d"]}),
        ("articles/?q=%C3%A9t%C3%A9", {"q": ["été"]}),
        ("articles/?q=été", {"q": ["été"]}),
        ("articles/?page=&foo=bar", {"foo": ["bar"]}),
        ("articles/?page", {}),
        ("articles/?tag=b&tag=a&tag=c", {"tag": ["b", "a", "c"]}),
        ("articles/?page=1&tag=x&page=3", {"page": ["1", "3"], "tag": ["x"]}),
        ("articles/?page=2#page=9", {"page": ["2"]}),
        ("?page=2", {"page": ["2"]}),
    ],
)
def test_query_params(route: str, params: dict) -> None:
    assert ROUTES.resolve(route).query_params == params


def test_query_params_do_not_leak_between_resolves() -> None:
    ROUTES.resolve("articles/?page=2")

    assert ROUTES.resolve("articles/").query_params == {}


def test_empty_path_only_matches_empty_route_path() -> None:
    table = RouteTable([path("", ROOT)])

    assert table.resolve("").resource is ROOT
    assert table.resolve("?page=2").query_params == {"page": ["2"]}
    assert table.resolve("articles/") is None


def test_resource_is_a_valid_callback() -> None:
    resource = Resource(list="articles")
    table = RouteTable([path("articles/", resource)])

    assert table.resolve("articles/?page=1").resource is resource


def test_entries() -> None:
    assert [(e.route, e.captures, e.resource) for e in ROUTES.entries()] == [
        ("articles/", frozenset(), ARTICLES),
        ("articles/<int:pk>/", frozenset({"pk"}), ARTICLE),
        (r"^books/(?P<slug>[-\w]+)/$", frozenset({"slug"}), BOOK),
        ("nested/items/<str:name>/", frozenset({"name"}), ITEM),
        ("authors/<int:author_id>/books/<int:pk>/", frozenset({"author_id", "pk"}), AUTHOR_BOOK),
        ("", frozenset(), ROOT),
    ]


@pytest.mark.parametrize(
    ("resource", "kwargs", "route"),
    [
        (ARTICLES, {}, "articles/"),
        (ARTICLE, {"pk": 7}, "articles/7/"),
        (BOOK, {"slug": "a-b"}, "books/a-b/"),
        (ITEM, {"name": "x"}, "nested/items/x/"),
        (AUTHOR_BOOK, {"author_id": 1, "pk": 2}, "authors/1/books/2/"),
        (ARTICLE, {"slug": "x"}, None),
        (BOOK, {"slug": "no/slash"}, None),
    ],
)
def test_reverse_builds_a_route_back_from_kwargs(resource, kwargs, route) -> None:
    assert ROUTES.reverse(resource, **kwargs) == route


def test_reverse_is_computed_once_per_object() -> None:
    """Every subscriber of an object is sent the same route: reversed once, whatever the kwargs' order."""
    table = RouteTable([path("authors/<int:author_id>/books/<int:pk>/", AUTHOR_BOOK)])

    routes = [table.reverse(AUTHOR_BOOK, author_id=1, pk=2), table.reverse(AUTHOR_BOOK, pk=2, author_id=1)]
    routes += [table.reverse(AUTHOR_BOOK, author_id=1, pk=3)]

    assert routes == ["authors/1/books/2/", "authors/1/books/2/", "authors/1/books/3/"]
    assert (table._reversed.cache_info().hits, table._reversed.cache_info().misses) == (1, 2)


def test_entries_of_nested_includes() -> None:
    table = RouteTable(
        [path("a/<int:x>/", include([path("b/", include([re_path(r"^c/(?P<y>\d+)/$", ITEM)]))]))]
    )

    [entry] = table.entries()
    assert entry.route.startswith("a/<int:x>/b/")
    assert (entry.captures, entry.resource) == (frozenset({"x", "y"}), ITEM)
    assert table.resolve("a/1/b/c/2/").kwargs == {"x": 1, "y": "2"}
