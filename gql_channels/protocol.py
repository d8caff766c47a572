"""The legacy action protocol as plain data: parse a frame, build a reply. No I/O.

Like websockets' sans-I/O ``protocol.py``: everything here is a function of its input,
so the contract of ``legacy-protocol.md`` section 1 is tested without a socket. The frame
decoding and ``LegacyRequest`` are shared by both dialects (``dialects.py``); ``parse_frame``
and ``build_reply`` are rest_framework_channels' own.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from .exceptions import APIException, NotFound, ParseError

#: Marks a key the client did not send (``None`` is a value a client can send).
MISSING: Final[Any] = type("Missing", (), {"__repr__": lambda self: "MISSING", "__bool__": lambda self: False})()

_JSON_TYPE_NAMES = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


@dataclass(frozen=True, slots=True)
class LegacyRequest:
    """One legacy message, with what the reply must echo even when the message is bad."""

    #: The action named, as text (``None`` when the frame names none the dialect can read).
    action: str | None
    route: str
    data: Any = MISSING
    request_id: Any = MISSING
    partial: bool = False
    #: What was wrong with the frame itself; answered before any routing.
    problem: APIException | None = None
    #: The message's other top-level keys: djangochannelsrestframework's action arguments (``pk``, ``limit``...).
    kwargs: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: The ``action`` exactly as sent (any JSON value), for dialects that echo it so.
    sent_action: Any = MISSING
    #: The channelsmultiplexer stream the frame came in on; its reply goes back on it.
    stream: Any = MISSING


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    """``1e999`` is valid JSON but no float: echoed back it would be ``Infinity``, which is not."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of the range of a double")
    return number


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests containers more than ``limit`` deep (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return False


def decode_message(text_data: str | None, bytes_data: bytes | None = None) -> dict[str, Any]:
    """The frame's JSON object, or the ``ParseError`` saying why there is none.

    The old libraries closed the connection on such a frame; here it becomes a 400 envelope.
    """
    if text_data is None:
        raise ParseError("Binary frames are not supported; send the message as JSON text.")
    if not text_data.strip():
        raise ParseError("Empty frame.")
    try:
        message = json.loads(text_data, parse_constant=_reject_constant, parse_float=_finite)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"JSON parse error - {exc}") from None
    if not isinstance(message, dict):
        kind = _JSON_TYPE_NAMES.get(type(message), type(message).__name__)
        raise ParseError(f"Expected a JSON object, got {kind}.")
    return message


def too_deep(message: Any, max_depth: int | None) -> ParseError | None:
    """The 400 for a message nesting containers deeper than ``max_depth``, if it does."""
    if max_depth is not None and _deeper_than(message, max_depth):
        return ParseError(f"JSON nested deeper than {max_depth} levels.")
    return None


def parse_frame(text_data: str | None, bytes_data: bytes | None = None, *, max_depth: int | None = None) -> LegacyRequest:
    """Turn one rest_framework_channels frame into a ``LegacyRequest``; never raises.

    Every frame yields a request whose ``problem`` (if any) becomes a 400/404 envelope, and the
    connection stays usable.
    """
    try:
        message = decode_message(text_data, bytes_data)
    except ParseError as error:
        return LegacyRequest(None, "", problem=error)
    request = _from_message(message)
    if request.problem is None and (problem := too_deep(message, max_depth)) is not None:
        return LegacyRequest(request.action, request.route, request_id=request.request_id, problem=problem)
    return request


def _has_surrogate(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


def _from_message(message: dict[str, Any]) -> LegacyRequest:
    request_id = message.get("request_id", MISSING)
    if "action" not in message:
        # The old library answered this one before reading the route: it echoes "".
        return LegacyRequest(None, "", request_id=request_id, problem=NotFound("Unable to find action in message body."))
    action = message["action"]
    route = message.get("route", "")
    problem: APIException | None = None
    if not isinstance(action, str):
        problem = ParseError('"action" must be a string.')
    elif not isinstance(route, str):
        problem = ParseError('"route" must be a string.')
    elif not route.isascii() and _has_surrogate(route):
        # JSON's "\ud800" escape decodes to a lone surrogate: no URL, database or link can carry it.
        problem = ParseError('"route" contains a lone surrogate; send valid Unicode text.')
    return LegacyRequest(
        action=action if isinstance(action, str) else None,
        route=route if isinstance(route, str) else "",
        data=message.get("data", MISSING),
        request_id=request_id,
        partial=message.get("partial") is True,
        problem=problem,
    )


def build_reply(
    request: LegacyRequest, *, status: int, data: Any = None, errors: list[Any] | None = None
) -> dict[str, Any]:
    """The envelope legacy clients parse, keys in the old library's order."""
    reply: dict[str, Any] = {
        "errors": errors or [],
        "data": None if errors else data,
        "action": request.action,
        "route": request.route,
        "status": status,
    }
    if request.request_id is not MISSING:
        reply["request_id"] = request.request_id
    return reply


def encode_reply(reply: dict[str, Any]) -> str:
    """Encode like the old ``AsyncJsonWebsocketConsumer.encode_json`` (``json.dumps``)."""
    return json.dumps(reply)
