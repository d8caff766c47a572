"""Filters and ordering from the route's query string on the example's books/ (issue: query translation)."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.db.models import Q
from django.urls import path

from example_project.demo.models import Author, Book, Tag
from gql_channels import ActionConsumer, Resource
from gql_channels.filtering import REGEX_REFUSED
from gql_channels.testing import ActionCommunicator

from .test_filtering import regex_schema

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shelf(db) -> dict:
    authors = [Author.objects.create(name=n) for n in ("A", "B", "C")]
    tags = [Tag.objects.create(name=n) for n in ("t1", "t2", "t3")]
    for i in range(12):
        book = Book.objects.create(
            title=f"{'Dune' if i % 3 == 0 else 'Book'} {i}", pages=50 * i, published=i % 2 == 0, author=authors[i % 3]
        )
        book.tags.set(tags[: i % 4])
    return {"authors": authors, "tags": tags}


def many_tags(tags: list) -> str:
    """The most keys a relation's ``__in`` takes (500), two of them real."""
    return ",".join([str(tags[1].id), *(str(10**6 + i) for i in range(498)), str(tags[2].id)])


def orm(shelf: dict, route: str) -> list[int]:
    """The queryset a django-filter + OrderingFilter view would have answered ``route`` with."""
    a, t = shelf["authors"], shelf["tags"]
    querysets = {
        "books/?title=Dune 3": Book.objects.filter(title="Dune 3"),
        "books/?title__icontains=dune": Book.objects.filter(title__icontains="dune"),
        "books/?pages__gte=300": Book.objects.filter(pages__gte=300),
        "books/?pages__gte=100&pages__lt=400&published=true": Book.objects.filter(pages__gte=100, pages__lt=400, published=True),
        f"books/?author={a[1].id}": Book.objects.filter(author=a[1]),
        f"books/?tags__in={t[0].id},{t[2].id}": Book.objects.filter(Q(tags=t[0]) | Q(tags=t[2])).distinct(),
        f"books/?tags__in={many_tags(t)}&author__in={a[0].id},{a[2].id}": Book.objects.filter(
            Q(tags=t[1]) | Q(tags=t[2]), Q(author=a[0]) | Q(author=a[2])
        ).distinct(),
        "books/?ordering=-pages": Book.objects.order_by("-pages"),
        "books/?ordering=published,-title": Book.objects.order_by("published", "-title"),
        f"books/?author={a[0].id}&ordering=-id": Book.objects.filter(author=a[0]).order_by("-id"),
    }
    return list(querysets[route].values_list("id", flat=True))


ROUTES = [
    "books/?title=Dune 3",
    "books/?title__icontains=dune",
    "books/?pages__gte=300",
    "books/?pages__gte=100&pages__lt=400&published=true",
    "books/?author={a1}",
    "books/?tags__in={t0},{t2}",
    "books/?tags__in={many}&author__in={a0},{a2}",
    "books/?ordering=-pages",
    "books/?ordering=published,-title",
    "books/?author={a0}&ordering=-id",
]


@pytest.mark.parametrize("template", ROUTES)
async def test_filters_match_the_orm(client: ActionCommunicator, shelf, template: str) -> None:
    a, t = shelf["authors"], shelf["tags"]
    route = template.format(a0=a[0].id, a1=a[1].id, a2=a[2].id, t0=t[0].id, t2=t[2].id, many=many_tags(t))
    reply = await client.request("list", route + "&page_size=100" if "?" in route else route)
    assert reply["status"] == 200, reply
    from asgiref.sync import sync_to_async

    expected = await sync_to_async(orm)(shelf, route)
    assert [r["id"] for r in reply["data"]["results"]] == expected
    assert reply["data"]["count"] == len(expected)


async def test_other_params_are_ignored_but_kept_in_links(client: ActionCommunicator, shelf) -> None:
    reply = await client.request("list", "books/?published=true&page_size=2&foo=bar")
    assert reply["data"]["count"] == 6
    assert reply["data"]["next"] == "books/?foo=bar&page=2&page_size=2&published=true"


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("pages__gte=many", {"pages__gte": ["Enter a whole number."]}),
        ("published=maybe", {"published": ["Select a valid choice."]}),
        ("ordering=nope", {"ordering": ['Invalid ordering field "nope".']}),
        ("pages=x&ordering=-nope", {"pages": ["Enter a whole number."], "ordering": ['Invalid ordering field "nope".']}),
        # What the database would refuse (SQLite: LIKE patterns over 50,000 bytes, expressions 1,000 deep).
        ("title__icontains=" + "%_" * 5001, {"title__icontains": ["Ensure this value has at most 10000 characters (it has 10002)."]}),
        ("tags__in=" + ",".join(["1"] * 501), {"tags__in": ["List contains 501 items, it should contain no more than 500."]}),
        # Values Django or the database cannot turn into a query: years outside 1-9999, datetimes
        # overflowing in UTC, keys beyond the column.
        ("created_at__year=0", {"created_at__year": ["Ensure this value is greater than or equal to 1."]}),
        ("created_at__iso_year__gte=10000", {"created_at__iso_year__gte": ["Ensure this value is less than or equal to 9999."]}),
        ("created_at=9999-12-31T23:59:59-01:00", {"created_at": ["Enter a valid date/time."]}),
        ("created_at__gte=0001-01-01T00:00:00%2B14:00", {"created_at__gte": ["Enter a valid date/time."]}),
        ("id__in=1,99999999999999999999", {"id__in": ["Enter a whole number."]}),
        ("author=99999999999999999999", {"author": ["Select a valid choice. That choice is not one of the available choices."]}),
    ],
)
async def test_invalid_filter_values_are_a_400_naming_the_param(client: ActionCommunicator, shelf, query, errors) -> None:
    reply = await client.request("list", f"books/?{query}")
    assert (reply["status"], reply["errors"], reply["data"]) == (400, [errors], None)


async def test_filters_combine_with_cursor_and_limit_offset_styles(client: ActionCommunicator, articles) -> None:
    reply = await client.request("list", "cursor/articles/?ordering=-id&page_size=3")
    assert [r["title"] for r in reply["data"]["results"]] == ["Title100", "Title99", "Title98"]
    following = await client.request("list", reply["data"]["next"])
    assert [r["title"] for r in following["data"]["results"]] == ["Title97", "Title96", "Title95"]


async def test_times_with_an_offset_only_where_the_database_takes_them(client: ActionCommunicator, shelf) -> None:
    from django.db import connection

    reply = await client.request("list", "books/?created_at__time__gte=00:00%2B05:00")
    if connection.features.supports_timezones:
        assert reply["status"] == 200, reply
    else:  # SQLite and MySQL refuse an aware time: a 400 on the parameter, not a failed query
        assert (reply["status"], reply["errors"]) == (400, [{"created_at__time__gte": ["Enter a valid time."]}])


class RegexConsumer(ActionConsumer):
    """Books whose filter input offers regex lookups, on a route that refuses them and one that opts in."""

    schema = regex_schema
    routepatterns = [
        path("books/", Resource(list="books")),
        path("regex/books/", Resource(list="books", regex_lookups=True)),
    ]


async def test_regex_lookups_are_refused_unless_the_resource_opts_in(shelf) -> None:
    expected = await sync_to_async(lambda: list(Book.objects.filter(title__iregex="^dune").values_list("id", flat=True)))()
    async with ActionCommunicator(RegexConsumer.as_asgi(), "/ws/") as client:
        refused = await client.request("list", "books/?title__regex=^Dune")
        assert (refused["status"], refused["errors"]) == (400, [{"title__regex": [REGEX_REFUSED]}])
        allowed = await client.request("list", "regex/books/?title__iregex=^dune")
        assert allowed["status"] == 200
        assert [row["id"] for row in allowed["data"]] == expected
        assert len(expected) == 4
        # The database would fail on these patterns: refused before the query, not a 500/503.
        for query, name in (("title__regex=(", "title__regex"), ("title__iregex=[a-", "title__iregex")):
            invalid = await client.request("list", f"regex/books/?{query}")
            assert (invalid["status"], invalid["errors"]) == (400, [{name: ["Enter a valid regular expression."]}])


async def test_the_example_offers_no_regex_lookup(client: ActionCommunicator, shelf) -> None:
    """Its BookFilter titles take ``TextFilterLookup``: a regex parameter is one it does not know, ignored."""
    reply = await client.request("list", "books/?title__regex=(&page_size=100")
    assert reply["status"] == 200
    assert reply["data"]["count"] == 12
