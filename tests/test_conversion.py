"""``conversion``: which arguments are converted by a plan, and that the plan converts exactly as Strawberry's
``convert_arguments`` does, on Hypothesis values (keys left out, nulls, unicode)."""

from __future__ import annotations

import datetime
import decimal
from enum import Enum
from typing import Any

import strawberry
from hypothesis import given
from hypothesis import strategies as st
from strawberry import relay
from strawberry.types.arguments import convert_arguments
from strawberry.types.maybe import Maybe

from gql_channels.conversion import ArgumentConversion, plan_conversion
from schema import schema as example_schema


@strawberry.enum
class Colour(Enum):
    RED = "red"


@strawberry.input
class Flat:
    name: str
    alias: str | None  # no default: Strawberry sets None when a value leaves it out
    nick_name: str | None = None
    age: int | None = strawberry.UNSET
    born: datetime.date | None = strawberry.UNSET
    price: decimal.Decimal | None = strawberry.UNSET
    key: strawberry.ID | None = strawberry.UNSET


@strawberry.input
class Inner:
    name: str


@strawberry.input
class Nested:
    inner: Inner


@strawberry.input
class Coloured:
    colour: Colour


@strawberry.input
class Listed:
    names: list[str]


@strawberry.input
class Noded:
    node: relay.GlobalID


@strawberry.input
class Maybes:
    name: Maybe[str]


@strawberry.input
class Hooked:
    name: str


Hooked.__strawberry_definition__.from_input = lambda cls, value, context: cls(**value)  # type: ignore[attr-defined]


@strawberry.type
class Query:
    @strawberry.field
    def flat(self, data: Flat, other: Flat | None = None, limit: int = 3, label: str | None = None) -> str:
        return ""

    @strawberry.field
    def nested(self, data: Nested) -> str:
        return ""

    @strawberry.field
    def coloured(self, data: Coloured) -> str:
        return ""

    @strawberry.field
    def listed(self, data: Listed) -> str:
        return ""

    @strawberry.field
    def noded(self, data: Noded) -> str:
        return ""

    @strawberry.field
    def maybes(self, data: Maybes) -> str:
        return ""

    @strawberry.field
    def hooked(self, data: Hooked) -> str:
        return ""

    @strawberry.field
    def node_argument(self, node: relay.GlobalID) -> str:
        return ""

    @strawberry.field
    def with_flat_and_nested(self, flat: Flat, nested: Nested) -> str:
        return ""


schema = strawberry.Schema(query=Query)


def conversion_of(field: str, on: Any = schema) -> ArgumentConversion:
    definition = on.get_type_by_name("Query" if on is schema else "Mutation")
    return plan_conversion(on, definition.get_field(field).arguments)


def test_what_is_converted_by_a_plan() -> None:
    assert conversion_of("flat").flat is not None
    for field in ("nested", "coloured", "listed", "noded", "maybes", "hooked", "node_argument", "with_flat_and_nested"):
        assert conversion_of(field).flat is None, field  # Strawberry converts (decodes, wraps, builds) these
    # The example's writes: articles' inputs are flat; a book's relations are input objects of their own.
    assert conversion_of("create_article", example_schema).flat is not None
    assert conversion_of("update_article", example_schema).flat is not None
    assert conversion_of("create_book", example_schema).flat is None


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=10)
flat_values = st.fixed_dictionaries(
    {"name": texts},
    optional={
        "alias": st.none() | texts,
        "nickName": st.none() | texts,
        "age": st.none() | st.integers(-(2**31), 2**31 - 1),
        "born": st.none() | st.dates(),
        "price": st.none() | st.decimals(allow_nan=False, allow_infinity=False),
        "key": st.none() | texts,
    },
)


@given(
    data=flat_values,
    other=st.none() | flat_values,
    leave_other=st.booleans(),
    limit=st.integers(),
    label=st.none() | texts,
)
def test_a_plan_converts_as_strawberry_converts(
    data: dict[str, Any], other: dict[str, Any] | None, leave_other: bool, limit: int, label: str | None
) -> None:
    values: dict[str, Any] = {"data": data, "limit": limit, "label": label}
    if not leave_other:
        values["other"] = other
    conversion = conversion_of("flat")
    planned = conversion.convert(schema, values, None)  # type: ignore[arg-type]  # no hook reads it
    converted = convert_arguments(
        values, list(conversion.arguments), scalar_registry=schema.schema_converter.scalar_registry, config=schema.config
    )
    assert planned == converted
    assert [type(value) for value in planned.values()] == [type(value) for value in converted.values()]
    assert vars(planned["data"]) == vars(converted["data"])  # UNSET where the value leaves a field out
