"""Serving legacy actions with a bound resource: variables in, GraphQL executed, legacy data out.

The counterpart of rest_framework_channels' generic action handlers: ``list``, ``retrieve``,
``create``, ``update``/``partial_update``, ``destroy`` and custom actions, each answered from
the operation generated for it. Writes (``writes.WriteMixin``) run in one thread inside one
transaction, so a failed write changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from graphql import ExecutionResult, GraphQLScalarType, get_named_type
from strawberry import relay
from strawberry.types.graphql import OperationType

from .coercion import INT_MAX, accepts
from .db import database_sync_to_async
from .exceptions import (
    APIException,
    NotFound,
    ValidationError,
    from_graphql_errors,
    from_operation_info,
)
from .execution import (
    NeedsEventLoop,
    execute,
    execute_compiled,
    execute_sync,
    subscribe,
)
from .inputs import model_key
from .operations import OPERATION_INFO, Operation
from .pagination import (
    BasePagination,
    CursorPage,
    CursorPagination,
    Page,
    WebsocketLimitOffsetPagination,
    WindowPagination,
)
from .settings import gql_channels_settings
from .shapes import RESULT, is_int_key
from .writes import WriteMixin

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from django.db import models
    from strawberry import Schema

    from .compiled import CompiledRead
    from .compiled_events import CompiledEvent
    from .compiled_writes import CompiledWrite
    from .dialects import Dialect
    from .protocol import LegacyRequest
    from .resources import Resource
    from .routing import RouteMatch

#: Actions served on a route capturing the lookup kwarg; list and create on routes that don't.
DETAIL_ACTIONS = frozenset({"retrieve", "update", "partial_update", "destroy"})
_COLLECTION_ACTIONS = frozenset({"list", "create"})
#: Served where the resource names a subscription field for that kind of route.
SUBSCRIPTION_ACTIONS = frozenset({"subscribe", "unsubscribe"})
#: Stops a streamed list (``Resource(stream=True)``), named by the list's ``request_id``.
LIST_CANCEL = "list_cancel"


@dataclass
class BoundResource(WriteMixin):
    """A ``Resource`` resolved on one schema: its operations, ready to serve messages."""

    resource: Resource
    schema: Schema
    operations: dict[str, Operation]
    pagination: BasePagination | None = None
    #: ``subscribe`` operations: on detail routes (``True``) and collection routes (``False``).
    subscriptions: dict[bool, Operation] = field(default_factory=dict)
    #: Queries found to reach async resolvers: executed on the event loop from then on.
    on_event_loop: set[str] = field(default_factory=set)
    #: The compiled reads of generated lists and retrieves that can be compiled, by document (``compiled``).
    compiled: dict[str, CompiledRead] = field(default_factory=dict)
    #: The compiled renderings of generated subscriptions' events, by document.
    compiled_events: dict[str, CompiledEvent] = field(default_factory=dict)
    #: The compiled writes of generated creates, updates and destroys that can be compiled, by document.
    compiled_writes: dict[str, CompiledWrite] = field(default_factory=dict)

    @property
    def model(self) -> type[models.Model] | None:
        """The Django model served (what ``DjangoModelPermissions`` checks), if any."""
        return next((op.shape.model for op in self.operations.values() if op.shape and op.shape.model), None)

    def actions_for(self, captures: Iterable[str]) -> frozenset[str]:
        """Actions served on a route capturing ``captures``; custom actions are served on any route."""
        served = frozenset(self.operations)
        detail = self.resource.lookup_url_kwarg in captures
        standard = DETAIL_ACTIONS if detail else _COLLECTION_ACTIONS
        custom = served - DETAIL_ACTIONS - _COLLECTION_ACTIONS
        broadcasts = any(action.broadcasts_on(captures) for action in self.resource.actions.values())
        live = SUBSCRIPTION_ACTIONS if detail in self.subscriptions or broadcasts else frozenset()
        cancel = {LIST_CANCEL} if self.resource.stream and "list" in served and not detail else set()
        return custom | (served & standard) | live | cancel

    def broadcast_groups(self, kwargs: Mapping[str, Any]) -> list[str]:
        """The broadcast groups of this route's custom actions (what ``subscribe`` joins)."""
        groups = (action.broadcast_group(kwargs) for action in self.resource.actions.values())
        return list(dict.fromkeys(group for group in groups if group))

    def served_operations(self, captures: Iterable[str]) -> dict[str, Operation]:
        """Every action served on a route capturing ``captures``, with the operation it runs."""
        detail = self.resource.lookup_url_kwarg in captures
        live = {action: self.subscriptions[detail] for action in SUBSCRIPTION_ACTIONS} if detail in self.subscriptions else {}
        actions = self.actions_for(captures)
        return {action: op for action, op in {**self.operations, **live}.items() if action in actions}

    async def perform(
        self, action: str, request: LegacyRequest, match: RouteMatch, context: Any, dialect: Dialect
    ) -> tuple[int, Any]:
        """Serve one legacy action; return ``(status, data)`` or raise an ``APIException``."""
        operation = self.operations[action]
        if action == "list":
            data = await self.list(operation, match, context, dialect.filter_params(request, match), dialect.page_params(request, match))
        elif action == "retrieve":
            data = await self.retrieve(operation, match, context)
        elif action == "create":
            data = await self.write(operation, await self.translate(operation, request.data, partial=False), context)
        elif action in ("update", "partial_update"):
            partial = action == "partial_update" or request.partial
            pk = self.lookup(match)
            value = {**await self.translate(operation, request.data, partial=partial, pk=pk), **self.key(operation, match)}
            data = await self.write(operation, value, context, pk=pk)
        elif action == "destroy":
            await self.write(operation, self.key(operation, match), context)
            data = None
        else:
            data = await self.custom(operation, dialect.arguments(request, match), context)
        return operation.status, data

    async def stream(
        self, request: LegacyRequest, match: RouteMatch, context: Any, dialect: Dialect
    ) -> AsyncIterator[Any]:
        """The pages of a streamed list (DCRF's ``StreamedPaginatedListMixin``), from the requested offset on."""
        assert isinstance(self.pagination, WebsocketLimitOffsetPagination)
        params = dict(dialect.page_params(request, match))
        filters = dialect.filter_params(request, match)
        while True:
            page = await self.list(self.operations["list"], match, context, filters, params)
            yield page
            following = self.pagination.next_offset(page)
            if following is None:
                return
            params[self.pagination.offset_query_param] = following

    async def subscribe(self, match: RouteMatch, context: Any) -> AsyncIterator[ExecutionResult]:
        """Start the subscription of this route: one object's events, or the filtered list's."""
        detail = self.resource.lookup_url_kwarg in match.kwargs
        operation = self.subscriptions[detail]
        if detail and "retrieve" in self.operations:
            # DRF's get_object(): only an object the client may retrieve is subscribed to (404 otherwise).
            await self.retrieve(self.operations["retrieve"], match, context)
        variables: dict[str, Any] = {}
        if detail:
            variables = {operation.lookup_variable or "pk": self.lookup(match)}
        elif operation.filters is not None and operation.filters.filters_argument:
            argument = operation.filters.filters_argument
            variables = {argument: operation.filters.translate(match.query_params)[argument]}
        plan = self.compiled_events.get(operation.source) if gql_channels_settings()["COMPILED_READS"] else None
        render = plan.render if plan is not None else None
        stream = await subscribe(self.schema, operation.source, operation.document, variables, context, render=render)
        if isinstance(stream, ExecutionResult):
            raise from_graphql_errors(stream.errors or [], not_found=operation.not_found_detail)
        return stream

    async def list(
        self, operation: Operation, match: RouteMatch, context: Any, filters: Mapping[str, Any], params: Mapping[str, Any]
    ) -> Any:
        """One page (or the whole list): ``filters`` feed the filter/ordering arguments, ``params`` the pagination."""
        assert operation.shape is not None, "a list operation renders its items"
        reshape = operation.shape.reshaper()
        base: dict[str, Any] = {}
        if operation.filters is not None:
            ordering = getattr(self.pagination, "ordering", None)
            base = operation.filters.translate(filters, default_ordering=ordering)

        async def run(**paging: Any) -> Any:
            return await self._query(operation, {**base, **paging}, context)

        if self.pagination is None:
            return [reshape(item) for item in await run()]
        if isinstance(self.pagination, CursorPagination):

            # strawberry-django refuses a cursor it cannot decode with a ValueError: the client's 404.
            invalid = NotFound(self.pagination.invalid_cursor_message)

            async def fetch_cursor(**window: Any) -> CursorPage:
                variables = {**base, "first": None, "after": None, "last": None, "before": None, **window}
                sent = window.get("after") or window.get("before")
                data = await self._query(operation, variables, context, refused=(ValueError, invalid) if sent else None)
                info = data["pageInfo"]
                return CursorPage(
                    results=[reshape(edge["node"]) for edge in data["edges"]],
                    start_cursor=info["startCursor"],
                    end_cursor=info["endCursor"],
                    has_next_page=info["hasNextPage"],
                    has_previous_page=info["hasPreviousPage"],
                )

            return await self.pagination.paginate(fetch_cursor, match.path, params)

        async def fetch(offset: int, limit: int) -> Page:
            if offset > INT_MAX:
                # Past what GraphQL's 32-bit Int can ask for, so past the last row: the count, no rows.
                probe = await fetch(0, 0)
                return Page(count=probe.count, offset=offset, limit=probe.limit, results=[])
            if operation.list_kind == "offset":
                data = await run(pagination={"offset": offset, "limit": limit})
                rows, applied = data["results"], data["pageInfo"]["limit"]
            else:
                # A list connection's cursors are offsets: "arrayconnection:<index>".
                after = relay.to_base64("arrayconnection", offset - 1) if offset else None
                data = await run(first=limit, after=after, last=None, before=None)
                rows = [edge["node"] for edge in data["edges"]]
                applied = len(rows) if data["pageInfo"]["hasNextPage"] and len(rows) < limit else limit
            return Page(count=data["totalCount"], offset=offset, limit=applied, results=[reshape(r) for r in rows])

        assert isinstance(self.pagination, WindowPagination)
        return await self.pagination.paginate(fetch, match.path, params)

    async def retrieve(self, operation: Operation, match: RouteMatch, context: Any) -> Any:
        assert operation.shape is not None and operation.lookup_variable is not None, "planned by plan_retrieve"
        data = await self._query(operation, {operation.lookup_variable: self.lookup(match)}, context)
        return operation.shape.reshape(data)

    def lookup(self, match: RouteMatch) -> str:
        """The route's lookup value, 404 when it cannot be a primary key (DRF's ``get_object_or_404``)."""
        return self.primary_key(match.kwargs[self.resource.lookup_url_kwarg])

    def primary_key(self, value: Any) -> str:
        """``value`` as a key of the model served (``" 2"`` -> ``"2"``), or the 404 a missing object gets.

        ``None`` is no key (a dialect reading the key from the message marks a missing one so).
        """
        if value is None:
            raise NotFound(self.not_found_detail)
        model = self.model
        if model is None:
            return str(value)
        try:
            return model_key(model._meta.pk, value)
        except (DjangoValidationError, TypeError, ValueError):
            raise NotFound(self.not_found_detail) from None

    def rendered_key(self, pk: str) -> Any:
        """A key (as events carry it) as this model's objects render it: an int for integer keys."""
        model = self.model
        return int(pk) if model is not None and is_int_key(model._meta.pk) else pk

    def route_kwargs(self, match: RouteMatch) -> dict[str, Any]:
        """The route's kwargs, its lookup value as the model's key: ``books/ 2/`` names book 2's groups."""
        lookup = self.resource.lookup_url_kwarg
        return {**match.kwargs, lookup: self.lookup(match)} if lookup in match.kwargs else dict(match.kwargs)

    def key(self, operation: Operation, match: RouteMatch) -> dict[str, str]:
        """The input field naming the object to change: the route's pk, as a GlobalID if need be."""
        assert operation.input_key is not None, "planned by plan_mutation for update and destroy"
        pk = self.lookup(match)
        if operation.input_key_node_type:
            pk = relay.to_base64(operation.input_key_node_type, pk)
        return {operation.input_key: pk}

    async def custom(
        self, operation: Operation, sources: tuple[Mapping[str, str], Mapping[str, Any]], context: Any
    ) -> Any:
        """A custom action: variables from the route's kwargs first, then from the message, each checked."""
        route, message = sources
        variables: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for name, type_ in operation.variables:
            if name in route:
                value = _from_route(route[name], type_)
            elif name in message:
                value = message[name]
            else:
                if name in operation.required_variables:
                    errors[name] = ["This field is required."]
                continue
            if not accepts(type_, value):
                errors[name] = ["This field may not be null." if value is None else "Invalid value."]
            elif name == self.resource.lookup_url_kwarg:
                self.primary_key(value)  # a key that cannot be a pk: the 404 of retrieve, before anything runs
            variables[name] = value
        if errors:
            raise ValidationError(errors)
        if operation.operation_type is OperationType.MUTATION:
            return await database_sync_to_async(self._write_atomic)(operation, variables, context)
        data = await self._query(operation, variables, context)
        return operation.shape.reshape(data) if operation.shape else data

    async def _query(
        self,
        operation: Operation,
        variables: dict[str, Any],
        context: Any,
        *,
        refused: tuple[type[Exception], APIException] | None = None,
    ) -> Any:
        """Run a query; ``refused`` maps an error type raised by a resolver to the client's answer.

        The whole operation runs in one thread hop (Django resolvers then run synchronously, instead
        of one hop per resolver); an operation that reaches an async resolver runs on the loop.
        """
        arguments = (self.schema, operation.source, operation.document, variables, context)
        kind, plain = operation.operation_type, operation.plain_readers
        result = None
        plan = self.compiled.get(operation.source)
        if plan is not None and gql_channels_settings()["COMPILED_READS"]:
            result = await database_sync_to_async(execute_compiled)(self.schema, plan, variables, context)
        elif operation.source not in self.on_event_loop:
            try:
                result = await database_sync_to_async(execute_sync)(
                    *arguments, operation_type=kind, plain=plain, optimize=operation.needs_optimizer
                )
            except NeedsEventLoop:
                self.on_event_loop.add(operation.source)
        if result is None:
            result = await execute(*arguments, operation_type=kind, plain=plain)
        if refused and result.errors and any(isinstance(e.original_error, refused[0]) for e in result.errors):
            raise refused[1]
        return self._result(operation, result)

    @property
    def not_found_detail(self) -> str:
        """DRF's 404 for the model served (``No Book matches the given query.``), custom actions too."""
        return next((op.not_found_detail for op in self.operations.values() if op.shape), NotFound.default_detail)

    def _result(self, operation: Operation, result: ExecutionResult) -> Any:
        """The root field's data, or the ``APIException`` its errors map to."""
        if result.errors:
            not_found = operation.not_found_detail if operation.shape else self.not_found_detail
            raise from_graphql_errors(result.errors, not_found=not_found)
        if operation.shape is None:
            returned: Any = result.data or {}
            returned = next(iter(returned.values())) if len(returned) == 1 else returned
            for key, convert, _ in operation.key_converters if isinstance(returned, dict) else ():
                if key in returned:
                    returned[key] = convert(returned[key])
            return returned
        data = result.data[RESULT] if result.data else None
        if data is None:
            raise NotFound(operation.not_found_detail)
        if operation.operation_info and data.pop("__typename") == OPERATION_INFO:
            raise from_operation_info(data["messages"], not_found=operation.not_found_detail, fields=operation.input)
        return data


def _from_route(value: Any, type_: Any) -> Any:
    """Route kwargs are strings; an ``Int`` variable gets an int when the string is one."""
    named = get_named_type(type_)
    if isinstance(named, GraphQLScalarType) and named.name == "Int" and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value
