"""Legacy django-filter / OrderingFilter query params -> strawberry-django ``filters`` and ``ordering`` variables."""

from __future__ import annotations

import datetime
import decimal
import enum
import json
import uuid
from typing import Any

import pytest
import strawberry
import strawberry_django
from django.core.exceptions import ImproperlyConfigured
from graphql import Undefined
from graphql.utilities import coerce_input_value
from strawberry import auto
from strawberry_django import BaseFilterLookup, ComparisonFilterLookup, Ordering
from strawberry_django.filters import FilterLookup as ListRangeFilterLookup
from strawberry_django.filters import get_django_model_filter_input_type

from example_project.demo.models import Author, Book, Tag
from gql_channels.exceptions import ValidationError, exception_handler
from gql_channels.filtering import REGEX_REFUSED, FilterShape
from schema import schema

QUERY = schema._schema.query_type.fields
BOOKS = FilterShape.build(schema, QUERY["books"])
CURSOR = FilterShape.build(schema, QUERY["articleCursor"])
NOT_A_CHOICE = "Select a valid choice. That choice is not one of the available choices."


# A side schema without models: the scalars the example lacks, an old-style ``order`` input,
# a nested order type and a nested filter type.
@strawberry.enum
class Size(enum.Enum):
    SMALL = "s"
    LARGE = "l"


@strawberry.input
class GadgetFilter:
    ratio: ComparisonFilterLookup[float] | None = strawberry.UNSET
    price: ComparisonFilterLookup[decimal.Decimal] | None = strawberry.UNSET
    size: BaseFilterLookup[Size] | None = strawberry.UNSET
    token: BaseFilterLookup[uuid.UUID] | None = strawberry.UNSET
    ref: BaseFilterLookup[strawberry.ID] | None = strawberry.UNSET
    legacy: ListRangeFilterLookup[int] | None = strawberry.UNSET  # older lookups: ``range: [Int!]``
    code: str | None = strawberry.UNSET
    day: datetime.date | None = strawberry.UNSET
    owner: get_django_model_filter_input_type() | None = strawberry.UNSET  # type: ignore[valid-type]
    parent: GadgetFilter | None = strawberry.UNSET
    AND: GadgetFilter | None = strawberry.UNSET
    OR: GadgetFilter | None = strawberry.UNSET
    NOT: GadgetFilter | None = strawberry.UNSET
    DISTINCT: bool | None = strawberry.UNSET


@strawberry.input
class OwnerOrder:
    name: Ordering | None = strawberry.UNSET
    best_gadget: GadgetOrder | None = strawberry.UNSET


@strawberry.input
class GadgetOrder:
    ratio: Ordering | None = strawberry.UNSET
    owner: OwnerOrder | None = strawberry.UNSET


@strawberry.type
class Gadget:
    id: strawberry.ID


@strawberry.enum
class Way(enum.Enum):
    UP = "up"


@strawberry.input
class WrongOrder:
    name: Way | None = strawberry.UNSET


@strawberry.type
class SideQuery:
    @strawberry.field
    def gadgets(self, filters: GadgetFilter | None = None, order: GadgetOrder | None = None) -> list[Gadget]:
        return []

    @strawberry.field
    def filtered(self, filters: GadgetFilter | None = None) -> list[Gadget]:
        return []

    @strawberry.field
    def wrong(self, ordering: list[WrongOrder] | None = None) -> list[Gadget]:
        return []

    @strawberry.field
    def plain(self, filters: str | None = None, order: int | None = None) -> list[Gadget]:
        return []


side_schema = strawberry.Schema(SideQuery)
GADGETS = FilterShape.build(side_schema, side_schema._schema.query_type.fields["gadgets"])


# A schema whose book titles take strawberry-django's own StrFilterLookup, regex lookups included
# (the example's BookFilter leaves them out: see gql_channels.lookups).
@strawberry_django.filter_type(Book, lookups=True)
class RegexBookFilter:
    title: auto


@strawberry_django.type(Book, filters=RegexBookFilter)
class RegexBookType:
    id: auto
    title: auto


@strawberry.type
class RegexQuery:
    books: list[RegexBookType] = strawberry_django.field()


regex_schema = strawberry.Schema(RegexQuery)
REGEX_BOOKS = FilterShape.build(regex_schema, regex_schema._schema.query_type.fields["books"], regex=True)
NO_REGEX_BOOKS = FilterShape.build(regex_schema, regex_schema._schema.query_type.fields["books"])
TOKEN = uuid.UUID("12345678-1234-5678-1234-567812345678")


def filters(shape: FilterShape, **params: str) -> Any:
    """The ``filters`` value of a query string, checked to be a valid value of the argument's type."""
    value = shape.translate({name: [raw] for name, raw in params.items()})["filters"]
    assert json.loads(json.dumps(value)) == value  # a plain variable value
    if value is not None:
        owner = {id(BOOKS): schema, id(REGEX_BOOKS): regex_schema}.get(id(shape), side_schema)
        input_type = owner._schema.get_type(shape.filters_type)
        assert coerce_input_value(value, input_type) is not Undefined  # GraphQL takes it as the variable
    return value


def refused(shape: FilterShape, **params: str) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        shape.translate({name: [raw] for name, raw in params.items()})
    return info.value.detail


# --- build -----------------------------------------------------------------------------------------


def test_build_reads_the_list_fields_arguments() -> None:
    assert (BOOKS.filters_argument, BOOKS.filters_type) == ("filters", "BookFilter")
    assert (BOOKS.ordering_argument, BOOKS.ordering_type) == ("ordering", "[BookOrder!]!")
    assert BOOKS.ordering_param == "ordering"
    assert (CURSOR.filters_argument, CURSOR.filters_type) == (None, None)
    assert (CURSOR.ordering_argument, CURSOR.ordering_type) == ("ordering", "[ArticleOrder!]!")
    assert (GADGETS.filters_type, GADGETS.ordering_argument, GADGETS.ordering_type) == (
        "GadgetFilter", "order", "GadgetOrder"
    )  # fmt: skip


@pytest.mark.parametrize("field", ["articles", "authors", "book", "tags"])
def test_build_returns_none_without_filters_or_ordering(field: str) -> None:
    assert FilterShape.build(schema, QUERY[field]) is None


def test_arguments_of_other_shapes_are_not_filters_or_ordering() -> None:
    assert FilterShape.build(side_schema, side_schema._schema.query_type.fields["plain"]) is None


def test_build_refuses_an_ordering_param_naming_a_filter() -> None:
    with pytest.raises(ImproperlyConfigured, match="'title'"):
        FilterShape.build(schema, QUERY["books"], ordering_param="title")
    with pytest.raises(ImproperlyConfigured):
        FilterShape.build(schema, QUERY["books"], ordering_param="")
    # Without an ordering argument the parameter is nobody's: any name will do.
    filtered = side_schema._schema.query_type.fields["filtered"]
    only_filters = FilterShape.build(side_schema, filtered, ordering_param="code")
    assert (only_filters.ordering_argument, only_filters.ordering_type) == (None, None)
    assert "code" in only_filters.parameters()
    assert only_filters.translate({"code": ["x"]}, default_ordering="-id") == {"filters": {"code": "x"}}
    assert FilterShape.build(schema, QUERY["articleCursor"], ordering_param="title").parameters() == {"title"}


def test_build_refuses_an_order_enum_without_directions() -> None:
    with pytest.raises(ImproperlyConfigured, match="WrongOrder.name.*ASC/DESC"):
        FilterShape.build(side_schema, side_schema._schema.query_type.fields["wrong"])


def test_shape_repr_stays_short() -> None:
    assert "lookups" not in repr(BOOKS)


# --- parameters ------------------------------------------------------------------------------------


def test_parameters_are_every_name_the_shape_reads() -> None:
    params = BOOKS.parameters()
    expected = {
        "id", "id__exact", "id__in", "id__isnull",
        "title", "title__exact", "title__iexact", "title__contains", "title__icontains", "title__startswith",
        "title__istartswith", "title__endswith", "title__iendswith", "title__in", "title__isnull",
        "pages", "pages__exact", "pages__gt", "pages__gte", "pages__lt", "pages__lte", "pages__in",
        "pages__range", "pages__isnull",
        "published", "published__exact", "published__in", "published__isnull",
        "created_at", "created_at__gte", "created_at__range", "created_at__year", "created_at__year__gte",
        "created_at__week_day", "created_at__iso_year__in", "created_at__date", "created_at__date__lte",
        "created_at__time__gt",
        "author", "author__exact", "author__in", "tags", "tags__exact", "tags__in",
        "ordering",
    }  # fmt: skip
    assert expected <= params
    # Lookups the input types do not offer, logical operators and other arguments are not parameters.
    absent_names = ("title__gt", "title__regex", "published__gte", "author__isnull", "author__name", "AND", "DISTINCT")
    for absent in (*absent_names, "pagination"):
        assert absent not in params
    plain = {name for name in params if not name.startswith("created_at__")}
    assert plain == {name for name in expected if not name.startswith("created_at__")}
    assert CURSOR.parameters() == {"ordering"}
    sorted_by = FilterShape.build(schema, QUERY["books"], ordering_param="sort")
    assert sorted_by.parameters() == params - {"ordering"} | {"sort"}


def test_gadget_parameters_skip_nested_filter_types() -> None:
    params = GADGETS.parameters()
    assert {"ratio__gte", "price__range", "size", "token__in", "ref", "legacy__range", "code", "code__exact"} <= params
    assert {"day", "owner", "owner__in", "ordering"} <= params
    assert not {p for p in params if p.startswith("parent")}
    assert "code__icontains" not in params  # a plain (``lookups=False``) field is an exact match only


# --- lookups ---------------------------------------------------------------------------------------

LOOKUPS = [
    ({"title": "Earthsea"}, {"title": {"exact": "Earthsea"}}),
    ({"title__exact": "Earthsea"}, {"title": {"exact": "Earthsea"}}),
    ({"title__iexact": "earthsea"}, {"title": {"iExact": "earthsea"}}),
    ({"title__contains": "sea"}, {"title": {"contains": "sea"}}),
    ({"title__icontains": "SEA"}, {"title": {"iContains": "SEA"}}),
    ({"title__startswith": "Ea"}, {"title": {"startsWith": "Ea"}}),
    ({"title__istartswith": "ea"}, {"title": {"iStartsWith": "ea"}}),
    ({"title__endswith": "sea"}, {"title": {"endsWith": "sea"}}),
    ({"title__iendswith": "SEA"}, {"title": {"iEndsWith": "SEA"}}),
    ({"title__in": "Earthsea, Ficciones"}, {"title": {"inList": ["Earthsea", "Ficciones"]}}),
    ({"title__isnull": "false"}, {"title": {"isNull": False}}),
    ({"title": "a, b"}, {"title": {"exact": "a, b"}}),  # only ``__in`` and ``__range`` split on commas
    ({"pages": "183"}, {"pages": {"exact": 183}}),
    ({"pages": "12.0"}, {"pages": {"exact": 12}}),  # Django's IntegerField: a whole number
    ({"pages__gt": "100"}, {"pages": {"gt": 100}}),
    ({"pages__gte": "-1"}, {"pages": {"gte": -1}}),
    ({"pages__lt": "2147483647"}, {"pages": {"lt": 2147483647}}),
    ({"pages__lte": "5"}, {"pages": {"lte": 5}}),
    ({"pages__in": "1,174,,183"}, {"pages": {"inList": [1, 174, 183]}}),  # blank items are dropped
    ({"pages__range": "100, 200"}, {"pages": {"range": {"start": 100, "end": 200}}}),
    ({"pages__isnull": "True"}, {"pages": {"isNull": True}}),
    ({"published": "true"}, {"published": {"exact": True}}),
    ({"published": "FALSE"}, {"published": {"exact": False}}),
    ({"published": "1"}, {"published": {"exact": True}}),
    ({"published": "0"}, {"published": {"exact": False}}),
    ({"published": "Yes"}, {"published": {"exact": True}}),
    ({"published__exact": "no"}, {"published": {"exact": False}}),
    ({"published__in": "true,0"}, {"published": {"inList": [True, False]}}),
    ({"published__isnull": "no"}, {"published": {"isNull": False}}),
    ({"id": "3"}, {"id": {"exact": "3"}}),
    ({"id__exact": "03"}, {"id": {"exact": "3"}}),
    ({"id__in": "1,2"}, {"id": {"inList": ["1", "2"]}}),
    ({"id__isnull": "1"}, {"id": {"isNull": True}}),
    ({"created_at": "2024-01-02T03:04:05Z"}, {"createdAt": {"exact": "2024-01-02T03:04:05Z"}}),
    ({"created_at__gte": "2024-01-02T03:04:05+00:00"}, {"createdAt": {"gte": "2024-01-02T03:04:05+00:00"}}),
    # A naive datetime is read in the current time zone (UTC here), as Django would, minus its warning.
    ({"created_at__lt": "2024-01-02T03:04:05"}, {"createdAt": {"lt": "2024-01-02T03:04:05+00:00"}}),
    (
        {"created_at__range": "2024-01-01T00:00:00Z,2024-12-31T00:00:00Z"},
        {"createdAt": {"range": {"start": "2024-01-01T00:00:00Z", "end": "2024-12-31T00:00:00Z"}}},
    ),
    ({"created_at__year": "2024"}, {"createdAt": {"year": {"exact": 2024}}}),
    ({"created_at__year__gte": "2023"}, {"createdAt": {"year": {"gte": 2023}}}),
    ({"created_at__week_day__in": "1,7"}, {"createdAt": {"weekDay": {"inList": [1, 7]}}}),
    ({"created_at__date": "2024-01-02"}, {"createdAt": {"date": {"exact": "2024-01-02"}}}),
    ({"created_at__date__lt": "2024-01-02"}, {"createdAt": {"date": {"lt": "2024-01-02"}}}),
    ({"created_at__time__gt": "12:00"}, {"createdAt": {"time": {"gt": "12:00"}}}),
    ({"author": "3"}, {"author": {"pk": "3"}}),
    ({"author__exact": "3"}, {"author": {"pk": "3"}}),
    ({"author__in": "3"}, {"AND": {"author": {"pk": "3"}}}),
    ({"author__in": "1,2"}, {"AND": {"author": {"pk": "1"}, "OR": {"author": {"pk": "2"}}}}),
    ({"tags": "2"}, {"tags": {"pk": "2"}}),
    (
        {"tags__in": "1,2,3"},
        {"AND": {"tags": {"pk": "1"}, "OR": {"tags": {"pk": "2"}, "OR": {"tags": {"pk": "3"}}}}, "DISTINCT": True},
    ),
    (
        {"title__icontains": "a", "pages__gte": "10", "pages__lt": "300", "author": "1", "published": "true"},
        {
            "title": {"iContains": "a"},
            "pages": {"gte": 10, "lt": 300},
            "author": {"pk": "1"},
            "published": {"exact": True},
        },
    ),
]


def query_string(params: dict[str, Any]) -> str:
    return "&".join(f"{name}={value}" for name, value in params.items()) or "nothing"


@pytest.mark.parametrize(("params", "expected"), LOOKUPS, ids=[query_string(params) for params, _ in LOOKUPS])
def test_lookup_becomes_the_filter_input(params: dict[str, str], expected: dict[str, Any]) -> None:
    assert filters(BOOKS, **params) == expected


def test_several_relation_lists_chain_without_or_swallowing_the_rest() -> None:
    """``OR`` joins everything beside it: each list sits alone under ``AND``, the next under ``NOT: {NOT:}``."""
    value = filters(BOOKS, title="x", author__in="1,2", tags__in="3,4")
    assert value == {
        "title": {"exact": "x"},
        "AND": {"author": {"pk": "1"}, "OR": {"author": {"pk": "2"}}},
        "NOT": {"NOT": {"AND": {"tags": {"pk": "3"}, "OR": {"tags": {"pk": "4"}}}}},
        "DISTINCT": True,
    }
    assert filters(GADGETS, owner__in="1,2") == {"AND": {"owner": {"pk": "1"}, "OR": {"owner": {"pk": "2"}}}}


def test_repeated_parameter_last_value_wins() -> None:
    assert BOOKS.translate({"title": ["a", "b"], "tags__in": ["1", "2,3"]})["filters"] == {
        "title": {"exact": "b"},
        "AND": {"tags": {"pk": "2"}, "OR": {"tags": {"pk": "3"}}},
        "DISTINCT": True,
    }


def test_unknown_parameters_are_ignored() -> None:
    params = {
        "title__gt": ["x"], "published__gte": ["1"], "author__name": ["x"], "author__isnull": ["1"], "AND": ["1"],
        "DISTINCT": ["true"], "page": ["2"], "limit": ["10"], "search": ["y"], "format": ["json"], "title": [],
    }  # fmt: skip
    assert BOOKS.translate(params) == {"filters": None, "ordering": []}
    assert CURSOR.translate({"title": ["x"], "pages__gte": ["nope"]}) == {"ordering": []}
    assert GADGETS.translate({"parent__code": ["x"], "code__icontains": ["x"]}) == {"filters": None, "order": None}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"ratio__gte": "0.5"}, {"ratio": {"gte": 0.5}}),
        ({"ratio": "1e3"}, {"ratio": {"exact": 1000.0}}),
        ({"ratio__range": "0,1.5"}, {"ratio": {"range": {"start": 0.0, "end": 1.5}}}),
        ({"price__lt": "9.99"}, {"price": {"lt": "9.99"}}),
        ({"price__in": "1, 2.50"}, {"price": {"inList": ["1", "2.50"]}}),
        ({"size": "LARGE"}, {"size": {"exact": "LARGE"}}),
        ({"size": "s"}, {"size": {"exact": "SMALL"}}),  # by the stored value too
        ({"size__in": "l,SMALL"}, {"size": {"inList": ["LARGE", "SMALL"]}}),
        ({"token": str(TOKEN)}, {"token": {"exact": str(TOKEN)}}),
        ({"ref": "abc"}, {"ref": {"exact": "abc"}}),  # no model: a key is any string
        ({"legacy__range": "1,2"}, {"legacy": {"range": [1, 2]}}),
        ({"code": "x"}, {"code": "x"}),
        ({"code__exact": "x"}, {"code": "x"}),
        ({"day": "2024-02-29"}, {"day": "2024-02-29"}),
        ({"owner": "7"}, {"owner": {"pk": "7"}}),
    ],
)
def test_other_scalars_and_shapes(params: dict[str, str], expected: dict[str, Any]) -> None:
    assert filters(GADGETS, **params) == expected


# --- refusals --------------------------------------------------------------------------------------

REFUSALS = [
    (BOOKS, {"pages": "abc"}, "Enter a whole number."),
    (BOOKS, {"pages__gte": "12.5"}, "Enter a whole number."),
    (BOOKS, {"pages": "99999999999"}, "Ensure this value is less than or equal to 2147483647."),
    (BOOKS, {"pages__lt": "-99999999999"}, "Ensure this value is greater than or equal to -2147483648."),
    (BOOKS, {"pages__in": "1,x,y"}, "Enter a whole number."),
    (BOOKS, {"pages__in": " , "}, "Enter a list of values."),
    (BOOKS, {"pages__range": "1"}, "Range query expects two values."),
    (BOOKS, {"pages__range": "1,2,3"}, "Range query expects two values."),
    (BOOKS, {"pages__range": "1,"}, "Range query expects two values."),
    (BOOKS, {"pages__range": "1,x"}, "Enter a whole number."),
    (BOOKS, {"published": "maybe"}, "Select a valid choice."),
    (BOOKS, {"published": "on"}, "Select a valid choice."),
    (BOOKS, {"published__isnull": "2"}, "Select a valid choice."),
    (BOOKS, {"title": "a\x00b"}, "Null characters are not allowed."),
    (BOOKS, {"id": "abc"}, "Enter a whole number."),
    (BOOKS, {"id__in": "1,2.5"}, "Enter a whole number."),
    (BOOKS, {"author": "x"}, NOT_A_CHOICE),
    (BOOKS, {"tags": "1.5"}, NOT_A_CHOICE),
    (BOOKS, {"tags__in": "1,x"}, NOT_A_CHOICE),
    (BOOKS, {"created_at__gte": "yesterday"}, "Enter a valid date/time."),
    (BOOKS, {"created_at__date": "2024-13-01"}, "Enter a valid date."),
    (BOOKS, {"created_at__time": "25:00"}, "Enter a valid time."),
    (BOOKS, {"created_at__year": "MMXXIV"}, "Enter a whole number."),
    (GADGETS, {"ratio": "abc"}, "Enter a number."),
    (GADGETS, {"ratio": "nan"}, "Enter a number."),
    (GADGETS, {"ratio__lt": "inf"}, "Enter a number."),
    (GADGETS, {"price": "1,5"}, "Enter a number."),
    (GADGETS, {"price": "-Infinity"}, "Enter a number."),
    (GADGETS, {"ratio": "1e999"}, "Enter a number."),  # finite as a decimal, not as a float
    (GADGETS, {"size": "MEDIUM"}, "Select a valid choice. MEDIUM is not one of the available choices."),
    (GADGETS, {"token": "not-a-uuid"}, "Enter a valid UUID."),
    (GADGETS, {"day": "29/02/2024"}, "Enter a valid date."),
]


@pytest.mark.parametrize(("shape", "params", "message"), REFUSALS, ids=[query_string(p) for _, p, _ in REFUSALS])
def test_bad_values_are_refused_with_django_filter_messages(
    shape: FilterShape, params: dict[str, str], message: str
) -> None:
    assert refused(shape, **params) == {name: [message] for name in params}


def test_every_bad_parameter_is_reported_at_once_as_a_400() -> None:
    with pytest.raises(ValidationError) as info:
        BOOKS.translate({
            "pages__gte": ["x"], "title": ["ok"], "published": ["maybe"], "author": ["x"], "ordering": ["-nope,title"],
        })  # fmt: skip
    detail = {
        "pages__gte": ["Enter a whole number."],
        "published": ["Select a valid choice."],
        "author": [NOT_A_CHOICE],
        "ordering": ['Invalid ordering field "nope".'],
    }
    assert info.value.detail == detail
    assert exception_handler(info.value) == (400, [detail])


# --- ordering --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-pages,title", [{"pages": "DESC"}, {"title": "ASC"}]),
        ("title", [{"title": "ASC"}]),
        ("created_at", [{"createdAt": "ASC"}]),
        ("-published,-created_at,id", [{"published": "DESC"}, {"createdAt": "DESC"}, {"id": "ASC"}]),
        ("pages,-pages,title,pages", [{"pages": "ASC"}, {"title": "ASC"}]),  # the first mention decides
        (" -pages , ,title ", [{"pages": "DESC"}, {"title": "ASC"}]),
    ],
)
def test_ordering_becomes_a_list_of_one_field_inputs(ordering: str, expected: list[dict[str, str]]) -> None:
    value = BOOKS.translate({"ordering": [ordering]})["ordering"]
    assert value == expected
    assert coerce_input_value(value, QUERY["books"].args["ordering"].type) is not Undefined


def test_ordering_default_applies_when_the_param_is_absent() -> None:
    assert BOOKS.translate({})["ordering"] == []
    assert BOOKS.translate({}, default_ordering="-pages")["ordering"] == [{"pages": "DESC"}]
    assert BOOKS.translate({}, default_ordering=["title", "-id"])["ordering"] == [{"title": "ASC"}, {"id": "DESC"}]
    assert BOOKS.translate({"ordering": [" , "]}, default_ordering=("-id",))["ordering"] == [{"id": "DESC"}]
    assert BOOKS.translate({"ordering": ["title"]}, default_ordering="-id")["ordering"] == [{"title": "ASC"}]
    assert BOOKS.translate({"ordering": ["-id", "title"]})["ordering"] == [{"title": "ASC"}]  # the last one wins
    assert CURSOR.translate({}, default_ordering="-id") == {"ordering": [{"id": "DESC"}]}
    assert CURSOR.translate({"ordering": ["title,-id"]}, default_ordering="-id") == {
        "ordering": [{"title": "ASC"}, {"id": "DESC"}]
    }


@pytest.mark.parametrize(
    ("ordering", "messages"),
    [
        ("nope", ['Invalid ordering field "nope".']),
        ("-nope,title", ['Invalid ordering field "nope".']),
        ("author", ['Invalid ordering field "author".']),  # BookOrder has no relation
        ("createdAt", ['Invalid ordering field "createdAt".']),  # legacy names only
        ("--pages", ['Invalid ordering field "-pages".']),
        ("x,y,x", ['Invalid ordering field "x".', 'Invalid ordering field "y".']),
    ],
)
def test_invalid_ordering_names_the_param(ordering: str, messages: list[str]) -> None:
    assert refused(BOOKS, ordering=ordering) == {"ordering": messages}


def test_invalid_default_ordering_is_a_configuration_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="created"):
        BOOKS.translate({}, default_ordering="-created")
    assert BOOKS.translate({"ordering": ["title"]}, default_ordering="-created")["ordering"] == [{"title": "ASC"}]


def test_custom_ordering_param() -> None:
    shape = FilterShape.build(schema, QUERY["books"], ordering_param="sort")
    assert shape.translate({"sort": ["-pages"], "ordering": ["title"]})["ordering"] == [{"pages": "DESC"}]
    assert refused(shape, sort="nope") == {"sort": ['Invalid ordering field "nope".']}


def test_old_style_order_is_one_input_and_nested_orders_use_double_underscores() -> None:
    assert GADGETS.translate({}) == {"filters": None, "order": None}
    value = GADGETS.translate({"ordering": ["-ratio,owner__name"]})["order"]
    assert value == {"ratio": "DESC", "owner": {"name": "ASC"}}
    value = GADGETS.translate({"ordering": ["owner__name,-ratio"]})["order"]
    assert value == {"owner": {"name": "ASC"}, "ratio": "DESC"}
    # A cycle (GadgetOrder -> OwnerOrder -> GadgetOrder) is not followed back; a nested input is no field.
    assert GADGETS.orderings == {"ratio": ("ratio",), "owner__name": ("owner", "name")}
    for name in ("owner", "owner__best_gadget__ratio"):
        assert refused(GADGETS, ordering=name) == {"ordering": [f'Invalid ordering field "{name}".']}
    result = side_schema.execute_sync(
        "query($filters: GadgetFilter, $order: GadgetOrder) { gadgets(filters: $filters, order: $order) { id } }",
        variable_values=GADGETS.translate({"ordering": ["-ratio"], "ratio__gte": ["1"], "owner__in": ["1,2"]}),
    )
    assert result.errors is None


# --- against the database --------------------------------------------------------------------------

DOCUMENT = """
query ($filters: BookFilter, $ordering: [BookOrder!]!) {
  books(filters: $filters, ordering: $ordering, pagination: {limit: 100}) { totalCount results { id } }
}
"""


@pytest.fixture
def shelf(db: None) -> None:
    """Three authors, three tags and eight books with distinct pages, titles and creation times."""
    for pk, name in enumerate(("Le Guin", "Borges", "Calvino"), 1):
        Author.objects.create(pk=pk, name=name)
    for pk, name in enumerate(("fiction", "classic", "science"), 1):
        Tag.objects.create(pk=pk, name=name)
    rows = [
        ("Earthsea", 183, True, 1, [1, 2], "2023-01-15T10:00:00Z"),
        ("Ficciones", 174, False, 2, [2, 3], "2023-06-01T08:30:00Z"),
        ("Untagged", 1, False, 2, [], "2023-06-01T20:00:00Z"),
        ("The Dispossessed", 387, True, 1, [1, 3], "2024-02-29T12:00:00Z"),
        ("Invisible Cities", 165, True, 3, [1], "2024-07-04T09:15:00Z"),
        ("The Aleph", 146, False, 2, [1, 2, 3], "2022-12-31T23:59:59Z"),
        ("If on a winter's night", 260, True, 3, [2], "2025-03-01T00:00:00Z"),
        ("The Lathe of Heaven", 184, False, 1, [3], "2021-11-11T11:11:11Z"),
    ]
    for pk, (title, pages, published, author, tags, created) in enumerate(rows, 1):
        book = Book.objects.create(pk=pk, title=title, pages=pages, published=published, author_id=author)
        book.tags.set(tags)
        Book.objects.filter(pk=pk).update(created_at=datetime.datetime.fromisoformat(created))


def _at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


#: (query params, the equivalent ORM ``filter(**kwargs)``, ``order_by``); ``.distinct()`` with to-many lists.
AGAINST_ORM = [
    ({}, {}, ()),
    ({"title": "Earthsea"}, {"title": "Earthsea"}, ()),
    ({"title__iexact": "EARTHSEA"}, {"title__iexact": "EARTHSEA"}, ()),
    ({"title__contains": "the"}, {"title__contains": "the"}, ()),
    ({"title__icontains": "the"}, {"title__icontains": "the"}, ()),
    ({"title__startswith": "The"}, {"title__startswith": "The"}, ()),
    ({"title__istartswith": "the"}, {"title__istartswith": "the"}, ()),
    ({"title__endswith": "s"}, {"title__endswith": "s"}, ()),
    ({"title__iendswith": "S"}, {"title__iendswith": "S"}, ()),
    ({"title__in": "Earthsea,Ficciones,Nope"}, {"title__in": ["Earthsea", "Ficciones", "Nope"]}, ()),
    ({"pages": "183"}, {"pages": 183}, ()),
    ({"pages__gt": "180"}, {"pages__gt": 180}, ()),
    ({"pages__gte": "183"}, {"pages__gte": 183}, ()),
    ({"pages__lt": "170"}, {"pages__lt": 170}, ()),
    ({"pages__lte": "174"}, {"pages__lte": 174}, ()),
    ({"pages__in": "1,174,999"}, {"pages__in": [1, 174, 999]}, ()),
    ({"pages__range": "150,200"}, {"pages__range": (150, 200)}, ()),
    ({"pages__isnull": "false"}, {"pages__isnull": False}, ()),
    ({"published": "true"}, {"published": True}, ()),
    ({"published": "no"}, {"published": False}, ()),
    ({"published__in": "1,0"}, {"published__in": [True, False]}, ()),
    ({"id": "3"}, {"id": 3}, ()),
    ({"id__in": "1,4,6"}, {"id__in": [1, 4, 6]}, ()),
    ({"author": "1"}, {"author": 1}, ()),
    ({"author__exact": "2"}, {"author__exact": 2}, ()),
    ({"author__in": "1,3"}, {"author__in": [1, 3]}, ()),
    ({"author__in": "3"}, {"author__in": [3]}, ()),
    ({"tags": "1"}, {"tags": 1}, ()),
    ({"tags__in": "1,3"}, {"tags__in": [1, 3]}, ()),
    ({"tags__in": "2"}, {"tags__in": [2]}, ()),
    ({"created_at__year": "2023"}, {"created_at__year": 2023}, ()),
    ({"created_at__year__gte": "2024"}, {"created_at__year__gte": 2024}, ()),
    ({"created_at__gte": "2024-01-01T00:00:00Z"}, {"created_at__gte": _at("2024-01-01T00:00:00Z")}, ()),
    ({"created_at__lt": "2023-06-01T12:00:00+00:00"}, {"created_at__lt": _at("2023-06-01T12:00:00+00:00")}, ()),
    ({"created_at__date": "2023-06-01"}, {"created_at__date": datetime.date(2023, 6, 1)}, ()),
    ({"created_at__month__in": "1,6,7"}, {"created_at__month__in": [1, 6, 7]}, ()),
    (
        {"created_at__date__range": "2023-01-01,2023-12-31"},
        {"created_at__date__range": (datetime.date(2023, 1, 1), datetime.date(2023, 12, 31))},
        (),
    ),
    ({"author": "2", "tags": "3"}, {"author": 2, "tags": 3}, ()),
    ({"title__icontains": "the", "tags__in": "1,2"}, {"title__icontains": "the", "tags__in": [1, 2]}, ()),
    ({"author__in": "1,2", "tags__in": "1,3"}, {"author__in": [1, 2], "tags__in": [1, 3]}, ()),
    (
        {"pages__gte": "150", "published": "true", "author__in": "1,3"},
        {"pages__gte": 150, "published": True, "author__in": [1, 3]},
        (),
    ),
    ({"ordering": "-pages"}, {}, ("-pages",)),
    ({"ordering": "title"}, {}, ("title",)),
    ({"ordering": "-published,title"}, {}, ("-published", "title")),
    ({"ordering": "created_at"}, {}, ("created_at",)),
    ({"ordering": "-created_at,-id"}, {}, ("-created_at", "-id")),
    ({"tags__in": "1,2", "ordering": "-pages"}, {"tags__in": [1, 2]}, ("-pages",)),
    (
        {"published": "false", "author__in": "1,2", "ordering": "published,-title"},
        {"published": False, "author__in": [1, 2]},
        ("-title",),
    ),
]


@pytest.mark.parametrize(("params", "kwargs", "order"), AGAINST_ORM, ids=[query_string(p) for p, _, _ in AGAINST_ORM])
def test_translated_variables_select_what_the_orm_selects(
    shelf: None, params: dict[str, str], kwargs: dict[str, Any], order: tuple[str, ...]
) -> None:
    variables = BOOKS.translate({name: [raw] for name, raw in params.items()})
    result = schema.execute_sync(DOCUMENT, variable_values=variables)
    assert result.errors is None, result.errors
    queryset = Book.objects.filter(**kwargs)
    if any("tags" in name for name in kwargs):
        queryset = queryset.distinct()
    expected = list((queryset.order_by(*order) if order else queryset).values_list("id", flat=True))
    assert expected  # every case selects something: an empty match would prove nothing
    assert [int(row["id"]) for row in result.data["books"]["results"]] == expected
    assert result.data["books"]["totalCount"] == len(expected)


# --- regular expressions ---------------------------------------------------------------------------


def test_regex_lookups_only_where_the_route_opts_in() -> None:
    assert filters(REGEX_BOOKS, title__regex="^E") == {"title": {"regex": "^E"}}
    assert filters(REGEX_BOOKS, title__iregex="^e") == {"title": {"iRegex": "^e"}}
    with pytest.raises(ValidationError) as refused:
        NO_REGEX_BOOKS.translate({"title__regex": ["^E"], "title__iregex": ["(.*)*x"], "title": ["x"]})
    assert exception_handler(refused.value) == (400, [{"title__regex": [REGEX_REFUSED], "title__iregex": [REGEX_REFUSED]}])
    # Refused before the pattern is even read: a bad one gets the same answer.
    with pytest.raises(ValidationError, match="not allowed"):
        NO_REGEX_BOOKS.translate({"title__regex": ["("]})


def test_allowed_regex_selects_what_the_orm_selects(shelf: None) -> None:
    variables = REGEX_BOOKS.translate({"title__regex": ["^[EF]"]})
    result = regex_schema.execute_sync(
        "query ($filters: RegexBookFilter) { books(filters: $filters) { id } }", variable_values=variables
    )
    assert result.errors is None, result.errors
    expected = list(Book.objects.filter(title__regex="^[EF]").values_list("id", flat=True))
    assert len(expected) == 2
    assert [int(row["id"]) for row in result.data["books"]] == expected


def test_invalid_allowed_regex_is_refused_before_the_query() -> None:
    with pytest.raises(ValidationError) as refused:
        REGEX_BOOKS.translate({"title__regex": ["("], "title__iregex": ["[a-"]})
    invalid = ["Enter a valid regular expression."]
    assert exception_handler(refused.value) == (400, [{"title__regex": invalid, "title__iregex": invalid}])
