"""Describe a consumer's legacy action protocol as an AsyncAPI 3.0.0 document.

Legacy clients have no schema of their own: the replies they parse were whatever the old
serializers rendered. This document gives them one, generated from the same operations the
consumer serves: one channel per route pattern (its captures as parameters), one ``send``
operation per action whose ``reply`` is the envelope, and JSON Schemas derived from the
GraphQL types (integer keys as integers, relations as primary keys, nullability from the
schema). Operations are written from the legacy client's side: it sends the request and
receives the reply. ``manage.py gql_channels_asyncapi`` writes it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    parse,
)

if TYPE_CHECKING:
    from .consumers import ActionConsumer, CompiledRoutes
    from .handlers import BoundResource
    from .inputs import InputShape
    from .operations import ItemShape, Operation

__all__ = ["ASYNCAPI_VERSION", "asyncapi_document"]

ASYNCAPI_VERSION = "3.0.0"
#: Standard actions in the order a reader expects them; custom actions follow, as declared.
_ACTION_ORDER = ("list", "create", "retrieve", "update", "partial_update", "destroy")
_SCALARS: dict[str, dict[str, Any]] = {
    "Int": {"type": "integer"},
    "Float": {"type": "number"},
    "String": {"type": "string"},
    "Boolean": {"type": "boolean"},
    "ID": {"type": "string"},
    "DateTime": {"type": "string", "format": "date-time"},
    "Date": {"type": "string", "format": "date"},
    "Time": {"type": "string", "format": "time"},
    "UUID": {"type": "string", "format": "uuid"},
    "Decimal": {"type": "string"},
    "JSON": {},
}
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
    """The AsyncAPI document of ``consumer``'s legacy protocol, as JSON-ready data."""
    routes = consumer.compiled_routes or consumer.as_asgi().consumer_initkwargs["compiled_routes"]
    return _Builder(routes).document(consumer.__qualname__, host=host, pathname=pathname, version=version)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if not schema:
        return schema
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    schema = dict(schema)
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = [*types, "null"]
    return schema


def _scalar(named: Any) -> dict[str, Any]:
    if isinstance(named, GraphQLEnumType):
        return {"type": "string", "enum": list(named.values)}
    if named.name in _SCALARS:
        return dict(_SCALARS[named.name])
    return {"description": f"GraphQL scalar `{named.name}`."}


def _int_key(model: type[models.Model] | None, name: str) -> bool:
    """The model field (or, for a relation, the related key) is an integer: legacy clients get ints."""
    if model is None:
        return False
    try:
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return isinstance(getattr(field, "target_field", field), models.IntegerField)


def _null_allowed(model: type[models.Model] | None, name: str) -> bool:
    """DRF let a nullable input be null only when the model field is nullable too."""
    try:
        return model is None or model._meta.get_field(name).null
    except FieldDoesNotExist:
        return True


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


def _camel(action: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9a-zA-Z]+", action))


class _Builder:
    def __init__(self, routes: CompiledRoutes) -> None:
        self.routes = routes
        self.schemas: dict[str, Any] = {"ErrorReply": _ERROR_REPLY}
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
            served = [action for action in binding.operations if action in binding.actions_for(entry.captures)]
            for action in sorted(served, key=lambda a: (*_ACTION_ORDER, a).index(a)):  # stable: custom as declared
                action_id = _identifier(action)
                request, reply = self.action_messages(binding, action, binding.operations[action], entry.captures)
                channels[channel_id]["messages"] |= {f"{action_id}_request": request, f"{action_id}_reply": reply}
                operations[f"{channel_id}.{action_id}"] = self.operation(channel_id, action, binding.operations[action])
        return {
            "asyncapi": ASYNCAPI_VERSION,
            "info": {
                "title": f"{title} legacy action protocol",
                "version": version,
                "description": (
                    'rest_framework_channels-style messages (`{"action", "route", "data"}`) answered from the '
                    "GraphQL schema by gql_channels. Every message is one JSON text frame on one WebSocket; "
                    "each channel is a route pattern the `route` key is matched against. Operations are "
                    "described from the client's side: it sends a request and receives one reply."
                ),
            },
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

    def register(self, store: dict[str, Any], name: str, value: dict[str, Any]) -> str:
        """Add ``value`` under ``name`` (suffixed if another value has it); return the name used."""
        candidate, number = name, 1
        while candidate in store and store[candidate] != value:
            number += 1
            candidate = f"{name}_{number}"
        store[candidate] = value
        return candidate

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
        self, binding: BoundResource, action: str, operation: Operation, captures: frozenset[str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        type_name = next((op.shape.type_name for op in binding.operations.values() if op.shape), "")
        base = f"{type_name}{_camel(action)}"
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
        reply = {
            "type": "object",
            "required": ["errors", "data", "action", "route", "status"],
            "properties": {
                "errors": {"type": "array", "maxItems": 0},
                "data": self.reply_data(binding, action, operation),
                "action": {"const": action},
                "route": {"type": "string", "description": "The request's route, exactly as sent."},
                "status": {"const": operation.status},
                "request_id": _REQUEST_ID,
            },
        }
        return (
            self.message_ref(f"{base}Request", f"{action} request", request),
            self.message_ref(f"{base}Reply", f"{action} reply", reply),
        )

    def route_description(self, binding: BoundResource, action: str) -> str:
        text = "A route matching the channel's address"
        pagination = binding.pagination if action == "list" else None
        params = [
            getattr(pagination, name, None)
            for name in ("page_query_param", "page_size_query_param", "limit_query_param",
                         "offset_query_param", "cursor_query_param")
        ]
        params = [f"`{param}`" for param in params if param]
        return f"{text}, with a query string of {', '.join(params)}." if params else f"{text}."

    def reply_data(self, binding: BoundResource, action: str, operation: Operation) -> dict[str, Any]:
        if operation.shape is None:
            return self.custom_reply_data(binding, operation)
        if action == "destroy":
            return {"type": "null"}
        item = {"$ref": f"#/components/schemas/{self.item(binding, operation.shape)}"}
        if action != "list":
            return item
        results = {"type": "array", "items": item}
        if binding.pagination is None:
            return results
        page = {
            "next": {"type": ["string", "null"], "description": "The route of the next page; null on the last."},
            "previous": {"type": ["string", "null"], "description": "The route of the previous page; null on the first."},
            "results": results,
        }
        if not hasattr(binding.pagination, "cursor_query_param"):
            page = {"count": {"type": "integer", "minimum": 0}, **page}
        return {"type": "object", "required": list(page), "properties": page}

    def item(self, binding: BoundResource, shape: ItemShape) -> str:
        """The schema of one rendered object, as ``ModelSerializer(fields="__all__")`` would have sent it."""
        gql_type = binding.schema._schema.get_type(shape.type_name)
        converted = {key for key, _ in shape.converters}
        properties: dict[str, Any] = {}
        for node in parse(f"{{ {shape.selection} }}").definitions[0].selection_set.selections:
            key = (node.alias or node.name).value
            field_type = gql_type.fields[node.name.value].type
            inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
            named = get_named_type(inner)
            if isinstance(named, GraphQLObjectType) or (named.name == "ID" and key in converted):
                schema = {"type": "integer" if _int_key(shape.model, key) else "string"}
            else:
                schema = _scalar(named)
            if isinstance(inner, GraphQLList):
                schema = {"type": "array", "items": schema}
            properties[key] = schema if isinstance(field_type, GraphQLNonNull) else _nullable(schema)
        schema = {
            "type": "object",
            "description": f"GraphQL `{shape.type_name}`, rendered for legacy clients.",
            "required": list(properties),
            "properties": properties,
        }
        return self.register(self.schemas, shape.type_name, schema)

    def request_data(
        self, binding: BoundResource, action: str, operation: Operation, captures: frozenset[str]
    ) -> dict[str, Any] | None:
        """The request's ``data``: a write's input, or a custom action's variables the route does not capture."""
        if operation.input is not None and action in ("create", "update", "partial_update"):
            return {"$ref": f"#/components/schemas/{self.input(binding, operation, partial=action == 'partial_update')}"}
        if operation.shape is not None:
            return None
        definition = next(d for d in operation.document.definitions if isinstance(d, OperationDefinitionNode))
        properties, required = {}, []
        for variable in definition.variable_definitions:
            name = variable.variable.name.value
            if name in captures:
                continue
            type_ = dict(operation.variables)[name]
            properties[name] = self.input_value(type_, None, name)
            if isinstance(type_, GraphQLNonNull) and variable.default_value is None:
                required.append(name)
        if not properties:
            return None
        return {"type": "object", "required": required, "properties": properties}

    def input(self, binding: BoundResource, operation: Operation, *, partial: bool) -> str:
        """The schema of a write's ``data``: the legacy field names, DRF's coercions noted."""
        shape: InputShape = operation.input
        input_type = binding.schema._schema.get_type(shape.type_name)
        model = operation.shape.model if operation.shape else None
        properties = {
            field.legacy_name: self.input_value(input_type.fields[field.graphql_name].type, model, field.legacy_name)
            for field in shape.fields
        }
        schema: dict[str, Any] = {
            "type": "object",
            "description": (
                f"Translated into GraphQL `{shape.type_name}`. Values are coerced like DRF's fields "
                '("12" is an integer, "yes" a boolean); unknown keys are ignored.'
            ),
            "properties": properties,
        }
        if not partial and shape.required:
            schema["required"] = [field.legacy_name for field in shape.fields if field.legacy_name in shape.required]
        action = "PartialUpdate" if partial else _camel(operation.action)
        return self.register(self.schemas, f"{operation.shape.type_name}{action}Data", schema)

    def input_value(self, type_: Any, model: type[models.Model] | None, name: str) -> dict[str, Any]:
        """The JSON a legacy client sends for one input field or variable."""
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        named = get_named_type(inner)
        if model is None:  # a custom action's variable: GraphQL takes an ID as a string or an int
            pk: dict[str, Any] = {"type": ["integer", "string"]}
        else:
            pk = {"type": "integer" if _int_key(model, name) else "string"}
        if isinstance(named, GraphQLInputObjectType) and "set" in named.fields:  # strawberry-django relation input
            set_type = named.fields["set"].type
            many = isinstance(set_type.of_type if isinstance(set_type, GraphQLNonNull) else set_type, GraphQLList)
            schema = {"type": "array", "items": pk} if many else pk
        elif isinstance(named, GraphQLInputObjectType):
            schema = {"type": "object", "description": f"GraphQL input `{named.name}`."}
        else:
            schema = pk if named.name == "ID" else _scalar(named)
            if isinstance(inner, GraphQLList):
                schema = {"type": "array", "items": schema}
        nullable = not isinstance(type_, GraphQLNonNull) and _null_allowed(model, name)
        return _nullable(schema) if nullable else schema

    def custom_reply_data(self, binding: BoundResource, operation: Operation) -> dict[str, Any]:
        """A custom action answers its root field's result as GraphQL returns it (IDs are strings)."""
        definition = next(d for d in operation.document.definitions if isinstance(d, OperationDefinitionNode))
        data = self.selection(binding.schema._schema.get_root_type(definition.operation), definition.selection_set)
        fields = data["properties"]
        return next(iter(fields.values())) if len(fields) == 1 else data

    def selection(self, parent: Any, selection_set: SelectionSetNode) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for node in selection_set.selections:
            if not isinstance(node, FieldNode):
                continue  # fragments: described loosely (additional properties allowed)
            key = (node.alias or node.name).value
            if node.name.value == "__typename":
                properties[key] = {"type": "string"}
                continue
            properties[key] = self.output(parent.fields[node.name.value].type, node.selection_set)
        return {"type": "object", "required": list(properties), "properties": properties}

    def output(self, type_: Any, selection_set: SelectionSetNode | None) -> dict[str, Any]:
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(inner, GraphQLList):
            schema = {"type": "array", "items": self.output(inner.of_type, selection_set)}
        elif isinstance(inner, GraphQLObjectType) and selection_set is not None:
            schema = self.selection(inner, selection_set)
        elif isinstance(inner, (GraphQLScalarType, GraphQLEnumType)):
            schema = _scalar(inner)
        else:
            schema = {"type": "object"}
        return schema if isinstance(type_, GraphQLNonNull) else _nullable(schema)
