"""DRF's ``to_internal_value``, one coercer per model field kind (its validators: ``validators``).

A legacy write's value is parsed the way ``ModelSerializer(fields="__all__")``'s field for that model
field parsed it (``"2024-1-5"`` is a date, ``"9:30"`` a time, a UUID may be an int, a naive datetime is
in the current time zone), checked by the validators DRF gave that field (the model's own, with DRF's
wording where DRF replaced them: lengths, ranges, decimal digits, slugs), and only then encoded as the
GraphQL input type wants it. Every check is local: none costs a query. Fields without a model field
(plain Strawberry inputs) are coerced by their GraphQL type alone.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import uuid
from collections.abc import Callable, Sequence
from contextlib import suppress
from decimal import Decimal, DecimalException, InvalidOperation
from enum import Enum
from functools import partial as bind
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_duration, parse_time
from django.utils.duration import duration_iso_string, duration_string
from graphql import GraphQLEnumType, GraphQLError, GraphQLInputType, GraphQLScalarType, Undefined
from graphql.utilities import coerce_input_value

from .validators import Invalid, drf_validators, text_checks, validated

_Parsed = TypeVar("_Parsed")

Coercer = Callable[[Any], Any]

#: GraphQL ``Int`` is 32-bit: larger values are refused per field, not per operation.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
_MAX_STRING_LENGTH = 1000  # DRF's guard against huge numeric strings
#: DRF and Django integer fields: "12.0" is an integer, "12.5" is not.
INT_TAIL = re.compile(r"\.0*\s*$")
_TRUE = {"t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1", 1}
_FALSE = {"f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0", 0}
_NULLS = {"null", "Null", "NULL", ""}
_DATETIME_FORMAT = "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]"
_SCALAR_MESSAGES = {
    "DateTime": f"Datetime has wrong format. Use one of these formats instead: {_DATETIME_FORMAT}.",
    "Date": "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
    "Time": "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]].",
    "UUID": "Must be a valid UUID.",
}
_DURATION_MESSAGE = "Duration has wrong format. Use one of these formats instead: [DD] [HH:[MM:]]ss[.uuuuuu]."


def accepts(type_: GraphQLInputType, value: Any) -> bool:
    """Whether graphql-core would take ``value`` for ``type_`` (3.2 raises where 3.3 returns ``Undefined``)."""
    try:
        return coerce_input_value(value, type_) is not Undefined
    except GraphQLError:
        return False


# --- DRF's to_internal_value, by serializer field class ---------------------------------------------


def integer(value: Any) -> int:
    """DRF ``IntegerField`` (its range is the validators', then GraphQL's: ``int32``)."""
    if isinstance(value, str) and len(value) > _MAX_STRING_LENGTH:
        raise Invalid("String value too large.")
    try:
        return int(INT_TAIL.sub("", str(value)))
    except ValueError:
        raise Invalid("A valid integer is required.") from None


def int32(number: int) -> int:
    """Beyond GraphQL's 32-bit ``Int``: refused per field, in DRF's words, not for the whole operation."""
    if number > INT_MAX:
        raise Invalid(f"Ensure this value is less than or equal to {INT_MAX}.")
    if number < INT_MIN:
        raise Invalid(f"Ensure this value is greater than or equal to {INT_MIN}.")
    return number


def floating(value: Any) -> float:
    """DRF ``FloatField`` (GraphQL ``Float`` cannot carry NaN or infinities either)."""
    if isinstance(value, str) and len(value) > _MAX_STRING_LENGTH:
        raise Invalid("String value too large.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Invalid("A valid number is required.") from None
    except OverflowError:
        raise Invalid("Integer value too large to convert to float") from None
    if not math.isfinite(number):
        raise Invalid("A valid number is required.")
    return number


def decimal(max_digits: int | None, decimal_places: int | None, value: Any) -> Decimal:
    """DRF ``DecimalField``: a number sent as text or as a float, its digits checked, then quantized."""
    text = str(value).strip()
    if len(text) > _MAX_STRING_LENGTH:
        raise Invalid("String value too large.")
    try:
        number = Decimal(text)
    except DecimalException:
        raise Invalid("A valid number is required.") from None
    if not number.is_finite():
        raise Invalid("A valid number is required.")
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite
    if exponent >= 0:
        total, whole, places = len(digits) + exponent, len(digits) + exponent, 0
    elif len(digits) > -exponent:
        total, whole, places = len(digits), len(digits) + exponent, -exponent
    else:
        total, whole, places = -exponent, 0, -exponent
    if max_digits is not None and total > max_digits:
        raise Invalid(f"Ensure that there are no more than {max_digits} digits in total.")
    if decimal_places is not None and places > decimal_places:
        raise Invalid(f"Ensure that there are no more than {decimal_places} decimal places.")
    if max_digits is not None and decimal_places is not None and whole > max_digits - decimal_places:
        raise Invalid(f"Ensure that there are no more than {max_digits - decimal_places} digits before the decimal point.")
    return quantize(number, max_digits, decimal_places)


def quantize(number: Decimal, max_digits: int | None, decimal_places: int | None) -> Decimal:
    """DRF's ``DecimalField.quantize``: to ``decimal_places``, with ``max_digits`` of precision."""
    if decimal_places is None:
        return number
    try:
        return number.quantize(Decimal(".1") ** decimal_places, context=_context(max_digits))
    except InvalidOperation:  # more digits than the column holds: what the database would refuse
        raise Invalid(f"Ensure that there are no more than {max_digits} digits in total.") from None


def _context(max_digits: int | None) -> Any:
    from decimal import getcontext

    context = getcontext().copy()
    if max_digits is not None:
        context.prec = max_digits
    return context


def string(allow_blank: bool, value: Any) -> str:
    """DRF's ``CharField``: not blank unless allowed, numbers as text, trimmed (its validators come after)."""
    if value == "" or str(value).strip() == "":
        if not allow_blank:
            raise Invalid("This field may not be blank.")
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Invalid("Not a valid string.")
    return str(value).strip()


def boolean(allow_null: bool, value: Any) -> bool | None:
    """DRF's ``BooleanField`` (``"yes"``, ``1``, ``"off"``...); a nullable one reads ``"null"``/``""`` as null."""
    with suppress(TypeError):  # unhashable: a list or an object
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        if allow_null and value in _NULLS:
            return None
    raise Invalid("Must be a valid boolean.")


def date_time(value: Any) -> datetime.datetime:
    """DRF's ``DateTimeField``: ISO 8601 as Django parses it; naive is the current time zone's, aware
    is converted to it ("Datetime value out of range." when that leaves the calendar)."""
    parsed = None
    with suppress(ValueError, TypeError):
        parsed = parse_datetime(value)
    if parsed is None:
        raise Invalid(_SCALAR_MESSAGES["DateTime"])
    if not settings.USE_TZ:
        return timezone.make_naive(parsed, datetime.UTC) if timezone.is_aware(parsed) else parsed
    zone = timezone.get_current_timezone()
    if timezone.is_aware(parsed):
        try:
            return parsed.astimezone(zone)
        except OverflowError:
            raise Invalid("Datetime value out of range.") from None
    aware = timezone.make_aware(parsed, zone)
    if _ambiguous(aware):
        raise Invalid(f'Invalid datetime for the timezone "{zone}".')
    return aware


def _ambiguous(moment: datetime.datetime) -> bool:
    """DRF's ``valid_datetime``: a local time a DST change makes happen twice is refused."""
    exists = moment.astimezone(datetime.UTC) == moment
    return exists and moment.replace(fold=not moment.fold).utcoffset() != moment.utcoffset()


def date(value: Any) -> datetime.date:
    """DRF's ``DateField``: ``2024-01-05`` and ``2024-1-5``."""
    return _parsed(parse_date, value, "Date")


def time(value: Any) -> datetime.time:
    """DRF's ``TimeField``: ``09:30:00`` and ``9:30``."""
    return _parsed(parse_time, value, "Time")


def _parsed(parser: Callable[[Any], _Parsed | None], value: Any, scalar: str) -> _Parsed:
    """Django's own parser (which DRF's fields used), its failures as DRF's message for ``scalar``."""
    parsed = None
    with suppress(ValueError, TypeError):
        parsed = parser(value)
    if parsed is None:
        raise Invalid(_SCALAR_MESSAGES[scalar])
    return parsed


def duration(value: Any) -> datetime.timedelta:
    """DRF's ``DurationField``: Django's ``"3 10:00:00"``, ISO 8601's ``"P3DT10H"``, or seconds."""
    try:
        parsed = parse_duration(str(value))
    except OverflowError:
        limits = f"{datetime.timedelta.min.days} and {datetime.timedelta.max.days}"
        raise Invalid(f"The number of days must be between {limits}.") from None
    if parsed is None:
        raise Invalid(_DURATION_MESSAGE)
    return parsed


def uuid_value(value: Any) -> uuid.UUID:
    """DRF's ``UUIDField``: any form ``uuid.UUID`` reads, or the UUID's integer."""
    try:
        if isinstance(value, int):  # booleans too, as DRF read them
            return uuid.UUID(int=value)
        if isinstance(value, str):
            return uuid.UUID(hex=value)
    except ValueError:
        pass
    raise Invalid("Must be a valid UUID.")


def json_value(value: Any) -> Any:
    """DRF's ``JSONField``: any JSON value, as sent."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        raise Invalid("Value must be valid JSON.") from None
    return value


def choice(choices: dict[str, Any], allow_blank: bool, value: Any) -> Any:
    """DRF's ``ChoiceField``: the value whose text is the text sent (``"1"`` and ``1`` both name 1)."""
    if value == "" and allow_blank:
        return ""
    with suppress(TypeError):
        if str(value) in choices:
            return choices[str(value)]
    raise Invalid(f'"{value}" is not a valid choice.')


def _choice_strings(field: models.Field) -> dict[str, Any]:
    """DRF's ``choice_strings_to_values``, grouped choices flattened."""
    flat: dict[str, Any] = {}
    for key, label in field.choices or ():
        if isinstance(label, (list, tuple)):
            flat.update({str(k): k for k, _ in label})
        else:
            flat[str(key)] = key
    return flat


def enum_choice(enum_type: GraphQLEnumType, value: Any) -> str:
    """A GraphQL enum with no model field behind it: the choice's value (or name) as sent."""
    for name, enum_value in enum_type.values.items():
        raw = enum_value.value.value if isinstance(enum_value.value, Enum) else enum_value.value
        if isinstance(value, (str, int, float)) and str(value) in (str(raw), name):
            return name
    raise Invalid(f'"{value}" is not a valid choice.')


def graphql_judged(type_: GraphQLInputType, message: str, value: Any) -> Any:
    """Types DRF had no field for here: let graphql-core judge, and send the legacy value as is."""
    if not accepts(type_, value):
        raise Invalid(message)
    return value


# --- the GraphQL side ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_string(value)
    return str(value)


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


_ENCODERS: dict[str, Coercer] = {
    "String": _text,
    "ID": _text,
    "DateTime": _text,
    "Date": _text,
    "Time": _text,
    "UUID": str,
    "Decimal": str,
    "Int": int,
    "Float": _number,
    "Boolean": bool,
    "JSON": lambda value: value,
}
#: A probe per Python type: what custom scalars (a ``Duration`` of your own) may read it as.
_SAMPLES: dict[type, tuple[Any, Callable[[Any], Sequence[Any]]]] = {
    datetime.timedelta: (
        datetime.timedelta(days=1, seconds=3661, microseconds=5),
        lambda v: (duration_iso_string(v), duration_string(v), v.total_seconds(), str(v)),
    ),
}


def _encoder(type_: GraphQLInputType, kind: type | None) -> Coercer | None:
    """How a parsed value is written as a ``type_`` variable; ``None``: send the client's value as is.

    A custom scalar is probed once: the first of a few usual encodings its ``parse_value`` reads back
    as the same value is the one sent (ISO 8601 for an ISO ``Duration`` scalar, seconds for another).
    """
    if isinstance(type_, GraphQLEnumType):
        names = {(v.value.value if isinstance(v.value, Enum) else v.value): n for n, v in type_.values.items()}
        return lambda value: names.get(value, value)
    if not isinstance(type_, GraphQLScalarType):
        return None
    if type_.name in _ENCODERS:
        return _ENCODERS[type_.name]
    if kind is not None and kind in _SAMPLES:
        sample, encodings = _SAMPLES[kind]
        for position, encoded in enumerate(encodings(sample)):
            with suppress(Exception):  # a scalar's parser may raise anything on a form it does not read
                if type_.parse_value(encoded) == sample:
                    return _nth_encoding(encodings, position)
    return None


def _nth_encoding(encodings: Callable[[Any], Sequence[Any]], position: int) -> Coercer:
    return lambda value: encodings(value)[position]


def _kind(field: models.Field, allow_null: bool) -> tuple[Coercer, type | None] | None:
    """DRF's ``to_internal_value`` for a model field (ModelSerializer's field mapping), with the Python type it makes."""
    if field.choices:
        allow_blank = field.blank and isinstance(field, (models.CharField, models.TextField))
        return bind(choice, _choice_strings(field), allow_blank), None
    kinds: list[tuple[type[models.Field], Coercer, type | None]] = [
        (models.BooleanField, bind(boolean, allow_null), bool),
        (models.DecimalField, bind(decimal, getattr(field, "max_digits", None), getattr(field, "decimal_places", None)), Decimal),
        (models.FloatField, floating, float),
        (models.IntegerField, integer, int),
        (models.DateTimeField, date_time, datetime.datetime),
        (models.DateField, date, datetime.date),
        (models.TimeField, time, datetime.time),
        (models.DurationField, duration, datetime.timedelta),
        (models.UUIDField, uuid_value, uuid.UUID),
        (models.JSONField, json_value, None),
    ]
    for model_class, parse, kind in kinds:
        if isinstance(field, model_class):
            return parse, kind
    if isinstance(field, (models.CharField, models.TextField)):
        return bind(string, field.blank), str
    return None


def field_coercer(type_: GraphQLInputType, field: models.Field | None, *, allow_null: bool) -> Coercer:
    """The coercer of one non-relation input field: DRF's for the model field, else by GraphQL type."""
    parsed = _kind(field, allow_null) if field is not None else None
    encode = _encoder(type_, parsed[1]) if parsed is not None else None
    if field is not None and parsed is not None and encode is not None:
        checks = drf_validators(field)
        if parsed[1] is str:
            checks += text_checks(field.max_length)
        last = int32 if getattr(type_, "name", None) == "Int" else None
        parse = bind(validated, parsed[0], checks, last=last) if checks or last else parsed[0]
        return lambda value: None if (python := parse(value)) is None else encode(python)
    if isinstance(type_, GraphQLScalarType):
        text = bind(validated, bind(string, field is None or field.blank), text_checks(getattr(field, "max_length", None)))
        by_type: dict[str, Coercer] = {
            "Int": lambda value: int32(integer(value)),
            "Float": floating,
            "Decimal": lambda value: str(decimal(None, None, value)),
            "Boolean": bind(boolean, allow_null),
            "String": text,
        }
        if type_.name in by_type:
            return by_type[type_.name]
    if isinstance(type_, GraphQLEnumType):
        return bind(enum_choice, type_)
    return bind(graphql_judged, type_, _SCALAR_MESSAGES.get(getattr(type_, "name", ""), "Invalid value."))
