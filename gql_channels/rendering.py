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
A renderer is chosen once per field when a resource is bound (``renderer``); each takes the GraphQL
value, ``None`` included.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_duration
from django.utils.duration import duration_string
from graphql import GraphQLEnumType, GraphQLNamedType

from .coercion import Invalid, quantize

Renderer = Callable[[Any], Any]


def render_datetime(value: Any) -> Any:
    """DRF's ``DateTimeField.to_representation``: in the current time zone, ``Z`` for UTC."""
    if not value:
        return None
    moment = datetime.datetime.fromisoformat(value) if isinstance(value, str) else value
    if settings.USE_TZ:
        zone = timezone.get_current_timezone()
        moment = moment.astimezone(zone) if timezone.is_aware(moment) else timezone.make_aware(moment, zone)
    elif timezone.is_aware(moment):
        moment = timezone.make_naive(moment, datetime.UTC)
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


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
    parsed = parse_duration(str(value))
    return value if parsed is None else duration_string(parsed)


def decimal_renderer(max_digits: int | None, decimal_places: int | None) -> Renderer:
    """DRF's ``DecimalField.to_representation`` for a model field's digits (also when the scalar sent a float)."""

    def render(value: Any) -> Any:
        if value is None:
            return None
        try:
            number = quantize(Decimal(str(value).strip()), max_digits, decimal_places)
        except (Invalid, InvalidOperation):
            return value
        if getattr(settings, "REST_FRAMEWORK", {}).get("COERCE_DECIMAL_TO_STRING", True):
            return f"{number:f}"
        return float(number)  # DRF's JSON encoder wrote an uncoerced Decimal as a number

    return render


def choice_renderer(enum_type: GraphQLEnumType) -> Renderer:
    """A choice exposed as a GraphQL enum: the choice's value, as DRF's ``ChoiceField`` wrote it."""
    values = {name: (v.value.value if isinstance(v.value, Enum) else v.value) for name, v in enum_type.values.items()}
    return lambda value: values.get(value, value) if value is not None else None


def renderer(field: models.Field | None, named: GraphQLNamedType) -> Renderer | None:
    """The renderer of a model field selected as ``named``; ``None`` when the GraphQL value already is DRF's."""
    if field is None or field.is_relation:
        return None
    if isinstance(named, GraphQLEnumType):
        return choice_renderer(named) if field.choices else None
    if isinstance(field, models.DateTimeField):
        return render_datetime
    if isinstance(field, models.DurationField):
        return render_duration
    if isinstance(field, models.DecimalField):
        return decimal_renderer(field.max_digits, field.decimal_places)
    return None
