"""Read a rest_framework_channels or djangochannelsrestframework consumer into plain data.

rest_framework_channels: an ``AsyncAPIConsumer`` whose ``routepatterns`` mount ``as_aaah()``
handlers (``ListAPIActionHandler``, ``RetrieveUpdateDestroyAPIActionHandler``...). DCRF: a
``GenericAsyncAPIConsumer`` with mixins, one consumer per URL. Either way the result is a
``ConsumerSpec``: routes to handlers, each handler with its actions, serializer, queryset,
pagination, permissions and lookup. What has no gql_channels equivalent is a to-do, in words.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from django.db import models

RFC = "rest_framework_channels"
DCRF = "djangochannelsrestframework"
#: The ``ActionConsumer.dialect`` serving each library's clients.
DIALECTS = {RFC: "rest_framework_channels", DCRF: "djangochannelsrestframework"}

#: Each library's standard actions (the mixins' methods) -> the DRF names gql_channels' resources know.
STANDARD_ACTIONS = {
    RFC: {a: a for a in ("list", "retrieve", "create", "update", "partial_update", "destroy")},
    DCRF: {
        "list": "list", "retrieve": "retrieve", "create": "create", "update": "update", "patch": "partial_update",
        "delete": "destroy", "subscribe_instance": "subscribe", "unsubscribe_instance": "unsubscribe",
    },
}
#: Hooks a generic handler lets a project override; an override's body is not translated.
_HOOKS = (
    "get_queryset", "get_object", "filter_queryset", "get_serializer", "get_serializer_class",
    "get_serializer_context", "perform_create", "perform_update", "perform_patch", "perform_destroy",
    "perform_delete", "paginate_queryset", "get_paginated_response", "check_permissions", "get_permissions",
)
_LIBRARY_MODULES = ("rest_framework_channels", "djangochannelsrestframework", "rest_framework", "channels")


class NotAConsumer(Exception):
    """The class given is no consumer of either library."""


@dataclass(frozen=True, slots=True)
class CustomAction:
    """An ``@action`` / ``@async_action`` method beyond the mixins': a stub mutation to port by hand."""

    name: str
    #: ``Consumer.method``, for the to-do.
    qualname: str
    #: The method's own arguments (``(name, required)``), what the client sent as message keys.
    parameters: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class HandlerSpec:
    """One old handler (a rest_framework_channels ``as_aaah`` handler, or a DCRF consumer)."""

    cls: type
    library: str
    #: Standard actions served, in DRF names (``partial_update``, ``destroy``, ``subscribe``...).
    actions: frozenset[str]
    #: Every action as its clients named it (``patch``, ``delete``, custom ones...).
    sent_actions: tuple[str, ...]
    custom: tuple[CustomAction, ...]
    serializer_class: type | None
    model: type[models.Model] | None
    pagination_class: type | None
    #: DCRF's ``StreamedPaginatedListMixin``.
    stream: bool
    permission_classes: tuple[Any, ...]
    lookup_url_kwarg: str
    todos: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.cls.__module__}.{self.cls.__qualname__}"


@dataclass(frozen=True, slots=True)
class RouteSpec:
    #: ``"path"`` or ``"re_path"``, as the old route was written.
    function: str
    pattern: str
    handler: HandlerSpec


@dataclass(frozen=True)
class ConsumerSpec:
    cls: type
    library: str
    routes: tuple[RouteSpec, ...]
    #: Checked for every action and at the handshake (the consumer's own ``permission_classes``).
    permission_classes: tuple[Any, ...]
    todos: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.cls.__name__

    @property
    def label(self) -> str:
        return f"{self.cls.__module__}.{self.cls.__qualname__}"

    @property
    def dialect(self) -> str:
        return DIALECTS[self.library]

    @property
    def handlers(self) -> tuple[HandlerSpec, ...]:
        return tuple(dict.fromkeys(route.handler for route in self.routes))


def library_of(cls: Any) -> str | None:
    """Which old library ``cls`` is a consumer of, if any."""
    if not isinstance(cls, type):
        return None
    modules = [klass.__module__ for klass in cls.__mro__]
    if any(m.startswith(f"{RFC}.") for m in modules):
        return RFC
    if any(m.startswith(f"{DCRF}.") for m in modules):
        return DCRF
    return None


def read_consumer(cls: Any) -> ConsumerSpec:
    """The consumer ``cls`` as a ``ConsumerSpec``; ``NotAConsumer`` when it is none the migration knows."""
    library = library_of(cls)
    if library == RFC:
        from rest_framework_channels.consumers import AsyncAPIConsumerBase

        if issubclass(cls, AsyncAPIConsumerBase):
            return _read_rfc(cls)
    if library == DCRF:
        from djangochannelsrestframework.consumers import AsyncAPIConsumer

        if issubclass(cls, AsyncAPIConsumer):
            return _read_dcrf(cls)
    raise NotAConsumer(
        f"{cls!r} is neither a rest_framework_channels AsyncAPIConsumer nor a djangochannelsrestframework "
        "AsyncAPIConsumer."
    )


def _read_rfc(cls: type) -> ConsumerSpec:
    todos: list[str] = []
    routes: list[RouteSpec] = []
    handlers: dict[type, HandlerSpec] = {}
    for route in cls.routepatterns:
        handler_class = getattr(getattr(route, "callback", None), "handler_class", None)
        written = _pattern(route)
        if handler_class is None or written is None:
            todos.append(f"{cls.__qualname__}: route {route!r} does not mount an as_aaah() handler: not translated.")
            continue
        if handler_class not in handlers:
            permissions = _permissions(RFC, handler_class.permission_classes)
            handlers[handler_class] = _read_handler(handler_class, RFC, permissions)
        if handler_class.routing.entries:
            todos.append(
                f"{handler_class.__qualname__} has routepatterns of its own (nested routes): add them to "
                f"{cls.__name__}.routepatterns with their full route."
            )
        routes.append(RouteSpec(*written, handlers[handler_class]))
    own = sorted(set(cls.available_actions))
    if own:
        todos.append(
            f"{cls.__qualname__} serves actions itself ({', '.join(own)}): serve them with a Resource(actions=...) "
            "on the route they were sent to."
        )
    return ConsumerSpec(cls, RFC, tuple(routes), _permissions(RFC, cls.permission_classes), tuple(todos))


def _read_dcrf(cls: type) -> ConsumerSpec:
    from djangochannelsrestframework.observer.generics import ObserverModelInstanceMixin

    handler = _read_handler(cls, DCRF, ())  # DCRF checks the consumer's permissions only
    todos: list[str] = []
    model = handler.model
    observes = issubclass(cls, ObserverModelInstanceMixin)
    if observes and model is not None and model._meta.many_to_many and not cls.observer_many_to_many_relationships:
        todos.append(
            f"{cls.__qualname__}: gql_channels' events include many-to-many changes, which DCRF sent only with "
            "observer_many_to_many_relationships = True."
        )
    todos.extend(_other_observers(cls))
    return ConsumerSpec(cls, DCRF, (RouteSpec("path", "", handler),), _permissions(DCRF, cls.permission_classes), tuple(todos))


def _pattern(route: Any) -> tuple[str, str] | None:
    from django.urls.resolvers import RegexPattern, RoutePattern

    pattern = getattr(route, "pattern", None)
    if isinstance(pattern, RoutePattern):
        return "path", str(pattern._route)
    if isinstance(pattern, RegexPattern):
        return "re_path", str(pattern._regex)
    return None


def _read_handler(cls: type, library: str, permission_classes: tuple[Any, ...]) -> HandlerSpec:
    standard = STANDARD_ACTIONS[library]
    lookup_field = getattr(cls, "lookup_field", "pk")
    lookup_url_kwarg = getattr(cls, "lookup_url_kwarg", None) or lookup_field
    actions: set[str] = set()
    custom: list[CustomAction] = []
    todos: list[str] = []
    stream = False
    for name, method_name in sorted(cls.available_actions.items()):
        method = getattr(cls, method_name)
        if name in standard:
            actions.add(standard[name])
            if not _from_library(method):
                todos.append(f"{cls.__qualname__}.{method_name} overrides the standard `{name}`: its body is not translated.")
            stream = stream or (name == "list" and method.__qualname__.startswith("StreamedPaginatedListMixin."))
        else:
            parameters = _parameters(method)
            if library == RFC and lookup_url_kwarg not in dict(parameters):
                parameters += ((lookup_url_kwarg, False),)  # from the route, where it captures one
            custom.append(CustomAction(name, f"{cls.__qualname__}.{method_name}", parameters))
    if library == DCRF and "list" in actions:
        list_owner = getattr(cls, cls.available_actions["list"]).__qualname__.split(".")[0]
        paginated = list_owner in ("PaginatedModelListMixin", "StreamedPaginatedListMixin")
    else:
        paginated = "list" in actions
    todos.extend(_overridden_hooks(cls))
    queryset = getattr(cls, "queryset", None)
    serializer_class = getattr(cls, "serializer_class", None)
    model = queryset.model if isinstance(queryset, models.QuerySet) else None
    todos.extend(_queryset_todos(cls, queryset, serializer_class, model))
    if model is not None and lookup_field not in ("pk", model._meta.pk.name):
        todos.append(
            f"{cls.__qualname__}.lookup_field = {lookup_field!r} is not the primary key: gql_channels looks "
            "objects up by primary key; add a single-object field taking that argument and name it in Resource(retrieve=)."
        )
    if getattr(cls, "filter_backends", None):
        todos.append(f"{cls.__qualname__}.filter_backends: filter in the list field's filters or the type's get_queryset.")
    pagination = _pagination_class(cls, library) if paginated else None
    return HandlerSpec(
        cls=cls, library=library, actions=frozenset(actions), sent_actions=tuple(sorted(cls.available_actions)),
        custom=tuple(custom), serializer_class=serializer_class,
        model=model, pagination_class=pagination, stream=stream and pagination is not None,
        permission_classes=permission_classes,
        lookup_url_kwarg=lookup_url_kwarg, todos=tuple(todos),
    )


def _permissions(library: str, permission_classes: Any) -> tuple[Any, ...]:
    """The classes the library checks: rest_framework_channels falls back to its setting on ``None``."""
    if permission_classes is None and library == RFC:
        from rest_framework_channels.settings import api_settings

        permission_classes = api_settings.DEFAULT_PERMISSION_CLASSES
    return tuple(permission_classes or ())


def _pagination_class(cls: type, library: str) -> type | None:
    pagination = getattr(cls, "pagination_class", None)
    if library == RFC:
        from rest_framework_channels import generics
        from rest_framework_channels.settings import api_settings

        if pagination is generics._UNSET:
            pagination = api_settings.DEFAULT_PAGINATION_CLASS
    return pagination


def _from_library(function: Any) -> bool:
    return inspect.unwrap(function).__module__.startswith(_LIBRARY_MODULES)


def _parameters(method: Any) -> tuple[tuple[str, bool], ...]:
    """The action's own arguments: what its clients send as message keys (``self``, ``action``... excluded)."""
    signature = inspect.signature(inspect.unwrap(method))
    skipped = {"self", "request_id", "action"}
    return tuple(
        (name, parameter.default is inspect.Parameter.empty)
        for name, parameter in signature.parameters.items()
        if name not in skipped and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    )


def _overridden_hooks(cls: type) -> list[str]:
    found = []
    for hook in _HOOKS:
        owner = next((klass for klass in cls.__mro__ if hook in vars(klass)), None)
        if owner is not None and not owner.__module__.startswith(_LIBRARY_MODULES):
            found.append(
                f"{owner.__qualname__}.{hook} is overridden: port what it does (to the type's get_queryset, "
                "the mutation, or a permission class)."
            )
    return found


def _queryset_todos(cls: type, queryset: Any, serializer_class: Any, model: Any) -> list[str]:
    name = cls.__qualname__
    if model is None:
        return [f"{name} has no queryset attribute: name the model's strawberry-django type by hand."]
    todos = []
    serializer_model = getattr(getattr(serializer_class, "Meta", None), "model", None)
    if serializer_model is not None and serializer_model is not model:
        todos.append(f"{name}: the queryset's model {model.__name__} is not the serializer's {serializer_model.__name__}.")
    if _sql(queryset) != _sql(model._default_manager.all()):
        todos.append(
            f"{name}.queryset is not {model.__name__}.{model._default_manager.name}.all() ({_sql(queryset)}): "
            "filter or order the same way in the generated type's get_queryset."
        )
    return todos


def _sql(queryset: models.QuerySet) -> str:
    try:
        return str(queryset.query)
    except Exception as error:  # noqa: BLE001 - EmptyResultSet and the like: still a difference to report
        return f"<{type(error).__name__}>"


def _other_observers(cls: type) -> list[str]:
    """DCRF's ``@model_observer`` s and other observers than the instance mixin's."""
    from djangochannelsrestframework.observer.base_observer import BaseObserver
    from djangochannelsrestframework.observer.generics import _GenericModelObserver

    found = []
    for name in dir(cls):
        if name == "handle_instance_change":
            continue
        attribute = inspect.getattr_static(cls, name, None)
        if isinstance(attribute, BaseObserver | _GenericModelObserver):
            found.append(
                f"{cls.__qualname__}.{name} is an observer: write a subscription with "
                "gql_channels.subscriptions.model_events and name it in Resource(subscribe=/subscribe_list=)."
            )
    return found
