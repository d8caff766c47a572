"""The two legacy dialects: how a frame names its action and target, and how replies look.

rest_framework_channels clients send ``{"action", "route", "data"}`` and read ``status``;
djangochannelsrestframework ("DCRF") clients send ``{"action", "pk", ...kwargs}`` with no route
(the consumer is the target, one per URL, or one stream of a channelsmultiplexer socket) and read
``response_status``. Everything else (routing, operations, execution, rendering) is shared: a
dialect only turns frames into ``LegacyRequest`` s and results into the frames its clients parse.
Sans-I/O, like ``protocol.py``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from .exceptions import (
    APIException,
    MethodNotAllowed,
    NotFound,
    ParseError,
    ValidationError,
    as_api_exception,
    exception_handler,
)
from .protocol import (
    MISSING,
    LegacyRequest,
    build_reply,
    decode_message,
    parse_frame,
    too_deep,
)
from .routing import RouteMatch, RouteTable

if TYPE_CHECKING:
    from .handlers import BoundResource
    from .operations import Operation

__all__ = ["DIALECTS", "Dialect", "DjangoChannelsRestFramework", "RestFrameworkChannels", "get_dialect"]

#: Standard actions acting on one object: the lookup value is part of their target.
DETAIL_ACTIONS = frozenset({"retrieve", "update", "partial_update", "destroy", "subscribe", "unsubscribe"})
#: The order a reader expects actions in (tooling, documents); custom actions follow, as declared.
ACTION_ORDER = ("list", "create", "retrieve", "update", "partial_update", "destroy", "subscribe", "unsubscribe", "list_cancel")


class Dialect:
    """One legacy library's framing. Subclasses override what their clients do differently."""

    name: ClassVar[str]
    #: An ``unsubscribe`` that matches no subscription: 404 (rest_framework_channels) or a plain 204.
    unsubscribe_missing_is_error: ClassVar[bool] = True
    #: Whether ``subscribe`` needs a ``request_id`` (events are told apart by it).
    subscription_needs_request_id: ClassVar[bool] = False

    def parse(self, text_data: str | None, bytes_data: bytes | None = None, *, max_depth: int | None = None) -> LegacyRequest:
        """One frame as a ``LegacyRequest``; never raises (a bad frame carries its ``problem``)."""
        raise NotImplementedError

    def standard_action(self, request: LegacyRequest) -> str | None:
        """The action's DRF name (``partial_update``...), what resources, permissions and usage know."""
        return request.action

    def wire_action(self, action: str) -> str:
        """What this dialect's clients call the DRF action ``action``."""
        return action

    def actions(self, binding: BoundResource, captures: frozenset[str]) -> dict[str, tuple[str, Operation | None]]:
        """Every action served on a route capturing ``captures``: wire name -> (DRF name, its operation).

        For tooling (``gql_channels_routes``, AsyncAPI); ``list_cancel`` runs no operation.
        """
        operations = binding.served_operations(captures)
        served = sorted(binding.actions_for(captures), key=lambda a: ACTION_ORDER.index(a) if a in ACTION_ORDER else len(ACTION_ORDER))
        return {self.wire_action(action): (action, operations.get(action)) for action in served}

    def route(self, request: LegacyRequest, table: RouteTable) -> str:
        """The route the request targets in the consumer's ``routepatterns``."""
        return request.route

    def target(self, request: LegacyRequest, match: RouteMatch, action: str, lookup_url_kwarg: str) -> RouteMatch:
        """``match`` with everything the action needs to find its object (the route has it all here)."""
        return match

    def arguments(self, request: LegacyRequest, match: RouteMatch) -> tuple[Mapping[str, str], Mapping[str, Any]]:
        """Where a custom action's variables come from: the route's kwargs first, then ``data``."""
        return match.kwargs, request.data if isinstance(request.data, dict) else {}

    def page_params(self, request: LegacyRequest, match: RouteMatch) -> Mapping[str, Any]:
        """What the pagination style reads: the route's query string."""
        return match.query_params

    def filter_params(self, request: LegacyRequest, match: RouteMatch) -> Mapping[str, Any]:
        """What the filter and ordering arguments are filled from: the route's query string."""
        return match.query_params

    def subscription_key(self, request: LegacyRequest, match: RouteMatch) -> str:
        """What one subscription of a connection is keyed by, beside its ``request_id``."""
        return request.route

    def reply(self, request: LegacyRequest, *, status: int, data: Any = None, errors: list[Any] | None = None) -> dict[str, Any]:
        """The envelope answering ``request``."""
        raise NotImplementedError

    def errors(self, exc: BaseException) -> tuple[int, list[Any]]:
        """``(status, errors)`` for any exception, in this dialect's shapes; unexpected ones logged."""
        raise NotImplementedError

    def status_of(self, reply: Mapping[str, Any]) -> int:
        """The status a reply of this dialect carries."""
        raise NotImplementedError

    def error_reply(self, request: LegacyRequest, exc: BaseException) -> dict[str, Any]:
        status, errors = self.errors(exc)
        return self.reply(request, status=status, errors=errors)

    def event(self, subscription: LegacyRequest, *, action: str, pk: Any, data: Any, route: str) -> dict[str, Any]:
        """A committed change of a subscribed object, as this dialect's clients receive it."""
        raise NotImplementedError


class RestFrameworkChannels(Dialect):
    """rest_framework_channels 0.0.7 (``legacy-protocol.md``): routes, ``status``, DRF error shapes."""

    name = "rest_framework_channels"

    def parse(self, text_data: str | None, bytes_data: bytes | None = None, *, max_depth: int | None = None) -> LegacyRequest:
        return parse_frame(text_data, bytes_data, max_depth=max_depth)

    def reply(self, request: LegacyRequest, *, status: int, data: Any = None, errors: list[Any] | None = None) -> dict[str, Any]:
        return build_reply(request, status=status, data=data, errors=errors)

    def errors(self, exc: BaseException) -> tuple[int, list[Any]]:
        return exception_handler(exc)

    def status_of(self, reply: Mapping[str, Any]) -> int:
        return reply["status"]

    def event(self, subscription: LegacyRequest, *, action: str, pk: Any, data: Any, route: str) -> dict[str, Any]:
        pushed = LegacyRequest(action, route or subscription.route, request_id=subscription.request_id)
        return build_reply(pushed, status=200, data=data)


#: DCRF's wire names -> the DRF names resources know. DRF's own names are not actions there.
_DCRF_ACTIONS = {"patch": "partial_update", "delete": "destroy", "subscribe_instance": "subscribe", "unsubscribe_instance": "unsubscribe"}
_NOT_DCRF_ACTIONS = frozenset({"partial_update", "destroy", "subscribe", "unsubscribe"})
_WIRE_NAMES = {standard: wire for wire, standard in _DCRF_ACTIONS.items()}
#: DCRF's 405 for a message without ``action``.
ACTION_MISSING = "Unable to find action in message body."


class DjangoChannelsRestFramework(Dialect):
    """djangochannelsrestframework 1.3.0 (``dcrf-protocol.md``).

    No route: a message is served by the resource at ``path("")``, or, inside a channelsmultiplexer
    envelope ``{"stream": "books", "payload": {...}}``, by the resource whose route is the stream's
    name (``path("books", ...)``; ``path("")`` when none is). ``pk`` and every other top-level key
    are the action's arguments; replies carry ``response_status`` and always ``request_id``.
    """

    name = "djangochannelsrestframework"
    unsubscribe_missing_is_error = False
    subscription_needs_request_id = True

    def parse(self, text_data: str | None, bytes_data: bytes | None = None, *, max_depth: int | None = None) -> LegacyRequest:
        try:
            message = decode_message(text_data, bytes_data)
        except ParseError as problem:
            return LegacyRequest(None, "", problem=problem, sent_action=None)
        stream = MISSING
        if "stream" in message and "payload" in message:  # channelsmultiplexer's envelope
            stream, message = message["stream"], message["payload"]
            if not isinstance(stream, str) or not isinstance(message, dict):
                problem = ParseError('A multiplexed frame is {"stream": "<name>", "payload": {...}}.')
                return LegacyRequest(None, "", problem=problem, sent_action=None)
        request_id = message.get("request_id", MISSING)
        kwargs = {key: value for key, value in message.items() if key not in ("action", "request_id")}
        problem: APIException | None = None
        if "action" not in message:
            action, sent, problem = None, None, MethodNotAllowed(None, ACTION_MISSING)
        else:
            sent = message["action"]
            action = sent if isinstance(sent, str) else str(sent)  # DCRF names a number or null with str()
            if isinstance(sent, list | dict):
                action, problem = None, ParseError('"action" must be a string.')
        if problem is None:
            problem = too_deep(message, max_depth)
        return LegacyRequest(
            action, "", data=message.get("data", MISSING), request_id=request_id, problem=problem,
            kwargs=kwargs, sent_action=sent, stream=stream,
        )

    def standard_action(self, request: LegacyRequest) -> str | None:
        if request.action in _NOT_DCRF_ACTIONS:
            return None  # "partial_update" is DRF's name, not an action of this protocol
        return _DCRF_ACTIONS.get(request.action, request.action) if request.action is not None else None

    def wire_action(self, action: str) -> str:
        return _WIRE_NAMES.get(action, action)

    def actions(self, binding: BoundResource, captures: frozenset[str]) -> dict[str, tuple[str, Operation | None]]:
        # The message carries the key: a consumer serves its detail actions on the same target.
        detail = captures | {binding.resource.lookup_url_kwarg}
        return {**super().actions(binding, captures), **super().actions(binding, detail)}

    def route(self, request: LegacyRequest, table: RouteTable) -> str:
        if request.stream is not MISSING and table.resolve(request.stream) is not None:
            return request.stream
        return ""

    def target(self, request: LegacyRequest, match: RouteMatch, action: str, lookup_url_kwarg: str) -> RouteMatch:
        if action not in DETAIL_ACTIONS:
            return match
        key = request.kwargs.get(lookup_url_kwarg)
        # DCRF read the key with int(): 2.7 was 2 and true was 1. Neither is a key here; None is none.
        if isinstance(key, bool | list | dict) or (isinstance(key, float) and not key.is_integer()):
            key = None
        elif key is not None:
            key = str(int(key) if isinstance(key, float) else key)
        return RouteMatch(match.resource, match.pattern, match.path, {**match.kwargs, lookup_url_kwarg: key}, match.query_params)

    def arguments(self, request: LegacyRequest, match: RouteMatch) -> tuple[Mapping[str, str], Mapping[str, Any]]:
        return {}, request.kwargs

    def page_params(self, request: LegacyRequest, match: RouteMatch) -> Mapping[str, Any]:
        return request.kwargs

    def filter_params(self, request: LegacyRequest, match: RouteMatch) -> Mapping[str, Any]:
        return {}  # DCRF's consumers filtered in get_queryset(): the schema's field does that here

    def subscription_key(self, request: LegacyRequest, match: RouteMatch) -> str:
        return json.dumps([match.pattern, match.kwargs], sort_keys=True)  # the stream's resource and the pk

    def reply(self, request: LegacyRequest, *, status: int, data: Any = None, errors: list[Any] | None = None) -> dict[str, Any]:
        payload = {
            "errors": errors or [],
            "data": None if errors else data,
            "action": None if request.sent_action is MISSING else request.sent_action,
            "response_status": status,
            "request_id": None if request.request_id is MISSING else request.request_id,
        }
        return payload if request.stream is MISSING else {"stream": request.stream, "payload": payload}

    def errors(self, exc: BaseException) -> tuple[int, list[Any]]:
        exc = as_api_exception(exc)
        if isinstance(exc, ValidationError):
            return exc.status_code, [exc.detail]
        if isinstance(exc, NotFound):
            return exc.status_code, ["Not found"]
        if isinstance(exc, MethodNotAllowed):
            return exc.status_code, [ACTION_MISSING if exc.action is None else f'Method "{exc.action}" not allowed.']
        return exc.status_code, [exc.detail]

    def status_of(self, reply: Mapping[str, Any]) -> int:
        return reply.get("payload", reply)["response_status"]

    def event(self, subscription: LegacyRequest, *, action: str, pk: Any, data: Any, route: str) -> dict[str, Any]:
        pushed = LegacyRequest(action, "", request_id=subscription.request_id, sent_action=action, stream=subscription.stream)
        if action == "delete":
            return self.reply(pushed, status=204, data={"pk": pk})
        return self.reply(pushed, status=200, data=data)


#: The dialects by name (``ActionConsumer.dialect``).
DIALECTS: dict[str, Dialect] = {d.name: d for d in (RestFrameworkChannels(), DjangoChannelsRestFramework())}


def get_dialect(dialect: str | Dialect) -> Dialect:
    """A dialect by name, or the instance given."""
    if isinstance(dialect, Dialect):
        return dialect
    try:
        return DIALECTS[dialect]
    except KeyError:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"Unknown dialect {dialect!r}: use one of {sorted(DIALECTS)}.") from None
