"""Legacy ``data`` -> strawberry-django input values, coerced and refused like DRF's ModelSerializer."""

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
from django.db import models
from django.test.utils import isolate_apps
from strawberry import auto
from strawberry.scalars import JSON
from strawberry_django.fields.types import OneToOneInput

from example_project.demo.models import Book
from gql_channels.exceptions import ValidationError, exception_handler
from gql_channels.inputs import InputShape
from gql_channels.protocol import MISSING
from schema import schema

# Models the demo lacks (blank=False M2M, nullable FK and boolean, a string pk), kept out of the app registry.
with isolate_apps("example_project.demo"):

    class Pin(models.Model):
        class Meta:
            app_label = "demo"

    class Code(models.Model):
        code = models.CharField(primary_key=True, max_length=5)

        class Meta:
            app_label = "demo"

    class Shelf(models.Model):
        label = models.CharField(max_length=10)
        note = models.CharField(max_length=10, blank=True, null=True)
        flag = models.BooleanField(null=True)
        stamp = models.DateTimeField(auto_now=True)
        pins = models.ManyToManyField(Pin)
        owner = models.ForeignKey(Pin, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
        code = models.ForeignKey(Code, null=True, blank=True, on_delete=models.SET_NULL)

        class Meta:
            app_label = "demo"


@strawberry_django.input(Shelf)
class ShelfInput:
    id: auto
    label: auto
    note: auto
    flag: auto
    stamp: auto
    pins: auto
    owner: auto
    code: auto


@strawberry.enum
class Color(enum.Enum):
    RED = "red"
    DARK_BLUE = "dark-blue"


@strawberry.input
class Size:
    width: int
    height: int


@strawberry.input
class Gadget:
    """No model: only GraphQL nullability decides, and types DRF had no field for are judged by graphql-core."""

    created_at: datetime.datetime
    name: str | None = strawberry.UNSET
    ref: strawberry.ID | None = strawberry.UNSET
    weight: float | None = strawberry.UNSET
    price: decimal.Decimal | None = strawberry.UNSET
    day: datetime.date | None = strawberry.UNSET
    at: datetime.time | None = strawberry.UNSET
    token: uuid.UUID | None = strawberry.UNSET
    color: Color | None = strawberry.UNSET
    extra: JSON | None = strawberry.UNSET
    labels: list[str] | None = strawberry.UNSET
    size: Size | None = strawberry.UNSET
    partner: OneToOneInput | None = strawberry.UNSET


@strawberry.type
class Query:
    @strawberry.field
    def gadget(self, data: Gadget) -> int:
        return 0

    @strawberry.field
    def shelf(self, data: ShelfInput) -> int:
        return 0


side_schema = strawberry.Schema(Query)

BOOK = InputShape.build(schema, schema._schema.get_type("BookInput"), model=Book)
BOOK_PARTIAL = InputShape.build(schema, schema._schema.get_type("BookPartial"), model=Book, required=BOOK.required)
SHELF = InputShape.build(side_schema, side_schema._schema.get_type("ShelfInput"), model=Shelf)
GADGET = InputShape.build(side_schema, side_schema._schema.get_type("Gadget"), model=None)

DATETIME_FORMAT = (
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)


def one(shape: InputShape, name: str, value: Any) -> Any:
    """Translate a partial write of one legacy field; return its GraphQL value (None when omitted)."""
    result = shape.translate({name: value}, partial=True)
    assert json.loads(json.dumps(result)) == result  # always usable as a variable value
    return next(iter(result.values()), None)


def refused(shape: InputShape, data: Any, *, partial: bool = True) -> Any:
    with pytest.raises(ValidationError) as info:
        shape.translate(data, partial=partial)
    return info.value.detail


# --- the whole message ----------------------------------------------------------------------------


def test_legacy_create_becomes_book_input() -> None:
    data = {"title": "X", "pages": "12", "author": 3, "tags": [1, 2], "published": "yes"}
    assert BOOK.translate(data, partial=False) == {
        "title": "X",
        "pages": 12,
        "published": True,
        "author": {"set": "3"},
        "tags": {"set": ["1", "2"]},
    }


@pytest.mark.parametrize("data", [MISSING, None])
def test_no_data(data: Any) -> None:
    assert refused(BOOK, data, partial=False) == {"non_field_errors": ["No data provided"]}
    assert refused(BOOK_PARTIAL, data) == {"non_field_errors": ["No data provided"]}


@pytest.mark.parametrize(
    ("data", "kind"), [([], "list"), ([{"title": "X"}], "list"), ("x", "str"), (3, "int"), (True, "bool"), (1.5, "float")]
)
def test_data_not_a_dict(data: Any, kind: str) -> None:
    message = f"Invalid data. Expected a dictionary, but got {kind}."
    assert refused(BOOK, data, partial=False) == {"non_field_errors": [message]}


def test_validation_error_renders_as_one_dict() -> None:
    with pytest.raises(ValidationError) as info:
        BOOK.translate({}, partial=False)
    assert exception_handler(info.value) == (
        400,
        [{"title": ["This field is required."], "author": ["This field is required."]}],
    )


def test_all_field_errors_collected_in_input_order() -> None:
    data = {"tags": "1", "author": True, "published": "maybe", "pages": 12.5, "title": ""}
    assert refused(BOOK, data, partial=False) == {
        "title": ["This field may not be blank."],
        "pages": ["A valid integer is required."],
        "published": ["Must be a valid boolean."],
        "author": ["Incorrect type. Expected pk value, received bool."],
        "tags": ['Expected a list of items but got type "str".'],
    }
    assert list(refused(BOOK, data, partial=False)) == ["title", "pages", "published", "author", "tags"]


def test_missing_and_invalid_fields_reported_together() -> None:
    assert refused(BOOK, {"pages": "x"}, partial=False) == {
        "title": ["This field is required."],
        "pages": ["A valid integer is required."],
        "author": ["This field is required."],
    }


def test_unknown_keys_id_and_pk_are_ignored() -> None:
    data = {"id": 9, "pk": 9, "bogus": 1, "createdAt": "x", "author_id": "x", "title": "T", "author": 1}
    assert BOOK.translate(data, partial=False) == {"title": "T", "author": {"set": "1"}}
    assert BOOK_PARTIAL.translate({"id": "garbage", "pk": [], "pages": 2}, partial=True) == {"pages": 2}


def test_non_editable_model_fields_are_read_only() -> None:
    assert SHELF.translate({"label": "L", "stamp": "not a date", "id": True}, partial=True) == {"label": "L"}


# --- required and partial --------------------------------------------------------------------------


def test_required_defaults_to_non_null_fields_and_those_model_serializer_required() -> None:
    assert BOOK.required == {"title", "author"}
    assert SHELF.required == {"label", "pins"}  # a many-to-many without blank=True: required by DRF too
    assert GADGET.required == {"created_at"}
    # A partial input: every field optional in GraphQL, the model still says what a full write needs.
    assert InputShape.build(schema, schema._schema.get_type("BookPartial"), model=Book).required == {"title", "author"}


def test_full_update_needs_the_create_fields_partial_does_not() -> None:
    assert BOOK_PARTIAL.required == {"title", "author"}
    assert refused(BOOK_PARTIAL, {"pages": 3}, partial=False) == {
        "title": ["This field is required."],
        "author": ["This field is required."],
    }
    assert BOOK_PARTIAL.translate({"pages": 3}, partial=True) == {"pages": 3}
    assert BOOK_PARTIAL.translate({}, partial=True) == {}
    assert BOOK_PARTIAL.translate({"title": "T", "author": "2"}, partial=False) == {
        "title": "T",
        "author": {"set": "2"},
    }


def test_partial_still_validates_what_is_sent() -> None:
    assert refused(BOOK_PARTIAL, {"title": " ", "author": None}) == {
        "title": ["This field may not be blank."],
        "author": ["This field may not be null."],
    }


def test_explicit_required_set() -> None:
    shape = InputShape.build(schema, schema._schema.get_type("BookInput"), model=Book, required=["pages"])
    assert shape.required == {"pages"}
    assert refused(shape, {}, partial=False) == {"pages": ["This field is required."]}


@pytest.mark.parametrize(
    ("type_name", "required", "named"),
    [("BookPartial", ["title", "nope"], "'nope'"), ("BookPartial", ["id"], "'id'"), ("BookInput", ["author_id"], "'author_id'")],
)
def test_required_names_must_be_writable_input_fields(type_name: str, required: list[str], named: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=named):
        InputShape.build(schema, schema._schema.get_type(type_name), model=Book, required=required)


def test_input_type_must_belong_to_the_schema() -> None:
    with pytest.raises(ImproperlyConfigured, match="Gadget"):
        InputShape.build(schema, side_schema._schema.get_type("Gadget"), model=None)


# --- scalars ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12, 12), ("12", 12), (12.0, 12), ("12.0", 12), ("12.", 12), ("12.000 ", 12), (" 12 ", 12),
     (0, 0), ("0", 0), (2**31 - 1, 2**31 - 1)],
)
def test_integer_accepted(value: Any, expected: int) -> None:
    assert one(BOOK_PARTIAL, "pages", value) == expected
    assert type(one(BOOK_PARTIAL, "pages", value)) is int


def test_a_positive_integer_field_refuses_negatives_as_drf_did() -> None:
    with pytest.raises(ValidationError) as caught:
        BOOK_PARTIAL.translate({"pages": "-3"}, partial=True)
    assert caught.value.detail == {"pages": ["Ensure this value is greater than or equal to 0."]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (12.5, "A valid integer is required."),
        ("12.5", "A valid integer is required."),
        ("abc", "A valid integer is required."),
        ("", "A valid integer is required."),
        ("1e3", "A valid integer is required."),
        (1e20, "A valid integer is required."),
        (True, "A valid integer is required."),
        (False, "A valid integer is required."),
        ([1], "A valid integer is required."),
        ({}, "A valid integer is required."),
        ("1" * 1001, "String value too large."),
        (2**31, "Ensure this value is less than or equal to 2147483647."),
        (-(2**31) - 1, "Ensure this value is greater than or equal to 0."),  # a PositiveIntegerField's min_value
        (None, "This field may not be null."),
    ],
)
def test_integer_refused(value: Any, message: str) -> None:
    assert refused(BOOK_PARTIAL, {"pages": value}) == {"pages": [message]}


@pytest.mark.parametrize(
    ("value", "expected"), [("X", "X"), ("  padded  ", "padded"), (12, "12"), (1.5, "1.5"), (0, "0"), ("été", "été")]
)
def test_string_accepted(value: Any, expected: str) -> None:
    assert one(BOOK_PARTIAL, "title", value) == expected


@pytest.mark.parametrize(
    ("value", "messages"),
    [
        (True, ["Not a valid string."]),
        (False, ["Not a valid string."]),
        ([], ["Not a valid string."]),
        (["a"], ["Not a valid string."]),
        ({"a": 1}, ["Not a valid string."]),
        ("", ["This field may not be blank."]),
        ("   ", ["This field may not be blank."]),
        (None, ["This field may not be null."]),
        ("a\x00b", ["Null characters are not allowed."]),
        ("a\ud800b", ["Surrogate characters are not allowed: U+D800."]),
        ("\x00\udfff", ["Null characters are not allowed.", "Surrogate characters are not allowed: U+DFFF."]),
    ],
)
def test_string_refused(value: Any, messages: list[str]) -> None:
    assert refused(BOOK_PARTIAL, {"title": value}) == {"title": messages}


@pytest.mark.parametrize(("value", "expected"), [("", ""), ("  ", ""), (None, None), (" n ", "n")])
def test_string_blank_and_null_allowed_by_the_model(value: Any, expected: Any) -> None:
    assert one(SHELF, "note", value) == expected


def test_string_without_model_field_may_be_blank_but_not_null_when_non_null() -> None:
    assert one(GADGET, "name", "") == ""
    assert one(GADGET, "name", None) is None
    assert refused(GADGET, {"created_at": None}) == {"created_at": ["This field may not be null."]}


TRUE_VALUES = ["t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1", 1, 1.0, True]
FALSE_VALUES = ["f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0", 0, 0.0, False]


@pytest.mark.parametrize("value", TRUE_VALUES)
def test_boolean_true(value: Any) -> None:
    assert one(BOOK_PARTIAL, "published", value) is True


@pytest.mark.parametrize("value", FALSE_VALUES)
def test_boolean_false(value: Any) -> None:
    assert one(BOOK_PARTIAL, "published", value) is False


@pytest.mark.parametrize("value", ["maybe", "TrUe", 2, -1, 0.5, "", "null", [], [True], {}])
def test_boolean_refused(value: Any) -> None:
    assert refused(BOOK_PARTIAL, {"published": value}) == {"published": ["Must be a valid boolean."]}
    assert refused(BOOK_PARTIAL, {"published": None}) == {"published": ["This field may not be null."]}


@pytest.mark.parametrize("value", ["null", "Null", "NULL", "", None])
def test_nullable_boolean_reads_null_strings(value: Any) -> None:
    assert one(SHELF, "flag", value) is None
    assert one(SHELF, "flag", "on") is True


@pytest.mark.parametrize(("value", "expected"), [(1.5, 1.5), ("1.5", 1.5), (" 2 ", 2.0), (2, 2.0), (True, 1.0), ("1e3", 1000.0)])
def test_float_accepted(value: Any, expected: float) -> None:
    assert one(GADGET, "weight", value) == expected
    assert type(one(GADGET, "weight", value)) is float


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "A valid number is required."),
        ("", "A valid number is required."),
        ([1], "A valid number is required."),
        ({}, "A valid number is required."),
        ("nan", "A valid number is required."),
        ("inf", "A valid number is required."),
        ("-Infinity", "A valid number is required."),
        (10**400, "Integer value too large to convert to float"),
        ("1" * 1001, "String value too large."),
    ],
)
def test_float_refused(value: Any, message: str) -> None:
    assert refused(GADGET, {"weight": value}) == {"weight": [message]}


@pytest.mark.parametrize(
    ("value", "expected"), [("12.50", "12.50"), (12.5, "12.5"), (3, "3"), (" 1.0 ", "1.0"), ("-0.001", "-0.001")]
)
def test_decimal_accepted_as_string(value: Any, expected: str) -> None:
    assert one(GADGET, "price", value) == expected


@pytest.mark.parametrize("value", ["abc", "", True, "NaN", "Infinity", "-inf", [1], {}])
def test_decimal_refused(value: Any) -> None:
    assert refused(GADGET, {"price": value}) == {"price": ["A valid number is required."]}
    assert refused(GADGET, {"price": "1" * 1001}) == {"price": ["String value too large."]}


@pytest.mark.parametrize(("value", "expected"), [("abc", "abc"), (5, "5"), (5.0, "5"), ("", "")])
def test_id_scalar_accepted(value: Any, expected: str) -> None:
    assert one(GADGET, "ref", value) == expected


@pytest.mark.parametrize(("value", "kind"), [(True, "bool"), (5.5, "float"), ([], "list"), ({}, "dict")])
def test_id_scalar_refused(value: Any, kind: str) -> None:
    assert refused(GADGET, {"ref": value}) == {"ref": [f"Incorrect type. Expected pk value, received {kind}."]}


# --- relations -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [(3, "3"), ("3", "3"), (3.0, "3"), (" 3 ", "3"), (0, "0"), (3.5, "3")]  # DRF: 3.5 is pk 3
)
def test_foreign_key_accepted(value: Any, expected: str) -> None:
    assert one(BOOK_PARTIAL, "author", value) == {"set": expected}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "Incorrect type. Expected pk value, received bool."),
        ({"id": 3}, "Incorrect type. Expected pk value, received dict."),
        ([3], "Incorrect type. Expected pk value, received list."),
        ("abc", "Incorrect type. Expected pk value, received str."),
        ("3.0", "Incorrect type. Expected pk value, received str."),
        (None, "This field may not be null."),
        ("", "This field may not be null."),
    ],
)
def test_foreign_key_refused(value: Any, message: str) -> None:
    assert refused(BOOK_PARTIAL, {"author": value}) == {"author": [message]}
    assert refused(BOOK, {"title": "T", "author": value}, partial=False) == {"author": [message]}


@pytest.mark.parametrize("value", [None, ""])
def test_nullable_foreign_key_can_be_cleared(value: Any) -> None:
    assert one(SHELF, "owner", value) == {"set": None}


def test_foreign_key_to_a_string_pk_keeps_the_string() -> None:
    assert one(SHELF, "code", "abc") == {"set": "abc"}
    assert one(SHELF, "code", 7) == {"set": "7"}


@pytest.mark.parametrize(("value", "expected"), [(3, {"set": "3"}), ("x", {"set": "x"}), (None, {"set": None})])
def test_one_to_one_input(value: Any, expected: Any) -> None:
    assert one(GADGET, "partner", value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([1, "2", 3.0], ["1", "2", "3"]),
        ([], []),
        (["7"], ["7"]),
        ([" 4"], ["4"]),
        # Each key costs the mutation several queries: a repeated key is sent once, in first-seen order.
        ([2, 1, "2", 2.0, " 1", 3], ["2", "1", "3"]),
        # DRF looked a key up as sent: Django's integer lookups read 2.5 as 2.
        ([2.5, 1.9], ["2", "1"]),
        ([1] * 100, ["1"]),
    ],
)
def test_many_to_many_accepted(value: Any, expected: list[str]) -> None:
    assert one(BOOK_PARTIAL, "tags", value) == {"set": expected}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1", 'Expected a list of items but got type "str".'),
        (1, 'Expected a list of items but got type "int".'),
        ({"1": 1}, 'Expected a list of items but got type "dict".'),
        (True, 'Expected a list of items but got type "bool".'),
        ("", 'Expected a list of items but got type "str".'),
        ([True], "Incorrect type. Expected pk value, received bool."),
        ([1, {}], "Incorrect type. Expected pk value, received dict."),
        ([[1]], "Incorrect type. Expected pk value, received list."),
        (["abc"], "Incorrect type. Expected pk value, received str."),
        ([None], 'Invalid pk "None" - object does not exist.'),
        (None, "This field may not be null."),
    ],
)
def test_many_to_many_refused(value: Any, message: str) -> None:
    assert refused(BOOK_PARTIAL, {"tags": value}) == {"tags": [message]}


def test_many_to_many_lists_are_capped(settings) -> None:
    """``[1] * 1200`` held the database thread for seconds: past ``MAX_RELATED_KEYS`` (100) it is a 400."""
    message = "Ensure this field has no more than 100 elements."
    assert refused(BOOK_PARTIAL, {"tags": [1] * 1200}) == {"tags": [message]}
    assert refused(BOOK_PARTIAL, {"tags": list(range(1, 102))}) == {"tags": [message]}
    assert one(BOOK_PARTIAL, "tags", list(range(1, 101))) == {"set": [str(n) for n in range(1, 101)]}
    settings.GQL_CHANNELS = {"MAX_RELATED_KEYS": 2}  # read on every message
    assert refused(BOOK_PARTIAL, {"tags": [1, 2, 3]}) == {"tags": ["Ensure this field has no more than 2 elements."]}


def test_required_many_to_many_may_not_be_empty() -> None:
    assert refused(SHELF, {"pins": []}) == {"pins": ["This list may not be empty."]}
    assert one(SHELF, "pins", [1]) == {"set": ["1"]}


# --- types judged by graphql-core, passed through unchanged ----------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("created_at", "2024-01-02T03:04:05Z"),
        ("created_at", "2024-01-02T03:04:05.123456+02:00"),
        ("day", "2024-01-02"),
        ("at", "10:30"),
        ("token", "12345678-1234-5678-1234-567812345678"),
        ("extra", {"a": [1, None, "x"]}),
        ("extra", [1, 2]),
        ("labels", ["a", "b"]),
        ("size", {"width": 1, "height": 2}),
    ],
)
def test_other_types_pass_through(name: str, value: Any) -> None:
    assert one(GADGET, name, value) == value


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("created_at", "yesterday", DATETIME_FORMAT),
        ("created_at", 12, DATETIME_FORMAT),
        ("day", "2024-13-01", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."),
        ("at", "25:00", "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."),
        ("token", "xyz", "Must be a valid UUID."),
        ("labels", [1], "Invalid value."),
        ("labels", {"a": 1}, "Invalid value."),
        ("size", {"width": "x", "height": 2}, "Invalid value."),
        ("size", {"width": 1}, "Invalid value."),
        ("size", "big", "Invalid value."),
    ],
)
def test_other_types_refused(name: str, value: Any, message: str) -> None:
    assert refused(GADGET, {name: value}) == {name: [message]}


@pytest.mark.parametrize(("value", "expected"), [("red", "RED"), ("RED", "RED"), ("dark-blue", "DARK_BLUE"), ("DARK_BLUE", "DARK_BLUE")])
def test_enum_takes_the_choice_value_or_name(value: str, expected: str) -> None:
    assert one(GADGET, "color", value) == expected


@pytest.mark.parametrize(("value", "message"), [("green", '"green" is not a valid choice.'), ([], '"[]" is not a valid choice.')])
def test_enum_refused(value: Any, message: str) -> None:
    assert refused(GADGET, {"color": value}) == {"color": [message]}


# --- names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "graphql_name", "legacy"),
    [
        (GADGET, "createdAt", "created_at"),
        (GADGET, "partner", "partner"),
        (BOOK, "author", "author"),
        (BOOK, "title", "title"),
        (BOOK, "createdAt", "created_at"),  # a model field outside the input (full_clean may name it)
        (SHELF, "stamp", "stamp"),
        (BOOK, "unknownField", "unknownField"),
    ],
)
def test_legacy_name(shape: InputShape, graphql_name: str, legacy: str) -> None:
    assert shape.legacy_name(graphql_name) == legacy


def test_translation_is_keyed_by_graphql_names() -> None:
    assert GADGET.translate({"created_at": "2024-01-02T03:04:05Z", "createdAt": "ignored"}, partial=False) == {
        "createdAt": "2024-01-02T03:04:05Z"
    }
    assert refused(GADGET, {}, partial=False) == {"created_at": ["This field is required."]}
