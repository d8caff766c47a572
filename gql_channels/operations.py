"""Generate the GraphQL operations that serve legacy actions (their results are shaped by ``shapes``).

Documents are built from the schema's types once per (route pattern, action, selection),
parsed and validated once, and reused for every message. Client values never enter the
document text: everything a client sends travels as a variable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ImproperlyConfigured
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLInputType,
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
from strawberry.types.graphql import OperationType

from .shapes import RESULT, Converter, ItemShape, build_shape, is_int_key, key_converter, root_fields, type_fields, unwrap

if TYPE_CHECKING:
    from strawberry import Schema

    from .filtering import FilterShape
    from .inputs import InputShape


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
        count_ = "totalCount " if count and "totalCount" in unwrap(field_.type).fields else ""
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
    infos = {info.graphql_name: info for info in type_fields(schema, returned).values()}
    converters = []
    for selected in fields[0].selection_set.selections:
        if not isinstance(selected, FieldNode):
            continue
        info = infos.get(selected.name.value)
        if info is not None and get_named_type(info.field.type).name == "ID" and (info.global_id or is_int_key(info.model_field)):
            name = selected.alias.value if selected.alias else selected.name.value
            as_int = is_int_key(info.model_field)
            converter = key_converter(global_id=info.global_id, as_int=as_int)
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
