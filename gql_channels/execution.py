"""Run a prepared operation on a Strawberry schema, with the schema's extensions.

``strawberry.Schema.execute`` takes a query *string* and parses and validates it on every
call. Legacy operations are generated, parsed and validated once (``operations.py``), so these
wrappers run the same steps as ``Schema.execute``/``execute_sync`` from the execution on: the
schema's extensions still see ``on_operation``/``on_execute`` and resolve hooks (the
strawberry-django optimizer, permission extensions); only parsing and validation are skipped.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from inspect import isawaitable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from graphql import DocumentNode, ExecutionResult, GraphQLError, get_named_type
from graphql import execute as graphql_execute
from graphql.execution import Executor, create_source_event_stream, execute_subscription_event, map_source_to_response_event
from graphql.execution.executor_throwing_on_incremental import ExecutorThrowingOnIncremental
from graphql.execution.middleware import MiddlewareManager
from strawberry.execution import optimized_is_awaitable
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType
from strawberry_django.optimizer import DjangoOptimizerExtension
from strawberry_django.permissions import DjangoPermissionExtension

from .compiled import Unordered
from .context import LegacyContext
from .hooks import legacy_extensions
from .settings import gql_channels_settings

if TYPE_CHECKING:
    from strawberry import Schema
    from strawberry.extensions import SchemaExtension
    from strawberry.extensions.runner import SchemaExtensionsRunner

    from .compiled import CompiledRead
    from .compiled_writes import CompiledWrite
    from .operations import Operation


class NeedsEventLoop(RuntimeError):
    """The operation reached an async resolver: it cannot run synchronously in a thread."""


@dataclass(frozen=True, slots=True)
class TracedOperation:
    """One execution seen by ``trace()``: the document and the variables it ran with."""

    source: str
    variables: dict[str, Any]


_trace: ContextVar[list[TracedOperation] | None] = ContextVar("gql_channels_trace", default=None)


@contextmanager
def trace() -> Iterator[list[TracedOperation]]:
    """Collect every operation executed in this context (``gql_channels_translate`` shows them)."""
    seen: list[TracedOperation] = []
    token = _trace.set(seen)
    try:
        yield seen
    finally:
        _trace.reset(token)


#: ``_plain_executor`` 's subclass of each schema's executor class, made once.
_executors: dict[Any, type] = {}


def _plain_executor(base: Any) -> type:
    """The schema's graphql-core executor, reading plain model attributes directly.

    ``plain`` maps Strawberry's resolver of a field that only reads a model attribute to that
    read (``shapes.plain_reader``). Most fields of a legacy page are such fields, and
    resolving each through Strawberry's wrappers, the extensions' hooks and graphql-core's
    completion was most of a page's cost. ``None`` still takes the full path (null checks).
    """
    made = _executors.get(base)
    if made is not None:
        return made

    class PlainAttributeExecutor(base):
        def __init__(self, *args: Any, plain: Mapping[Any, Any], **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.plain = plain
            #: Per selection (graphql-core memoizes it per execution): its fields' reads, or None.
            self.plans: dict[int, tuple[Any, list[tuple[str, Any, Any]] | None]] = {}

        def plan(self, parent_type: Any, grouped_field_set: Any) -> list[tuple[str, Any, Any]] | None:
            """(response name, read, serialize) per field when every field is a plain read."""
            cached = self.plans.get(id(grouped_field_set))
            if cached is not None and cached[0] is grouped_field_set:
                return cached[1]
            reads: list[tuple[str, Any, Any]] = []
            for response_name, field_details_list in grouped_field_set.items():
                field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
                read = self.plain.get(field_def.resolve) if field_def is not None else None
                if read is None:
                    break
                reads.append((response_name, read, get_named_type(field_def.type).serialize))
            plan = reads if len(reads) == len(grouped_field_set) else None
            self.plans[id(grouped_field_set)] = (grouped_field_set, plan)
            return plan

        def execute_fields(
            self, parent_type: Any, source_value: Any, path: Any, grouped_field_set: Any, *args: Any
        ) -> Any:
            # A row of plain columns: one loop, not one execute_field/Path/complete_value per field.
            plan = self.plan(parent_type, grouped_field_set) if self.plain else None
            if plan is not None:
                results = {}
                for response_name, read, serialize in plan:
                    value = read(source_value, None)
                    if value is None:  # nulls (and non-null errors) take graphql-core's own path
                        break
                    results[response_name] = serialize(value)
                else:
                    return results
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, *args)

        def execute_field(self, parent_type: Any, source: Any, field_details_list: Any, *args: Any) -> Any:
            field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
            read = self.plain.get(field_def.resolve) if field_def is not None else None
            if read is not None:
                value = read(source, None)
                if value is not None:
                    return get_named_type(field_def.type).serialize(value)
            return super().execute_field(parent_type, source, field_details_list, *args)

    return _executors.setdefault(base, PlainAttributeExecutor)


def _begin(
    schema: Schema, source: str, document: DocumentNode, variables: Mapping[str, Any], context: Any,
    operation_type: OperationType, *, sync: bool, compiled: bool = False,
) -> tuple[ExecutionContext, SchemaExtensionsRunner, list[SchemaExtension]]:
    """The operation's execution context and the schema extensions' runner, as ``Schema.execute`` makes them.

    A legacy execution's runner leaves out the extensions with nothing to do for it (``hooks.py``).
    """
    execution_context = ExecutionContext(
        query=source,
        schema=schema,
        allowed_operations=(operation_type,),
        context=context,
        variables=dict(variables),
    )
    execution_context.graphql_document = document
    execution_context.pre_execution_errors = []
    traced = _trace.get()
    if traced is not None:
        traced.append(TracedOperation(source, dict(variables)))
    extensions = (
        legacy_extensions(schema, sync=sync, compiled=compiled)
        if isinstance(context, LegacyContext)
        else schema.get_extensions(sync=sync)
    )
    for extension in extensions:
        extension.execution_context = execution_context
    return execution_context, schema.create_extensions_runner(execution_context, extensions), extensions


def _start(
    schema: Schema, source: str, document: DocumentNode, variables: Mapping[str, Any], context: Any,
    operation_type: OperationType, *, sync: bool, plain: Mapping[Any, Any],
) -> tuple[ExecutionContext, SchemaExtensionsRunner, dict[str, Any]]:
    """``_begin``, and graphql-core's execution arguments: the extensions' resolve hooks, the plain reads."""
    execution_context, runner, extensions = _begin(schema, source, document, variables, context, operation_type, sync=sync)
    arguments = {
        "middleware": MiddlewareManager(*(ext for ext in extensions if ext._implements_resolve())),
        "variable_values": execution_context.variables,
        "context_value": context,
        "is_awaitable": optimized_is_awaitable,
        "executor_class": _plain_executor(schema.execution_context_class),
        "plain": plain,
    }
    return execution_context, runner, arguments


async def execute(
    schema: Schema, source: str, document: DocumentNode, variables: Mapping[str, Any], context: Any,
    *, operation_type: OperationType = OperationType.QUERY, plain: Mapping[Any, Any] | None = None,
) -> ExecutionResult:
    """Execute an already parsed and validated ``document`` on the event loop."""
    execution_context, runner, arguments = _start(
        schema, source, document, variables, context, operation_type, sync=False, plain=plain or {}
    )
    async with runner.operation(), runner.executing():
        result = graphql_execute(schema._schema, document, **arguments)
        if isawaitable(result):
            result = await result
        execution_context.result = result
    return result


def execute_sync(
    schema: Schema, source: str, document: DocumentNode, variables: Mapping[str, Any], context: Any,
    *, operation_type: OperationType = OperationType.QUERY, plain: Mapping[Any, Any] | None = None,
    optimize: bool = True,
) -> ExecutionResult:
    """Execute in the calling thread, so a caller can wrap the whole operation in a transaction.

    ``optimize=False`` turns strawberry-django's optimizer off for an operation selecting only
    plain columns, where its per-execution analysis costs more than it saves.
    """
    execution_context, runner, arguments = _start(
        schema, source, document, variables, context, operation_type, sync=True, plain=plain or {}
    )
    # As Strawberry's execute_sync: a QuerySet is async-iterable, and must be listed here, not streamed.
    arguments["is_async_iterable"] = _never
    with runner.operation(), runner.executing(), nullcontext() if optimize else DjangoOptimizerExtension.disabled():
        result = graphql_execute(schema._schema, document, **arguments)
        if isawaitable(result):
            getattr(result, "close", lambda: None)()  # never awaited: close the coroutine
            raise NeedsEventLoop(
                f"{execution_context.operation_name} has async resolvers; legacy writes run "
                "synchronously inside a transaction."
            )
        execution_context.result = result
    return result


def execute_compiled(
    schema: Schema, plan: CompiledRead, variables: Mapping[str, Any], context: Any
) -> ExecutionResult:
    """Answer a compiled read in the calling thread, inside the schema extensions' operation hooks.

    ``GQL_CHANNELS["COMPILED_READS"] = "compare"`` executes the document too, and refuses a
    difference between the two results.
    """
    operation = plan.operation
    mode = gql_channels_settings()["COMPILED_READS"]
    execution_context, runner, _ = _begin(
        schema, operation.source, operation.document, variables, context, operation.operation_type, sync=True,
        compiled=True,
    )
    try:
        with runner.operation(), runner.executing():
            result = plan.execute(schema, execution_context.variables or {}, context)
            execution_context.result = result
    except Unordered:  # this message's list has no order: the execution decides it
        return execute_sync(
            schema, operation.source, operation.document, variables, context,
            plain=operation.plain_readers, optimize=operation.needs_optimizer,
        )
    if mode == "compare":
        executed = execute_sync(
            schema, operation.source, operation.document, variables, context,
            plain=operation.plain_readers, optimize=operation.needs_optimizer,
        )
        if not _same_result(result, executed):
            raise AssertionError(
                f"The compiled read of {operation.source!r} differs from its execution with {dict(variables)!r}: "
                f"{result.data!r} {result.errors!r} != {executed.data!r} {executed.errors!r}"
            )
    return result


def execute_compiled_write(
    schema: Schema, plan: CompiledWrite, variables: Mapping[str, Any], context: Any
) -> ExecutionResult:
    """Run a compiled write in the calling thread (inside the caller's transaction) and its extension hooks.

    ``GQL_CHANNELS["COMPILED_READS"] = "compare"`` completes the object the mutation returned through
    graphql-core too (``complete``), and refuses a difference between the two results.
    """
    operation = plan.operation
    execution_context, runner, _ = _begin(
        schema, operation.source, operation.document, variables, context, operation.operation_type, sync=True,
        compiled=True,
    )
    with runner.operation(), runner.executing():
        result, returned = plan.execute(schema, execution_context.variables or {}, context)
        read_plainly = result is not None
        if result is None:
            result = complete(schema, operation, variables, context, returned)
        execution_context.result = result
    # Read plainly from an object the resolver returned (not its error): what graphql-core completes it as.
    if read_plainly and returned is not None and gql_channels_settings()["COMPILED_READS"] == "compare":
        completed = complete(schema, operation, variables, context, returned)
        if result.data != completed.data or _errors(result) != _errors(completed):
            raise AssertionError(
                f"The compiled write of {operation.source!r} differs from its execution with {dict(variables)!r}: "
                f"{result.data!r} {result.errors!r} != {completed.data!r} {completed.errors!r}"
            )
    return result


def complete(
    schema: Schema, operation: Operation, variables: Mapping[str, Any], context: Any, returned: Any
) -> ExecutionResult:
    """The execution of a mutation's document whose root field answers ``returned``: how graphql-core completes it.

    Inside the operation's extension hooks already; the only resolve hook a compiled write allows is the
    optimizer's, off for a write selecting plain columns.
    """

    def answer(next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        return returned if info.path.prev is None else next_(source, info, **kwargs)

    arguments: dict[str, Any] = {
        "middleware": MiddlewareManager(answer),
        "variable_values": dict(variables),
        "context_value": context,
        "is_awaitable": optimized_is_awaitable,
        "is_async_iterable": _never,
        "executor_class": _plain_executor(schema.execution_context_class),
        "plain": operation.plain_readers,
    }
    with DjangoOptimizerExtension.disabled():
        result = graphql_execute(schema._schema, operation.document, **arguments)
    assert not isawaitable(result), "the root field answers an object, its selection plain columns"
    return result


def _errors(result: ExecutionResult) -> list[tuple[str, Any, type]]:
    return [(error.message, error.path, type(error.original_error)) for error in result.errors or ()]


def _same_result(compiled: ExecutionResult, executed: ExecutionResult) -> bool:
    """The same data, or errors caused by the same exception types."""
    if compiled.errors or executed.errors:
        causes = [type(e.original_error) for e in compiled.errors or []]
        return compiled.data == executed.data and causes == [type(e.original_error) for e in executed.errors or []]
    return compiled.data == executed.data


async def subscribe(
    schema: Schema,
    source: str,
    document: DocumentNode,
    variables: Mapping[str, Any],
    context: Any,
    *,
    render: Callable[[Any], dict[str, Any] | None] | None = None,
) -> AsyncIterator[ExecutionResult] | ExecutionResult:
    """Start a prepared subscription: its event stream, or the result carrying why it could not start.

    ``render`` (a ``CompiledEvent``'s) gives an event's data without executing the selection; an event
    it returns ``None`` for is executed. With ``GQL_CHANNELS["COMPILED_READS"] = "compare"`` both run.
    """
    traced = _trace.get()
    if traced is not None:
        traced.append(TracedOperation(source, dict(variables)))
    executor = subscription_executor(schema, document, context_value=context, variable_values=dict(variables))
    if isinstance(executor, list):  # the variables do not fit the document
        return ExecutionResult(data=None, errors=executor)
    stream = create_source_event_stream(executor)
    if isawaitable(stream):
        stream = await stream
    if isinstance(stream, ExecutionResult):  # the resolver's error
        return stream
    if render is None:
        return map_source_to_response_event(executor, stream, execute_subscription_event)
    compare = gql_channels_settings()["COMPILED_READS"] == "compare"
    return map_source_to_response_event(executor, stream, functools.partial(_rendered, render, compare))


def subscription_executor(
    schema: Schema, document: DocumentNode, *, context_value: Any, variable_values: dict[str, Any]
) -> Executor | list[GraphQLError]:
    """graphql-core's executor of a subscription, as its ``subscribe`` builds it (or the variables' errors)."""
    return (schema.execution_context_class or ExecutorThrowingOnIncremental).build(
        schema._schema, document, context_value=context_value, raw_variable_values=variable_values
    )


def _rendered(render: Callable[[Any], dict[str, Any] | None], compare: bool, executor: Executor) -> Any:
    """One event's result: rendered when ``render`` can, executed otherwise (or as well, to compare)."""
    data = render(executor.root_value)
    if data is None:
        return execute_subscription_event(executor)
    if compare:
        executed = execute_subscription_event(executor)
        if isawaitable(executed) or executed.errors or executed.data != data:
            getattr(executed, "close", lambda: None)()
            raise AssertionError(f"The compiled event {data!r} differs from its execution: {executed!r}")
    return ExecutionResult(data=data, errors=None)


def _never(value: Any) -> bool:
    return False


def deny_instead_of_failing_silently() -> None:
    """Make strawberry-django permission extensions raise for legacy clients.

    A list field guarded with ``fail_silently=True`` answers ``[]`` to a GraphQL client that may
    not see it; a legacy client was answered 403 by its permission classes, so for executions
    with a ``LegacyContext`` the extension raises ``PermissionDenied`` instead. Other clients
    keep the extension's own behaviour. Idempotent.
    """
    handle = DjangoPermissionExtension.handle_no_permission
    if getattr(handle, "_gql_channels", False):
        return

    @functools.wraps(handle)
    def handle_no_permission(self: DjangoPermissionExtension, exception: BaseException, *, info: Any) -> Any:
        if isinstance(info.context, LegacyContext):
            raise PermissionDenied(self.message) from exception
        return handle(self, exception, info=info)

    handle_no_permission._gql_channels = True  # type: ignore[attr-defined]
    DjangoPermissionExtension.handle_no_permission = handle_no_permission  # type: ignore[method-assign]
