"""Render a field's GraphQL value exactly as DRF's ``ModelSerializer(fields="__all__")`` rendered it.

The value still comes from executing the generated operation: the schema decides what a client may
see (a permission extension, a custom resolver), never a second read of the row. Where the GraphQL
scalar writes a model field differently from DRF's serializer field, the value is read back into the
model field's Python type and rendered as DRF's ``to_representation`` for that field did:

- ``DateTimeField``: ``DateTime`` writes ``isoformat()`` in UTC; DRF converted to the *current* time
  zone and wrote UTC as ``Z``.
- ``DecimalField``: ``Decimal`` writes ``str()`` (``1E+2``); DRF quantized to ``decimal_places`` and wrote
  fixed-point, or a JSON number with ``REST_FRAMEWORK["COERCE_DECIMAL_TO_STRING"] = False``.
- ``DurationField``: strawberry-django has no scalar for it, so a project's own one writes whatever it
  writes (ISO 8601 ``P365DT00H00M00S``); DRF wrote Django's ``duration_string`` (``"365 00:00:00"``).
- choices exposed as a GraphQL enum: the enum's name; DRF wrote the choice's value.

Every other kind (text, integers, booleans, floats, dates, times, UUIDs, JSON) is written by its
GraphQL scalar exactly as DRF wrote it, and gets no renderer: nothing is paid for it per row.

A field's renderer is chosen once, when a resource is bound (``renderer``); the settings it depends
on (the current time zone, ``COERCE_DECIMAL_TO_STRING``) are read once per page (``Context``), not per
value: reading the current time zone alone cost more than rendering the value.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from decimal import Context as DecimalContext
from enum import Enum
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_duration
from django.utils.duration import duration_string
from graphql import GraphQLEnumType, GraphQLNamedType

Renderer = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Context:
    """What DRF's fields read at render time, read once for a page."""

    #: The current time zone; ``None`` without ``USE_TZ`` (DRF then wrote naive datetimes).
    zone: datetime.tzinfo | None
    #: ``REST_FRAMEWORK["COERCE_DECIMAL_TO_STRING"]`` (DRF's default: True).
    decimals_as_text: bool

    @classmethod
    def current(cls) -> Context:
        zone = timezone.get_current_timezone() if settings.USE_TZ else None
        coerce = getattr(settings, "REST_FRAMEWORK", {}).get("COERCE_DECIMAL_TO_STRING", True)
        return cls(zone, bool(coerce))


#: A field's renderer, made for a page's ``Context``.
FieldRenderer = Callable[[Context], Renderer]

_UTC_NAMES = frozenset({"UTC", "Etc/UTC"})


def datetime_renderer(context: Context) -> Renderer:
    """DRF's ``DateTimeField.to_representation``: in the current time zone, ``Z`` for UTC."""
    zone = context.zone
    utc = zone is datetime.UTC or getattr(zone, "key", None) in _UTC_NAMES

    def render(value: Any) -> Any:
        if not value:
            return None
        if utc and isinstance(value, str) and value.endswith("+00:00"):  # DateTime wrote it in UTC already
            return value[:-6] + "Z"
        moment = datetime.datetime.fromisoformat(value) if isinstance(value, str) else value
        if zone is not None:
            moment = moment.astimezone(zone) if timezone.is_aware(moment) else timezone.make_aware(moment, zone)
        elif timezone.is_aware(moment):
            moment = timezone.make_naive(moment, datetime.UTC)
        text = moment.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return render


@lru_cache(maxsize=4096)
def _duration_text(value: str) -> str:
    parsed = parse_duration(value)
    return value if parsed is None else duration_string(parsed)


def render_duration(value: Any) -> Any:
    """DRF's ``DurationField.to_representation``: Django's ``duration_string`` (``"1 02:03:04.000005"``).

    Read back from what the project's scalar wrote: any text Django's ``parse_duration`` reads (its
    own format, ISO 8601, PostgreSQL's), a number of seconds, or a ``timedelta``.
    """
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return duration_string(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return duration_string(datetime.timedelta(seconds=value))
    return _duration_text(str(value))


def decimal_renderer(max_digits: int | None, decimal_places: int | None) -> FieldRenderer:
    """DRF's ``DecimalField.to_representation`` for a model field's digits (also when the scalar sent a float)."""
    exponent = Decimal(".1") ** decimal_places if decimal_places is not None else None
    digits = DecimalContext(prec=max_digits, rounding=ROUND_HALF_EVEN) if max_digits is not None else None

    def quantized(value: Any) -> Decimal | None:
        try:
            number = Decimal(str(value).strip())
            return number if exponent is None else number.quantize(exponent, context=digits)
        except InvalidOperation:
            return None

    def as_text(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str) and "E" not in value and len(value.partition(".")[2]) == (decimal_places or 0):
            return value  # already DRF's fixed-point text, as a column's value always is
        number = quantized(value)
        return value if number is None else f"{number:f}"

    def as_number(value: Any) -> Any:
        number = None if value is None else quantized(value)
        return value if number is None else float(number)  # DRF's JSON encoder wrote an uncoerced Decimal so

    return lambda context: as_text if context.decimals_as_text else as_number


def choice_renderer(enum_type: GraphQLEnumType) -> Renderer:
    """A choice exposed as a GraphQL enum: the choice's value, as DRF's ``ChoiceField`` wrote it."""
    values = {name: (v.value.value if isinstance(v.value, Enum) else v.value) for name, v in enum_type.values.items()}
    return lambda value: values.get(value, value) if value is not None else None


def _fixed(render: Renderer) -> FieldRenderer:
    return lambda context: render


def renderer(field: models.Field | None, named: GraphQLNamedType) -> FieldRenderer | None:
    """The renderer of a model field selected as ``named``; ``None`` when the GraphQL value already is DRF's."""
    if field is None or field.is_relation:
        return None
    if isinstance(named, GraphQLEnumType):
        return _fixed(choice_renderer(named)) if field.choices else None
    if isinstance(field, models.DateTimeField):
        return datetime_renderer
    if isinstance(field, models.DurationField):
        return _fixed(render_duration)
    if isinstance(field, models.DecimalField):
        return decimal_renderer(field.max_digits, field.decimal_places)
    return None
