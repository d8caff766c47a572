"""JSON Schemas of what legacy clients send and receive, derived from the GraphQL types.

Rendered objects as ``ModelSerializer(fields="__all__")`` sent them (integer keys as integers,
relations as primary keys), write ``data`` under the legacy field names, custom actions' results as
GraphQL returns them; nullability from the schema. Used by ``asyncapi``.
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
    from .handlers import BoundResource
    from .operations import Operation
    from .shapes import ItemShape

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


def pascal_case(action: str) -> str:
    """``partial_update`` -> ``PartialUpdate``: action names inside schema and message names."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9a-zA-Z]+", action))


class JSONSchemas:
    """Builds schemas into ``self.schemas`` (``components/schemas``), each registered once by name."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def register(self, store: dict[str, Any], name: str, value: dict[str, Any]) -> str:
        """Add ``value`` under ``name`` (suffixed if another value has it); return the name used."""
        candidate, number = name, 1
        while candidate in store and store[candidate] != value:
            number += 1
            candidate = f"{name}_{number}"
        store[candidate] = value
        return candidate

    def item(self, binding: BoundResource, shape: ItemShape) -> str:
        """The schema of one rendered object, as ``ModelSerializer(fields="__all__")`` would have sent it."""
        gql_type = binding.schema._schema.get_type(shape.type_name)
        assert isinstance(gql_type, GraphQLObjectType), "a shape is built for an object type"
        converted = {key for key, _ in shape.converters}
        properties: dict[str, Any] = {}
        selection = parse(f"{{ {shape.selection} }}").definitions[0]
        assert isinstance(selection, OperationDefinitionNode)
        for node in selection.selection_set.selections:
            assert isinstance(node, FieldNode), "a shape selects fields only"
            key = (node.alias or node.name).value
            field_type = gql_type.fields[node.name.value].type
            inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
            named = get_named_type(field_type)
            schema: dict[str, Any]
            if isinstance(named, GraphQLObjectType) or (named.name == "ID" and key in converted):
                schema = {"type": "integer" if _int_key(shape.model, key) else "string"}
            else:
                schema = _scalar(named)
            if isinstance(inner, GraphQLList):
                schema = {"type": "array", "items": schema}
            properties[key] = schema if isinstance(field_type, GraphQLNonNull) else _nullable(schema)
        item = {
            "type": "object",
            "description": f"GraphQL `{shape.type_name}`, rendered for legacy clients.",
            "required": list(properties),
            "properties": properties,
        }
        return self.register(self.schemas, shape.type_name, item)

    def input(self, binding: BoundResource, operation: Operation, *, partial: bool) -> str:
        """The schema of a write's ``data``: the legacy field names, DRF's coercions noted."""
        shape = operation.input
        assert shape is not None and operation.shape is not None, "create and update translate data"
        input_type = binding.schema._schema.get_type(shape.type_name)
        assert isinstance(input_type, GraphQLInputObjectType)
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
        action = "PartialUpdate" if partial else pascal_case(operation.action)
        return self.register(self.schemas, f"{operation.shape.type_name}{action}Data", schema)

    def input_value(self, type_: Any, model: type[models.Model] | None, name: str) -> dict[str, Any]:
        """The JSON a legacy client sends for one input field or variable."""
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        named = get_named_type(type_)
        assert named is not None, "an input field or variable has a type"
        schema: dict[str, Any]
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
        """A custom document answers its root field's result as GraphQL returns it, but for object keys."""
        definition = next(d for d in operation.document.definitions if isinstance(d, OperationDefinitionNode))
        data = self.selection(binding.schema._schema.get_root_type(definition.operation), definition.selection_set)
        fields = data["properties"]
        result = next(iter(fields.values())) if len(fields) == 1 else data
        for key, _, json_type in operation.key_converters:
            nullable = "null" in result["properties"][key].get("type", [])
            result["properties"][key] = {"type": [json_type, "null"] if nullable else json_type}
        return result

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

    def request_data(
        self, binding: BoundResource, action: str, operation: Operation, captures: frozenset[str]
    ) -> dict[str, Any] | None:
        """The request's ``data``: a write's input, or a custom action's variables the route does not capture."""
        if operation.input is not None and action in ("create", "update", "partial_update"):
            return {"$ref": f"#/components/schemas/{self.input(binding, operation, partial=action == 'partial_update')}"}
        if not operation.variables:
            return None
        definition = next(d for d in operation.document.definitions if isinstance(d, OperationDefinitionNode))
        properties, required = {}, []
        for variable in definition.variable_definitions or ():
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
