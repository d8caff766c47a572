"""Strawberry schema extensions for direct GraphQL clients: document limits in linear time, masked and quiet errors.

Strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` walk a fragment again at every spread of it:
a 1.3 KB document of 30 fragments, each spreading the next twice, is 2^30 walks, synchronously on the event
loop. The limiters here give Strawberry's verdicts, messages and callback values, walking each fragment once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from typing import TypeAlias

import strawberry
import strawberry.extensions
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    Node,
    OperationDefinitionNode,
    SelectionNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import AddValidationRules
from strawberry.extensions.query_depth_limiter import (
    IgnoreContext,
    ShouldIgnoreType,
    get_field_arguments,
    get_field_name,
)
from strawberry.extensions.utils import is_introspection_key
from strawberry.schema.exceptions import (
    CannotGetOperationTypeError,
    InvalidOperationTypeError,
)
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

from .context import LegacyContext

_Node: TypeAlias = OperationDefinitionNode | FragmentDefinitionNode | SelectionNode


def _selections(node: _Node) -> Sequence[SelectionNode]:
    selection_set = getattr(node, "selection_set", None)
    return selection_set.selections if selection_set else ()


def _spread_names(node: _Node, names: list[str]) -> list[str]:
    """The fragments ``node`` spreads itself (not through them), in document order."""
    for selection in _selections(node):
        if isinstance(selection, FragmentSpreadNode):
            names.append(selection.name.value)
        else:
            _spread_names(selection, names)
    return names


class _Fragments:
    """A document's fragments, in an order where each comes after every fragment it spreads.

    A spread closing a cycle (``fragment A on T { ...B } fragment B on T { ...A }``) is recorded in ``cut``
    and counts as empty, so every walk ends: the cycle itself is graphql-core's to report
    (``NoFragmentCycles``). Strawberry cuts a cycle where each path meets it, which costs a walk per path; on
    a document without cycles both agree exactly, and with cycles these walks see a part of Strawberry's.
    """

    def __init__(self, context: ValidationContext, roots: Sequence[_Node]) -> None:
        #: As Strawberry's limiters read them: the last definition of a name wins.
        self.definitions = {
            definition.name.value: definition
            for definition in context.document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.cut: set[tuple[str, str]] = set()
        self.order: list[str] = []
        spreads = {name: list(dict.fromkeys(_spread_names(node, []))) for name, node in self.definitions.items()}
        done: set[str] = set()
        for root in dict.fromkeys(name for node in roots for name in _spread_names(node, [])):
            if root in done or root not in spreads:
                continue
            path = [(root, iter(spreads[root]))]  # without recursion: a chain of spreads may be long
            on_path = {root}
            while path:
                name, targets = path[-1]
                for target in targets:
                    if target in on_path:
                        self.cut.add((name, target))
                    elif target in spreads and target not in done:
                        path.append((target, iter(spreads[target])))
                        on_path.add(target)
                        break
                else:
                    path.pop()
                    on_path.remove(name)
                    done.add(name)
                    self.order.append(name)

    def target(self, spread: FragmentSpreadNode, owner: str | None) -> str | None:
        """The fragment a spread in ``owner`` (a fragment's name, ``None`` in an operation) walks into."""
        name = spread.name.value
        return name if name in self.definitions and (owner, name) not in self.cut else None


# --- depth ------------------------------------------------------------------------------------------


class _Depths:
    """Strawberry's depth of every node of a document, each fragment walked once.

    A node's depth is how many fields with a selection its longest path down passes (itself included),
    through fragments; Strawberry reports every selection it reaches ``max_depth + 1`` such fields deep, once
    per path there.
    """

    def __init__(
        self, context: ValidationContext, operations: Sequence[OperationDefinitionNode], max_depth: int,
        should_ignore: ShouldIgnoreType | None,
    ) -> None:
        self.context = context
        self.max_depth = max_depth
        self.should_ignore = should_ignore
        self.fragments = _Fragments(context, operations)
        #: By ``id()``: nodes hash and compare by content, and they outlive the validation.
        self.depths: dict[int, int] = {}
        self.fragment_depths: dict[str, int] = {}
        for name in self.fragments.order:
            self.fragment_depths[name] = self._depth(self.fragments.definitions[name], name)
        for operation in operations:
            self._depth(operation, None)

    def _depth(self, node: _Node, owner: str | None) -> int:
        if isinstance(node, FragmentSpreadNode):
            target = self.fragments.target(node, owner)
            depth = self.fragment_depths[target] if target else 0
        elif isinstance(node, FieldNode):
            children = () if self._ignored(node) else _selections(node)
            depth = 1 + max(self._depth(child, owner) for child in children) if children else 0
        else:
            depth = max((self._depth(child, owner) for child in _selections(node)), default=0)
        self.depths[id(node)] = depth
        return depth

    def _ignored(self, node: FieldNode) -> bool:
        # The callback sees the node (and the document's context) only: its verdict holds at every spread.
        if is_introspection_key(node.name.value):
            return True
        if self.should_ignore is None:
            return False
        return self.should_ignore(IgnoreContext(get_field_name(node), get_field_arguments(node), node, self.context))

    def too_deep(self, operation: OperationDefinitionNode) -> Iterator[Node]:
        """The nodes Strawberry reports, in its order; subtrees with nothing too deep are skipped."""
        limit = self.max_depth
        stack: list[tuple[Iterator[_Node], int]] = [(iter([operation]), 0)]
        while stack:
            nodes, depth = stack[-1]
            node = next(nodes, None)
            if node is None:
                stack.pop()
            elif depth > limit:
                yield node
            elif depth + self.depths[id(node)] > limit:
                inside = self.fragments.definitions[node.name.value] if isinstance(node, FragmentSpreadNode) else node
                stack.append((iter(_selections(inside)), depth + 1 if isinstance(node, FieldNode) else depth))

    def reported(self, operation: OperationDefinitionNode) -> int:
        """The depth Strawberry's callback receives (past the limit, what its cut-short walk adds up to)."""
        if self.max_depth < 0:
            return 0
        depth = self.depths[id(operation)]
        return depth if depth <= self.max_depth else 2 * self.max_depth + 2


@functools.cache  # one class per configuration: Strawberry's validation cache keys on the rule classes
def _depth_rule(
    max_depth: int, callback: Callable[[dict[str, int]], None] | None, should_ignore: ShouldIgnoreType | None
) -> type[ValidationRule]:
    class DepthLimitValidator(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            # As Strawberry's: one operation per name (the last), reported in the first one's place.
            operations: dict[str, OperationDefinitionNode] = {}
            for definition in context.document.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    operations[definition.name.value if definition.name else "anonymous"] = definition
            depths = _Depths(context, list(operations.values()), max_depth, should_ignore)
            for name, operation in operations.items():
                message = f"'{name}' exceeds maximum operation depth of {max_depth}"
                for node in depths.too_deep(operation):
                    context.report_error(GraphQLError(message, [node]))
            if callable(callback):
                callback({name: depths.reported(operation) for name, operation in operations.items()})
            super().__init__(context)

    return DepthLimitValidator


class QueryDepthLimiter(AddValidationRules):
    """Strawberry's ``QueryDepthLimiter`` (same arguments, errors and callback), in time linear in the document."""

    def __init__(
        self,
        max_depth: int,
        callback: Callable[[dict[str, int]], None] | None = None,
        should_ignore: ShouldIgnoreType | None = None,
    ) -> None:
        if should_ignore is not None and not callable(should_ignore):
            raise TypeError("The `should_ignore` argument to `QueryDepthLimiter` must be a callable.")
        super().__init__([_depth_rule(max_depth, callback, should_ignore)])


# --- aliases ----------------------------------------------------------------------------------------


def _count_aliases(node: _Node, owner: str | None, fragments: _Fragments, counts: dict[str, int]) -> int:
    total = 0
    for selection in _selections(node):
        if isinstance(selection, FragmentSpreadNode):
            target = fragments.target(selection, owner)
            total += counts[target] if target else 0
        else:
            if isinstance(selection, FieldNode) and selection.alias:
                total += 1
            total += _count_aliases(selection, owner, fragments, counts)
    return total


@functools.cache
def _aliases_rule(max_alias_count: int) -> type[ValidationRule]:
    class MaxAliasesValidator(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            operations = [d for d in context.document.definitions if isinstance(d, OperationDefinitionNode)]
            fragments = _Fragments(context, operations)
            # As Strawberry counts: a fragment's aliases once per spread (an int: 2^30 spreads are fine).
            counts: dict[str, int] = {}
            for name in fragments.order:
                counts[name] = _count_aliases(fragments.definitions[name], name, fragments, counts)
            total = sum(_count_aliases(operation, None, fragments, counts) for operation in operations)
            if total > max_alias_count:
                context.report_error(GraphQLError(f"{total} aliases found. Allowed: {max_alias_count}"))
            super().__init__(context)

    return MaxAliasesValidator


class MaxAliasesLimiter(AddValidationRules):
    """Strawberry's ``MaxAliasesLimiter`` (same argument and error), in time linear in the document."""

    def __init__(self, max_alias_count: int) -> None:
        super().__init__([_aliases_rule(max_alias_count)])


# --- errors -----------------------------------------------------------------------------------------

#: What resolvers and Strawberry raise for the client to read.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    GraphQLError,
    ValidationError,
    PermissionDenied,  # also what strawberry-django's permission extensions raise
    ObjectDoesNotExist,
    MissingQueryError,
    CannotGetOperationTypeError,
    InvalidOperationTypeError,
)


def is_unexpected(error: GraphQLError, validation_errors: Sequence[GraphQLError] | None = ()) -> bool:
    """Whether the server, not the client, caused ``error``.

    Validation's errors are the client's even with an ``original_error`` (a scalar refusing a literal).
    """
    original = error.original_error
    if original is None or isinstance(original, EXPECTED_ERRORS):
        return False
    return not any(error is reported for reported in validation_errors or ())


class Schema(strawberry.Schema):
    """Strawberry's ``Schema``, logging with a traceback only the errors the server caused.

    Strawberry logs every error of every operation at ERROR (logger ``strawberry.execution``), with the
    traceback of its ``original_error``: any anonymous client could add a traceback to the log per request
    by sending a document over a limit or data a resolver refuses. Here the client's errors (GraphQL's own,
    ``EXPECTED_ERRORS``) are logged at INFO, one line each; the rest as Strawberry does.
    """

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Without a result, they are the document's (parsing, validation): the client's, whatever raised them.
        validation_errors = errors if execution_context is None or execution_context.result is None else ()
        for error in errors:
            if is_unexpected(error, validation_errors):
                StrawberryLogger.error(error, execution_context)
            else:
                StrawberryLogger.logger.info("A client's error: %s", error.message)


class MaskErrors(strawberry.extensions.MaskErrors):
    """Strawberry's ``MaskErrors``, masking only the errors a GraphQL client was not meant to read.

    Kept: GraphQL's own errors (syntax, validation, variables) and ``EXPECTED_ERRORS``. Masked as
    ``error_message``: anything else, such as a ``DatabaseError`` ("LIKE or GLOB pattern too complex") or a
    ``KeyError``. Strawberry's ``Schema.process_errors`` logs every original with its traceback (logger
    ``strawberry.execution``) before extensions see the result, so nothing more is logged here. A
    ``should_mask_error`` given replaces this choice, as in Strawberry's.

    Legacy executions (a ``LegacyContext``) are left alone: gql_channels answers them by their errors'
    ``original_error`` (``exceptions.from_graphql_errors``) and logs the unexpected ones itself.
    """

    def __init__(
        self, should_mask_error: Callable[[GraphQLError], bool] | None = None, error_message: str = "Unexpected error."
    ) -> None:
        super().__init__(should_mask_error or self.is_unexpected, error_message)
        self._validation_errors: list[GraphQLError] = []

    def is_unexpected(self, error: GraphQLError) -> bool:
        return is_unexpected(error, self._validation_errors)

    def on_validate(self) -> Iterator[None]:
        yield
        self._validation_errors = list(self.execution_context.pre_execution_errors or ())

    def on_operation(self) -> Iterator[None]:
        if isinstance(self.execution_context.context, LegacyContext):
            yield
        else:
            yield from super().on_operation()
