"""The Channels consumer that answers legacy action messages from a Strawberry schema."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver

from . import usage
from .exceptions import MethodNotAllowed, exception_handler
from .execution import LegacyContext, deny_instead_of_failing_silently
from .handlers import BoundResource
from .permissions import AllowAny, BasePermission, check_connect, check_permissions
from .protocol import LegacyRequest, build_reply, encode_reply, parse_frame
from .resources import Resource
from .routing import RouteTable


class CompiledRoutes:
    """A route table whose resources are bound to one schema (documents built and validated)."""

    def __init__(self, routepatterns: Sequence[URLPattern | URLResolver], schema: Any) -> None:
        deny_instead_of_failing_silently()
        self.table = RouteTable(routepatterns)
        self.bindings: dict[int, BoundResource] = {}
        for entry in self.table.entries():
            resource = entry.resource
            if not isinstance(resource, Resource):
                raise ImproperlyConfigured(f"Route {entry.route!r} must point at a Resource, not {resource!r}.")
            if id(resource) not in self.bindings:
                self.bindings[id(resource)] = resource.bind(schema)
            if not self.bindings[id(resource)].actions_for(entry.captures):
                raise ImproperlyConfigured(
                    f"{resource!r} serves no action on route {entry.route!r}: list and create "
                    f"need a route without `{resource.lookup_url_kwarg}`, the other actions a route "
                    "capturing it (see lookup_url_kwarg)."
                )

    def binding(self, resource: Any) -> BoundResource:
        return self.bindings[id(resource)]


class ActionConsumer(AsyncWebsocketConsumer):
    """Serve ``{"action", "route", "data"}`` messages like rest_framework_channels' ``AsyncAPIConsumer``.

    Set ``schema`` and ``routepatterns`` on a subclass (or pass them to ``as_asgi``); the
    routes are bound to the schema when the class is built, so a misconfigured field fails
    at start-up, not at the first message. Messages of one connection are served
    concurrently (a slow action does not hold up the others); replies carry the request's
    ``request_id`` to be matched.
    """

    schema: Any = None
    routepatterns: Sequence[URLPattern | URLResolver] = ()
    #: Checked for every action (``has_permission``) and at the handshake (``can_connect``),
    #: before the resource's own ``permission_classes``.
    permission_classes: Sequence[type[BasePermission]] = (AllowAny,)
    compiled_routes: CompiledRoutes | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.schema is not None and cls.routepatterns:
            cls.compiled_routes = CompiledRoutes(cls.routepatterns, cls.schema)

    @classmethod
    def as_asgi(cls, **initkwargs: Any) -> Any:
        """Like Channels' ``as_asgi``; ``schema=``/``routepatterns=`` bind the routes here, once."""
        schema = initkwargs.pop("schema", cls.schema)
        routepatterns = initkwargs.pop("routepatterns", cls.routepatterns)
        compiled = cls.compiled_routes
        if compiled is None or schema is not cls.schema or routepatterns is not cls.routepatterns:
            if schema is None:
                raise ImproperlyConfigured(f"{cls.__name__} needs a schema (class attribute or as_asgi(schema=...)).")
            compiled = CompiledRoutes(routepatterns, schema)
        return super().as_asgi(compiled_routes=compiled, **initkwargs)

    def __init__(self, *args: Any, compiled_routes: CompiledRoutes, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.compiled_routes = compiled_routes
        self._in_flight: set[asyncio.Task[None]] = set()
        self._send_lock = asyncio.Lock()

    async def connect(self) -> None:
        if await check_connect(self.permission_classes, self.scope):
            await self.accept()
        else:
            await self.close()

    async def disconnect(self, code: int) -> None:
        for task in self._in_flight:
            task.cancel()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        task = asyncio.create_task(self._serve(parse_frame(text_data, bytes_data)))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _serve(self, request: LegacyRequest) -> None:
        reply = encode_reply(await self.handle(request))
        async with self._send_lock:  # one whole frame at a time
            await self.send(text_data=reply)

    async def handle(self, request: LegacyRequest) -> dict[str, Any]:
        """Answer one request with exactly one envelope, whatever goes wrong."""
        match = None
        try:
            if request.problem is not None:
                raise request.problem
            match = self.compiled_routes.table.resolve(request.route)
            if match is None:
                raise MethodNotAllowed(request.action)
            binding = self.compiled_routes.binding(match.resource)
            if request.action not in binding.actions_for(match.kwargs):
                raise MethodNotAllowed(request.action)
            permissions = (*self.permission_classes, *binding.resource.permission_classes)
            await check_permissions(permissions, self.scope, request.action, binding)
            status, data = await binding.perform(request, match, await self.get_context())
        except Exception as exc:  # noqa: BLE001 - every frame gets an envelope
            status, errors = exception_handler(exc)
            reply = build_reply(request, status=status, errors=errors)
        else:
            reply = build_reply(request, status=status, data=data)
        usage.record(
            f"{type(self).__module__}.{type(self).__qualname__}",
            match.pattern if match is not None else None,
            # Actions a route does not serve are the client's free text: not a row each.
            request.action if status != MethodNotAllowed.status_code else None,
            status,
        )
        return reply

    async def get_context(self) -> Any:
        """The context resolvers see: the same as under Strawberry's own Channels consumers."""
        return LegacyContext(request=self, ws=self)
