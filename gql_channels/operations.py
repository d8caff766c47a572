"""Generate the GraphQL operations that serve legacy actions, and reshape their results.

Documents are built from the schema's types once per (route pattern, action, selection),
parsed and validated once, and reused for every message. Client values never enter the
document text: everything a client sends travels as a variable.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLField,
    GraphQLInputType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    NonNullTypeNode,
    OperationDefinitionNode,
    get_named_type,
    is_leaf_type,
    parse,
    print_ast,
    type_from_ast,
    validate,
)
from graphql.pyutils import Undefined
from strawberry import relay
from strawberry.types.graphql import OperationType
from strawberry_django.fields.field import StrawberryDjangoField
from strawberry_django.utils.typing import get_django_definition

from .rendering import Context, FieldRenderer, renderer

if TYPE_CHECKING:
    from strawberry import Schema

    from .filtering import FilterShape
    from .inputs import InputShape

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


def _unwrap(type_: Any) -> Any:
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


def _key_converter(*, global_id: bool, as_int: bool) -> Converter:
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


def _plain_reader(info: _FieldInfo, named: Any) -> Callable[..., Any] | None:
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
    #: Strawberry's resolver of each plain attribute field -> a direct read (``_plain_reader``).
    plain_readers: dict[Any, Callable[..., Any]] = dataclasses.field(default_factory=dict, compare=False)
    #: Legacy keys rendered as DRF's serializer field for their model field did (``rendering.renderer``).
    renderers: tuple[tuple[str, FieldRenderer], ...] = ()

    def reshaper(self) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """Reshape objects in place for this page: the settings renderers read are read here, once."""
        context = Context.current()
        steps = (*self.converters, *((key, make(context)) for key, make in self.renderers))

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
class _FieldInfo:
    legacy_name: str
    graphql_name: str
    field: GraphQLField
    model_field: models.Field | None
    global_id: bool


def _type_fields(schema: Schema, gql_type: GraphQLObjectType) -> dict[str, _FieldInfo]:
    """The type's fields keyed by legacy (Python/Django) name."""
    model = model_of(schema, gql_type)
    infos: dict[str, _FieldInfo] = {}
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
        infos[legacy] = _FieldInfo(legacy, graphql_name, field, model_field, is_global_id(strawberry_field))
    return infos


def _default_field_names(model: type[models.Model] | None, infos: dict[str, _FieldInfo]) -> list[str]:
    """DRF's ``fields = "__all__"`` order: pk, plain fields, forward relations, many-to-many."""
    if model is None:
        return list(infos)
    opts = model._meta
    plain = [f.name for f in opts.fields if getattr(f, "serialize", True) and not f.remote_field]
    forward = [f.name for f in opts.fields if getattr(f, "serialize", True) and f.remote_field]
    many = [f.name for f in opts.many_to_many if getattr(f, "serialize", True)]
    ordered = [opts.pk.name, *plain, *forward, *many]
    return [name for name in dict.fromkeys(ordered) if name in infos]


def _related_key(schema: Schema, owner: str, info: _FieldInfo, related: GraphQLObjectType) -> tuple[str, Converter]:
    """Select the related object's primary key; return its GraphQL name and converter."""
    related_infos = _type_fields(schema, related)
    related_model = model_of(schema, related)
    pk_name = related_model._meta.pk.name if related_model else "id"
    for name in (pk_name, "pk", "id"):
        if name in related_infos and is_leaf_type(get_named_type(related_infos[name].field.type)):
            key = related_infos[name]
            as_int = is_int_key(key.model_field) or is_int_key(
                getattr(info.model_field, "target_field", None)
            )
            return key.graphql_name, _key_converter(global_id=key.global_id, as_int=as_int)
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
    infos = _type_fields(schema, gql_type)
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
        field_type = _unwrap(info.field.type)
        many = isinstance(field_type, GraphQLList)
        named = get_named_type(field_type)
        if is_leaf_type(named):
            parts.append(head)
            reader = None if many else _plain_reader(info, named)
            if reader is not None:
                plain_readers[info.field.resolve] = reader
            if named.name == "ID" and not many and (info.global_id or is_int_key(info.model_field)):
                converters.append((name, _key_converter(global_id=info.global_id, as_int=is_int_key(info.model_field))))
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


@dataclass(frozen=True, slots=True)
class Operation:
    """One generated, parsed and validated GraphQL operation serving a legacy action."""

    action: str
    field_name: str
    source: str
    document: DocumentNode
    #: How result objects are rendered; ``None`` for custom actions, whose result is sent as is.
    shape: ItemShape | None
    operation_type: OperationType = OperationType.QUERY
    #: How a list field pages: ``"list"``, ``"offset"`` (OffsetPaginated) or ``"connection"`` (Relay).
    list_kind: str | None = None
    #: Filter and ordering arguments fed from the route's query string (lists).
    filters: FilterShape | None = None
    #: Name of the variable carrying the route's lookup value (retrieve).
    lookup_variable: str | None = None
    #: Name of the variable carrying the mutation's input object (create/update/destroy).
    data_variable: str | None = None
    #: The mutation answers ``Item | OperationInfo`` (strawberry-django's ``handle_django_errors``).
    operation_info: bool = False
    #: How legacy ``data`` becomes the mutation's input object (create/update).
    input: InputShape | None = None
    #: The input object's field carrying the route's primary key (update/destroy).
    input_key: str | None = None
    #: Set when that field is a Relay ``GlobalID`` (``NodeInput``): the type name the pk is encoded with.
    input_key_node_type: str | None = None
    #: Status of a successful reply.
    status: int = 200
    #: Variables of a custom action's document, with their types: filled from route kwargs and data.
    variables: tuple[tuple[str, GraphQLInputType], ...] = ()
    #: Those the client must send (non-null, no default): "This field is required." when missing.
    required_variables: frozenset[str] = frozenset()
    #: A custom document's result keys holding object keys: ``(response name, converter, JSON type)``.
    key_converters: tuple[tuple[str, Converter, str], ...] = ()

    @property
    def not_found_detail(self) -> str:
        return self.shape.not_found_detail if self.shape else "Not found."

    @property
    def plain_readers(self) -> dict[Any, Callable[..., Any]]:
        return self.shape.plain_readers if self.shape else {}

    @property
    def needs_optimizer(self) -> bool:
        """Only relations and computed fields gain from strawberry-django's optimizer; plain columns do not."""
        return self.shape is None or len(self.shape.plain_readers) < len(self.shape.keys)


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


def _operation_name(action: str | None, field_name: str) -> str:
    """``ListArticles``, ``RetrieveArticle``; a mutation's own name (``CreateArticle``) as it is."""
    prefix = action.title().replace("_", "") if action else ""
    return f"{prefix}{field_name[:1].upper()}{field_name[1:]}"


def plan_list(
    schema: Schema,
    field_name: str,
    shape: ItemShape,
    *,
    kind: str,
    filters: FilterShape | None = None,
    count: bool = True,
) -> Operation:
    """``list``: a plain list, a window of an offset-paginated field, or a page of a connection.

    ``kind`` is ``"list"``, ``"offset"`` or ``"connection"``; every paging, filter and ordering
    argument the field takes is a variable, so one document serves every query string.
    """
    field_ = root_fields(schema, OperationType.QUERY)[field_name]
    if kind == "offset":
        arguments = ["pagination"]
        # results first: a CountedOffsetPaginated then reads totalCount from the page's rows.
        body = f"results {{ {shape.selection} }} totalCount pageInfo {{ offset limit }}"
    elif kind == "connection":
        arguments = ["first", "after", "last", "before"]
        count_ = "totalCount " if count and "totalCount" in _unwrap(field_.type).fields else ""
        page_info = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
        body = f"{count_}{page_info} edges {{ node {{ {shape.selection} }} }}"
    else:
        arguments, body = [], shape.selection
    if filters is not None:
        arguments += [a for a in (filters.filters_argument, filters.ordering_argument) if a]
    definitions = ", ".join(f"${a}: {field_.args[a].type}" for a in arguments)
    call = ", ".join(f"{a}: ${a}" for a in arguments)
    source = (
        f"query {_operation_name('list', field_name)}{f'({definitions})' if arguments else ''} "
        f"{{ {RESULT}: {field_name}{f'({call})' if arguments else ''} {{ {body} }} }}"
    )
    return Operation("list", field_name, *_prepare(schema, source), shape, list_kind=kind, filters=filters)


def plan_retrieve(schema: Schema, field_name: str, lookup_arg: str, shape: ItemShape) -> Operation:
    """``retrieve``: the single-object field looked up by the route's kwarg."""
    name = _operation_name("retrieve", field_name)
    arg_type = root_fields(schema, OperationType.QUERY)[field_name].args[lookup_arg].type
    source = (
        f"query {name}(${lookup_arg}: {arg_type}) "
        f"{{ {RESULT}: {field_name}({lookup_arg}: ${lookup_arg}) {{ {shape.selection} }} }}"
    )
    return Operation("retrieve", field_name, *_prepare(schema, source), shape, lookup_variable=lookup_arg)


#: strawberry-django's error payload of mutations declared with ``handle_django_errors=True``.
OPERATION_INFO = "OperationInfo"
_OPERATION_INFO_SELECTION = f"... on {OPERATION_INFO} {{ messages {{ kind field message code }} }}"


def mutation_returns_operation_info(schema: Schema, field_name: str) -> bool:
    """True when the mutation's type is a union with strawberry-django's ``OperationInfo``."""
    named = get_named_type(root_fields(schema, OperationType.MUTATION)[field_name].type)
    return isinstance(named, GraphQLUnionType) and any(t.name == OPERATION_INFO for t in named.types)


def plan_mutation(
    schema: Schema,
    action: str,
    field_name: str,
    argument: str,
    shape: ItemShape,
    *,
    input: InputShape | None = None,  # noqa: A002 - the mutation's input
    input_key: str | None = None,
    input_key_node_type: str | None = None,
    status: int = 200,
) -> Operation:
    """``create``/``update``/``destroy``: the mutation with its input object as one variable."""
    name = _operation_name(None, field_name)
    arg_type = root_fields(schema, OperationType.MUTATION)[field_name].args[argument].type
    selection = shape.selection if action != "destroy" else "__typename"
    operation_info = mutation_returns_operation_info(schema, field_name)
    if operation_info:
        selection = f"__typename ... on {shape.type_name} {{ {selection} }} {_OPERATION_INFO_SELECTION}"
    source = (
        f"mutation {name}(${argument}: {arg_type}) "
        f"{{ {RESULT}: {field_name}({argument}: ${argument}) {{ {selection} }} }}"
    )
    return Operation(
        action, field_name, *_prepare(schema, source), shape,
        operation_type=OperationType.MUTATION, data_variable=argument, operation_info=operation_info,
        input=input, input_key=input_key, input_key_node_type=input_key_node_type, status=status,
    )


#: A custom action naming a root field (``Action("publishBook")``) rather than giving a document.
_FIELD_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


def plan_custom(
    schema: Schema, action: str, source: str, *, status: int = 200, fields: Sequence[str] | None = None
) -> Operation:
    """A custom action: a root field's name, or the user's own document; validated once.

    A named field gets a generated operation taking every argument as a variable, its result
    rendered like ``retrieve`` (``fields`` restricting it as on the resource). A document's result is
    sent as it is, but for the keys GraphQL writes as ``ID`` strings, which are ints as elsewhere.
    """
    if _FIELD_NAME.fullmatch(source.strip()):
        return _plan_field_action(schema, action, source.strip(), status=status, fields=fields)
    try:
        document = parse(source)
    except GraphQLError as error:
        raise ImproperlyConfigured(f"Custom action {action!r}: {error.message}") from None
    definitions = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(definitions) != 1 or definitions[0].operation.value == "subscription":
        raise ImproperlyConfigured(f"Custom action {action!r} needs exactly one query or mutation.")
    errors = validate(schema._schema, document)
    if errors:
        raise ImproperlyConfigured(f"Custom action {action!r}: " + " ".join(e.message for e in errors))
    definition = definitions[0]
    declared = definition.variable_definitions or ()
    # Validation passed: every variable's type is an input type of the schema.
    variables = tuple((v.variable.name.value, cast(GraphQLInputType, type_from_ast(schema._schema, v.type))) for v in declared)
    required = frozenset(
        v.variable.name.value for v in declared if isinstance(v.type, NonNullTypeNode) and v.default_value is None
    )
    return Operation(
        action,
        definition.name.value if definition.name else action,
        print_ast(document),
        document,
        None,
        operation_type=OperationType(definition.operation.value),
        status=status,
        variables=variables,
        required_variables=required,
        key_converters=_document_key_converters(schema, definition),
    )


def _document_key_converters(
    schema: Schema, definition: OperationDefinitionNode
) -> tuple[tuple[str, Converter, str], ...]:
    """Converters for the integer keys a document's single root field selects (``publishBook { id }``)."""
    root = schema._schema.get_root_type(definition.operation)
    fields = [s for s in definition.selection_set.selections if isinstance(s, FieldNode)]
    if root is None or len(fields) != 1 or fields[0].selection_set is None:
        return ()
    returned = get_named_type(root.fields[fields[0].name.value].type)
    if not isinstance(returned, GraphQLObjectType):
        return ()
    infos = {info.graphql_name: info for info in _type_fields(schema, returned).values()}
    converters = []
    for selected in fields[0].selection_set.selections:
        if not isinstance(selected, FieldNode):
            continue
        info = infos.get(selected.name.value)
        if info is not None and get_named_type(info.field.type).name == "ID" and (info.global_id or is_int_key(info.model_field)):
            name = selected.alias.value if selected.alias else selected.name.value
            as_int = is_int_key(info.model_field)
            converter = _key_converter(global_id=info.global_id, as_int=as_int)
            converters.append((name, converter, "integer" if as_int else "string"))
    return tuple(converters)


def _plan_field_action(
    schema: Schema, action: str, field_name: str, *, status: int, fields: Sequence[str] | None
) -> Operation:
    """``Action("publishBook")``: the root field with each of its arguments as a variable."""
    roots = ((kind, root_fields(schema, kind)) for kind in (OperationType.MUTATION, OperationType.QUERY))
    found = next(((kind, fields[field_name]) for kind, fields in roots if field_name in fields), None)
    if found is None:
        raise ImproperlyConfigured(f"Custom action {action!r}: {field_name!r} is not a Mutation or Query field.")
    kind, field_ = found
    returned = get_named_type(field_.type)
    shape = build_shape(schema, returned, fields) if isinstance(returned, GraphQLObjectType) else None
    if shape is None and not is_leaf_type(returned):
        raise ImproperlyConfigured(f"Custom action {action!r}: `{field_name}` returns neither an object nor a scalar.")
    arguments = field_.args
    definitions = ", ".join(f"${name}: {argument.type}" for name, argument in arguments.items())
    call = ", ".join(f"{name}: ${name}" for name in arguments)
    selection = f" {{ {shape.selection} }}" if shape else ""
    source = (
        f"{kind.value} {_operation_name(None, field_name)}{f'({definitions})' if arguments else ''} "
        f"{{ {RESULT}: {field_name}{f'({call})' if arguments else ''}{selection} }}"
    )
    required = frozenset(
        name for name, argument in arguments.items()
        if isinstance(argument.type, GraphQLNonNull) and argument.default_value is Undefined
    )
    return Operation(
        action, field_name, *_prepare(schema, source), shape, operation_type=kind, status=status,
        variables=tuple((name, argument.type) for name, argument in arguments.items()), required_variables=required,
    )


def plan_subscription(
    schema: Schema, field_name: str, *, lookup: str | None = None, filters: FilterShape | None = None
) -> Operation:
    """``subscribe``: a subscription field yielding ``ModelEvent`` s, for one object or a filtered list."""
    field_ = root_fields(schema, OperationType.SUBSCRIPTION)[field_name]
    arguments = [lookup] if lookup else []
    if filters is not None and filters.filters_argument:
        arguments.append(filters.filters_argument)
    definitions = ", ".join(f"${a}: {field_.args[a].type}" for a in arguments)
    call = ", ".join(f"{a}: ${a}" for a in arguments)
    source = (
        f"subscription {_operation_name('subscribe', field_name)}{f'({definitions})' if arguments else ''} "
        f"{{ {RESULT}: {field_name}{f'({call})' if arguments else ''} {{ action pk data }} }}"
    )
    return Operation(
        "subscribe", field_name, *_prepare(schema, source), None,
        operation_type=OperationType.SUBSCRIPTION, lookup_variable=lookup, filters=filters,
    )
