"""Describe a consumer's legacy action protocol as an AsyncAPI 3.0.0 document.

Legacy clients have no schema of their own: the replies they parse were whatever the old
serializers rendered. This document gives them one, generated from the same operations the
consumer serves: one channel per route pattern (its captures as parameters), one ``send``
operation per action whose ``reply`` is the envelope, on routes that serve them ``subscribe`` /
``unsubscribe`` and a ``receive`` operation for what a subscription pushes, and JSON Schemas
derived from the GraphQL types (``json_schemas``). Operations are written from the legacy
client's side: it sends the request and receives the reply. ``manage.py gql_channels_asyncapi``
writes it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from graphql import (
    OperationDefinitionNode,
)

from .dialects import Dialect, get_dialect
from .handlers import LIST_CANCEL, SUBSCRIPTION_ACTIONS
from .json_schemas import JSONSchemas, pascal_case

if TYPE_CHECKING:
    from .binding import CompiledRoutes
    from .consumers import ActionConsumer
    from .handlers import BoundResource
    from .operations import Operation

__all__ = ["ASYNCAPI_VERSION", "asyncapi_document"]

ASYNCAPI_VERSION = "3.0.0"
_REQUEST_ID = {"description": "Any JSON value the client chooses; echoed in the reply to match it."}
_ERROR_REPLY: dict[str, Any] = {
    "type": "object",
    "description": "Every failure: status 400-599, `data` null, the connection stays open.",
    "required": ["errors", "data", "action", "route", "status"],
    "properties": {
        "errors": {
            "type": "array",
            "minItems": 1,
            "description": 'DRF-shaped: `{"detail": "..."}`, `{"<field>": ["..."]}` or a bare string (403, 405).',
            "items": {
                "anyOf": [
                    {"type": "string"},
                    {
                        "type": "object",
                        "additionalProperties": {
                            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
                        },
                    },
                ]
            },
        },
        "data": {"type": "null"},
        "action": {"type": ["string", "null"]},
        "route": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "request_id": _REQUEST_ID,
    },
}
_CORRELATION_ID = {
    "description": "The request's `request_id`, when it sent one.",
    "location": "$message.payload#/request_id",
}


def asyncapi_document(
    consumer: type[ActionConsumer], *, host: str = "127.0.0.1:8000", pathname: str = "/ws/", version: str = "1.0.0"
) -> dict[str, Any]:
    """The AsyncAPI document of ``consumer``'s legacy protocol (in its dialect), as JSON-ready data."""
    from .asyncapi_dcrf import (
        DcrfBuilder,  # the other dialect's messages build on these
    )

    routes = consumer.compiled_routes or consumer.as_asgi().consumer_initkwargs["compiled_routes"]
    dialect = get_dialect(consumer.dialect)
    builder = DcrfBuilder if dialect.name == DcrfBuilder.dialect_name else Builder
    return builder(routes, dialect).document(consumer.__qualname__, host=host, pathname=pathname, version=version)


def _address(pattern: str) -> str:
    """The route pattern with each capture as an AsyncAPI ``{parameter}``, anchors dropped."""
    parts: list[str] = []
    index = 0
    while (start := pattern.find("(?P<", index)) != -1:
        name_end = pattern.index(">", start)
        depth, cursor, in_class = 1, name_end + 1, False
        while depth:
            char = pattern[cursor]
            if char == "\\":
                cursor += 1
            elif char == "[":
                in_class = True
            elif char == "]":
                in_class = False
            elif not in_class:
                depth += {"(": 1, ")": -1}.get(char, 0)
            cursor += 1
        parts += [pattern[index:start], "{", pattern[start + 4 : name_end], "}"]
        index = cursor
    address = "".join([*parts, pattern[index:]])
    address = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", address)
    return address.removeprefix("^").removesuffix("$")


def _identifier(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("_") or "root"


class Builder(JSONSchemas):
    """The document of a rest_framework_channels consumer; ``DcrfBuilder`` changes what differs for DCRF."""

    description = (
        'rest_framework_channels-style messages (`{"action", "route", "data"}`) answered from the '
        "GraphQL schema by gql_channels. Every message is one JSON text frame on one WebSocket; "
        "each channel is a route pattern the `route` key is matched against. Operations are "
        "described from the client's side: it sends a request and receives one reply."
    )
    error_reply: dict[str, Any] = _ERROR_REPLY

    def __init__(self, routes: CompiledRoutes, dialect: Dialect) -> None:
        super().__init__()
        self.routes = routes
        self.dialect = dialect
        self.schemas["ErrorReply"] = self.error_reply
        self.messages: dict[str, Any] = {
            "ErrorReply": {
                "name": "ErrorReply",
                "title": "Error reply",
                "contentType": "application/json",
                "correlationId": _CORRELATION_ID,
                "payload": {"$ref": "#/components/schemas/ErrorReply"},
            }
        }

    def document(self, title: str, *, host: str, pathname: str, version: str) -> dict[str, Any]:
        channels: dict[str, Any] = {}
        operations: dict[str, Any] = {}
        for entry in self.routes.table.entries():
            channel_id = _identifier(_address(entry.route))
            while channel_id in channels:
                channel_id += "_"
            binding = self.routes.binding(entry.resource)
            channels[channel_id] = self.channel(entry.route, binding)
            served = self.dialect.actions(binding, entry.captures)
            for action, (standard, operation) in served.items():
                if standard in SUBSCRIPTION_ACTIONS or operation is None:
                    continue  # described by live() / the streamed list's cancel
                action_id = _identifier(action)
                request, reply = self.action_messages(binding, action, operation, entry.captures, standard=standard)
                channels[channel_id]["messages"] |= {f"{action_id}_request": request, f"{action_id}_reply": reply}
                operations[f"{channel_id}.{action_id}"] = self.operation(channel_id, action, operation)
            if LIST_CANCEL in binding.actions_for(entry.captures):
                self.cancel(channels[channel_id], operations, channel_id, binding)
            if any(standard == "subscribe" for standard, _ in served.values()):
                self.live(channels[channel_id], operations, channel_id, binding, entry.captures)
        return {
            "asyncapi": ASYNCAPI_VERSION,
            "info": {"title": f"{title} legacy action protocol", "version": version, "description": self.description},
            "defaultContentType": "application/json",
            "servers": {
                "legacy": {
                    "host": host,
                    "protocol": "ws",
                    "pathname": pathname,
                    "description": "The legacy WebSocket endpoint (placeholder host).",
                }
            },
            "channels": channels,
            "operations": operations,
            "components": {"schemas": self.schemas, "messages": self.messages},
        }

    def channel(self, pattern: str, binding: BoundResource) -> dict[str, Any]:
        address = _address(pattern)
        channel: dict[str, Any] = {
            "address": address,
            "title": pattern,
            "description": (
                f"Messages whose `route` matches the pattern `{pattern}` (the part before `?`; "
                "the query string carries paging and filters)."
            ),
            "messages": {"error": {"$ref": "#/components/messages/ErrorReply"}},
        }
        captured = re.findall(r"\{(\w+)\}", address)
        if captured:
            lookup = binding.resource.lookup_url_kwarg
            channel["parameters"] = {
                name: {"description": "The object's primary key." if name == lookup else f"Captured `{name}`."}
                for name in captured
            }
        return channel

    def operation(self, channel_id: str, action: str, operation: Operation) -> dict[str, Any]:
        action_id = _identifier(action)
        channel = {"$ref": f"#/channels/{channel_id}"}
        messages = f"#/channels/{channel_id}/messages"
        definition = next(d for d in operation.document.definitions if isinstance(d, OperationDefinitionNode))
        name = definition.name.value if definition.name else "(anonymous)"
        return {
            "action": "send",
            "channel": channel,
            "summary": f"{action}: runs GraphQL {definition.operation.value} `{name}`.",
            "messages": [{"$ref": f"{messages}/{action_id}_request"}],
            "reply": {
                "channel": channel,
                "messages": [{"$ref": f"{messages}/{action_id}_reply"}, {"$ref": f"{messages}/error"}],
            },
            "x-graphql-document": operation.source,
        }

    def live(
        self, channel: dict[str, Any], operations: dict[str, Any], channel_id: str, binding: BoundResource,
        captures: frozenset[str],
    ) -> None:
        """``subscribe`` (201) and ``unsubscribe`` (204), and what a subscribed client then receives:
        model events on the object's detail route, and the broadcast replies of custom actions."""
        type_name = next((op.shape.type_name for op in binding.operations.values() if op.shape), "")
        live = binding.served_operations(captures).get("subscribe")
        for action, status in (("subscribe", 201), ("unsubscribe", 204)):
            request = {
                "type": "object",
                "required": ["action", "route"],
                "properties": {
                    "action": {"const": action},
                    "route": {"type": "string", "description": "The route to follow (a list route's filters apply)."},
                    "request_id": {**_REQUEST_ID, "description": "Names the subscription: events carry it."},
                },
            }
            reply = {
                "type": "object",
                "required": ["errors", "data", "action", "route", "status"],
                "properties": {
                    "errors": {"type": "array", "maxItems": 0}, "data": {"type": "null"}, "action": {"const": action},
                    "route": {"type": "string"}, "status": {"const": status}, "request_id": _REQUEST_ID,
                },
            }
            channel["messages"] |= {
                f"{action}_request": self.message_ref(f"{type_name}{pascal_case(action)}Request", f"{action} request", request),
                f"{action}_reply": self.message_ref(f"{type_name}{pascal_case(action)}Reply", f"{action} reply", reply),
            }
            messages = f"#/channels/{channel_id}/messages"
            operations[f"{channel_id}.{action}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "summary": f"{action}: " + (
                    "the route's model events and broadcasts." if action == "subscribe" else "stops them."
                ),
                "messages": [{"$ref": f"{messages}/{action}_request"}],
                "reply": {
                    "channel": {"$ref": f"#/channels/{channel_id}"},
                    "messages": [{"$ref": f"{messages}/{action}_reply"}, {"$ref": f"{messages}/error"}],
                },
                **({"x-graphql-document": live.source} if live is not None and action == "subscribe" else {}),
            }
        received = []
        shape = next((op.shape for op in binding.operations.values() if op.shape), None)
        if live is not None and shape is not None:
            event = {
                "type": "object",
                "description": "A committed change, rendered as `retrieve` renders the object.",
                "required": ["errors", "data", "action", "route", "status"],
                "properties": {
                    "errors": {"type": "array", "maxItems": 0},
                    "data": {"$ref": f"#/components/schemas/{self.item(binding, shape)}"},
                    "action": {"enum": ["create", "update", "delete"]},
                    "route": {"type": "string", "description": "The object's detail route."},
                    "status": {"const": 200},
                    "request_id": {**_REQUEST_ID, "description": "The subscribe's request_id."},
                },
            }
            channel["messages"]["event"] = self.message_ref(f"{type_name}Event", "model event", event)
            received.append({"$ref": f"#/channels/{channel_id}/messages/event"})
        received += [
            {"$ref": f"#/channels/{channel_id}/messages/{_identifier(action)}_reply"}
            for action, declared in binding.resource.actions.items()
            if declared.broadcasts_on(captures) and f"{_identifier(action)}_reply" in channel["messages"]
        ]
        operations[f"{channel_id}.events"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": "Pushed to a subscribed client: model events, and custom actions' broadcast replies.",
            "messages": received,
        }

    def cancel(self, channel: dict[str, Any], operations: dict[str, Any], channel_id: str, binding: BoundResource) -> None:
        """``list_cancel``: stops the streamed list named by its ``request_id`` (200, ``data`` null)."""
        type_name = next((op.shape.type_name for op in binding.operations.values() if op.shape), "")
        request = self.request_schema(LIST_CANCEL, {}, ["request_id"])
        reply = self.reply_schema(LIST_CANCEL, {"type": "null"}, 200)
        channel["messages"] |= {
            f"{LIST_CANCEL}_request": self.message_ref(f"{type_name}ListCancelRequest", "list_cancel request", request),
            f"{LIST_CANCEL}_reply": self.message_ref(f"{type_name}ListCancelReply", "list_cancel reply", reply),
        }
        messages = f"#/channels/{channel_id}/messages"
        operations[f"{channel_id}.{LIST_CANCEL}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": "list_cancel: stops a streamed list.",
            "messages": [{"$ref": f"{messages}/{LIST_CANCEL}_request"}],
            "reply": {
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "messages": [{"$ref": f"{messages}/{LIST_CANCEL}_reply"}, {"$ref": f"{messages}/error"}],
            },
        }

    def request_schema(self, action: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
        """A request for ``action`` with ``properties`` beside its target (the route)."""
        return {
            "type": "object",
            "required": ["action", "route", *required],
            "properties": {
                "action": {"const": action},
                "route": {"type": "string", "description": "A route matching the channel's address."},
                **properties,
                "request_id": _REQUEST_ID,
            },
        }

    def reply_schema(self, action: str, data: dict[str, Any], status: int) -> dict[str, Any]:
        """A successful reply to ``action``."""
        return {
            "type": "object",
            "required": ["errors", "data", "action", "route", "status"],
            "properties": {
                "errors": {"type": "array", "maxItems": 0},
                "data": data,
                "action": {"const": action},
                "route": {"type": "string", "description": "The request's route, exactly as sent."},
                "status": {"const": status},
                "request_id": _REQUEST_ID,
            },
        }

    def message_ref(self, name: str, title: str, payload: dict[str, Any]) -> dict[str, str]:
        message = {
            "name": name,
            "title": title,
            "contentType": "application/json",
            "correlationId": _CORRELATION_ID,
            "payload": payload,
        }
        return {"$ref": f"#/components/messages/{self.register(self.messages, name, message)}"}

    def action_messages(
        self, binding: BoundResource, action: str, operation: Operation, captures: frozenset[str], *, standard: str
    ) -> tuple[dict[str, str], dict[str, str]]:
        type_name = next((op.shape.type_name for op in binding.operations.values() if op.shape), "")
        base = f"{type_name}{pascal_case(action)}"
        request: dict[str, Any] = {
            "type": "object",
            "required": ["action", "route"],
            "properties": {
                "action": {"const": action},
                "route": {"type": "string", "description": self.route_description(binding, action)},
            },
        }
        data = self.request_data(binding, action, operation, captures)
        if data is not None:
            request["properties"]["data"] = data
            request["required"].append("data")
        if action == "update" and operation.input is not None:
            # `"partial": true` makes an update a partial_update: no field is required then.
            request["properties"]["data"] = {"type": "object", "description": "See `if`/`then`/`else`."}
            request["properties"]["partial"] = {"type": "boolean", "description": "`true`: fields left out are kept."}
            request["if"] = {"required": ["partial"], "properties": {"partial": {"const": True}}}
            request["then"] = {"properties": {"data": self.request_data(binding, "partial_update", operation, captures)}}
            request["else"] = {"properties": {"data": data}}
        request["properties"]["request_id"] = _REQUEST_ID
        reply = self.reply_schema(action, self.reply_data(binding, action, operation), operation.status)
        return (
            self.message_ref(f"{base}Request", f"{action} request", request),
            self.message_ref(f"{base}Reply", f"{action} reply", reply),
        )

    def route_description(self, binding: BoundResource, action: str) -> str:
        text = "A route matching the channel's address"
        pagination = binding.pagination if action == "list" else None
        names = ("page_query_param", "page_size_query_param", "limit_query_param", "offset_query_param", "cursor_query_param")
        params = [f"`{param}`" for name in names if (param := getattr(pagination, name, None))]
        return f"{text}, with a query string of {', '.join(params)}." if params else f"{text}."
