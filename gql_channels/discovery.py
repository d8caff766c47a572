"""Find the root fields of a schema that serve a type's legacy actions (``Resource.for_type``).

A list field returning the type (offset-paginated preferred, a connection under cursor pagination),
a single-object field with its key as argument, and strawberry-django's ``create…``/``update…``/
``delete…`` mutations returning it: the fields a ``ModelViewSet`` of the model would have had.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from graphql import (
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    get_named_type,
)
from strawberry.types.graphql import OperationType
from strawberry_django.relay import DjangoCursorConnection

from .operations import OPERATION_INFO
from .shapes import lookup_names, model_of, root_fields, unwrap

if TYPE_CHECKING:
    from strawberry import Schema


#: strawberry-django's name prefixes for the CUD mutations of a type.
_MUTATION_PREFIXES = {"create": "create", "update": "update", "destroy": "delete"}


@dataclass(frozen=True, slots=True)
class ListField:
    """A root field serving ``list``: its item type and how it pages."""

    name: str
    item: GraphQLObjectType
    #: ``"list"`` (a plain list), ``"offset"`` (OffsetPaginated) or ``"connection"`` (Relay).
    kind: str
    #: A keyset connection (``DjangoCursorConnection``): cursors only, no offsets.
    keyset: bool = False
    #: The field reports ``totalCount`` (offset windows over a connection need it).
    counted: bool = False


def list_field(schema: Schema, name: str, field_: GraphQLField) -> ListField | None:
    """Describe ``field_`` if it returns a list of objects in one of the shapes gql_channels pages."""
    type_ = unwrap(field_.type)
    if isinstance(type_, GraphQLList):
        element = get_named_type(type_)
        return ListField(name, element, "list") if isinstance(element, GraphQLObjectType) else None
    if not isinstance(type_, GraphQLObjectType):
        return None
    if {"totalCount", "results"} <= type_.fields.keys() and "pagination" in field_.args:
        results = get_named_type(type_.fields["results"].type)
        return ListField(name, results, "offset", counted=True) if isinstance(results, GraphQLObjectType) else None
    if {"edges", "pageInfo"} <= type_.fields.keys() and {"first", "after"} <= field_.args.keys():
        edge = get_named_type(type_.fields["edges"].type)
        node = edge.fields.get("node") if isinstance(edge, GraphQLObjectType) else None
        item = get_named_type(node.type) if node is not None else None
        if isinstance(item, GraphQLObjectType):
            definition = schema.get_type_by_name(type_.name)
            keyset = issubclass(getattr(definition, "origin", object), DjangoCursorConnection)
            return ListField(name, item, "connection", keyset=keyset, counted="totalCount" in type_.fields)
    return None


def lookup_argument(schema: Schema, field_: GraphQLField, item: GraphQLObjectType) -> str | None:
    """The ``pk``/``id`` (or model pk name) argument of a single-object field returning ``item``."""
    if unwrap(field_.type) is not item:
        return None
    for name in lookup_names(model_of(schema, item)):
        if name in field_.args:
            others = [a for n, a in field_.args.items() if n != name]
            if all(not isinstance(a.type, GraphQLNonNull) or a.default_value is not None for a in others):
                return name
    return None


def mutation_item(field_: GraphQLField) -> GraphQLObjectType | None:
    """The object a mutation returns, also through strawberry-django's ``Item | OperationInfo``."""
    named = get_named_type(field_.type)
    if isinstance(named, GraphQLUnionType):
        items = [t for t in named.types if t.name != OPERATION_INFO]
        return items[0] if len(items) == 1 else None
    return named if isinstance(named, GraphQLObjectType) else None


def key_field(input_type: GraphQLInputObjectType, mutation: GraphQLField, model: type[models.Model] | None) -> str | None:
    """The input field carrying the primary key of the object to change or delete.

    strawberry-django's ``key_attr`` first (``mutations.update(ProductPartial, key_attr="uuid")``),
    then the model's own pk name, then ``id``/``pk``, as strawberry-django's ``get_pk`` reads them.
    """
    definition = mutation.extensions.get("strawberry-definition")
    key_attr = getattr(definition, "key_attr", None)
    pk_name = model._meta.pk.name if model is not None else None
    candidates = [name for name in (key_attr, pk_name, "id", "pk") if name]
    by_python_name = {
        getattr(field.extensions.get("strawberry-definition"), "python_name", None) or name: name
        for name, field in input_type.fields.items()
    }
    return next((by_python_name[name] for name in candidates if name in by_python_name), None)


def discover(
    schema: Schema, type_name: str, given: Mapping[str, str | None], *, cursor_first: bool = False
) -> dict[str, str | None]:
    """The root field serving each action on ``type_name``'s objects; ``given`` names win."""
    item = schema._schema.get_type(type_name)
    if not isinstance(item, GraphQLObjectType):
        raise ImproperlyConfigured(f"Resource.for_type({type_name!r}): the schema has no such object type.")
    names = dict(given)
    query_fields = root_fields(schema, OperationType.QUERY)
    if not names["list"]:
        preference = ("connection", "offset", "list") if cursor_first else ("offset", "connection", "list")
        lists = [
            (preference.index(found.kind), n)
            for n, f in query_fields.items()
            if (found := list_field(schema, n, f)) and found.item is item
        ]
        names["list"] = min(lists)[1] if lists else None
    if not names["retrieve"]:
        names["retrieve"] = next((n for n, f in query_fields.items() if lookup_argument(schema, f, item)), None)
    mutation_fields = root_fields(schema, OperationType.MUTATION)
    for action, prefix in _MUTATION_PREFIXES.items():
        if not names[action]:
            names[action] = next(
                (n for n, f in mutation_fields.items() if n.startswith(prefix) and mutation_item(f) is item),
                None,
            )
    if not any(names.values()):
        raise ImproperlyConfigured(f"Resource.for_type({type_name!r}): no field returns that type.")
    return names
