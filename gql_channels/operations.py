"""Generate the GraphQL operations that serve legacy actions, and reshape their results.

Documents are built from the schema's types once per (route pattern, action, selection),
parsed and validated once, and reused for every message. Client values never enter the
document text: everything a client sends travels as a variable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from graphql import (
    DocumentNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    get_named_type,
    is_leaf_type,
    parse,
    print_ast,
    validate,
)
from strawberry.types.graphql import OperationType
from strawberry_django.utils.typing import get_django_definition

if TYPE_CHECKING:
    from strawberry import Schema

#: Alias of the root field in every generated document.
RESULT = "result"
#: Alias of the related object's key inside a relation's selection.
PK = "pk"

Converter = Callable[[Any], Any]


def _unwrap(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def _is_int_key(field: models.Field | None) -> bool:
    """Integer keys render as JSON ints in legacy replies, not as GraphQL ``ID`` strings."""
    return isinstance(field, models.IntegerField)


def _int_or_none(value: Any) -> Any:
    return None if value is None else int(value)


@dataclass(frozen=True, slots=True)
class ItemShape:
    """How one object of a type is selected and rendered like ``ModelSerializer(fields="__all__")``."""

    type_name: str
    model: type[models.Model] | None
    #: The selection set text, legacy names as aliases.
    selection: str
    #: Legacy keys whose values need converting (ID strings to ints, relations to pks).
    converters: tuple[tuple[str, Converter], ...]
    keys: tuple[str, ...]

    def reshape(self, item: dict[str, Any]) -> dict[str, Any]:
        """Convert one result object in place (the selection already ordered its keys)."""
        for key, convert in self.converters:
            item[key] = convert(item[key])
        return item

    @property
    def not_found_detail(self) -> str:
        name = self.model._meta.object_name if self.model else self.type_name
        return f"No {name} matches the given query."


@dataclass(frozen=True, slots=True)
class _FieldInfo:
    legacy_name: str
    graphql_name: str
    field: GraphQLField
    model_field: models.Field | None


def _type_fields(schema: Schema, gql_type: GraphQLObjectType) -> dict[str, _FieldInfo]:
    """The type's fields keyed by legacy (Python/Django) name."""
    definition = schema.get_type_by_name(gql_type.name)
    django_def = get_django_definition(definition.origin) if definition else None
    model = django_def.model if django_def else None
    infos: dict[str, _FieldInfo] = {}
    for graphql_name, field in gql_type.fields.items():
        strawberry_field = field.extensions.get("strawberry-definition")
        python_name = getattr(strawberry_field, "python_name", None) or graphql_name
        django_name = getattr(strawberry_field, "django_name", None) or python_name
        model_field = None
        if model is not None:
            if django_name == "pk":
                django_name = model._meta.pk.name
            try:
                model_field = model._meta.get_field(django_name)
            except FieldDoesNotExist:
                model_field = None
        legacy = django_name if model_field is not None else python_name
        infos[legacy] = _FieldInfo(legacy, graphql_name, field, model_field)
    return infos


def _default_field_names(model: type[models.Model] | None, infos: dict[str, _FieldInfo]) -> list[str]:
    """DRF's ``fields = "__all__"`` order: pk, plain fields, forward relations, many-to-many."""
    if model is None:
        return list(infos)
    opts = model._meta
    plain = [f.name for f in opts.fields if f.serialize and not f.remote_field]
    forward = [f.name for f in opts.fields if f.serialize and f.remote_field]
    many = [f.name for f in opts.many_to_many if f.serialize]
    ordered = [opts.pk.name, *plain, *forward, *many]
    return [name for name in dict.fromkeys(ordered) if name in infos]


def _related_key(schema: Schema, owner: str, info: _FieldInfo, related: GraphQLObjectType) -> tuple[str, Converter]:
    """Select the related object's primary key; return its GraphQL name and converter."""
    related_infos = _type_fields(schema, related)
    related_model = get_django_definition(schema.get_type_by_name(related.name).origin)
    pk_name = related_model.model._meta.pk.name if related_model else "id"
    for name in (pk_name, "pk", "id"):
        if name in related_infos and is_leaf_type(get_named_type(related_infos[name].field.type)):
            key = related_infos[name]
            as_int = _is_int_key(key.model_field) or _is_int_key(
                getattr(info.model_field, "target_field", None)
            )
            return key.graphql_name, (_int_or_none if as_int else (lambda v: v))
    raise ImproperlyConfigured(
        f"`{owner}.{info.graphql_name}` returns `{related.name}`, which exposes no primary key "
        "field (pk or id) to render the relation as; expose one or leave the field out with fields=."
    )


def build_shape(schema: Schema, gql_type: GraphQLObjectType, fields: Sequence[str] | None = None) -> ItemShape:
    """Build the selection and converters for ``gql_type``; ``fields`` restricts and orders."""
    infos = _type_fields(schema, gql_type)
    definition = schema.get_type_by_name(gql_type.name)
    django_def = get_django_definition(definition.origin) if definition else None
    model = django_def.model if django_def else None
    if fields is None:
        names = _default_field_names(model, infos)
        explicit = False
    else:
        unknown = [name for name in fields if name not in infos]
        if unknown:
            raise ImproperlyConfigured(
                f"fields={list(fields)!r}: `{gql_type.name}` has no field {', '.join(map(repr, unknown))}."
            )
        names, explicit = list(fields), True
    parts: list[str] = []
    converters: list[tuple[str, Converter]] = []
    keys: list[str] = []
    for name in names:
        info = infos[name]
        if any(isinstance(arg.type, GraphQLNonNull) and arg.default_value is None for arg in info.field.args.values()):
            if explicit:
                raise ImproperlyConfigured(
                    f"`{gql_type.name}.{info.graphql_name}` has required arguments and cannot be selected."
                )
            continue
        head = info.graphql_name if name == info.graphql_name else f"{name}: {info.graphql_name}"
        field_type = _unwrap(info.field.type)
        many = isinstance(field_type, GraphQLList)
        named = get_named_type(field_type)
        if is_leaf_type(named):
            parts.append(head)
            if named.name == "ID" and not many and _is_int_key(info.model_field):
                converters.append((name, _int_or_none))
        elif isinstance(named, GraphQLObjectType):
            pk_field, to_key = _related_key(schema, gql_type.name, info, named)
            parts.append(f"{head} {{ {PK}: {pk_field} }}")
            if many:
                converters.append((name, lambda vs, k=to_key: None if vs is None else [k(v[PK]) for v in vs]))
            else:
                converters.append((name, lambda value, k=to_key: None if value is None else k(value[PK])))
        elif explicit:
            raise ImproperlyConfigured(f"`{gql_type.name}.{info.graphql_name}` cannot be rendered as a legacy field.")
        else:
            continue
        keys.append(name)
    if not parts:
        raise ImproperlyConfigured(f"`{gql_type.name}` has no field a legacy client can be sent.")
    return ItemShape(gql_type.name, model, " ".join(parts), tuple(converters), tuple(keys))


@dataclass(frozen=True, slots=True)
class Operation:
    """One generated, parsed and validated GraphQL operation serving a legacy action."""

    action: str
    field_name: str
    source: str
    document: DocumentNode
    shape: ItemShape
    operation_type: OperationType = OperationType.QUERY
    #: Name of the variable carrying the page window (paginated lists).
    pagination_variable: str | None = None
    #: Name of the variable carrying the route's lookup value (retrieve).
    lookup_variable: str | None = None


def _prepare(schema: Schema, source: str) -> tuple[str, DocumentNode]:
    """Parse and validate a generated document once; return it printed and parsed."""
    document = parse(source)
    errors = validate(schema._schema, document)
    if errors:
        raise ImproperlyConfigured(
            "gql_channels generated an invalid operation:\n"
            f"{source}\n" + "\n".join(error.message for error in errors)
        )
    return print_ast(document), document


def _operation_name(action: str, field_name: str) -> str:
    return f"{action.title().replace('_', '')}{field_name[:1].upper()}{field_name[1:]}"


def plan_list(schema: Schema, field_name: str, shape: ItemShape, *, paginated: bool) -> Operation:
    """``list``: the whole list, or one window of an offset-paginated field."""
    name = _operation_name("list", field_name)
    if paginated:
        arg_type = schema._schema.query_type.fields[field_name].args["pagination"].type
        source = (
            f"query {name}($pagination: {arg_type}) {{ {RESULT}: {field_name}(pagination: $pagination) "
            f"{{ totalCount pageInfo {{ offset limit }} results {{ {shape.selection} }} }} }}"
        )
        return Operation("list", field_name, *_prepare(schema, source), shape, pagination_variable="pagination")
    source = f"query {name} {{ {RESULT}: {field_name} {{ {shape.selection} }} }}"
    return Operation("list", field_name, *_prepare(schema, source), shape)


def plan_retrieve(schema: Schema, field_name: str, lookup_arg: str, shape: ItemShape) -> Operation:
    """``retrieve``: the single-object field looked up by the route's kwarg."""
    name = _operation_name("retrieve", field_name)
    arg_type = schema._schema.query_type.fields[field_name].args[lookup_arg].type
    source = (
        f"query {name}(${lookup_arg}: {arg_type}) "
        f"{{ {RESULT}: {field_name}({lookup_arg}: ${lookup_arg}) {{ {shape.selection} }} }}"
    )
    return Operation("retrieve", field_name, *_prepare(schema, source), shape, lookup_variable=lookup_arg)
