"""Translate a legacy list route's query string into strawberry-django ``filters`` and ``ordering``.

Legacy routes were filtered by django-filter and sorted by DRF's ``OrderingFilter``; strawberry-django
offers the same through typed input arguments. Their types are read once; each query string becomes
their values, sent as variables, and bad values are refused in django-filter's (Django forms') words.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as attribute
from datetime import UTC, datetime, time
from decimal import Decimal
from enum import Enum
from functools import partial as bind
from functools import reduce
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, models
from django.utils import timezone
from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLScalarType,
    GraphQLType,
    get_named_type,
    get_nullable_type,
)
from strawberry_django.filters import lookup_name_conversion_map
from strawberry_django.utils.typing import get_django_definition

from .coercion import INT_MAX, INT_MIN, INT_TAIL, accepts
from .exceptions import ValidationError
from .inputs import model_key

if TYPE_CHECKING:
    from strawberry import Schema

Coercer = Callable[[str], Any]

_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_LOGICAL = {"AND", "OR", "NOT", "DISTINCT"}  # how strawberry-django filters combine: not fields to name
_NOT_A_CHOICE = "Select a valid choice. That choice is not one of the available choices."
#: django-filter's form fields' messages, by the GraphQL scalar standing in for the form field.
_MESSAGES = {"Int": "Enter a whole number.", "Float": "Enter a number.", "Decimal": "Enter a number."}
_MESSAGES |= {"Boolean": "Select a valid choice.", "String": "Null characters are not allowed."}
_MESSAGES |= {"DateTime": "Enter a valid date/time.", "Date": "Enter a valid date.", "Time": "Enter a valid time."}
_MESSAGES |= {"UUID": "Enter a valid UUID."}


class _Invalid(Exception):
    """One parameter's messages (``args``), raised by a coercer and collected by ``translate``."""


def _parse(parse: Callable[[str], Any], message: str, value: str) -> Any:
    """Every form field in one shape: any failure to parse is the field's one message."""
    try:
        return parse(value)
    except (ValueError, ArithmeticError, LookupError, GraphQLError, DjangoValidationError):
        raise _Invalid(message.format(value=value)) from None


#: Longest text a filter takes. Django forms' CharField has no default cap, but the database has:
#: SQLite refuses LIKE patterns over 50,000 bytes, which 10,000 characters (4 bytes each) stay under.
MAX_FILTER_LENGTH = 10_000
#: Most keys a relation's ``__in`` takes: each is its own OR'd condition (the key input takes one
#: value), and SQLite refuses expressions nested 1,000 deep.
MAX_ALTERNATIVES = 500


def _scalar(type_: GraphQLScalarType, value: str) -> Any:
    if type_.name == "Int":
        number = int(INT_TAIL.sub("", value))
        if not INT_MIN <= number <= INT_MAX:  # GraphQL Int is 32-bit: refuse per parameter, not per operation
            bound, limit = ("less", INT_MAX) if number > 0 else ("greater", INT_MIN)
            raise _Invalid(f"Ensure this value is {bound} than or equal to {limit}.")
        return number
    if type_.name in ("Float", "Decimal"):
        decimal = Decimal(value.strip())
        if not decimal.is_finite() or not math.isfinite(float(decimal)):  # GraphQL Float: no NaN, no infinities
            raise ValueError(value)
        return float(decimal) if type_.name == "Float" else str(decimal)
    if type_.name == "Boolean":
        return _BOOLEANS[value.strip().lower()]
    if len(value) > MAX_FILTER_LENGTH:
        raise _Invalid(f"Ensure this value has at most {MAX_FILTER_LENGTH} characters (it has {len(value)}).")
    # Strings, and other scalars (dates, UUIDs...) that graphql-core judges: the string travels as is.
    if "\x00" in value or (type_.name != "String" and not accepts(type_, value)):
        raise ValueError(value)
    if type_.name == "DateTime":
        return _storable_datetime(value)
    if type_.name == "Time" and time.fromisoformat(value.strip()).tzinfo and not connection.features.supports_timezones:
        raise ValueError(value)  # SQLite and MySQL refuse times with an offset
    return value


def _storable_datetime(value: str) -> str:
    """An aware datetime the database can compare with (``9999-12-31T23:59-01:00`` overflows in UTC).

    A naive one is read in the current time zone, as Django would, without its naive-datetime warning.
    """
    parsed = datetime.fromisoformat(value.strip())
    if timezone.is_aware(parsed):
        parsed.astimezone(UTC)  # OverflowError near the ends of the calendar
        return value
    if not settings.USE_TZ:
        return value
    return timezone.make_aware(parsed).astimezone(UTC).isoformat()


def _year(coerce: Coercer, value: str) -> int:
    """Django turns ``__year`` into a range of datetimes: only years 1 to 9999 have one."""
    year = coerce(value)
    if not 1 <= year <= 9999:
        bound, limit = ("less", 9999) if year > 1 else ("greater", 1)
        raise _Invalid(f"Ensure this value is {bound} than or equal to {limit}.")
    return year


#: Why a regex lookup is refused unless the resource opts in (``Resource(regex_lookups=True)``).
REGEX_REFUSED = "Regular expression lookups are not allowed on this route."


def _regex(coerce: Coercer, allowed: bool, value: str) -> str:
    """The client's pattern, refused unless the route opts in, and when the database would fail on it.

    On SQLite Django runs ``REGEXP`` as Python's ``re`` in the server process, holding the GIL:
    ``.*.*.*.*.*.*.*.*.*☃`` over a few thousand titles stalls every client for seconds. A route that
    needs regex lookups opts in, on a database that bounds them (PostgreSQL with a ``statement_timeout``).
    """
    if not allowed:
        raise _Invalid(REGEX_REFUSED)
    pattern = coerce(value)
    try:
        with warnings.catch_warnings():  # "[[" compiles, with a FutureWarning about Python's own syntax
            warnings.simplefilter("ignore")
            re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        raise _Invalid("Enter a valid regular expression.") from None
    return pattern


def _leaf(type_: GraphQLType | None, ids: Coercer) -> Coercer | None:
    """A leaf input type's coercer; ``ids`` for ``ID``, which depends on the model's key."""
    if isinstance(type_, GraphQLEnumType):  # a choice by GraphQL name or by the model's stored value
        choices = {str(v.value.value if isinstance(v.value, Enum) else v.value): n for n, v in type_.values.items()}
        choices |= {name: name for name in type_.values}
        return bind(_parse, choices.__getitem__, "Select a valid choice. {value} is not one of the available choices.")
    if isinstance(type_, GraphQLScalarType):
        message = _MESSAGES.get(type_.name, "Enter a valid value.")
        return ids if type_.name == "ID" else bind(_parse, bind(_scalar, type_), message)
    return None


def _legacy_name(field: GraphQLInputField, graphql_name: str) -> str:
    definition = field.extensions.get("strawberry-definition")
    return getattr(definition, "django_name", None) or getattr(definition, "python_name", None) or graphql_name


def _put(target: dict[str, Any], path: Sequence[str], value: Any) -> dict[str, Any]:
    """``target[path[0]]...[path[-1]] = value``, making the dicts on the way; returns ``target``."""
    reduce(lambda node, key: node.setdefault(key, {}), path[:-1], target)[path[-1]] = value
    return target


def _any_of(path: Sequence[str], keys: Sequence[Any]) -> dict[str, Any]:
    """``path`` equal to any of ``keys``: ``{AND: left, OR: right}`` reads "left or right", so a
    balanced tree keeps thousands of keys within graphql-core's nesting limit for variables."""
    if len(keys) == 1:
        return _put({}, path, keys[0])
    middle = len(keys) // 2
    right = _any_of(path, keys[middle:])
    if middle == 1:  # one key on the left: it sits beside the OR itself
        return _put({"OR": right}, path, keys[0])
    return {"AND": _any_of(path, keys[:middle]), "OR": right}


@dataclass(frozen=True, slots=True)
class _Param:
    """Where one query parameter's value goes in the filter input, and how it is read."""

    path: tuple[str, ...]
    coerce: Coercer
    #: ``None``: one value; ``0``: a comma list (``__in``); ``2``: a comma pair (``__range``).
    arity: int | None = None
    pack: Callable[[list[Any]], Any] = list
    #: A relation's ``__in`` (its pk input takes one key): ``"or"``, ``"distinct"`` over a to-many relation.
    alternatives: str | None = None

    def read(self, raw: str) -> Any:
        if self.arity is None:
            return self.coerce(raw)
        items = [item.strip() for item in raw.split(",")]
        if self.arity == 2 and (len(items) != 2 or "" in items):
            raise _Invalid("Range query expects two values.")
        if not any(items):
            raise _Invalid("Enter a list of values.")
        if self.alternatives is not None and len(items) > MAX_ALTERNATIVES:
            raise _Invalid(f"List contains {len(items)} items, it should contain no more than {MAX_ALTERNATIVES}.")
        return self.pack([self.coerce(item) for item in items if item])


def _lookup_params(
    lookup_type: GraphQLInputObjectType, prefix: str, path: tuple[str, ...], ids: Coercer, seen: frozenset[str],
    regex: bool,
) -> dict[str, _Param]:
    """``prefix__<lookup>`` for every lookup the type offers; transforms (``__year``) recurse."""
    params: dict[str, _Param] = {}
    for graphql_name, field in lookup_type.fields.items():
        lookup = lookup_name_conversion_map.get(python := _legacy_name(field, graphql_name), python)
        name, at, type_ = f"{prefix}__{lookup}", (*path, graphql_name), get_nullable_type(field.type)
        coerce, arity = _leaf(type_, ids), None
        pack: Callable[[list[Any]], Any] = list
        if isinstance(type_, GraphQLList):
            coerce, arity = _leaf(get_nullable_type(type_.of_type), ids), (2 if lookup == "range" else 0)
        elif isinstance(type_, GraphQLInputObjectType) and lookup == "range" and set(type_.fields) == {"start", "end"}:
            coerce, arity = _leaf(get_nullable_type(type_.fields["start"].type), ids), 2
            pack = lambda pair: {"start": pair[0], "end": pair[1]}  # noqa: E731 - a one-off packer
        elif isinstance(type_, GraphQLInputObjectType) and type_.name not in seen:
            params |= _lookup_params(type_, name, at, ids, seen | {type_.name}, regex)
        if coerce is not None and lookup in ("regex", "iregex"):
            coerce = bind(_regex, coerce, regex)
        if coerce is not None and prefix.rpartition("__")[2] in ("year", "iso_year"):
            coerce = bind(_year, coerce)
        if coerce is not None:
            params[name] = _Param(at, coerce, arity, pack)
            if lookup == "exact":
                params[prefix] = params[name]
    return params


def _filter_params(schema: Schema, filter_type: GraphQLInputObjectType, regex: bool) -> dict[str, _Param]:
    django_def = get_django_definition(getattr(schema.get_type_by_name(filter_type.name), "origin", None))
    model_fields = {field.name: field for field in django_def.model._meta.get_fields()} if django_def else {}
    params: dict[str, _Param] = {}
    for graphql_name, field in filter_type.fields.items():
        if graphql_name in _LOGICAL:
            continue
        legacy, type_ = _legacy_name(field, graphql_name), get_nullable_type(field.type)
        model_field = model_fields.get(legacy)
        related = model_field.related_model if model_field is not None and model_field.is_relation else None
        relation = isinstance(related, type) and issubclass(related, models.Model)
        key = related._meta.pk if isinstance(related, type) and issubclass(related, models.Model) else model_field
        # A key is checked here (type, column range), or the database would fail the whole query.
        parse = bind(model_key, key) if isinstance(key, models.Field) else str
        ids = bind(_parse, parse, _NOT_A_CHOICE if relation else "Enter a whole number.")
        subfields = type_.fields if isinstance(type_, GraphQLInputObjectType) else {}
        if len(subfields) == 1 and get_named_type(next(iter(subfields.values())).type).name == "ID":
            pk = next(iter(subfields))  # strawberry-django's ``DjangoModelFilterInput``: one key field
            to_many = model_field is not None and relation and bool(model_field.many_to_many or model_field.one_to_many)
            params[legacy] = params[f"{legacy}__exact"] = _Param((graphql_name, pk), ids)
            params[f"{legacy}__in"] = _Param((graphql_name, pk), ids, 0, alternatives="distinct" if to_many else "or")
        elif subfields and "AND" not in subfields:  # a nested filter type (``author__name``) is not followed
            params |= _lookup_params(type_, legacy, (graphql_name,), ids, frozenset({type_.name}), regex)
        elif not subfields and (coerce := _leaf(type_, ids)) is not None:  # ``lookups=False``: exact match
            params[legacy] = params[f"{legacy}__exact"] = _Param((graphql_name,), coerce)
    return params


def _order_paths(
    order_type: GraphQLInputObjectType, prefix: str, path: tuple[str, ...], seen: frozenset[str]
) -> dict[str, tuple[str, ...]]:
    """Legacy ordering name (``author__name``) -> GraphQL fields down to the direction enum."""
    paths: dict[str, tuple[str, ...]] = {}
    for graphql_name, field in order_type.fields.items():
        legacy, at = f"{prefix}{_legacy_name(field, graphql_name)}", (*path, graphql_name)
        type_ = get_nullable_type(field.type)
        if isinstance(type_, GraphQLEnumType):
            if not {"ASC", "DESC"} <= set(type_.values):
                raise ImproperlyConfigured(f"`{order_type.name}.{graphql_name}`: `{type_.name}` has no ASC/DESC.")
            paths[legacy] = at
        elif isinstance(type_, GraphQLInputObjectType) and type_.name not in seen:
            paths |= _order_paths(type_, f"{legacy}__", at, seen | {type_.name})
    return paths


@dataclass(frozen=True, slots=True)
class FilterShape:
    """How one list field's ``filters``/``ordering`` arguments are filled from a legacy query string.

    Built once per field; ``translate`` turns ``?title__icontains=sea&tags__in=1,2&ordering=-pages`` into variables.
    """

    filters_argument: str | None
    #: The arguments' types as printed (``BookFilter``, ``[BookOrder!]!``), for variable definitions.
    filters_type: str | None
    ordering_argument: str | None
    ordering_type: str | None
    #: The query parameter carrying the ordering, like ``OrderingFilter.ordering_param``.
    ordering_param: str
    #: Query parameter -> where its value goes in the filter input.
    lookups: Mapping[str, _Param] = attribute(repr=False)
    #: Legacy ordering name -> GraphQL fields down to the direction.
    orderings: Mapping[str, tuple[str, ...]] = attribute(repr=False)

    @classmethod
    def build(
        cls, schema: Schema, field: GraphQLField, *, ordering_param: str = "ordering", regex: bool = False
    ) -> FilterShape | None:
        """Read the field's filter and order input types; ``None`` when it takes neither.

        ``regex`` lets clients send the regex lookups the filter input offers (see ``_regex``).
        """
        args = {name: get_nullable_type(argument.type) for name, argument in field.args.items()}
        filter_type = args.get("filters") if isinstance(args.get("filters"), GraphQLInputObjectType) else None
        # New style ``ordering: [Order!]!`` (one field per item), else old style ``order: Order``.
        ordering = args.get("ordering")
        listed = get_nullable_type(ordering.of_type) if isinstance(ordering, GraphQLList) else None
        ordering_argument: str | None = "ordering" if isinstance(listed, GraphQLInputObjectType) else "order"
        order_type = listed if ordering_argument == "ordering" else args.get("order")
        if not isinstance(order_type, GraphQLInputObjectType):
            ordering_argument, order_type = None, None
        if filter_type is None and ordering_argument is None:
            return None
        lookups = _filter_params(schema, filter_type, regex) if isinstance(filter_type, GraphQLInputObjectType) else {}
        if ordering_argument and (not ordering_param or ordering_param in lookups):
            raise ImproperlyConfigured(f"ordering_param={ordering_param!r} is empty or the name of a filter parameter.")
        return cls(
            "filters" if filter_type else None, str(field.args["filters"].type) if filter_type else None, ordering_argument,
            str(field.args[ordering_argument].type) if ordering_argument else None, ordering_param, lookups,
            _order_paths(order_type, "", (), frozenset({order_type.name})) if order_type else {},
        )

    def parameters(self) -> frozenset[str]:
        """Every query parameter this shape reads, so paginators can tell theirs apart."""
        return frozenset(self.lookups) | ({self.ordering_param} if self.ordering_argument else set())

    def translate(
        self, params: Mapping[str, Sequence[str]], *, default_ordering: str | Sequence[str] | None = None
    ) -> dict[str, Any]:
        """Variables for the filter/ordering arguments, or one ``ValidationError`` naming every bad parameter."""
        errors: dict[str, list[str]] = {}
        variables = {self.filters_argument: self._filters(params, errors)} if self.filters_argument else {}
        if self.ordering_argument:
            variables[self.ordering_argument] = self._ordering(params, default_ordering, errors)
        if errors:
            raise ValidationError(errors)
        return variables

    def _filters(self, params: Mapping[str, Sequence[str]], errors: dict[str, list[str]]) -> dict[str, Any] | None:
        value: dict[str, Any] = {}
        clauses: list[dict[str, Any]] = []
        for name, raw in params.items():
            if (param := self.lookups.get(name)) is None or not raw:
                continue  # like django-filter: parameters it does not know are someone else's
            try:
                read = param.read(raw[-1])  # a repeated parameter: the last one counts, as in a QueryDict
            except _Invalid as exc:
                errors[name] = list(exc.args)
                continue
            if param.alternatives is None:
                _put(value, param.path, read)
                continue
            clauses.append(_any_of(param.path, read))
            if param.alternatives == "distinct":
                value["DISTINCT"] = True
        # ``OR`` joins everything beside it, so each clause sits alone under an ``AND``; further clauses
        # chain through ``NOT: {NOT: ...}``, the filter input's only other slot taking a nested filter.
        holder = value
        for clause in clauses:
            holder = holder.setdefault("NOT", {"NOT": {}})["NOT"] if "AND" in holder else holder
            holder["AND"] = clause
        return value or None

    def _ordering(
        self, params: Mapping[str, Sequence[str]], default: str | Sequence[str] | None, errors: dict[str, list[str]]
    ) -> Any:
        raw = params.get(self.ordering_param)
        terms = [term.strip() for term in raw[-1].split(",") if term.strip()] if raw else []
        if from_default := not terms:  # DRF's CursorPagination.ordering / OrderingFilter.ordering
            terms = [default] if isinstance(default, str) else list(default or ())
        items: dict[str, tuple[tuple[str, ...], str]] = {}
        invalid: list[str] = []
        for term in terms:
            if (path := self.orderings.get(name := term.removeprefix("-"))) is None:
                invalid.append(f'Invalid ordering field "{name}".')
            else:  # the first mention decides, like the ORDER BY it becomes
                items.setdefault(name, (path, "DESC" if term.startswith("-") else "ASC"))
        if invalid and from_default:  # the server's own default: a configuration error, not the client's
            raise ImproperlyConfigured(f"default ordering {default!r}: {' '.join(invalid)}")
        if invalid:
            errors[self.ordering_param] = list(dict.fromkeys(invalid))
        if self.ordering_argument == "ordering":
            return [_put({}, path, direction) for path, direction in items.values()]
        # Old style: one input whose fields, in order, are the ordering.
        start: dict[str, Any] = {}
        return reduce(lambda merged, item: _put(merged, *item), items.values(), start) or None
