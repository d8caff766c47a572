"""Which GraphQL root fields serve which legacy actions, and serving them.

A ``Resource`` sits in ``routepatterns`` where a rest_framework_channels action handler
used to. It is bound to a schema when the consumer class is built: fields are looked up
(or discovered with ``Resource.for_type``), documents generated and validated, and any
misconfiguration raises ``ImproperlyConfigured`` naming the field, before any message.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured, ValidationError as DjangoValidationError
from django.utils.module_loading import import_string
from graphql import GraphQLField, GraphQLList, GraphQLNonNull, GraphQLObjectType, get_named_type

from .exceptions import MethodNotAllowed, NotFound, from_graphql_errors
from .execution import execute
from .operations import RESULT, Operation, build_shape, plan_list, plan_retrieve
from .pagination import BasePagination, Page
from .settings import gql_channels_settings

if TYPE_CHECKING:
    from strawberry import Schema

    from .protocol import LegacyRequest
    from .routing import RouteMatch

#: Legacy actions, in the order rest_framework_channels' generics declare them.
ACTIONS = ("list", "retrieve", "create", "update", "partial_update", "destroy")
#: Actions served on a route capturing the lookup kwarg; the others are served on routes that don't.
DETAIL_ACTIONS = frozenset({"retrieve", "update", "partial_update", "destroy"})
#: strawberry-django's name prefixes for the CUD mutations of a type.
_MUTATION_PREFIXES = {"create": "create", "update": "update", "destroy": "delete"}


def _unwrap(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def _list_item_type(field_: GraphQLField) -> tuple[GraphQLObjectType, bool] | None:
    """``(item type, paginated)`` when ``field_`` is a plain list or an offset-paginated list."""
    type_ = _unwrap(field_.type)
    if isinstance(type_, GraphQLList):
        item = get_named_type(type_)
        return (item, False) if isinstance(item, GraphQLObjectType) else None
    if isinstance(type_, GraphQLObjectType) and {"totalCount", "results"} <= type_.fields.keys():
        item = get_named_type(type_.fields["results"].type)
        if isinstance(item, GraphQLObjectType) and "pagination" in field_.args:
            return item, True
    return None


def _lookup_argument(field_: GraphQLField, item: GraphQLObjectType) -> str | None:
    """The ``pk``/``id`` argument of a single-object field returning ``item``."""
    if _unwrap(field_.type) is not item:
        return None
    for name in ("pk", "id"):
        if name in field_.args:
            others = [a for n, a in field_.args.items() if n != name]
            if all(not isinstance(a.type, GraphQLNonNull) or a.default_value is not None for a in others):
                return name
    return None


class Resource:
    """Names the GraphQL root fields that serve a route's legacy actions.

    ``path("articles/", Resource(list="articles", pagination_class=ArticlePagination))``
    answers ``{"action": "list", "route": "articles/?page=2"}`` from the ``articles`` field.
    """

    def __init__(
        self,
        *,
        list: str | None = None,  # noqa: A002 - the legacy action's name
        retrieve: str | None = None,
        create: str | None = None,
        update: str | None = None,
        destroy: str | None = None,
        pagination_class: type[BasePagination] | None = None,
        fields: Sequence[str] | None = None,
        lookup_url_kwarg: str = "pk",
        type_name: str | None = None,
    ) -> None:
        self.field_names = {"list": list, "retrieve": retrieve, "create": create, "update": update, "destroy": destroy}
        self.pagination_class = pagination_class
        self.fields = builtins.list(fields) if fields is not None else None
        self.lookup_url_kwarg = lookup_url_kwarg
        self.type_name = type_name

    @classmethod
    def for_type(cls, type_name: str, **options: Any) -> Resource:
        """A resource whose fields are discovered from the schema by the type they return.

        The list field (offset-paginated preferred over a plain list), the single-object
        field with a ``pk``/``id`` argument, and the ``create``/``update``/``delete``
        mutations returning the type. Names given in ``options`` win over discovery.
        """
        return cls(type_name=type_name, **options)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # ``path()`` wants a callable; a Resource is served by ActionConsumer, never by Django's views.
        raise TypeError("A Resource is served by gql_channels.ActionConsumer, not as a Django view.")

    def __repr__(self) -> str:
        named = {k: v for k, v in self.field_names.items() if v}
        return f"Resource({self.type_name or named})"

    def bind(self, schema: Schema) -> BoundResource:
        """Resolve the fields on ``schema`` and generate the operations, or raise ``ImproperlyConfigured``."""
        names = self._discover(schema) if self.type_name else dict(self.field_names)
        operations: dict[str, Operation] = {}
        pagination = None
        query_fields = schema._schema.query_type.fields
        if names["list"]:
            list_field = query_fields.get(names["list"])
            found = _list_item_type(list_field) if list_field else None
            if found is None:
                raise ImproperlyConfigured(
                    f"{self!r}: list={names['list']!r} is not a Query field returning a list or an "
                    "offset-paginated list of objects."
                )
            item, paginated = found
            pagination = self._pagination(names["list"], paginated)
            shape = build_shape(schema, item, self.fields)
            operations["list"] = plan_list(schema, names["list"], shape, paginated=paginated)
        if names["retrieve"]:
            single = query_fields.get(names["retrieve"])
            item = get_named_type(single.type) if single else None
            lookup = _lookup_argument(single, item) if isinstance(item, GraphQLObjectType) else None
            if lookup is None:
                raise ImproperlyConfigured(
                    f"{self!r}: retrieve={names['retrieve']!r} is not a Query field returning one "
                    "object with a `pk` or `id` argument."
                )
            shape = build_shape(schema, item, self.fields)
            operations["retrieve"] = plan_retrieve(schema, names["retrieve"], lookup, shape)
        self._check_mutations(schema, names)
        if not operations:
            raise ImproperlyConfigured(f"{self!r} serves no action.")
        return BoundResource(self, schema, operations, pagination)

    def _pagination(self, field_name: str, paginated: bool) -> BasePagination | None:
        pagination_class = self.pagination_class or gql_channels_settings()["DEFAULT_PAGINATION_CLASS"]
        if isinstance(pagination_class, str):
            pagination_class = import_string(pagination_class)
        if not paginated:
            if self.pagination_class is not None:
                raise ImproperlyConfigured(
                    f"{self!r}: `{field_name}` is a plain list; pagination_class needs an "
                    "offset-paginated field (strawberry_django.offset_paginated())."
                )
            return None
        if pagination_class is None:
            raise ImproperlyConfigured(
                f"{self!r}: `{field_name}` is paginated: set pagination_class (or "
                "GQL_CHANNELS['DEFAULT_PAGINATION_CLASS'])."
            )
        pagination = pagination_class()
        pagination.check_configuration(field_name)
        return pagination

    def _discover(self, schema: Schema) -> dict[str, str | None]:
        item = schema._schema.get_type(self.type_name)
        if not isinstance(item, GraphQLObjectType):
            raise ImproperlyConfigured(f"Resource.for_type({self.type_name!r}): the schema has no such object type.")
        names = dict(self.field_names)
        query_fields = schema._schema.query_type.fields
        if not names["list"]:
            lists = [(not found[1], n) for n, f in query_fields.items() if (found := _list_item_type(f)) and found[0] is item]
            names["list"] = min(lists)[1] if lists else None
        if not names["retrieve"]:
            names["retrieve"] = next((n for n, f in query_fields.items() if _lookup_argument(f, item)), None)
        mutation_fields = schema._schema.mutation_type.fields if schema._schema.mutation_type else {}
        for action, prefix in _MUTATION_PREFIXES.items():
            if not names[action]:
                names[action] = next(
                    (n for n, f in mutation_fields.items() if n.startswith(prefix) and _unwrap(f.type) is item),
                    None,
                )
        if not any(names.values()):
            raise ImproperlyConfigured(f"Resource.for_type({self.type_name!r}): no field returns that type.")
        return names

    def _check_mutations(self, schema: Schema, names: dict[str, str | None]) -> None:
        mutation_fields = schema._schema.mutation_type.fields if schema._schema.mutation_type else {}
        for action in ("create", "update", "destroy"):
            name = names[action]
            if name and not isinstance(get_named_type(mutation_fields[name].type) if name in mutation_fields else None, GraphQLObjectType):
                raise ImproperlyConfigured(f"{self!r}: {action}={name!r} is not a Mutation field returning an object.")


@dataclass
class BoundResource:
    """A ``Resource`` resolved on one schema: its operations, ready to serve messages."""

    resource: Resource
    schema: Schema
    operations: dict[str, Operation]
    pagination: BasePagination | None = None

    def actions_for(self, captures: Iterable[str]) -> frozenset[str]:
        """Actions served on a route capturing ``captures``: detail actions need the lookup kwarg."""
        served = frozenset(self.operations)
        if self.resource.lookup_url_kwarg in captures:
            return served & DETAIL_ACTIONS
        return served - DETAIL_ACTIONS

    async def perform(self, request: LegacyRequest, match: RouteMatch, context: Any) -> tuple[int, Any]:
        """Serve one legacy action; return ``(status, data)`` or raise an ``APIException``."""
        if request.action == "list":
            return 200, await self.list(match, context)
        if request.action == "retrieve":
            return 200, await self.retrieve(match, context)
        raise MethodNotAllowed(request.action)

    async def list(self, match: RouteMatch, context: Any) -> Any:
        operation = self.operations["list"]
        reshape = operation.shape.reshape
        if self.pagination is None:
            return [reshape(item) for item in await self._run(operation, {}, context)]

        async def fetch(offset: int, limit: int) -> Page:
            window = {"offset": offset, "limit": limit}
            data = await self._run(operation, {operation.pagination_variable: window}, context)
            page_info = data["pageInfo"]
            return Page(
                count=data["totalCount"],
                offset=page_info["offset"],
                limit=page_info["limit"],
                results=[reshape(item) for item in data["results"]],
            )

        return await self.pagination.paginate(fetch, match.path, match.query_params)

    async def retrieve(self, match: RouteMatch, context: Any) -> Any:
        operation = self.operations["retrieve"]
        shape = operation.shape
        value = match.kwargs[self.resource.lookup_url_kwarg]
        if shape.model is not None:
            try:
                shape.model._meta.pk.to_python(value)
            except DjangoValidationError:
                raise NotFound(shape.not_found_detail) from None
        data = await self._run(operation, {operation.lookup_variable: str(value)}, context)
        return shape.reshape(data)

    async def _run(self, operation: Operation, variables: dict[str, Any], context: Any) -> Any:
        result = await execute(self.schema, operation.source, operation.document, variables, context, operation_type=operation.operation_type)
        if result.errors:
            raise from_graphql_errors(result.errors, not_found=operation.shape.not_found_detail)
        data = result.data[RESULT] if result.data else None
        if data is None:
            raise NotFound(operation.shape.not_found_detail)
        return data
