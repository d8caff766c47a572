"""Compiled legacy writes: a generated create, update or destroy run by its mutation's resolver alone.

A legacy write's mutation is strawberry-django's (``mutations.create``/``update``/``delete``), and
executing its document as GraphQL wraps one call that matters (the mutation's resolver: input
parsing, ``full_clean``, the save) in graphql-core's field execution and completion. When the
mutation field is strawberry-django's own, answers its type (not ``handle_django_errors``' union
with ``OperationInfo``), no schema extension hooks ``resolve`` beyond the optimizer, and every field
selected on what it returns is a plain attribute read (``shapes.plain_reader``, so the execution
would not run the optimizer either), a ``CompiledWrite`` runs the resolver as the execution would
and reads the object it returns with the same plain readers and serializers as the execution's
``PlainAttributeExecutor``. Without field extensions the resolver gets what Strawberry would give it
(graphql-core's coerced variables, the arguments converted as Strawberry converts them, a resolve
info); with them (permissions, ``RelatedKeysLimiter``), Strawberry's own resolver of the GraphQL
field runs, extensions and conversion included. The schema's extensions still see the operation
and its execution.

``GQL_CHANNELS["COMPILED_READS"]`` governs compiled writes as it does reads; with ``"compare"`` the
returned object is also completed by graphql-core (``execution.complete``) and a difference refused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLIsTypeOfFn,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    OperationDefinitionNode,
    get_named_type,
)
from strawberry_django.mutations.fields import (
    DjangoCreateMutation,
    DjangoDeleteMutation,
    DjangoMutationBase,
    DjangoMutationCUD,
    DjangoUpdateMutation,
)
from strawberry_django.optimizer import DjangoOptimizerExtension

from .compiled import plain_schema
from .conversion import ArgumentConversion, plan_conversion
from .root_field import RootField, failed, root_field
from .shapes import RESULT, root_fields, type_fields

if TYPE_CHECKING:
    from strawberry import Schema

    from .operations import Operation

__all__ = ["CompiledWrite", "compile_write"]

#: The generated writes, by action, and the strawberry-django mutation each runs.
_MUTATIONS: dict[str, type[DjangoMutationCUD]] = {
    "create": DjangoCreateMutation,
    "update": DjangoUpdateMutation,
    "partial_update": DjangoUpdateMutation,
    "destroy": DjangoDeleteMutation,
}


@dataclass(frozen=True, slots=True)
class _Read:
    """One selected field of the returned object: its response key, its plain read, GraphQL's serializer."""

    key: str
    read: Callable[[Any, Any], Any]
    serialize: Callable[[Any], Any]
    nullable: bool


@dataclass(frozen=True, slots=True)
class CompiledWrite:
    """How one generated write document runs: its mutation's resolver, then plain reads of what it returns."""

    operation: Operation
    field: DjangoMutationCUD
    reads: tuple[_Read, ...]
    #: The field's arguments, resolved once (strawberry-django builds them on every access), and their conversion.
    conversion: ArgumentConversion
    #: A destroy selects only ``__typename`` (DRF answered it with no data): the returned type's name.
    typename: str | None = None
    #: The returned type's ``is_type_of`` (strawberry-django's), which graphql-core's completion checks first.
    is_type_of: GraphQLIsTypeOfFn | None = None
    _root: list[RootField] = dataclasses.field(default_factory=list, compare=False, repr=False)

    def execute(
        self, schema: Schema, variables: dict[str, Any], context: Any
    ) -> tuple[ExecutionResult | None, Any]:
        """The execution's result, and the object the resolver returned (run inside the extension hooks).

        The result is ``None`` where the object does not read plainly (``None`` where the type says
        non-null, another type, a value its scalar refuses): graphql-core completes it then, so its
        errors are graphql-core's own (``execution.complete``).
        """
        root = root_field(self._root, schema, self.operation, variables)
        if isinstance(root, list):  # the variables do not fit the document: GraphQL's own errors
            return ExecutionResult(data=None, errors=root), None
        coerced = root.coerce(schema, variables)
        if isinstance(coerced, list):
            return ExecutionResult(data=None, errors=coerced), None
        raw_info = root.resolve_info(coerced, context)
        try:
            # As the execution runs a write selecting plain columns (``Operation.needs_optimizer``).
            with DjangoOptimizerExtension.disabled():
                if self.field.extensions:  # Strawberry's resolver: arguments, extensions, then the field's own
                    resolve = root.field_def.resolve
                    assert resolve is not None, "Strawberry gives every field its resolver"
                    returned = resolve(None, raw_info, **root.values(coerced))
                else:
                    info = root.info(schema, self.field, raw_info)
                    returned = self.field.get_result(None, info, [], root.convert(schema, self.conversion, coerced, info))
        except Exception as error:  # noqa: BLE001 - reported as the execution would: an error with its cause
            return failed(root, error), None
        data = self._item(returned, raw_info)
        return (ExecutionResult(data={RESULT: data}, errors=None) if data is not None else None), returned

    def _item(self, returned: Any, info: Any) -> dict[str, Any] | None:
        """``returned`` read plainly, or ``None`` where only graphql-core's completion says what it is."""
        item: dict[str, Any] = {}
        try:
            if returned is None or (self.is_type_of is not None and self.is_type_of(returned, info) is not True):
                return None
            if self.typename is not None:
                return {"__typename": self.typename}
            for read in self.reads:
                value = read.read(returned, None)
                if value is None:
                    if not read.nullable:
                        return None
                    item[read.key] = None
                else:
                    item[read.key] = read.serialize(value)
        except Exception:  # noqa: BLE001 - graphql-core's completion reports it, at the field's path
            return None
        return item


def compile_write(schema: Schema, operation: Operation) -> CompiledWrite | None:
    """The compiled write of a generated create/update/destroy, or ``None`` when it must execute as GraphQL."""
    mutation = _MUTATIONS.get(operation.action or "")
    shape = operation.shape
    if mutation is None or shape is None or operation.operation_info or operation.needs_optimizer:
        return None
    if not plain_schema(schema):
        return None
    field_def = root_fields(schema, operation.operation_type)[operation.field_name]
    field = field_def.extensions.get("strawberry-definition")
    if (
        not isinstance(field, mutation)
        or not all(extension.supports_sync for extension in field.extensions)  # a write runs in its thread
        or field.is_list
        or field.handle_errors
        or field.django_model is not shape.model
        # strawberry-django's own resolver (synchronous, in this thread's transaction); its create()/update() may be a subclass's.
        or type(field).resolver is not mutation.resolver
        or type(field).get_result is not DjangoMutationBase.get_result
        or not isinstance(field_def.type, GraphQLNonNull)
    ):
        return None
    conversion = plan_conversion(schema, field.arguments)
    item = schema._schema.get_type(shape.type_name)
    assert isinstance(item, GraphQLObjectType)
    if _selected(operation) == ["__typename"]:
        return CompiledWrite(operation, field, (), conversion, typename=shape.type_name, is_type_of=item.is_type_of)
    infos = type_fields(schema, item)
    reads = []
    for key in shape.keys:
        info = infos[key]
        read = shape.plain_readers[info.field.resolve]  # every key has one: needs_optimizer is False
        named = get_named_type(info.field.type)
        assert isinstance(named, GraphQLScalarType), "a plain reader reads a scalar"
        serialize = named.serialize
        reads.append(_Read(key, read, serialize, nullable=not isinstance(info.field.type, GraphQLNonNull)))
    return CompiledWrite(operation, field, tuple(reads), conversion, is_type_of=item.is_type_of)


def _selected(operation: Operation) -> list[str]:
    """The names the document selects on its root field."""
    definition = next(d for d in operation.document.definitions if isinstance(d, OperationDefinitionNode))
    root = next(s for s in definition.selection_set.selections if isinstance(s, FieldNode))
    selections = root.selection_set.selections if root.selection_set else ()
    return [s.name.value for s in selections if isinstance(s, FieldNode)]
