"""Run a prepared operation on a Strawberry schema, with the schema's extensions.

``strawberry.Schema.execute`` takes a query *string* and parses and validates it on every
call. Legacy operations are generated, parsed and validated once (``operations.py``), so this
wrapper runs the same steps as ``Schema.execute`` from the execution on: the schema's
extensions still see ``on_operation``/``on_execute`` and resolve hooks (the
strawberry-django optimizer, permission extensions), only parsing and validation are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphql import DocumentNode, ExecutionResult, execute as graphql_execute
from graphql.execution.middleware import MiddlewareManager
from strawberry.execution import optimized_is_awaitable
from strawberry.schema._graphql_core import execution_context_class_kwargs
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType
from strawberry.utils.await_maybe import await_maybe

if TYPE_CHECKING:
    from strawberry import Schema


async def execute(
    schema: Schema,
    source: str,
    document: DocumentNode,
    variables: Mapping[str, Any],
    context: Any,
    *,
    operation_type: OperationType = OperationType.QUERY,
) -> ExecutionResult:
    """Execute an already parsed and validated ``document`` with ``variables``."""
    execution_context = ExecutionContext(
        query=source,
        schema=schema,
        allowed_operations=(operation_type,),
        context=context,
        variables=dict(variables),
    )
    execution_context.graphql_document = document
    execution_context.pre_execution_errors = []
    extensions = schema.get_extensions()
    for extension in extensions:
        extension.execution_context = execution_context
    runner = schema.create_extensions_runner(execution_context, extensions)
    middleware = MiddlewareManager(*(ext for ext in extensions if ext._implements_resolve()))
    async with runner.operation(), runner.executing():
        result = await await_maybe(
            graphql_execute(
                schema._schema,
                document,
                middleware=middleware,
                variable_values=execution_context.variables,
                context_value=context,
                is_awaitable=optimized_is_awaitable,
                **execution_context_class_kwargs(schema.execution_context_class),
            )
        )
        execution_context.result = result
    return result
