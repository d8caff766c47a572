"""Translate a legacy write's ``data`` into a strawberry-django input value, coercing like DRF.

Legacy clients wrote through ``ModelSerializer(fields="__all__")``, where ``"12"`` was an integer
and ``3`` a foreign key; strawberry-django wants typed input (``{"author": {"set": "3"}}``). The
same payloads must pass, and the same ones fail with DRF's messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from functools import partial as bind
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
    get_named_type,
)
from strawberry.utils.str_converters import to_camel_case

from .coercion import Coercer, Invalid, field_coercer
from .exceptions import ValidationError
from .model_validation import unique_message
from .protocol import MISSING
from .settings import gql_channels_settings

if TYPE_CHECKING:
    from strawberry import Schema

class InvalidInput(ValidationError):
    """The fields ``translate`` refused, with the value of those it took (``value``).

    Related keys are looked up only when a write fails, so whoever catches this can still add the
    ``Invalid pk`` errors of the relations in ``value`` and report every bad field at once, as DRF did.
    """

    def __init__(self, detail: dict[str, list[str]], value: dict[str, Any]) -> None:
        super().__init__(detail)
        self.value = value


def model_key(field: models.Field, value: Any) -> str:
    """``value`` as the key column ``field`` stores it (``" 2"`` -> ``"2"``).

    Django's ``ValidationError`` when it cannot be one: the wrong type, or beyond what the column
    holds (a 20-digit integer), which the database would otherwise fail on mid-query.
    """
    python = field.to_python(value)
    field.run_validators(python)
    return str(python)


def _pk(key: models.Field | None, value: Any) -> str:
    """DRF ``PrimaryKeyRelatedField``: anything that could be a key, checked against the key's type."""
    wrong = f"Incorrect type. Expected pk value, received {type(value).__name__}."
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Invalid(wrong)
    if key is None:  # no model to say what a key is: a whole number or text, as GraphQL's ID
        if isinstance(value, float) and not value.is_integer():
            raise Invalid(wrong)
        return str(int(value) if isinstance(value, float) else value)
    # DRF looked the row up with the value as sent (``queryset.get(pk=value)``): an integer key reads 2.5
    # as 2 and "abc" is the wrong type, as Django's lookups do; a UUID key's own message for "abc".
    try:
        python = key.get_prep_value(value)
    except (TypeError, ValueError):
        raise Invalid(wrong) from None
    except DjangoValidationError as error:
        raise Invalid(*error.messages) from None
    try:
        key.run_validators(python)
    except DjangoValidationError:  # no row can have it
        raise Invalid(f'Invalid pk "{value}" - object does not exist.') from None
    return str(python)


def too_many_keys(keys: list[Any]) -> str | None:
    """DRF's ``ListField(max_length=)`` message when ``keys`` is longer than ``MAX_RELATED_KEYS``."""
    most = gql_channels_settings()["MAX_RELATED_KEYS"]
    return f"Ensure this field has no more than {most} elements." if len(keys) > most else None


def _many(pk: Coercer, allow_empty: bool, value: Any) -> dict[str, list[str]]:
    """DRF's ``ManyRelatedField``; each key costs strawberry-django several queries, so they are
    capped and sent once each (``set()`` ignores repeats anyway)."""
    if not isinstance(value, list):
        raise Invalid(f'Expected a list of items but got type "{type(value).__name__}".')
    if not value and not allow_empty:
        raise Invalid("This list may not be empty.")
    if (message := too_many_keys(value)) is not None:
        raise Invalid(message)
    if None in value:
        raise Invalid('Invalid pk "None" - object does not exist.')
    return {"set": list(dict.fromkeys(pk(item) for item in value))}


def _nullable(inner: Coercer, allow_null: bool, null: Any, empty_is_null: bool, value: Any) -> Any:
    """DRF's null handling runs before a field's own coercion (relations also read "" as null)."""
    if value is None or (empty_is_null and value == ""):
        if not allow_null:
            raise Invalid("This field may not be null.")
        return null
    return inner(value)


def _relation(input_type: GraphQLInputObjectType) -> str | None:
    """strawberry-django relation inputs: ``{set: ID}`` (to-one) or ``{add, remove, set: [ID!]}`` (to-many)."""
    fields = input_type.fields
    set_type = fields["set"].type if "set" in fields else None
    if set_type is None or get_named_type(set_type).name != "ID":
        return None
    set_type = set_type.of_type if isinstance(set_type, GraphQLNonNull) else set_type
    if len(fields) == 1 and isinstance(set_type, GraphQLScalarType):
        return "one"
    if set(fields) <= {"add", "remove", "set"} and isinstance(set_type, GraphQLList):
        return "many"
    return None


def _coercer(type_: GraphQLInputType, model_field: models.Field | None) -> Coercer:
    nullable = not isinstance(type_, GraphQLNonNull)
    base = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    allow_null = nullable and (model_field is None or model_field.null)
    key = getattr(model_field, "target_field", model_field)
    key = key if isinstance(key, models.Field) else None
    kind = _relation(base) if isinstance(base, GraphQLInputObjectType) else None
    null, empty_is_null = None, False
    inner: Coercer
    if kind == "one":
        pk = bind(_pk, key)
        inner, null, empty_is_null = (lambda value: {"set": pk(value)}), {"set": None}, True
    elif kind == "many":
        inner = bind(_many, bind(_pk, key), model_field is None or model_field.blank)
    elif isinstance(base, GraphQLScalarType) and base.name == "ID":
        inner = bind(_pk, key)
    else:
        inner = field_coercer(base, model_field if not getattr(model_field, "is_relation", False) else None, allow_null=allow_null)
    return bind(_nullable, inner, allow_null, null, empty_is_null)


def _model_field(model: type[models.Model] | None, names: Iterable[str]) -> models.Field | None:
    if model is None:
        return None
    for name in names:
        with suppress(FieldDoesNotExist):
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
            return field if isinstance(field, models.Field) else None  # not reverse relations
    return None


def _serializer_order(model: type[models.Model] | None, names: list[str]) -> tuple[str, ...]:
    """``names`` in ``ModelSerializer(fields="__all__")`` 's order: pk, fields, forward relations, many-to-many."""
    if model is None:
        return tuple(names)
    opts = model._meta
    plain = [f.name for f in opts.concrete_fields if not f.is_relation]
    forward = [f.name for f in opts.concrete_fields if f.is_relation]
    ordered = [opts.pk.name, *plain, *forward, *(f.name for f in opts.many_to_many)]
    known = [name for name in dict.fromkeys(ordered) if name in names]
    return (*known, *(name for name in names if name not in known))


def _drf_required(field: models.Field) -> bool:
    """``ModelSerializer``'s rule: a field is required unless it has a default, may be blank or null.

    A partial input type (every field optional in GraphQL) serving ``update`` without a ``create``
    to say which fields a full write needs still requires these, as DRF did.
    """
    return not (field.has_default() or field.blank or field.null)


@dataclass(frozen=True, slots=True)
class _Field:
    legacy_name: str
    graphql_name: str
    coerce: Coercer
    #: The model a relation field's keys name (``{set: ...}`` inputs); ``None`` for other fields.
    related: type[models.Model] | None = None
    #: The model field's name when its values are unique (DRF's ``UniqueValidator``).
    unique: str | None = None


@dataclass(frozen=True, slots=True)
class InputShape:
    """How one GraphQL input type is filled from a legacy ``data`` dict; built once, used per message."""

    type_name: str
    fields: tuple[_Field, ...]
    #: Legacy names a full (non-partial) write must contain.
    required: frozenset[str]
    #: GraphQL field names (and camelCased model field names) to legacy names.
    legacy_names: dict[str, str]
    #: The model whose fields these are, if any (uniqueness is checked against its rows).
    model: type[models.Model] | None = None
    #: Legacy names in the serializer's field order, the order every error is reported in.
    order: tuple[str, ...] = ()

    @classmethod
    def build(
        cls, schema: Schema, input_type: GraphQLInputObjectType, *,
        model: type[models.Model] | None, required: Iterable[str] | None = None,
    ) -> InputShape:
        """Precompute one coercer per writable field; misconfiguration fails here, not per message."""
        if schema._schema.get_type(input_type.name) is not input_type:
            raise ImproperlyConfigured(f"`{input_type.name}` is not an input type of this schema.")
        legacy_names = {to_camel_case(f.name): f.name for f in model._meta.get_fields()} if model else {}
        fields: list[_Field] = []
        defaults_required: set[str] = set()
        for graphql_name, input_field in input_type.fields.items():
            definition = input_field.extensions.get("strawberry-definition")
            legacy = getattr(definition, "python_name", None) or graphql_name
            django_name = getattr(definition, "django_name", None)
            model_field = _model_field(model, [name for name in (django_name, legacy) if name])
            legacy_names[graphql_name] = legacy
            if model_field is not None:
                legacy_names[to_camel_case(model_field.name)] = legacy
            # Read-only in DRF's ModelSerializer: auto keys, non-editable fields (auto_now...), and "pk".
            auto = isinstance(model_field, models.AutoField) or not getattr(model_field, "editable", True)
            if legacy == "pk" or auto:
                continue
            related = model_field.related_model if model_field is not None and model_field.is_relation else None
            unique = model_field.name if model_field is not None and model_field.unique and not related else None
            fields.append(_Field(legacy, graphql_name, _coercer(input_field.type, model_field), related, unique))
            if isinstance(input_field.type, GraphQLNonNull) and input_field.default_value is Undefined:
                defaults_required.add(legacy)
            elif model_field is not None and _drf_required(model_field):
                defaults_required.add(legacy)
        needed = defaults_required if required is None else set(required)
        unknown = sorted(needed - {field.legacy_name for field in fields})
        if unknown:
            raise ImproperlyConfigured(
                f"required={sorted(needed)!r}: `{input_type.name}` has no writable input field "
                f"{', '.join(map(repr, unknown))} (unknown, or read-only like an auto primary key)."
            )
        names = [field.legacy_name for field in fields]
        return cls(input_type.name, tuple(fields), frozenset(needed), legacy_names, model, _serializer_order(model, names))

    def translate(self, data: Any, *, partial: bool) -> dict[str, Any]:
        """The GraphQL input value for ``data``, or a ``ValidationError`` listing every bad field."""
        if data is MISSING or data is None:
            raise ValidationError({"non_field_errors": ["No data provided"]})
        if not isinstance(data, dict):
            message = f"Invalid data. Expected a dictionary, but got {type(data).__name__}."
            raise ValidationError({"non_field_errors": [message]})
        value: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}  # every bad field at once, in input-field order
        for field in self.fields:
            if field.legacy_name not in data:
                if not partial and field.legacy_name in self.required:
                    errors[field.legacy_name] = ["This field is required."]
                continue
            try:
                value[field.graphql_name] = field.coerce(data[field.legacy_name])
            except Invalid as exc:
                errors[field.legacy_name] = list(exc.args)
        if errors:
            raise InvalidInput(errors, value)
        return value

    def every_error(self, invalid: InvalidInput, *, instance: str | None = None) -> dict[str, list[str]]:
        """``invalid`` 's errors, the ``Invalid pk`` ones of the relations it took and the uniqueness ones
        of the values it took (other than object ``instance`` 's), in the serializer's field order."""
        found = {**invalid.detail, **self.missing_related(invalid.value), **self.not_unique(invalid.value, instance)}
        return dict(sorted(found.items(), key=lambda item: self.order.index(item[0]) if item[0] in self.order else len(self.order)))

    def not_unique(self, value: dict[str, Any], instance: str | None = None) -> dict[str, list[str]]:
        """DRF's ``UniqueValidator`` message for each unique field whose value another row holds.

        Asked only when a write is refused anyway (one query per unique field sent): a good write's
        uniqueness is ``full_clean`` 's to check, its message reworded (``model_validation``).
        """
        errors: dict[str, list[str]] = {}
        for field in self.fields:
            sent = value.get(field.graphql_name)
            if field.unique is None or sent is None or self.model is None:
                continue
            rows = self.model._default_manager.filter(**{field.unique: sent})
            try:
                taken = (rows.exclude(pk=instance) if instance is not None else rows).exists()
            except (ValueError, TypeError, OverflowError, DjangoValidationError):
                continue
            message = unique_message(self.model, field.unique)
            if taken and message:
                errors[field.legacy_name] = [message]
        return errors

    def missing_related(self, value: dict[str, Any]) -> dict[str, list[str]]:
        """DRF's ``Invalid pk`` error for each relation in ``value`` naming a row that does not exist.

        Asked only after a write failed on a missing object (one query per relation sent), so a
        good write pays nothing for the check DRF's ``PrimaryKeyRelatedField`` made up front.
        """
        errors: dict[str, list[str]] = {}
        for field in self.fields:
            sent = value.get(field.graphql_name)
            if field.related is None or not isinstance(sent, dict) or sent.get("set") is None:
                continue
            keys = [sent["set"]] if isinstance(sent["set"], str) else list(sent["set"])
            try:
                rows = field.related._default_manager.filter(pk__in=keys).values_list("pk", flat=True)
                found = {str(pk) for pk in rows}
            except (ValueError, TypeError, OverflowError, DjangoValidationError):
                continue  # a key the related model cannot hold: not a missing row
            missing = next((key for key in keys if key not in found), None)
            if missing is not None:
                errors[field.legacy_name] = [f'Invalid pk "{missing}" - object does not exist.']
        return errors

    def legacy_name(self, graphql_name: str) -> str:
        """Map a strawberry-django ``OperationInfo`` field (camelCase) back to what the client sent."""
        return self.legacy_names.get(graphql_name, graphql_name)
