"""The AsyncAPI document of a djangochannelsrestframework consumer: what differs from ``asyncapi.Builder``'s.

No routes: a message names its object with ``pk`` and its arguments as top-level keys, replies carry
``response_status`` and always ``request_id``, and a consumer multiplexing several resources (one per
route, ``path("books", ...)``) takes and answers frames in channelsmultiplexer's
``{"stream", "payload"}`` envelope, one channel per stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .asyncapi import _REQUEST_ID, Builder, _identifier
from .dialects import DETAIL_ACTIONS, DjangoChannelsRestFramework
from .json_schemas import pascal_case
from .pagination import WebsocketLimitOffsetPagination

if TYPE_CHECKING:
    from .handlers import BoundResource
    from .operations import Operation

_ENVELOPE = ["errors", "data", "action", "response_status", "request_id"]
_DCRF_ERROR_REPLY: dict[str, Any] = {
    "type": "object",
    "description": "Every failure: response_status 400-599, `data` null, the connection stays open.",
    "required": _ENVELOPE,
    "properties": {
        "errors": {
            "type": "array",
            "minItems": 1,
            "description": 'DCRF-shaped: a string (`"Not found"`, `"Method \\"x\\" not allowed."`...) or `{"<field>": ["..."]}`.',
            "items": {
                "anyOf": [
                    {"type": "string"},
                    {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
                ]
            },
        },
        "data": {"type": "null"},
        "action": {"description": "The action as sent (any JSON value); null when there was none."},
        "response_status": {"type": "integer", "minimum": 400, "maximum": 599},
        "request_id": {**_REQUEST_ID, "description": "As sent; null when the message had none."},
    },
}
_KEY = {"type": ["integer", "string"], "description": "The object's primary key."}


class DcrfBuilder(Builder):
    """``Builder`` for ``dialect = "djangochannelsrestframework"``."""

    dialect_name = DjangoChannelsRestFramework.name
    description = (
        'djangochannelsrestframework-style messages (`{"action", "request_id", "pk", ...}`) answered from the '
        "GraphQL schema by gql_channels. Every message is one JSON text frame; the consumer is the target "
        "(one channel), or, multiplexed, each channel is a stream of channelsmultiplexer's "
        '`{"stream", "payload"}` envelope. Operations are described from the client\'s side.'
    )
    error_reply = _DCRF_ERROR_REPLY

    def document(self, title: str, *, host: str, pathname: str, version: str) -> dict[str, Any]:
        self.streams: dict[str, str] = {}  # channel id -> stream name
        return super().document(title, host=host, pathname=pathname, version=version)

    def channel(self, pattern: str, binding: BoundResource) -> dict[str, Any]:
        self.current_stream = pattern
        if not pattern:
            return {
                "address": None,
                "title": "the consumer",
                "description": "Messages to this consumer's URL (a channelsmultiplexer envelope, any stream, is served too).",
                "messages": {"error": {"$ref": "#/components/messages/ErrorReply"}},
            }
        error = self.message_ref(f"ErrorReply{pascal_case(pattern)}", f"error reply on {pattern}", self.wrap(_DCRF_ERROR_REPLY))
        return {
            "address": pattern,
            "title": f"stream {pattern}",
            "description": f'Frames `{{"stream": "{pattern}", "payload": {{...}}}}`; replies come back on the same stream.',
            "messages": {"error": error},
        }

    def wrap(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``payload`` inside the stream's envelope, when the current channel is a stream."""
        if not self.current_stream:
            return payload
        return {
            "type": "object",
            "required": ["stream", "payload"],
            "properties": {"stream": {"const": self.current_stream}, "payload": payload},
        }

    def reply_schema(self, action: str, data: dict[str, Any], status: int) -> dict[str, Any]:
        return self.wrap({
            "type": "object",
            "required": _ENVELOPE,
            "properties": {
                "errors": {"type": "array", "maxItems": 0},
                "data": data,
                "action": {"const": action},
                "response_status": {"const": status},
                "request_id": {**_REQUEST_ID, "description": "As sent; null when the message had none."},
            },
        })

    def request_schema(self, action: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
        return self.wrap({
            "type": "object",
            "required": ["action", *required],
            "properties": {"action": {"const": action}, **properties, "request_id": _REQUEST_ID},
        })

    def action_messages(
        self, binding: BoundResource, action: str, operation: Operation, captures: frozenset[str], *, standard: str
    ) -> tuple[dict[str, str], dict[str, str]]:
        type_name = next((op.shape.type_name for op in binding.operations.values() if op.shape), "")
        base = f"{type_name}{pascal_case(action)}{pascal_case(self.current_stream)}"
        properties: dict[str, Any] = {}
        required: list[str] = []
        lookup = binding.resource.lookup_url_kwarg
        if standard in DETAIL_ACTIONS:
            properties[lookup], required = _KEY, [lookup]
        if operation.input is not None and standard in ("create", "update", "partial_update"):
            data = self.request_data(binding, standard, operation, frozenset())
            properties["data"], required = data, [*required, "data"]
        elif standard not in ("list", "retrieve", "destroy") and operation.variables:
            arguments = self.request_data(binding, standard, operation, frozenset()) or {"properties": {}}
            properties |= arguments["properties"]
            required += arguments.get("required", [])
        pagination = binding.pagination if standard == "list" else None
        if isinstance(pagination, WebsocketLimitOffsetPagination):
            properties[pagination.limit_query_param] = {"type": ["integer", "string"], "description": "Rows per page."}
            properties[pagination.offset_query_param] = {"type": ["integer", "string"], "description": "First row."}
        data = self.reply_data(binding, standard, operation)
        if isinstance(pagination, WebsocketLimitOffsetPagination):
            item = data["properties"]["results"]
            page = {"count": {"type": "integer", "minimum": 0}, "results": item, "limit": {"type": "integer"},
                    "offset": {"type": "integer"}}
            data = {"type": "object", "required": list(page), "properties": page}
            if binding.resource.stream:
                data["description"] = "One frame per page, all under the list's request_id, until the last page."
        reply = self.reply_schema(action, data, operation.status)
        return (
            self.message_ref(f"{base}Request", f"{action} request", self.request_schema(action, properties, required)),
            self.message_ref(f"{base}Reply", f"{action} reply", reply),
        )

    def live(
        self, channel: dict[str, Any], operations: dict[str, Any], channel_id: str, binding: BoundResource,
        captures: frozenset[str],
    ) -> None:
        """``subscribe_instance`` (201) / ``unsubscribe_instance`` (204), and the events: ``update`` (200, the
        object as ``retrieve`` renders it) and ``delete`` (204, ``{"pk": pk}``)."""
        type_name = next((op.shape.type_name for op in binding.operations.values() if op.shape), "")
        suffix = pascal_case(self.current_stream)
        lookup = binding.resource.lookup_url_kwarg
        messages = f"#/channels/{channel_id}/messages"
        live = next((op for std, op in self.dialect.actions(binding, captures).values() if std == "subscribe"), None)
        for action, status in (("subscribe_instance", 201), ("unsubscribe_instance", 204)):
            request_id = {**_REQUEST_ID, "description": "Names the subscription: its events carry it."}
            request = self.wrap({
                "type": "object",
                "required": ["action", lookup, *(["request_id"] if action == "subscribe_instance" else [])],
                "properties": {"action": {"const": action}, lookup: _KEY, "request_id": request_id},
            })
            reply = self.reply_schema(action, {"type": "null"}, status)
            channel["messages"] |= {
                f"{action}_request": self.message_ref(f"{type_name}{pascal_case(action)}Request{suffix}", f"{action} request", request),
                f"{action}_reply": self.message_ref(f"{type_name}{pascal_case(action)}Reply{suffix}", f"{action} reply", reply),
            }
            operations[f"{channel_id}.{_identifier(action)}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "summary": f"{action}: " + ("the object's committed changes." if status == 201 else "stops them."),
                "messages": [{"$ref": f"{messages}/{action}_request"}],
                "reply": {
                    "channel": {"$ref": f"#/channels/{channel_id}"},
                    "messages": [{"$ref": f"{messages}/{action}_reply"}, {"$ref": f"{messages}/error"}],
                },
                **({"x-graphql-document": live.source} if live is not None and status == 201 else {}),
            }
        shape = next((op.shape for op in binding.operations.values() if op.shape), None)
        if shape is None:
            return
        events: dict[str, tuple[str, dict[str, Any], int]] = {
            "update_event": ("update", {"$ref": f"#/components/schemas/{self.item(binding, shape)}"}, 200),
            "delete_event": ("delete", {"type": "object", "required": ["pk"], "properties": {"pk": _KEY}}, 204),
        }
        for key, (action, data, status) in events.items():
            payload = self.reply_schema(action, data, status)
            (payload["properties"]["payload"] if self.current_stream else payload)["properties"]["request_id"] = {
                **_REQUEST_ID, "description": "The subscribe_instance's request_id."
            }
            channel["messages"][key] = self.message_ref(f"{type_name}{pascal_case(action)}Event{suffix}", f"{action} event", payload)
        operations[f"{channel_id}.events"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": "Pushed to a subscribed client: a committed save (update) or delete of the object.",
            "messages": [{"$ref": f"{messages}/{key}"} for key in events],
        }
