"""A generated document's root field, resolved once: where a compiled plan starts instead of an execution.

A compiled read or write runs the root field's own work (its queryset construction, its mutation's
resolver) without graphql-core's execution around it. What that execution would have handed the
field, this gives: the variables coerced by graphql-core, the arguments converted as Strawberry
converts them (``conversion``), a
resolve info as graphql-core builds it (made once per document, with each message's variables and
context put in), and an error located as graphql-core locates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLField,
    GraphQLResolveInfo,
    OperationDefinitionNode,
    located_error,
)
from graphql.execution import Executor
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.pyutils import Path
from strawberry.execution import optimized_is_awaitable
from strawberry.types.graphql import OperationType

from .shapes import RESULT

if TYPE_CHECKING:
    from strawberry import Schema
    from strawberry.types import Info
    from strawberry.types.field import StrawberryField

    from .conversion import ArgumentConversion
    from .operations import Operation

__all__ = ["RootField", "failed", "root_field"]


@dataclass(frozen=True, slots=True)
class RootField:
    """A generated document's root field: what every execution of it starts from."""

    definition: OperationDefinitionNode
    node: FieldNode
    field_def: GraphQLField
    #: The resolve info of the root field, but for the variables and the context.
    template: GraphQLResolveInfo

    def coerce(self, schema: Schema, variables: dict[str, Any]) -> VariableValues | list[GraphQLError]:
        """The variables as graphql-core's ``Executor.build`` coerces them, or their errors."""
        return get_variable_values(schema._schema, self.definition.variable_definitions or (), variables, max_errors=50)

    @staticmethod
    def info(schema: Schema, field: StrawberryField, resolve_info: GraphQLResolveInfo) -> Info:
        """Strawberry's info of the root field around ``resolve_info`` (the schema's ``config.info_class``)."""
        return schema.config.info_class(_raw_info=resolve_info, _field=field)

    def resolve_info(self, coerced: VariableValues, context: Any) -> GraphQLResolveInfo:
        """graphql-core's resolve info as Strawberry's executor builds it (the variables a plain dict)."""
        # Strawberry's resolvers get the plain coerced dict, not graphql-core's VariableValues container.
        return self.template._replace(variable_values=cast(Any, coerced.coerced), context=context)

    def values(self, coerced: VariableValues) -> dict[str, Any]:
        """The root field's argument values, as graphql-core hands them to the field's resolver."""
        return get_argument_values(self.field_def, self.node, coerced)

    def convert(self, schema: Schema, conversion: ArgumentConversion, coerced: VariableValues, info: Info) -> dict[str, Any]:
        """The root field's arguments as Strawberry hands them to its resolver."""
        return conversion.convert(schema, self.values(coerced), info)


def root_field(
    cache: list[RootField], schema: Schema, operation: Operation, variables: dict[str, Any]
) -> RootField | list[GraphQLError]:
    """The document's root field and its resolve info, made once into ``cache`` (racing threads make equal ones)."""
    if not cache:
        definition = next(d for d in operation.document.definitions if isinstance(d, OperationDefinitionNode))
        node = next(s for s in definition.selection_set.selections if isinstance(s, FieldNode))
        # The schema's executor (Strawberry's), as its execution builds the resolve info a resolver sees.
        executor_class = schema.execution_context_class or Executor
        executor = executor_class.build(
            schema._schema, operation.document, raw_variable_values=variables, is_awaitable=cast(Any, optimized_is_awaitable)
        )
        if isinstance(executor, list):
            return executor
        mutation = operation.operation_type is OperationType.MUTATION
        root_type = schema._schema.mutation_type if mutation else schema._schema.query_type
        assert root_type is not None, "a compiled plan's document is a generated query or mutation"
        field_def = root_type.fields[operation.field_name]
        info = executor.build_resolve_info(field_def, [node], root_type, Path(None, RESULT, root_type.name))
        cache.append(RootField(definition, node, field_def, info))
    return cache[0]


def failed(root: RootField, error: Exception) -> ExecutionResult:
    """An execution's result when its root field raised ``error``: located as graphql-core locates it."""
    return ExecutionResult(data=None, errors=[located_error(error, [root.node], [RESULT])])
