"""Compiled subscription events: a legacy subscriber's event read from the yielded object, not executed.

graphql-core executes a subscription's selection once per event and subscriber: 500 subscribers of
one process, 500 executions of ``{ action pk data }`` on the same ``ModelEvent``. The per-event
part of a Strawberry subscription field is the identity (its resolver and field extensions make the
source stream, which still runs through graphql-core's ``create_source_event_stream``). So when
every selected field of the yielded object type is read by default resolution (Strawberry's own
field, no resolver, no extension, ``getattr`` as the schema's default resolver), each is a scalar,
and no schema extension hooks ``resolve``, the event's data is those attributes coerced by their
scalars: what the execution answers. Whatever does not fit (a ``None`` where the type says non-null,
a missing attribute, a scalar refusing the value) is executed as GraphQL, event by event, so its
errors are GraphQL's own. ``GQL_CHANNELS["COMPILED_READS"]`` governs these as it does reads
(``"compare"`` runs both and refuses a difference).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from inspect import isawaitable
from typing import TYPE_CHECKING, Any

from graphql import FieldNode, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType, OperationDefinitionNode, Undefined
from strawberry.types.field import StrawberryField
from strawberry.types.graphql import OperationType

from .compiled import plain_schema
from .shapes import RESULT, root_fields

if TYPE_CHECKING:
    from strawberry import Schema

    from .operations import Operation

__all__ = ["CompiledEvent", "compile_event"]


@dataclass(frozen=True, slots=True)
class _Leaf:
    """One selected scalar field: its response key, the attribute read, the scalar's output coercion."""

    key: str
    attribute: str
    coerce: Callable[[Any], Any]
    nullable: bool


@dataclass(frozen=True, slots=True)
class CompiledEvent:
    """How one generated subscription document's events are rendered from the yielded objects."""

    operation: Operation
    leaves: tuple[_Leaf, ...]
    #: The object type's ``is_type_of`` (Strawberry sets one on some types): the execution asks it too.
    is_type_of: Callable[[Any, Any], Any] | None

    def render(self, event: Any) -> dict[str, Any] | None:
        """The event's ``data`` as the execution answers it, or ``None``: execute this one as GraphQL."""
        if event is None or (self.is_type_of is not None and self.is_type_of(event, None) is not True):
            return None
        item: dict[str, Any] = {}
        for leaf in self.leaves:
            value = getattr(event, leaf.attribute, None)
            if value is None:
                if not leaf.nullable or not hasattr(event, leaf.attribute):
                    return None
                item[leaf.key] = None
                continue
            if isawaitable(value):
                return None
            try:
                coerced = leaf.coerce(value)
            except Exception:  # noqa: BLE001 - GraphQL reports it, with its own message
                return None
            if coerced is None or coerced is Undefined:
                return None
            item[leaf.key] = coerced
        return {RESULT: item}


def compile_event(schema: Schema, operation: Operation) -> CompiledEvent | None:
    """The compiled rendering of a generated ``subscribe``, or ``None`` when its events must execute as GraphQL."""
    if operation.operation_type is not OperationType.SUBSCRIPTION or not plain_schema(schema):
        return None
    if schema.config.default_resolver is not getattr:
        return None
    root = root_fields(schema, OperationType.SUBSCRIPTION)[operation.field_name]
    returned = root.type.of_type if isinstance(root.type, GraphQLNonNull) else root.type
    if not isinstance(returned, GraphQLObjectType):
        return None  # a list, an interface, a union: only the execution knows
    definition = next(d for d in operation.document.definitions if isinstance(d, OperationDefinitionNode))
    node = next(s for s in definition.selection_set.selections if isinstance(s, FieldNode))
    if node.selection_set is None:
        return None
    leaves: list[_Leaf] = []
    for selection in node.selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.arguments or selection.directives or selection.selection_set:
            return None
        field = returned.fields.get(selection.name.value)
        strawberry_field = field.extensions.get("strawberry-definition") if field is not None else None
        if field is None or type(strawberry_field) is not StrawberryField:
            return None  # __typename, strawberry-django's fields...
        assert isinstance(strawberry_field, StrawberryField)
        if strawberry_field.base_resolver is not None or strawberry_field.extensions:
            return None
        nullable = not isinstance(field.type, GraphQLNonNull)
        scalar = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        if not isinstance(scalar, GraphQLScalarType):
            return None
        key = selection.alias.value if selection.alias else selection.name.value
        leaves.append(_Leaf(key, strawberry_field.python_name, scalar.coerce_output_value, nullable))
    return CompiledEvent(operation, tuple(leaves), returned.is_type_of)
