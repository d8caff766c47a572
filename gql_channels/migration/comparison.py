"""Compare an old and a new consumer's replies to the same messages, by the contracts' rules.

Replies agree when their JSON is the same, keys in the same order. Where they differ, they still
agree *by rule* when the contract (``legacy-protocol.md``, ``dcrf-protocol.md``) says the new
reply is meant to differ: the **Fixed** rows, where the old library died, answered 500 or
misbehaved, and the rest_framework_channels ``request_id`` echo. Each rule is named in the
report, with how many messages it covered; anything else is a difference, shown as a diff.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern
from django.urls.resolvers import RegexPattern, RoutePattern

from .legacy import DCRF, RFC, library_of
from .replay import Outcome, Recorded, Replayer, more_pages

_RFC_SERVER_ERROR = [{"detail": "A server error occurred."}]
_WRITES = {"create", "update", "partial_update"}
_DCRF_WRITES = {"create", "update", "patch"}
_DCRF_NEEDS_PK = {"retrieve", "update", "patch", "delete", "subscribe_instance", "unsubscribe_instance"}
#: Keys DCRF passed on as keyword arguments where its own parameters had those names (it died).
_DCRF_INTERNAL = {"self", "scope", "queryset", "consumer", "kwargs", "action_kwargs", "instance", "many"}


@dataclass(frozen=True)
class Side:
    """A consumer under comparison: its ASGI app and how to tell its last reply to a message."""

    label: str
    consumer: type
    app: Any
    #: Whether the app may answer ``list`` with a stream of pages.
    more: Callable[[Any], bool]


def old_side(label: str, consumer: type) -> Side:
    streams = False
    if library_of(consumer) == DCRF:  # only DCRF streams; a project may have only the other library
        from djangochannelsrestframework.mixins import StreamedPaginatedListMixin

        streams = issubclass(consumer, StreamedPaginatedListMixin)
    return Side(label, consumer, consumer.as_asgi(), more_pages if streams else _one_reply)


def new_side(label: str, consumer: type) -> Side:
    app = consumer.as_asgi()
    routes = app.consumer_initkwargs["compiled_routes"]
    streams = any(binding.resource.stream for binding in routes.bindings.values())
    return Side(label, consumer, app, more_pages if streams else _one_reply)


def _one_reply(reply: Any) -> bool:
    return False


@dataclass
class Row:
    target: str
    action: str
    messages: int = 0
    agreed: int = 0
    by_rule: int = 0
    differed: int = 0


@dataclass(frozen=True)
class Difference:
    message: Recorded
    diff: str


@dataclass
class Report:
    rows: dict[tuple[str, str], Row] = field(default_factory=dict)
    rules: dict[str, int] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)

    @property
    def total(self) -> Row:
        total = Row("total", "")
        for row in self.rows.values():
            total.messages += row.messages
            total.agreed += row.agreed
            total.by_rule += row.by_rule
            total.differed += row.differed
        return total


def compare(old: Side, new: Side, messages: Sequence[Recorded], replayer: Replayer) -> Report:
    """Replay every message through both consumers and judge each pair of outcomes."""
    olds = replayer.run([(old.app, m, old.more) for m in messages])
    news = replayer.run([(new.app, m, new.more) for m in messages])
    from gql_channels.dialects import get_dialect

    judge = _judge_rfc if get_dialect(new.consumer.dialect).name == RFC else _judge_dcrf
    routes = new.app.consumer_initkwargs["compiled_routes"]
    report = Report()
    for key in sorted({_key(routes, new.consumer, m) for m in messages}, key=_row_order):
        report.rows[key] = Row(*key)
    for message, old_outcome, new_outcome in zip(messages, olds, news, strict=True):
        key = _key(routes, new.consumer, message)
        row = report.rows[key]
        row.messages += 1
        echoed = False
        if judge is _judge_rfc:  # judged, and shown in a diff, without the request_id echo
            new_outcome, echoed = _without_echo(old_outcome, new_outcome)
        rule = judge(message, old_outcome, new_outcome, old.consumer)
        if rule == _SAME and echoed:
            rule = _ECHO
        if rule == _SAME:
            row.agreed += 1
        elif rule is not None:
            row.by_rule += 1
            report.rules[rule] = report.rules.get(rule, 0) + 1
        else:
            row.differed += 1
            report.differences.append(Difference(message, _diff(old, new, message, old_outcome, new_outcome)))
    return report


def _key(routes: Any, consumer: type, message: Recorded) -> tuple[str, str]:
    """The table row of a message: the new consumer's route pattern (or DCRF target) and the action sent."""
    from gql_channels.dialects import get_dialect

    dialect = get_dialect(consumer.dialect)
    if _frame(message) is None:
        return "(no target)", "(not a JSON object)"
    request = dialect.parse(message.frame)
    match = routes.table.resolve(dialect.route(request, routes.table))
    target = match.pattern if match is not None else "(no route)"
    if dialect.name == DCRF:
        target = consumer.__name__ + (f" {match.pattern}" if match is not None and match.pattern else "")
    action = request.sent_action if dialect.name == DCRF else request.action
    return target, "(none)" if action is None else str(action)


_ACTION_ORDER = ("list", "create", "retrieve", "update", "partial_update", "patch", "destroy", "delete")


def _row_order(key: tuple[str, str]) -> tuple[bool, str, int, str]:
    target, action = key
    rank = _ACTION_ORDER.index(action) if action in _ACTION_ORDER else len(_ACTION_ORDER)
    return target.startswith("("), target, rank, action


#: The verdict "identical": no rule needed.
_SAME = "same"


def _frame(message: Recorded) -> dict[str, Any] | None:
    if not isinstance(message.frame, str):
        return None
    try:
        value = json.loads(message.frame)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _single(outcome: Outcome) -> dict[str, Any] | None:
    if len(outcome.replies) == 1 and isinstance(outcome.replies[0], dict) and not outcome.closed:
        return outcome.replies[0]
    return None


def _died(outcome: Outcome) -> bool:
    """The connection ended without a reply: the old library died on the frame (not a refused handshake)."""
    return outcome.closed and not outcome.replies and not outcome.refused


#: gql_channels echoes ``request_id`` (``legacy-protocol.md`` 1); rest_framework_channels dropped it.
_ECHO = "request_id is echoed (rest_framework_channels dropped it)"


def _without_echo(old: Outcome, new: Outcome) -> tuple[Outcome, bool]:
    """``new`` without the ``request_id`` s the old replies lacked, and whether there were any."""
    replies = list(new.replies)
    echoed = False
    for i, (old_reply, new_reply) in enumerate(zip(old.replies, new.replies)):
        if isinstance(new_reply, dict) and isinstance(old_reply, dict) and "request_id" in new_reply and "request_id" not in old_reply:
            replies[i] = {k: v for k, v in new_reply.items() if k != "request_id"}
            echoed = True
    return Outcome(tuple(replies), new.closed, new.crash, new.hung, new.refused), echoed


def _judge_rfc(message: Recorded, old: Outcome, new: Outcome, old_consumer: type) -> str | None:
    """rest_framework_channels 0.0.7 against ``legacy-protocol.md`` (``new`` without the ``request_id`` echo)."""
    if old.replies == new.replies and old.closed == new.closed and not old.hung and not new.hung:
        return _SAME
    frame = _frame(message)
    reply, was = _single(new), _single(old)
    if new.hung or reply is None:
        return None
    status, errors = reply.get("status"), reply.get("errors")
    if _unparsable(RFC, message):
        if status != 400 or not _details(errors):
            return None
        if frame is None or "action" not in frame:
            return "frame not a JSON object: 400 (Fixed; the old library closed the connection or answered 404)"
        return "route or action not a string: 400 (Fixed; was 500 or 405)"
    if frame is None:
        return None
    prefix_rule = _prefix_rule(frame, old_consumer, reply)
    if prefix_rule:
        return prefix_rule
    if was is not None and _links_without_blanks(was) == reply:
        return "links drop query parameters with empty values (legacy-protocol.md 4; kept when all were empty)"
    if was is not None and was.get("status") == 500 and was.get("errors") == _RFC_SERVER_ERROR:
        action = frame.get("action")
        if status == 404 and _details(errors) and errors[0]["detail"].endswith(" matches the given query."):
            return "object not found: 404 (Fixed; was 500)"
        if action in _WRITES and frame.get("data") is None and status == 400:
            return "no data: 400 No data provided (Fixed; a missing key was 500)" if errors == [
                {"non_field_errors": ["No data provided"]}] else None
        if "self" in frame:
            return "a key named self is ignored (the old library answered 500)"
    if _died(old) and "self" in frame:
        return "a key named self is ignored (the old library died on it)"
    return None


def _unparsable(dialect: str, message: Recorded) -> bool:
    """Whether gql_channels' parser refuses the frame itself (not JSON, not an object, a key of the wrong type)."""
    from gql_channels.dialects import get_dialect
    from gql_channels.exceptions import ParseError

    text, data = (message.frame, None) if isinstance(message.frame, str) else (None, message.frame)
    return isinstance(get_dialect(dialect).parse(text, data).problem, ParseError)


def _links_without_blanks(reply: dict[str, Any]) -> dict[str, Any]:
    """``reply`` with the empty-valued query parameters taken out of its ``next``/``previous`` routes."""
    data = reply.get("data")
    if not isinstance(data, dict) or not {"next", "previous"} <= data.keys():
        return reply
    links = {}
    for key in ("next", "previous"):
        link = data[key]
        if isinstance(link, str) and "?" in link:
            path, _, query = link.partition("?")
            kept = "&".join(p for p in query.split("&") if p and not p.endswith("="))
            link = f"{path}?{kept}" if kept else path
        links[key] = link
    return {**reply, "data": {**data, **links}}


def _details(errors: Any) -> bool:
    return isinstance(errors, list) and len(errors) == 1 and isinstance(errors[0], dict) and list(errors[0]) == ["detail"]


def _prefix_rule(frame: dict[str, Any], old_consumer: type, reply: dict[str, Any]) -> str | None:
    """The old library matched route *prefixes*, first pattern first; gql_channels matches the path in full (Fixed)."""
    route = frame.get("route", "")
    if not isinstance(route, str):
        return None
    patterns = [p for p in getattr(old_consumer, "routepatterns", ()) if isinstance(p, URLPattern)]
    old_match = next((str(p.pattern) for p in patterns if _prefix_match(p, route)), None)
    path = route.partition("#")[0].partition("?")[0]
    full = next((str(p.pattern) for p in patterns if p.pattern.match(path) and _full(p, path)), None)
    if old_match == full:
        return None
    if full is None and reply.get("status") == 405:
        return "routes match in full: 405 where the old library matched a prefix (Fixed)"
    if full is not None:
        return "routes match in full: the path's own pattern serves it, not a prefix listed first (Fixed)"
    return None


def _prefix_match(pattern: URLPattern, route: str) -> bool:
    """rest_framework_channels' match: the pattern copied with ``is_endpoint=False``, against the whole route."""
    kind = type(pattern.pattern)
    if kind not in (RoutePattern, RegexPattern):
        return False
    written = pattern.pattern._route if kind is RoutePattern else pattern.pattern._regex
    return bool(kind(written, is_endpoint=False).match(route))


def _full(pattern: URLPattern, path: str) -> bool:
    match = pattern.pattern.match(path)
    return bool(match) and match[0] == ""


def _judge_dcrf(message: Recorded, old: Outcome, new: Outcome, old_consumer: type) -> str | None:
    """djangochannelsrestframework 1.3.0 against ``dcrf-protocol.md``."""
    if old.replies == new.replies and old.closed == new.closed and not old.hung and not new.hung:
        return _SAME
    frame = _frame(message)
    reply = _single(new)
    if new.hung or not new.replies:
        return None
    if _unparsable(DCRF, message):
        if reply is not None and reply.get("response_status") == 400 and _one_string(reply.get("errors")):
            return "frame not a JSON object, or an unhashable action: 400 (Fixed; DCRF died or missed it)"
        return None
    if frame is None:
        return None
    action = frame.get("action")
    status = reply.get("response_status") if reply else None
    if action in _DCRF_NEEDS_PK and _not_a_key(frame.get("pk", None), "pk" in frame):
        if status == 404 and reply.get("errors") == ["Not found"]:
            return "a pk that is a boolean or not a whole number is no key: 404 (Fixed; DCRF read it with int())"
        return None
    if action == "list_cancel" and status == 200 and reply.get("data") is None:
        was = _single(old)
        if was is not None and was.get("response_status") in (403, 405):
            return "list_cancel stops a streamed list (DCRF 1.3.0 had none: 405, or 403 before that)"
    if not _died(old):
        return None
    if action in _DCRF_NEEDS_PK and "pk" not in frame:
        return "no pk: 404 Not found (Fixed; DCRF died on an assert)" if status == 404 else None
    if action in _DCRF_WRITES and "data" not in frame:
        ok = status == 400 and reply.get("errors") == [{"non_field_errors": ["No data provided"]}]
        return "no data key: 400 No data provided (Fixed; DCRF died)" if ok else None
    if action == "subscribe_instance" and frame.get("request_id") is None:
        return "subscribe_instance needs a request_id: 400 (Fixed; DCRF died)" if status == 400 else None
    if _DCRF_INTERNAL & frame.keys():
        return "a key named like an internal parameter is ignored (Fixed; DCRF died)"
    if any(frame.get(key, 0) is None or isinstance(frame.get(key), list | dict) for key in ("limit", "offset")):
        return "a null or list limit/offset falls back to the default (Fixed; DCRF died)"
    return "DCRF died here; the new reply is an envelope (Fixed: anything unexpected)" if all(
        isinstance(r, dict) for r in new.replies) else None


def _one_string(errors: Any) -> bool:
    return isinstance(errors, list) and len(errors) == 1 and isinstance(errors[0], str)


def _not_a_key(pk: Any, sent: bool) -> bool:
    """DCRF's ``int()`` took these as keys: ``true`` as 1, ``2.7`` as 2. The contract says they are none."""
    return sent and (isinstance(pk, bool) or (isinstance(pk, float) and not pk.is_integer()))


def _diff(old: Side, new: Side, message: Recorded, old_outcome: Outcome, new_outcome: Outcome) -> str:
    before = _pretty(old_outcome).splitlines(keepends=True)
    after = _pretty(new_outcome).splitlines(keepends=True)
    frame = message.frame if isinstance(message.frame, str) else f"<{len(message.frame)} bytes>"
    header = f"line {message.line} (user {message.user or 'anonymous'}): {frame}\n"
    return header + "".join(difflib.unified_diff(before, after, f"old {old.label}", f"new {new.label}"))


def _pretty(outcome: Outcome) -> str:
    """The replies as pretty JSON, keys in the order sent, then how the connection ended if it did."""
    frames: list[Any] = list(outcome.replies)
    if outcome.refused:
        frames.append("<the handshake was refused>")
    elif outcome.crash:
        frames.append(f"<the consumer died: {outcome.crash}>")
    elif outcome.closed:
        frames.append("<the connection was closed>")
    if outcome.hung:
        frames.append("<no reply: hung>")
    return json.dumps(frames, indent=2, ensure_ascii=False) + "\n"
