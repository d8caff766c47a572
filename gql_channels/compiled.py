"""Compiled legacy reads: a generated list or retrieve answered without completing GraphQL field by field.

A legacy page selects the same columns of the same rows every time. When every selected field is a
model column or a relation's key that strawberry-django would read with its default resolution (no
resolver of its own, no permission or other field extension, no ``get_queryset`` on a related type),
and no schema extension hooks ``resolve`` beyond strawberry-django's optimizer, the execution's
result is known from the rows alone. A ``CompiledRead`` then runs the root field's own queryset
construction — its type's ``get_queryset``, permission filtering, filters, ordering and pagination,
through strawberry-django's functions (``StrawberryDjangoField.get_queryset``, the paginated type's
``resolve_paginated``), with the operation's variables coerced and converted by graphql-core and
Strawberry as the execution would — and reads the rows with ``values_list()`` straight into the data
GraphQL would have answered: what ``ItemShape.reshape`` renders for both paths. The schema's
extensions still see the operation and its execution (``on_operation``/``on_execute``).

The idea is graphql-jit's and Hasura's: decide once, per generated document, what can be compiled;
run everything else as before. ``GQL_CHANNELS["COMPILED_READS"] = "compare"`` runs both and refuses
a difference (the differential tests do).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import MultipleObjectsReturned
from django.db import models
from graphql import (
    ExecutionResult,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLString,
    OperationDefinitionNode,
    get_named_type,
    specified_scalar_types,
    type_from_ast,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import Info
from strawberry.types.graphql import OperationType
from strawberry_django.fields.field import (
    StrawberryDjangoField,
    StrawberryOffsetPaginatedExtension,
)
from strawberry_django.optimizer import DjangoOptimizerExtension
from strawberry_django.utils.typing import get_django_definition

from .conversion import ArgumentConversion, plan_conversion
from .paginated import TOTAL_COUNT
from .root_field import RootField, failed, root_field
from .shapes import PK, RESULT, root_fields, type_fields

if TYPE_CHECKING:
    from strawberry import Schema

    from .operations import Operation

__all__ = ["CompiledRead", "Unordered", "compile_read"]

#: Django's ``get()`` reads at most this many rows to tell "more than one" (``MAX_GET_RESULTS``).
_GET_ROWS = 21
#: How many variables' converted arguments a plan keeps (the pages clients ask most, in practice).
_REMEMBERED = 256
#: Scalars whose parsed values are immutable and depend on the value alone: Strawberry's and GraphQL's own.
_PURE_SCALARS = frozenset(specified_scalar_types) | {"Date", "DateTime", "Time", "Decimal", "UUID"}


#: Django fields whose non-null column values always read as the Python type the scalar serializes as itself.
_AS_READ = ((models.CharField, GraphQLString), (models.TextField, GraphQLString), (models.BooleanField, GraphQLBoolean))


class Unordered(Exception):
    """A list without an order: only executing it tells the order its client gets."""


@dataclass(frozen=True, slots=True)
class _Column:
    """One selected field read from the row: its response key, the model attribute, GraphQL's serializer."""

    key: str
    attname: str
    #: ``None`` where GraphQL's serializer returns every value the column reads unchanged (``_column_serializer``).
    serialize: Callable[[Any], Any] | None
    #: ``{pk: <key>}`` for a to-one relation's key, as the generated selection asks it.
    relation: bool
    nullable: bool


@dataclass(frozen=True, slots=True)
class _ToMany:
    """A many-to-many field's related keys: ``[{pk: <key>}, ...]``, in the related model's order."""

    key: str
    related: type[models.Model]
    #: The lookup from the related model back to the owner (``books`` for ``Book.tags``).
    back: str
    serialize: Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class CompiledRead:
    """How one generated list/retrieve document's data is read from the rows."""

    operation: Operation
    field: StrawberryDjangoField
    model: type[models.Model]
    columns: tuple[_Column, ...]
    to_many: tuple[_ToMany, ...]
    #: ``"list"``, ``"offset"`` (an offset-paginated field) or ``"retrieve"``.
    kind: str
    #: How the root field's arguments are converted (``gql_channels.conversion``).
    conversion: ArgumentConversion
    #: The converted arguments of recent variables are shared (``shared_arguments``): by the variables.
    shared_arguments: bool = False
    arguments: dict[Any, tuple[Any, dict[str, Any]]] = dataclasses.field(default_factory=dict, compare=False, repr=False)
    _root: list[RootField] = dataclasses.field(default_factory=list, compare=False, repr=False)

    def execute(self, schema: Schema, variables: dict[str, Any], context: Any) -> ExecutionResult:
        """The execution's result, from the rows (run inside the operation's extension hooks)."""
        root = root_field(self._root, schema, self.operation, variables)
        if isinstance(root, list):  # the variables do not fit the document: GraphQL's own errors
            return ExecutionResult(data=None, errors=root)
        key = _frozen(variables) if self.shared_arguments else None
        remembered = self.arguments.get(key) if key is not None else None
        if remembered is None:
            coerced = root.coerce(schema, variables)
            if isinstance(coerced, list):
                return ExecutionResult(data=None, errors=coerced)
        else:
            coerced, kwargs = remembered
        info = root.info(schema, self.field, root.resolve_info(coerced, context))
        try:
            if remembered is None:
                kwargs = root.convert(schema, self.conversion, coerced, info)
                if key is not None:
                    self._remember(key, (coerced, kwargs))
            with DjangoOptimizerExtension.disabled():
                data = self._read(info, kwargs)
        except Unordered:
            raise
        except Exception as error:  # noqa: BLE001 - reported as the execution would: an error with its cause
            return failed(root, error)
        return ExecutionResult(data={RESULT: data}, errors=None)

    def _remember(self, key: Any, value: tuple[Any, dict[str, Any]]) -> None:
        if len(self.arguments) >= _REMEMBERED:
            try:
                del self.arguments[next(iter(self.arguments))]
            except (KeyError, RuntimeError, StopIteration):  # another thread got there first
                pass
        self.arguments[key] = value

    def _read(self, info: Info, kwargs: dict[str, Any]) -> Any:
        def queryset(source: Any, info: Info, **kwargs: Any) -> models.QuerySet:
            built = self.field.get_queryset(self.model._default_manager.all(), info, **kwargs)
            if self.kind != "retrieve" and not built.ordered:
                raise Unordered  # its rows come in whatever order each query's plan gives
            return built

        if self.kind == "offset":
            extension = next(e for e in self.field.extensions if isinstance(e, StrawberryOffsetPaginatedExtension))
            paginated = extension.resolve(queryset, None, info, **kwargs)
            page = paginated.get_paginated_queryset()
            counted = page is not None and TOTAL_COUNT in page.query.annotations
            rows = self._rows(page, extra=(TOTAL_COUNT,) if counted else ()) if page is not None else []
            total = rows[0][1][0] if counted and rows else paginated.get_total_count()
            info_field = type(paginated).__strawberry_definition__.get_field("page_info")
            page_info = info_field.base_resolver(paginated)
            return {
                "results": [item for item, _ in rows],
                "totalCount": total,
                "pageInfo": {"offset": page_info.offset, "limit": page_info.limit},
            }
        if self.kind == "list":
            return [item for item, _ in self._rows(queryset(None, info, **kwargs))]
        built = queryset(None, info, **kwargs)
        limited = built.query.high_mark is not None and built.query.high_mark - built.query.low_mark <= _GET_ROWS
        found = self._rows(built if limited else built[:_GET_ROWS])  # strawberry-django's get() limit, or ours
        if not found:
            # The model's own DoesNotExist, as QuerySet.get() raises it (django-stubs know it on concrete models only).
            raise cast(Any, self.model).DoesNotExist(f"{self.model._meta.object_name} matching query does not exist.")
        if len(found) > 1:
            raise MultipleObjectsReturned(f"get() returned more than one {self.model._meta.object_name}.")
        return found[0][0]

    def _rows(self, queryset: models.QuerySet, extra: Sequence[str] = ()) -> list[tuple[dict[str, Any], tuple[Any, ...]]]:
        """Each row as the GraphQL data of its item, with the ``extra`` annotations read beside it."""
        names = [column.attname for column in self.columns]
        width = len(names)
        rows = list(queryset.values_list("pk", *names, *extra))
        keyed: dict[str, dict[Any, list[Any]]] = {}
        if self.to_many and rows:
            pks = [row[0] for row in rows]
            for many in self.to_many:
                related: dict[Any, list[Any]] = {pk: [] for pk in pks}
                links = many.related._default_manager.filter(**{f"{many.back}__in": pks}).values_list(many.back, "pk")
                for owner, key in links:
                    related[owner].append({PK: many.serialize(key)})
                keyed[many.key] = related
        items = []
        for row in rows:
            item: dict[str, Any] = {}
            for column, value in zip(self.columns, row[1:width + 1], strict=True):
                if value is None:
                    if not column.nullable:
                        raise TypeError(f"Cannot return null for non-nullable field {column.key}.")
                    item[column.key] = None
                else:
                    if column.serialize is not None:
                        value = column.serialize(value)
                    item[column.key] = {PK: value} if column.relation else value
            for many in self.to_many:
                item[many.key] = keyed[many.key][row[0]]
            items.append((item, row[width + 1:]))
        return items


def plain_schema(schema: Schema) -> bool:
    """No schema extension hooks ``resolve`` but strawberry-django's optimizer (which compiled reads do not need),
    no exception handler turns a resolver's error into a result, and the executor is Strawberry's own (a
    subclass's execution or completion would be passed by)."""
    return (
        schema.execution_context_class in (None, StrawberryGraphQLCoreExecutionContext)
        and not getattr(schema.schema_converter, "_exception_handler_specs", None)
        and all(
            isinstance(extension, DjangoOptimizerExtension) or not extension._implements_resolve()
            for extension in schema.get_extensions(sync=True)
        )
    )


def _django_field(field: Any, allowed: tuple[type, ...] = ()) -> StrawberryDjangoField | None:
    """A strawberry-django field read by default resolution, with no extension but ``allowed`` ones."""
    if (
        isinstance(field, StrawberryDjangoField)
        and field.base_resolver is None
        and all(isinstance(extension, allowed) for extension in field.extensions)
    ):
        return field
    return None


def compile_read(schema: Schema, operation: Operation) -> CompiledRead | None:
    """The compiled read of a generated ``list``/``retrieve``, or ``None`` when it must execute as GraphQL."""
    shape = operation.shape
    if shape is None or shape.model is None or not plain_schema(schema):
        return None
    if operation.action == "list" and operation.list_kind in ("list", "offset"):
        kind = operation.list_kind
    elif operation.action == "retrieve":
        kind = "retrieve"
    else:
        return None
    field_def = root_fields(schema, OperationType.QUERY)[operation.field_name]
    allowed = (StrawberryOffsetPaginatedExtension,) if kind == "offset" else ()
    field = _django_field(field_def.extensions.get("strawberry-definition"), allowed)
    if field is None or field.django_model is not shape.model:
        return None
    item = schema._schema.get_type(shape.type_name)
    assert isinstance(item, GraphQLObjectType)
    infos = type_fields(schema, item)
    columns: list[_Column] = []
    to_many: list[_ToMany] = []
    for key in shape.keys:
        info = infos[key]
        model_field = info.model_field
        if model_field is None or not getattr(model_field, "concrete", False):
            return None
        field_type = info.field.type
        nullable = not isinstance(field_type, GraphQLNonNull)
        named = get_named_type(field_type)
        if not model_field.is_relation:
            if info.field.resolve not in shape.plain_readers or not isinstance(named, GraphQLScalarType):
                return None  # computed, choices, extensions...: only GraphQL knows
            serialize = _column_serializer(named, model_field)
            columns.append(_Column(key, model_field.attname, serialize, relation=False, nullable=nullable))
            continue
        related = model_field.related_model
        if _django_field(info.field.extensions.get("strawberry-definition")) is None or info.field.args:
            return None
        if not isinstance(related, type) or not issubclass(related, models.Model):
            return None
        related_key = _related_key_serializer(schema, named, related)
        if related_key is None:
            return None
        if model_field.many_to_one or model_field.one_to_one:
            columns.append(_Column(key, model_field.attname, related_key, relation=True, nullable=nullable))
        elif isinstance(model_field, models.ManyToManyField) and related._meta.ordering:
            # Unordered related rows come in whatever order each query's plan gives: nothing to match.
            back = model_field.related_query_name()
            to_many.append(_ToMany(key, related, back, related_key))
        else:
            return None
    shared = _shared_arguments(schema, operation)
    conversion = plan_conversion(schema, field.arguments)
    return CompiledRead(operation, field, shape.model, tuple(columns), tuple(to_many), kind, conversion, shared)


def _shared_arguments(schema: Schema, operation: Operation) -> bool:
    """Whether executions may share converted arguments: worth it (an input object to build) and safe.

    Safe when what conversion makes depends on the variables alone: inputs built by Strawberry's
    own conversion (no ``from_input`` hook, which sees the request), enums, and scalars parsing to
    immutable values.
    """
    definition = next(d for d in operation.document.definitions if isinstance(d, OperationDefinitionNode))
    seen: set[str] = set()

    def pure(graphql_type: Any) -> bool:
        named = get_named_type(graphql_type)
        if isinstance(named, GraphQLEnumType):
            return True
        if isinstance(named, GraphQLScalarType):
            return named.name in _PURE_SCALARS
        if not isinstance(named, GraphQLInputObjectType):
            return False
        if named.name in seen:
            return True
        seen.add(named.name)
        origin = schema.get_type_by_name(named.name)
        if getattr(origin, "from_input", None) is not None:
            return False
        return all(pure(input_field.type) for input_field in named.fields.values())

    types = [type_from_ast(schema._schema, variable.type) for variable in definition.variable_definitions or ()]
    return all(t is not None and pure(t) for t in types) and bool(seen)


def _frozen(value: Any) -> Any:
    """A hashable key of JSON-like variables, telling ``1``, ``1.0``, ``true`` apart (``None``: not JSON-like)."""
    if isinstance(value, dict):
        items = tuple((name, _frozen(item)) for name, item in value.items())
        return None if any(item is None for _, item in items) else ("{", items)
    if isinstance(value, list):
        items = tuple(_frozen(item) for item in value)
        return None if any(item is None for item in items) else ("[", items)
    if isinstance(value, float):
        return (float, value.hex())  # -0.0 is not 0.0
    if value is None or isinstance(value, (str, int)):
        return (type(value), value)
    return None


def _column_serializer(named: GraphQLScalarType, model_field: Any) -> Callable[[Any], Any] | None:
    """GraphQL's serializer of a column, or ``None`` where it would return each value read unchanged: text
    and boolean columns of Django's own fields (no ``from_db_value``) always read as ``str`` and ``bool``."""
    if any(type(model_field) is field and named is scalar for field, scalar in _AS_READ):
        return None
    return named.serialize


def _related_key_serializer(schema: Schema, related: Any, model: type[models.Model]) -> Callable[[Any], Any] | None:
    """GraphQL's serializer of the related type's key field, when strawberry-django reads it plainly and the
    type restricts nothing (no ``get_queryset``: the related rows a relation returns are every linked row)."""
    if not isinstance(related, GraphQLObjectType):
        return None
    definition = schema.get_type_by_name(related.name)
    origin = getattr(definition, "origin", None)
    django = get_django_definition(origin) if origin is not None else None
    if django is None or django.model is not model or hasattr(origin, "get_queryset"):
        return None
    infos = type_fields(schema, related)
    pk_name = model._meta.pk.name
    key = infos.get(pk_name)
    if key is None or key.global_id or _django_field(key.field.extensions.get("strawberry-definition")) is None:
        return None
    named = get_named_type(key.field.type)
    return named.serialize if isinstance(named, GraphQLScalarType) else None
