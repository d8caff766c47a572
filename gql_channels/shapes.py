"""The legacy shape of a GraphQL object type: which fields, selected how, rendered as DRF did.

``ModelSerializer(fields="__all__")`` rendered a model's pk, fields and relations (as keys); an
``ItemShape`` is that rendering for a Strawberry type, built from the schema once per (type, fields),
and shared by every operation, compiled read and event that sends the type's objects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    get_named_type,
    is_leaf_type,
)
from strawberry import relay
from strawberry.types.graphql import OperationType
from strawberry_django.fields.field import StrawberryDjangoField
from strawberry_django.utils.typing import get_django_definition

from .rendering import Context, FieldRenderer, renderer

if TYPE_CHECKING:
    from strawberry import Schema


#: Alias of the root field in every generated document.
RESULT = "result"
#: Alias of the related object's key inside a relation's selection.
PK = "pk"

Converter = Callable[[Any], Any]


def root_fields(schema: Schema, kind: OperationType) -> dict[str, GraphQLField]:
    """The fields of the schema's root type for ``kind``; none when the schema has no such root."""
    roots = {
        OperationType.QUERY: schema._schema.query_type,
        OperationType.MUTATION: schema._schema.mutation_type,
        OperationType.SUBSCRIPTION: schema._schema.subscription_type,
    }
    root = roots[kind]
    return root.fields if root is not None else {}


def unwrap(type_: Any) -> Any:
    """The type inside a ``NonNull``."""
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def is_int_key(field: models.Field | None) -> bool:
    """Integer keys render as JSON ints in legacy replies, not as GraphQL ``ID`` strings."""
    return isinstance(field, models.IntegerField)


def _int_or_none(value: Any) -> Any:
    return None if value is None else int(value)


def model_of(schema: Schema, item: GraphQLNamedType) -> type[models.Model] | None:
    """The Django model behind a strawberry-django type, if it is one."""
    origin = getattr(schema.get_type_by_name(item.name), "origin", None)
    django_definition = get_django_definition(origin) if origin is not None else None
    return django_definition.model if django_definition is not None else None


def lookup_names(model: type[models.Model] | None) -> tuple[str, ...]:
    """The argument names a field may take an object's key by: ``pk``, ``id``, the model's pk name."""
    return ("pk", "id") if model is None else tuple(dict.fromkeys(("pk", "id", model._meta.pk.name)))


def is_global_id(strawberry_field: Any) -> bool:
    """A Relay ``GlobalID`` field: legacy clients get the primary key inside it."""
    type_ = getattr(strawberry_field, "type", None)
    return getattr(type_, "of_type", type_) is relay.GlobalID


def key_converter(*, global_id: bool, as_int: bool) -> Converter:
    """How a key arrives (ID string or GlobalID) -> how legacy clients got it (int or string)."""
    cast = int if as_int else str
    if global_id:
        return lambda value: None if value is None else cast(relay.GlobalID.from_id(value).node_id)
    return _int_or_none if as_int else (lambda value: value)


#: Scalars whose serialisation graphql-core does itself: a plain model attribute needs no resolver.
_PLAIN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID", "DateTime", "Date", "Time", "Decimal", "UUID"})


def _attribute_reader(name: str) -> Callable[..., Any]:
    def read(root: Any, info: Any, **kwargs: Any) -> Any:
        return getattr(root, name)

    return read


def plain_reader(info: FieldInfo, named: Any) -> Callable[..., Any] | None:
    """A direct attribute read for a strawberry-django field that is nothing more than that.

    No custom resolver, no field extension (permissions), a concrete model field without choices,
    a scalar graphql-core serialises itself: Strawberry's per-field machinery would only read the
    attribute, so legacy executions read it directly (see ``execution``).
    """
    strawberry_field = info.field.extensions.get("strawberry-definition")
    model_field = info.model_field
    if (
        not isinstance(strawberry_field, StrawberryDjangoField)
        or strawberry_field.base_resolver is not None
        or strawberry_field.extensions
        or model_field is None
        or not getattr(model_field, "concrete", False)
        or model_field.is_relation
        or getattr(model_field, "choices", None)
        or named.name not in _PLAIN_SCALARS
        or info.global_id
    ):
        return None
    return _attribute_reader(model_field.attname)


@dataclass(frozen=True, slots=True)
class ItemShape:
    """How one object of a type is selected and rendered like ``ModelSerializer(fields="__all__")``.

    ``converters`` turn GraphQL values into DRF's: keys to ints, relations to pks; ``renderers`` do it
    for the field kinds whose GraphQL scalar writes them otherwise (``rendering``: datetimes in the
    current time zone, decimals, durations, choices), made once per page for its settings.
    """

    type_name: str
    model: type[models.Model] | None
    #: The selection set text, legacy names as aliases.
    selection: str
    #: Legacy keys whose values need converting (ID strings to ints, relations to pks).
    converters: tuple[tuple[str, Converter], ...]
    keys: tuple[str, ...]
    #: Strawberry's resolver of each plain attribute field -> a direct read (``plain_reader``).
    plain_readers: dict[Any, Callable[..., Any]] = dataclasses.field(default_factory=dict, compare=False)
    #: Legacy keys rendered as DRF's serializer field for their model field did (``rendering.renderer``).
    renderers: tuple[tuple[str, FieldRenderer], ...] = ()

    def reshaper(self) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """Reshape objects in place for this page: the settings renderers read are read here, once."""
        steps: tuple[tuple[str, Converter], ...] = self.converters
        if self.renderers:  # no settings to read for a page without DRF-rendered fields
            context = Context.current()
            steps = (*steps, *((key, make(context)) for key, make in self.renderers))

        def reshape(item: dict[str, Any]) -> dict[str, Any]:
            for key, convert in steps:
                item[key] = convert(item[key])
            return item

        return reshape

    def reshape(self, item: dict[str, Any]) -> dict[str, Any]:
        """Convert one result object in place (the selection already ordered its keys)."""
        return self.reshaper()(item)

    @property
    def not_found_detail(self) -> str:
        name = self.model._meta.object_name if self.model else self.type_name
        return f"No {name} matches the given query."


@dataclass(frozen=True, slots=True)
class FieldInfo:
    legacy_name: str
    graphql_name: str
    field: GraphQLField
    model_field: models.Field | None
    global_id: bool


def type_fields(schema: Schema, gql_type: GraphQLObjectType) -> dict[str, FieldInfo]:
    """The type's fields keyed by legacy (Python/Django) name."""
    model = model_of(schema, gql_type)
    infos: dict[str, FieldInfo] = {}
    for graphql_name, field in gql_type.fields.items():
        strawberry_field = field.extensions.get("strawberry-definition")
        python_name = getattr(strawberry_field, "python_name", None) or graphql_name
        django_name = getattr(strawberry_field, "django_name", None) or python_name
        model_field = None
        if model is not None:
            if django_name == "pk" or is_global_id(strawberry_field):
                django_name = model._meta.pk.name
            try:
                found = model._meta.get_field(django_name)
            except FieldDoesNotExist:
                found = None
            model_field = found if isinstance(found, models.Field) else None  # reverse relations: no column
        legacy = django_name if model_field is not None else python_name
        infos[legacy] = FieldInfo(legacy, graphql_name, field, model_field, is_global_id(strawberry_field))
    return infos


def _default_field_names(model: type[models.Model] | None, infos: dict[str, FieldInfo]) -> list[str]:
    """DRF's ``fields = "__all__"`` order: pk, plain fields, forward relations, many-to-many."""
    if model is None:
        return list(infos)
    opts = model._meta
    plain = [f.name for f in opts.fields if getattr(f, "serialize", True) and not f.remote_field]
    forward = [f.name for f in opts.fields if getattr(f, "serialize", True) and f.remote_field]
    many = [f.name for f in opts.many_to_many if getattr(f, "serialize", True)]
    ordered = [opts.pk.name, *plain, *forward, *many]
    return [name for name in dict.fromkeys(ordered) if name in infos]


def _related_key(schema: Schema, owner: str, info: FieldInfo, related: GraphQLObjectType) -> tuple[str, Converter]:
    """Select the related object's primary key; return its GraphQL name and converter."""
    related_infos = type_fields(schema, related)
    related_model = model_of(schema, related)
    pk_name = related_model._meta.pk.name if related_model else "id"
    for name in (pk_name, "pk", "id"):
        if name in related_infos and is_leaf_type(get_named_type(related_infos[name].field.type)):
            key = related_infos[name]
            as_int = is_int_key(key.model_field) or is_int_key(
                getattr(info.model_field, "target_field", None)
            )
            return key.graphql_name, key_converter(global_id=key.global_id, as_int=as_int)
    raise ImproperlyConfigured(
        f"`{owner}.{info.graphql_name}` returns `{related.name}`, which exposes no primary key "
        "field (pk or id) to render the relation as; expose one or leave the field out with fields=."
    )


def _to_key(key: Converter) -> Converter:
    """A to-one relation's selection ``{pk: ...}`` -> the related key, as ``PrimaryKeyRelatedField`` wrote it."""
    return lambda value: None if value is None else key(value[PK])


def _to_keys(key: Converter) -> Converter:
    """A to-many relation's selections -> the list of related keys."""
    return lambda values: None if values is None else [key(value[PK]) for value in values]


def build_shape(schema: Schema, gql_type: GraphQLObjectType, fields: Sequence[str] | None = None) -> ItemShape:
    """Build the selection and converters for ``gql_type``; ``fields`` restricts and orders."""
    infos = type_fields(schema, gql_type)
    model = model_of(schema, gql_type)
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
    plain_readers: dict[Any, Callable[..., Any]] = {}
    converters: list[tuple[str, Converter]] = []
    renderers: list[tuple[str, FieldRenderer]] = []
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
        field_type = unwrap(info.field.type)
        many = isinstance(field_type, GraphQLList)
        named = get_named_type(field_type)
        if is_leaf_type(named):
            parts.append(head)
            reader = None if many else plain_reader(info, named)
            if reader is not None:
                plain_readers[info.field.resolve] = reader
            if named.name == "ID" and not many and (info.global_id or is_int_key(info.model_field)):
                converters.append((name, key_converter(global_id=info.global_id, as_int=is_int_key(info.model_field))))
            elif not many and (render := renderer(info.model_field, named)) is not None:
                renderers.append((name, render))
        elif isinstance(named, GraphQLObjectType):
            pk_field, to_key = _related_key(schema, gql_type.name, info, named)
            parts.append(f"{head} {{ {PK}: {pk_field} }}")
            converters.append((name, _to_keys(to_key) if many else _to_key(to_key)))
        elif explicit:
            raise ImproperlyConfigured(f"`{gql_type.name}.{info.graphql_name}` cannot be rendered as a legacy field.")
        else:
            continue
        keys.append(name)
    if not parts:
        raise ImproperlyConfigured(f"`{gql_type.name}` has no field a legacy client can be sent.")
    return ItemShape(gql_type.name, model, " ".join(parts), tuple(converters), tuple(keys), plain_readers, tuple(renderers))
