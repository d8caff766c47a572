"""Which GraphQL root fields serve which legacy actions.

A ``Resource`` sits in ``routepatterns`` where a rest_framework_channels action handler
used to. It is bound to a schema when the consumer class is built: fields are looked up
(or discovered with ``Resource.for_type``), documents generated and validated, and any
misconfiguration raises ``ImproperlyConfigured`` naming the field, before any message.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from string import Formatter
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.urls import URLPattern, path
from django.utils.module_loading import import_string
from graphql import (
    GraphQLInputObjectType,
    GraphQLObjectType,
    get_named_type,
)
from strawberry.types.graphql import OperationType

from .compiled import compile_read
from .compiled_events import compile_event
from .compiled_writes import compile_write
from .discovery import ListField, discover, key_field, list_field, lookup_argument, mutation_item
from .filtering import FilterShape
from .groups import group_safe
from .handlers import SUBSCRIPTION_ACTIONS, BoundResource
from .inputs import InputShape
from .operations import Operation, plan_custom, plan_list, plan_mutation, plan_retrieve, plan_subscription
from .pagination import (
    BasePagination,
    CursorPagination,
    PageNumberPagination,
    WebsocketLimitOffsetPagination,
)
from .settings import gql_channels_settings
from .shapes import build_shape, is_global_id, lookup_names, root_fields

if TYPE_CHECKING:
    from strawberry import Schema

    from .permissions import PermissionClass

@dataclass(frozen=True, slots=True)
class Action:
    """A custom legacy action served by a root field, or by a GraphQL document of your own.

    ``Resource(actions={"publish": Action("publishBook")})`` answers ``{"action": "publish", "route":
    "books/3/"}`` (or DCRF's ``{"action": "publish", "pk": 3}``) with the field's result rendered like
    ``retrieve``: its arguments are variables filled from the route's kwargs, then from ``data``
    (DCRF: the message's keys). ``Action("mutation Publish($pk: ID!) { publishBook(pk: $pk) { id } }")``
    runs that document instead; the reply's ``data`` is its root field's result (integer keys as ints).

    ``broadcast="book-{pk}"`` is the old ``async_action(mode="broadcast")``: the reply also goes
    to the channel-layer group named from the route's kwargs, which a legacy client joins by
    subscribing to such a route. ``reply_to_sender=False`` sends it to the group only.
    """

    document: str
    status: int = 200
    broadcast: str | None = None
    reply_to_sender: bool = True

    def broadcasts_on(self, captures: Iterable[str]) -> bool:
        """Whether a route capturing ``captures`` names a group for this action."""
        wanted = {name for _, name, _, _ in Formatter().parse(self.broadcast or "") if name is not None}
        return self.broadcast is not None and wanted <= set(captures)

    def broadcast_group(self, kwargs: Mapping[str, Any]) -> str | None:
        """The group named from the route's kwargs, ``None`` when the route lacks one of them."""
        if self.broadcast is None or not self.broadcasts_on(kwargs):
            return None
        return group_safe(f"gql_channels.broadcast.{self.broadcast.format(**kwargs)}")


class Resource:
    """Names the GraphQL root fields that serve a route's legacy actions.

    ``path("articles/", Resource(list="articles", pagination_class=ArticlePagination))``
    answers ``{"action": "list", "route": "articles/?page=2"}`` from the ``articles`` field.

    ``list``/``retrieve`` name Query fields, ``create``/``update``/``destroy`` Mutation fields,
    ``subscribe``/``subscribe_list`` Subscription fields (one object by pk; a filtered list);
    ``actions`` maps custom action names to documents. ``fields`` restricts and orders what is
    rendered; ``permission_classes`` add to the consumer's; ``ordering_param`` is the query
    parameter carrying the ordering (DRF's ``OrderingFilter.ordering_param``). ``regex_lookups``
    lets clients send the ``__regex``/``__iregex`` lookups the filter input offers: off by default,
    since a client's pattern runs in the database (on SQLite, in the server's own process).
    ``stream=True`` sends a list page after page under one ``request_id`` (DCRF's
    ``StreamedPaginatedListMixin``; ``WebsocketLimitOffsetPagination``), until the last page or a
    ``list_cancel``.
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
        permission_classes: Sequence[PermissionClass] = (),
        actions: Mapping[str, str | Action] | None = None,
        subscribe: str | None = None,
        subscribe_list: str | None = None,
        ordering_param: str = "ordering",
        regex_lookups: bool = False,
        stream: bool = False,
        type_name: str | None = None,
    ) -> None:
        self.field_names = {"list": list, "retrieve": retrieve, "create": create, "update": update, "destroy": destroy}
        self.pagination_class = pagination_class
        self.fields = builtins.list(fields) if fields is not None else None
        self.lookup_url_kwarg = lookup_url_kwarg
        self.permission_classes = tuple(permission_classes)
        self.actions = {
            name: action if isinstance(action, Action) else Action(action) for name, action in (actions or {}).items()
        }
        self.subscription_names = {True: subscribe, False: subscribe_list}
        self.ordering_param = ordering_param
        self.regex_lookups = regex_lookups
        self.stream = stream
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

    def action_names(self, schema: Schema) -> dict[str, str | None]:
        """The root field serving each standard action: as given, or discovered (``for_type``)."""
        if not self.type_name:
            return dict(self.field_names)
        cursor_first = isinstance(self.pagination_class, type) and issubclass(self.pagination_class, CursorPagination)
        return discover(schema, self.type_name, self.field_names, cursor_first=cursor_first)

    def bind(self, schema: Schema, *, collection: bool = True) -> BoundResource:
        """Resolve the fields on ``schema`` and generate the operations, or raise ``ImproperlyConfigured``.

        ``collection=False``: the resource is mounted on detail routes only, where ``list`` is never
        served: its list field is neither planned nor asked for a pagination class.
        """
        names = self.action_names(schema)
        operations: dict[str, Operation] = {}
        pagination = None
        query_fields = root_fields(schema, OperationType.QUERY)
        if names["list"] and collection:
            field_ = query_fields.get(names["list"])
            listing = list_field(schema, names["list"], field_) if field_ else None
            if field_ is None or listing is None:
                raise ImproperlyConfigured(
                    f"{self!r}: list={names['list']!r} is not a Query field returning a list, an "
                    "offset-paginated list or a connection of objects."
                )
            pagination = self._pagination(schema, listing)
            filters = FilterShape.build(schema, field_, ordering_param=self.ordering_param, regex=self.regex_lookups)
            shape = build_shape(schema, listing.item, self.fields)
            operations["list"] = plan_list(
                schema, listing.name, shape, kind=listing.kind, filters=filters,
                count=not isinstance(pagination, CursorPagination),
            )
        if names["retrieve"]:
            single = query_fields.get(names["retrieve"])
            item = get_named_type(single.type) if single else None
            lookup = lookup_argument(schema, single, item) if single and isinstance(item, GraphQLObjectType) else None
            if lookup is None or not isinstance(item, GraphQLObjectType):
                raise ImproperlyConfigured(
                    f"{self!r}: retrieve={names['retrieve']!r} is not a Query field returning one "
                    "object with a `pk` or `id` argument."
                )
            operations["retrieve"] = plan_retrieve(schema, names["retrieve"], lookup, build_shape(schema, item, self.fields))
        operations.update(self._plan_writes(schema, names))
        for name, action in self.actions.items():
            if name in operations or name in SUBSCRIPTION_ACTIONS:
                raise ImproperlyConfigured(f"{self!r}: custom action {name!r} shadows a standard action.")
            operations[name] = plan_custom(schema, name, action.document, status=action.status, fields=self.fields)
        model = next((op.shape.model for op in operations.values() if op.shape and op.shape.model), None)
        subscriptions = self._plan_subscriptions(schema, model)
        if not operations and not subscriptions:
            raise ImproperlyConfigured(f"{self!r} serves no action.")
        if self.stream and not isinstance(pagination, WebsocketLimitOffsetPagination):
            raise ImproperlyConfigured(
                f"{self!r}: stream=True sends a list page by page: it needs a list field paged with "
                "WebsocketLimitOffsetPagination (DCRF's StreamedPaginatedListMixin)."
            )
        compiled = {
            op.source: plan for op in operations.values() if (plan := compile_read(schema, op)) is not None
        }
        writes = {op.source: write for op in operations.values() if (write := compile_write(schema, op)) is not None}
        events = {op.source: event for op in subscriptions.values() if (event := compile_event(schema, op)) is not None}
        return BoundResource(
            self, schema, operations, pagination, subscriptions, compiled=compiled, compiled_events=events,
            compiled_writes=writes,
        )

    def _plan_subscriptions(self, schema: Schema, model: type[models.Model] | None) -> dict[bool, Operation]:
        """``subscribe`` on a detail route (one object by pk) and on a collection route (filtered)."""
        fields = root_fields(schema, OperationType.SUBSCRIPTION)
        planned: dict[bool, Operation] = {}
        for detail, name in self.subscription_names.items():
            if not name:
                continue
            field_ = fields.get(name)
            keys = lookup_names(model)
            lookup = next((a for a in keys if field_ and a in field_.args), None)
            if field_ is None or (detail and lookup is None):
                raise ImproperlyConfigured(
                    f"{self!r}: {'subscribe' if detail else 'subscribe_list'}={name!r} is not a Subscription "
                    f"field{' with a ' + '/'.join(f'`{k}`' for k in keys) + ' argument' if detail else ''}."
                )
            filters = None if detail else FilterShape.build(
                schema, field_, ordering_param=self.ordering_param, regex=self.regex_lookups
            )
            planned[detail] = plan_subscription(schema, name, lookup=lookup if detail else None, filters=filters)
        return planned

    def _mutation(self, schema: Schema, action: str, name: str) -> tuple[str, GraphQLInputObjectType, GraphQLObjectType]:
        """``(argument, input type, item type)`` of a strawberry-django style CUD mutation."""
        mutation_type = schema._schema.mutation_type
        field_ = mutation_type.fields.get(name) if mutation_type else None
        args = field_.args if field_ else {}
        argument = next(iter(args)) if len(args) == 1 else "data"
        input_type = get_named_type(args[argument].type) if argument in args else None
        item = mutation_item(field_) if field_ else None
        if item is None or not isinstance(input_type, GraphQLInputObjectType):
            raise ImproperlyConfigured(
                f"{self!r}: {action}={name!r} is not a Mutation field taking one input object "
                "and returning an object (or Object | OperationInfo)."
            )
        return argument, input_type, item

    def _plan_writes(self, schema: Schema, names: dict[str, str | None]) -> dict[str, Operation]:
        operations: dict[str, Operation] = {}
        required = None
        if (create := names["create"]) is not None:
            argument, input_type, item = self._mutation(schema, "create", create)
            shape = build_shape(schema, item, self.fields)
            inputs = InputShape.build(schema, input_type, model=shape.model)
            required = inputs.required
            operations["create"] = plan_mutation(schema, "create", create, argument, shape, input=inputs, status=201)
        for action, status in (("update", 200), ("destroy", 204)):
            name = names[action]
            if name is None:
                continue
            argument, input_type, item = self._mutation(schema, action, name)
            shape = build_shape(schema, item, self.fields)
            key = key_field(input_type, root_fields(schema, OperationType.MUTATION)[name], shape.model)
            if key is None:
                pk_name = f"`{shape.model._meta.pk.name}`/" if shape.model else ""
                raise ImproperlyConfigured(
                    f"{self!r}: {action}={name!r} takes `{input_type.name}`, which has no "
                    f"{pk_name}`id`/`pk` field (nor the mutation's key_attr) to carry the route's key."
                )
            update = InputShape.build(schema, input_type, model=shape.model, required=required) if action == "update" else None
            global_id = is_global_id(input_type.fields[key].extensions.get("strawberry-definition"))
            operations[action] = plan_mutation(
                schema, action, name, argument, shape, input=update, input_key=key, status=status,
                input_key_node_type=item.name if global_id else None,
            )
        if "update" in operations:
            operations["partial_update"] = operations["update"]
        return operations

    def _pagination(self, schema: Schema, listing: ListField) -> BasePagination | None:
        """The pagination style for ``listing``, checked against how the field pages."""
        pagination_class = self.pagination_class or gql_channels_settings()["DEFAULT_PAGINATION_CLASS"]
        if isinstance(pagination_class, str):
            pagination_class = import_string(pagination_class)
        field = f"`{listing.name}`"
        if listing.kind == "list":
            if self.pagination_class is not None:
                raise ImproperlyConfigured(
                    f"{self!r}: {field} is a plain list; pagination_class needs an offset-paginated "
                    "field (strawberry_django.offset_paginated()) or a connection."
                )
            return None
        if pagination_class is None:
            raise ImproperlyConfigured(
                f"{self!r}: {field} is paginated: set pagination_class (or GQL_CHANNELS['DEFAULT_PAGINATION_CLASS'])."
            )
        cursor_style = issubclass(pagination_class, CursorPagination)
        if cursor_style and listing.kind != "connection":
            raise ImproperlyConfigured(f"{self!r}: CursorPagination needs a Relay connection field; {field} is not one.")
        if not cursor_style and listing.kind == "connection" and (listing.keyset or not listing.counted):
            raise ImproperlyConfigured(
                f"{self!r}: {pagination_class.__name__} pages by offset, but {field} is a keyset connection "
                "or has no totalCount: use CursorPagination, or a DjangoListConnection."
            )
        pagination = pagination_class()
        if listing.kind == "connection":
            pagination.bind(listing.name, limit_cap=lambda: schema.config.relay_max_results)
        else:
            pagination.bind(listing.name)
        return pagination

def routes_from_schema(
    schema: Schema,
    *,
    pagination_class: type[BasePagination] | None = None,
    cursor_pagination_class: type[BasePagination] | None = None,
) -> list[URLPattern]:
    """``routepatterns`` for every list field of ``schema``, for teams starting without legacy routes.

    Each list field ``articleCursor`` gets ``article-cursor/`` (list, create) and, when a
    single-object field returns its type, ``article-cursor/<pk>/`` (retrieve, update,
    partial_update, destroy), with the fields discovered as ``Resource.for_type`` does.
    Keyset connections page with ``cursor_pagination_class``, other paginated fields with
    ``pagination_class`` (both default to DRF's styles with ``GQL_CHANNELS["PAGE_SIZE"]``).
    """
    styles = {False: pagination_class or PageNumberPagination, True: cursor_pagination_class or CursorPagination}
    routes: list[URLPattern] = []
    for name, field_ in root_fields(schema, OperationType.QUERY).items():
        listing = list_field(schema, name, field_)
        if listing is None:
            continue
        resource = Resource.for_type(
            listing.item.name,
            list=name,
            pagination_class=styles[listing.keyset] if listing.kind != "list" else None,
        )
        kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()
        routes.append(path(f"{kebab}/", resource))
        if any(lookup_argument(schema, f, listing.item) for f in root_fields(schema, OperationType.QUERY).values()):
            routes.append(path(f"{kebab}/<str:{resource.lookup_url_kwarg}>/", resource))
    return routes
