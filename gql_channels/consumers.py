"""The Channels consumer that answers legacy action messages from a Strawberry schema."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver
from strawberry.channels.handlers.base import ChannelsWSConsumer

from . import usage
from .binding import CompiledRoutes
from .context import LegacyContext
from .dialects import Dialect, get_dialect
from .exceptions import (
    APIException,
    MethodNotAllowed,
    NotFound,
    ParseError,
    PermissionDenied,
    ServiceUnavailable,
    Throttled,
    from_graphql_errors,
)
from .fanout import outlast
from .handlers import LIST_CANCEL, SUBSCRIPTION_ACTIONS, BoundResource
from .permissions import AllowAny, PermissionClass, check_connect, check_permissions
from .protocol import MISSING, LegacyRequest, encode_reply
from .routing import RouteMatch
from .settings import gql_channels_settings
from .shapes import RESULT

logger = logging.getLogger("gql_channels")

#: Channel-layer message type of a custom action's broadcast reply.
BROADCAST_TYPE = "gql_channels.broadcast"


class ActionConsumer(ChannelsWSConsumer):
    """Serve legacy action messages from a Strawberry schema.

    ``{"action", "route", "data"}`` like rest_framework_channels' ``AsyncAPIConsumer`` by default;
    ``dialect = "djangochannelsrestframework"`` serves DCRF clients' ``{"action", "pk", ...}`` instead
    (``dialects.py``). Set ``schema`` and ``routepatterns`` on a subclass (or pass them to
    ``as_asgi``); the routes are bound to the schema when the class is built, so a misconfigured
    field fails at start-up, not at the first message. Messages of one connection are served
    concurrently (a slow action does not hold up the others); replies carry the request's
    ``request_id`` to be matched. It is a Strawberry Channels consumer too
    (``listen_to_channel``), so subscription resolvers serve legacy ``subscribe`` messages.
    """

    schema: Any = None
    routepatterns: Sequence[URLPattern | URLResolver] = ()
    #: The legacy library whose clients this consumer serves: a name in ``dialects.DIALECTS``, or a ``Dialect``.
    dialect: str | Dialect = "rest_framework_channels"
    #: Checked for every action (``has_permission``) and at the handshake (``can_connect``),
    #: before the resource's own ``permission_classes``.
    permission_classes: Sequence[PermissionClass] = (AllowAny,)
    compiled_routes: CompiledRoutes | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dialect = get_dialect(cls.dialect)  # an unknown name fails here, with the class
        if cls.schema is not None and cls.routepatterns:
            cls.compiled_routes = CompiledRoutes(cls.routepatterns, cls.schema, dialect)

    @classmethod
    def as_asgi(cls, **initkwargs: Any) -> Any:
        """Like Channels' ``as_asgi``; ``schema=``/``routepatterns=`` bind the routes here, once."""
        schema = initkwargs.pop("schema", cls.schema)
        routepatterns = initkwargs.pop("routepatterns", cls.routepatterns)
        compiled = cls.compiled_routes
        if compiled is None or schema is not cls.schema or routepatterns is not cls.routepatterns:
            if schema is None:
                raise ImproperlyConfigured(f"{cls.__name__} needs a schema (class attribute or as_asgi(schema=...)).")
            compiled = CompiledRoutes(routepatterns, schema, get_dialect(cls.dialect))
        return super().as_asgi(compiled_routes=compiled, **initkwargs)

    def __init__(self, *args: Any, compiled_routes: CompiledRoutes, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.compiled_routes = compiled_routes
        #: The same, never ``None`` on an instance.
        self.routes: CompiledRoutes = compiled_routes
        self.protocol: Dialect = get_dialect(self.dialect)
        self._in_flight: set[asyncio.Task[None]] = set()
        #: Writes being served: a pushed event waits for the replies of those under way (reply first).
        self._writes: set[asyncio.Task[Any]] = set()
        self._send_lock = asyncio.Lock()
        #: Live ``subscribe`` s, by (target, request_id as JSON), each pushing events from its own task.
        self._subscriptions: dict[tuple[str, str | None], asyncio.Future[Any]] = {}
        #: Streamed lists under way, by request_id as JSON (``list_cancel`` stops one).
        self._streams: dict[str | None, asyncio.Task[None]] = {}

    @property
    def channel_receive(self) -> Any:
        """The channel layer's receive, made to outlive the layer's outages (Redis restarting)."""
        return self._receive_from_layer

    @channel_receive.setter
    def channel_receive(self, receive: Any) -> None:
        # Channels sets this once per connection; a failing receive would end the connection.
        self._layer_receive = receive

    async def _receive_from_layer(self) -> Any:
        return await outlast(self._layer_receive)  # the layer is down: wait for it, keep serving reads

    async def connect(self) -> None:
        from django.contrib.auth.models import (
            AnonymousUser,  # needs the app registry: not at import
        )

        # Mounted without AuthMiddlewareStack, every client is anonymous (as DRF's request.user).
        self.scope.setdefault("user", AnonymousUser())
        if await check_connect(self.permission_classes, self.scope):
            await self.accept()
        else:
            await self.close()

    async def disconnect(self, code: int) -> None:
        tasks = [*self._in_flight, *self._subscriptions.values(), *self._streams.values()]
        for task in tasks:
            task.cancel()
        # Let each subscription leave its channel-layer groups before the consumer goes.
        await asyncio.gather(*tasks, return_exceptions=True)

    async def dispatch(self, message: Any) -> None:
        # Channels runs close_old_connections() in a thread before every message; the database
        # work of a legacy message already runs in database_sync_to_async, which does it there.
        if message.get("type") == "websocket.receive":
            await self.websocket_receive(message)
        else:
            await super().dispatch(message)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        limits = gql_channels_settings()
        frame = text_data if text_data is not None else bytes_data or b""
        size = len(frame) if isinstance(frame, bytes) or len(frame) * 4 <= limits["MAX_FRAME_SIZE"] else len(frame.encode())
        if size > limits["MAX_FRAME_SIZE"]:
            await self.close(code=1009)  # "message too big": no envelope can answer a frame not read
            return
        request = self.protocol.parse(text_data, bytes_data, max_depth=limits["MAX_JSON_DEPTH"])
        if len(self._in_flight) >= limits["MAX_IN_FLIGHT"]:
            detail = f"More than {limits['MAX_IN_FLIGHT']} messages in flight on this connection."
            await self.send_reply(self.protocol.error_reply(request, Throttled(detail)))
            return
        task = asyncio.create_task(self._serve(request))
        self._in_flight.add(task)
        task.add_done_callback(self._served)

    def _served(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._writes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # handle() answers every error; what is left is the socket going away under the reply.
            logger.debug("A legacy reply could not be sent", exc_info=task.exception())

    async def _serve(self, request: LegacyRequest) -> None:
        reply = await self.handle(request)
        if reply is not None:  # None: a broadcast that is not replied to its sender
            await self.send_reply(reply)

    async def send_reply(self, reply: dict[str, Any]) -> None:
        async with self._send_lock:  # one whole frame at a time
            await self.send(text_data=encode_reply(reply))

    async def handle(self, request: LegacyRequest) -> dict[str, Any] | None:
        """Answer one request with exactly one envelope (a streamed list: one per page), whatever goes wrong."""
        dialect = self.protocol
        match = None
        served = None  # the action, once known to be one the route serves (what usage counts)
        replied = True
        try:
            if request.problem is not None:
                raise request.problem
            action = dialect.standard_action(request)
            match = self.routes.table.resolve(dialect.route(request, self.routes.table))
            if match is None or action is None:
                raise MethodNotAllowed(request.action)
            binding = self.routes.binding(match.resource)
            match = dialect.target(request, match, action, binding.resource.lookup_url_kwarg)
            if action not in binding.actions_for(match.kwargs):
                raise MethodNotAllowed(request.action)
            served = action
            permissions = (*self.permission_classes, *binding.resource.permission_classes)
            if action in SUBSCRIPTION_ACTIONS:
                status, data = await self.subscribe(request, action, match, binding, permissions)
            elif action == LIST_CANCEL:
                status, data = await self._cancel_stream(request)
            else:
                await check_permissions(permissions, self.scope, action, binding)
                if action == "list" and binding.resource.stream:
                    status, data = 200, None
                    replied = await self._stream_list(request, match, binding)
                else:
                    status, data = await self._perform(action, request, match, binding)
                custom = binding.resource.actions.get(action)
                group = custom.broadcast_group(binding.route_kwargs(match)) if custom else None
                if custom is not None and group is not None and self.channel_layer is not None:
                    copy = dialect.reply(LegacyRequest(request.action, request.route, sent_action=request.sent_action,
                                                       stream=request.stream), status=status, data=data)
                    sender = self.channel_name if custom.reply_to_sender else None
                    message = {"type": BROADCAST_TYPE, "group": group, "sender": sender, "reply": copy}
                    await self.channel_layer.group_send(group, message)
                    replied = custom.reply_to_sender
        except Exception as exc:  # noqa: BLE001 - every frame gets an envelope
            status, errors = dialect.errors(exc)
            reply = dialect.reply(request, status=status, errors=errors)
        else:
            reply = dialect.reply(request, status=status, data=data)
        usage.record(
            f"{type(self).__module__}.{type(self).__qualname__}",
            match.pattern if match is not None else None,
            served,  # not the client's free text (a row each, any length, any character)
            status,
        )
        return reply if replied else None

    async def _perform(
        self, action: str, request: LegacyRequest, match: RouteMatch, binding: BoundResource
    ) -> tuple[int, Any]:
        """Run one action; a write is tracked until its reply is sent, so its own event comes after it."""
        context = await self.get_context()
        if action in ("list", "retrieve"):
            return await binding.perform(action, request, match, context, self.protocol)
        task = asyncio.current_task()
        if task is not None:
            self._writes.add(task)  # until its reply is sent (_served)
        return await binding.perform(action, request, match, context, self.protocol)

    async def _stream_list(self, request: LegacyRequest, match: RouteMatch, binding: BoundResource) -> bool:
        """Send a streamed list's pages as they come (DCRF's ``StreamedPaginatedListMixin``); ``False``: no more reply."""
        key = _json_key(request.request_id)
        task = asyncio.current_task()
        assert task is not None, "served from a task of its own (receive)"
        self._streams[key] = task
        try:
            pages = binding.stream(request, match, await self.get_context(), self.protocol)
            async for page in pages:
                await self.send_reply(self.protocol.reply(request, status=200, data=page))
        finally:
            if self._streams.get(key) is task:
                del self._streams[key]
        return False

    async def _cancel_stream(self, request: LegacyRequest) -> tuple[int, None]:
        """``list_cancel`` stops the streamed list of its ``request_id`` (DCRF's development version)."""
        task = self._streams.pop(_json_key(request.request_id), None)
        if task is not None:
            task.cancel()
        return 200, None

    async def subscribe(
        self, request: LegacyRequest, action: str, match: RouteMatch, binding: BoundResource,
        permissions: Sequence[Any],
    ) -> tuple[int, None]:
        """``subscribe`` (201) starts pushing the route's events; ``unsubscribe`` (204) stops it.

        Subscribing needs the permission to read the route (``retrieve`` or ``list``), which is
        checked again for every event: a client that lost it is sent nothing more.
        """
        dialect = self.protocol
        detail = binding.resource.lookup_url_kwarg in match.kwargs
        key = (dialect.subscription_key(request, match), _json_key(request.request_id))
        if action == "unsubscribe":
            stopped = [k for k in self._subscriptions if k == key or (key[1] is None and k[0] == key[0])]
            if not stopped and dialect.unsubscribe_missing_is_error:
                raise NotFound("No subscription matches the given query.")
            if not stopped and detail and "retrieve" in binding.operations:
                # Nothing to stop: still DRF's get_object(), a 404 for an object that is not there.
                await binding.retrieve(binding.operations["retrieve"], match, await self.get_context())
            await self._stop(*stopped)
            return 204, None
        if dialect.subscription_needs_request_id and request.request_id in (MISSING, None):
            raise ParseError("A subscription needs a request_id: its events carry it.")
        read = "retrieve" if detail else "list"
        await check_permissions(permissions, self.scope, read, binding)
        most = gql_channels_settings()["MAX_SUBSCRIPTIONS"]
        if key not in self._subscriptions and len(self._subscriptions) >= most:
            raise Throttled(f"More than {most} subscriptions on this connection.")
        context = await self.get_context()
        joined: list[asyncio.Event] = []
        parts = []
        if detail in binding.subscriptions:
            joined.append(asyncio.Event())
            context["subscribed"] = joined[-1].set
            parts.append(self._push_events(await binding.subscribe(match, context), request, binding, permissions))
        groups = binding.broadcast_groups(binding.route_kwargs(match))
        if groups:
            joined.append(asyncio.Event())
            parts.append(self._push_broadcasts(groups, joined[-1]))
        task: asyncio.Future[Any] = asyncio.ensure_future(asyncio.gather(*parts))
        ready: asyncio.Future[Any] = asyncio.ensure_future(asyncio.gather(*(event.wait() for event in joined)))
        task.add_done_callback(functools.partial(_subscription_ended, ready))
        await asyncio.wait({task, ready}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            ready.cancel()
            failure = task.exception() if task.done() and not task.cancelled() else None
            task.cancel()
            # Let it leave the groups it joined before failing (bounded: the layer may be what is down).
            await asyncio.wait({task}, timeout=5)
            if isinstance(failure, APIException):
                raise failure
            # Joining the channel layer failed (Redis unreachable, say): the service, not the client.
            logger.error("A legacy subscription could not start", exc_info=failure)
            raise ServiceUnavailable()
        await self._stop(key)
        self._subscriptions[key] = task
        return 201, None

    async def _push_events(
        self, stream: Any, request: LegacyRequest, binding: BoundResource, permissions: Sequence[Any]
    ) -> None:
        """Send each event of a subscription as a legacy envelope on the object's detail route."""
        lookup = binding.resource.lookup_url_kwarg
        try:
            async for result in stream:
                if result.errors:  # the event could not be rendered for this subscriber: logged, skipped
                    self.protocol.errors(from_graphql_errors(result.errors, not_found="Not found."))
                    continue
                event = result.data[RESULT]
                try:
                    await check_permissions(permissions, self.scope, "retrieve", binding)
                except PermissionDenied:
                    continue
                route = self.routes.table.reverse(binding.resource, **{lookup: event["pk"]})
                # A change made on this connection: its reply goes out first, then the event.
                writes = {task for task in self._writes if not task.done()}
                if writes:
                    await asyncio.wait(writes)
                frame = self.protocol.event(
                    request, action=event["action"], pk=binding.rendered_key(event["pk"]), data=event["data"], route=route or ""
                )
                await self.send_reply(frame)
        finally:
            await stream.aclose()

    async def _push_broadcasts(self, groups: list[str], joined: asyncio.Event) -> None:
        """Relay the broadcast replies of custom actions sent to ``groups`` (not our own)."""
        async with self.listen_to_channel(BROADCAST_TYPE, groups=groups) as messages:
            joined.set()
            async for message in messages:
                if message["group"] in groups and message["sender"] != self.channel_name:
                    await self.send_reply(message["reply"])

    async def _stop(self, *keys: tuple[str, str | None]) -> None:
        tasks = [self._subscriptions.pop(key) for key in keys if key in self._subscriptions]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def get_context(self) -> Any:
        """The context resolvers see: the same as under Strawberry's own Channels consumers."""
        return LegacyContext(request=self, ws=self)


def _json_key(request_id: Any) -> str | None:
    """Any JSON value may be a request_id (a list or an object too): keyed by its JSON text."""
    return None if request_id is MISSING else json.dumps(request_id, sort_keys=True)


def _subscription_ended(started: asyncio.Future[Any], task: asyncio.Future[Any]) -> None:
    """Log a running subscription that failed (one that could not start was answered and logged then;
    a stopped one ends cancelled: nothing to say)."""
    failure = None if task.cancelled() else task.exception()
    running = started.done() and not started.cancelled()
    if running and failure is not None and not isinstance(failure, asyncio.CancelledError):
        logger.error("A legacy subscription stopped pushing events", exc_info=failure)
