"""Decide what the migration writes: one type per serializer, the root fields each handler needs, their names.

The plan is what ``schema_code`` and ``consumer_code`` share: a serializer's types and the
Query/Mutation/Subscription fields serving it (named after the serializer, ``ArticleSerializer``
-> ``articles``, ``article``, ``createArticle``...), and for every old handler the ``Resource`` it
becomes. Every to-do of the consumers, serializers and handlers is collected here, in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.utils.str_converters import to_camel_case

from .codegen import snake_case
from .legacy import DCRF, ConsumerSpec, CustomAction, HandlerSpec, RouteSpec, read_consumer
from .serializers import NotTranslatable, TypeSpec, inspect_serializer

#: The old libraries' pagination classes; gql_channels has one of each name (``gql_channels.pagination``).
PAGINATION_STYLES = frozenset(
    {"WebsocketLimitOffsetPagination", "LimitOffsetPagination", "PageNumberPagination", "CursorPagination"}
)
#: The attributes each style keeps, with DRF's/DCRF's names (gql_channels' classes have the same).
PAGINATION_ATTRIBUTES = {
    "PageNumberPagination": ("page_size", "page_query_param", "page_size_query_param", "max_page_size", "last_page_strings"),
    "LimitOffsetPagination": ("default_limit", "limit_query_param", "offset_query_param", "max_limit"),
    "WebsocketLimitOffsetPagination": ("default_limit", "limit_query_param", "offset_query_param", "max_limit"),
}


#: Standard actions -> the root field serving them (``update``/``partial_update`` share ``update``).
_ACTION_FIELDS = {"retrieve": "retrieve", "create": "create", "destroy": "delete", "subscribe": "subscription"}


@dataclass
class TypePlan:
    """A serializer's strawberry-django types and the root fields serving it."""

    spec: TypeSpec
    type_name: str
    input_name: str
    partial_name: str
    #: The root fields the handlers need: ``paginated_list``, ``plain_list``, ``retrieve``, ``create``,
    #: ``update``, ``delete``, ``subscription``.
    needs: set[str] = field(default_factory=set)
    #: Their Python names (``articles``, ``create_article``...), once decided.
    names: dict[str, str] = field(default_factory=dict)
    #: Stub mutations of custom actions: Python name -> the action.
    custom: dict[str, CustomAction] = field(default_factory=dict)

    def graphql(self, kind: str) -> str:
        """The GraphQL name of a root field (Strawberry camel-cases the Python one)."""
        return to_camel_case(self.names[kind])


@dataclass
class ResourcePlan:
    """The ``Resource`` an old handler becomes."""

    handler: HandlerSpec
    variable: str
    type_plan: TypePlan | None
    #: ``Resource`` keyword -> GraphQL field name.
    fields: dict[str, str] = field(default_factory=dict)
    pagination: str | None = None
    #: Custom action name -> GraphQL mutation name.
    actions: dict[str, str] = field(default_factory=dict)
    rendered_fields: list[str] | None = None
    #: ``create`` named only for update's required fields (never served on the detail routes it is on).
    create_for_update: bool = False


@dataclass
class MigrationPlan:
    consumers: list[ConsumerSpec]
    types: dict[type, TypePlan]
    resources: dict[HandlerSpec, ResourcePlan]
    #: Old pagination class -> (gql_channels style, name in consumers.py).
    paginations: dict[type, tuple[str, str]]
    todos: list[str]

    @property
    def uses_key_input(self) -> bool:
        return any("delete" in plan.needs for plan in self.types.values())


def plan_migration(consumer_classes: list[type]) -> MigrationPlan:
    """Read the consumers and decide every name; the to-dos say what is left to do by hand."""
    consumers = [read_consumer(cls) for cls in consumer_classes]
    todos: list[str] = []
    types: dict[type, TypePlan] = {}
    resources: dict[HandlerSpec, ResourcePlan] = {}
    paginations: dict[type, tuple[str, str]] = {}
    for consumer in consumers:
        todos.extend(consumer.todos)
        for handler in consumer.handlers:
            todos.extend(handler.todos)
            type_plan = _type_plan(handler, types, todos)
            routes = [route for route in consumer.routes if route.handler is handler]
            detail_only = all(handler.lookup_url_kwarg in _captures(route) for route in routes)
            resources[handler] = _resource_plan(handler, type_plan, resources, paginations, todos, detail_only=detail_only)
    _name_fields(types)
    for resource in resources.values():
        _fill_resource(resource)
    return MigrationPlan(consumers, types, resources, paginations, list(dict.fromkeys(todos)))


def _type_plan(handler: HandlerSpec, types: dict[type, TypePlan], todos: list[str]) -> TypePlan | None:
    serializer = handler.serializer_class
    if serializer is None:
        todos.append(f"{handler.cls.__qualname__} has no serializer_class: not translated.")
        return None
    if serializer not in types:
        try:
            spec = inspect_serializer(serializer)
        except NotTranslatable as why:
            todos.append(f"{handler.cls.__qualname__}: {why}")
            return None
        todos.extend(spec.todos)
        taken = {plan.spec.base for plan in types.values()}
        base = spec.base
        suffix = 2
        while base in taken:
            base, suffix = f"{spec.base}{suffix}", suffix + 1
        types[serializer] = TypePlan(spec, f"{base}Type", f"{base}Input", f"{base}Partial")
    return types[serializer]


def _resource_plan(
    handler: HandlerSpec, type_plan: TypePlan | None, resources: dict[HandlerSpec, ResourcePlan],
    paginations: dict[type, tuple[str, str]], todos: list[str], *, detail_only: bool,
) -> ResourcePlan:
    taken = {r.variable for r in resources.values()}
    name = handler.cls.__name__
    variable = f"{snake_case(name.removesuffix('Consumer'))}_resource" if handler.library == DCRF else snake_case(name)
    while variable in taken or variable in ("schema", "path", "re_path"):
        variable += "_resource"
    plan = ResourcePlan(handler, variable, type_plan)
    if type_plan is None:
        return plan
    actions = handler.actions
    if "list" in actions:
        style = _pagination_style(handler.pagination_class)
        if handler.pagination_class is not None and not _pages(handler.pagination_class, style):
            todos.append(
                f"{handler.cls.__qualname__}.pagination_class {handler.pagination_class.__qualname__}: "
                + ("it has no page size, so it returned every row" if style else "no gql_channels style pages like it")
                + "; the list is served unpaginated."
            )
            style = None
        if style == "CursorPagination":
            todos.append(
                f"{handler.cls.__qualname__}: CursorPagination is not translated (its cursors are the old library's): "
                "serve the list from a DjangoCursorConnection field with gql_channels.pagination.CursorPagination."
            )
            style = None
        if style is not None:
            plan.pagination = _pagination_name(handler.pagination_class, style, paginations)
            type_plan.needs.add("paginated_list")
        else:
            type_plan.needs.add("plain_list")
    type_plan.needs.update(kind for action, kind in _ACTION_FIELDS.items() if action in actions)
    if actions & {"update", "partial_update"} and "create" not in actions:
        if detail_only:
            plan.create_for_update = True
            type_plan.needs.add("create")
        else:
            todos.append(
                f"{handler.cls.__qualname__} updates but does not create: gql_channels learns an update's required "
                "fields from the create mutation, so `update` does not require them (DRF did)."
            )
    if actions & {"update", "partial_update"}:
        type_plan.needs.add("update")
        if len(actions & {"update", "partial_update"}) == 1 and handler.library == DCRF:
            served = "patch" if "partial_update" in actions else "update"
            todos.append(
                f"{handler.cls.__qualname__} served `{served}` only: gql_channels' Resource(update=) serves update and "
                "patch, so the other one is answered too where the old consumer answered 405."
            )
    for action in handler.custom:
        python = f"{snake_case(action.name)}_{type_plan.spec.snake}"
        type_plan.custom[python] = action
        plan.actions[action.name] = to_camel_case(python)
        todos.append(
            f"{action.qualname}: custom action `{action.name}` becomes the stub mutation {to_camel_case(python)}; "
            "write its resolver (it raises NotImplementedError until then)."
        )
    return plan


def _name_fields(types: dict[type, TypePlan]) -> None:
    """Python names of the root fields, after the serializer (``article``, ``articles``, ``all_articles``)."""
    for plan in types.values():
        snake = plan.spec.snake
        plural = _plural(snake)
        names = {
            "paginated_list": plural, "plain_list": f"all_{plural}" if "paginated_list" in plan.needs else plural,
            "retrieve": snake, "create": f"create_{snake}", "update": f"update_{snake}", "delete": f"delete_{snake}",
            "subscription": f"{snake}_changed",
        }
        plan.names = {kind: name for kind, name in names.items() if kind in plan.needs}


def _fill_resource(plan: ResourcePlan) -> None:
    type_plan = plan.type_plan
    if type_plan is None:
        return
    actions = plan.handler.actions
    if "list" in actions:
        plan.fields["list"] = type_plan.graphql("paginated_list" if plan.pagination else "plain_list")
    for action, kind in _ACTION_FIELDS.items():
        if action in actions:
            plan.fields[action] = type_plan.graphql(kind)  # Resource's keywords are the actions' names
    if actions & {"update", "partial_update"}:
        plan.fields["update"] = type_plan.graphql("update")
    if plan.create_for_update:
        plan.fields["create"] = type_plan.graphql("create")
    spec = type_plan.spec
    if list(spec.rendered) != _default_order(spec):
        plan.rendered_fields = list(spec.rendered)


def _default_order(spec: TypeSpec) -> list[str]:
    """The order gql_channels renders a type's fields in without ``fields=``: ``ModelSerializer(fields="__all__")``'s."""
    opts = spec.model._meta
    ordered = [opts.pk.name]
    ordered += [f.name for f in opts.fields if f.serialize and not f.remote_field]
    ordered += [f.name for f in opts.fields if f.serialize and f.remote_field]
    ordered += [f.name for f in opts.many_to_many if f.serialize]
    readable = set(spec.rendered)
    return [name for name in dict.fromkeys(ordered) if name in readable]


def _pagination_style(pagination_class: Any) -> str | None:
    if pagination_class is None:
        return None
    for klass in pagination_class.__mro__:
        if klass.__module__.startswith(("rest_framework.", "djangochannelsrestframework.")) and klass.__name__ in PAGINATION_STYLES:
            return klass.__name__  # the most derived library class: DCRF's before DRF's LimitOffsetPagination
    return None


def _pages(pagination_class: Any, style: str | None) -> bool:
    """Whether the old class paged at all: DRF's styles return every row when they have no page size."""
    size = "default_limit" if style in ("LimitOffsetPagination", "WebsocketLimitOffsetPagination") else "page_size"
    return style is not None and getattr(pagination_class, size, None) is not None


def _captures(route: RouteSpec) -> set[str]:
    from django.urls.resolvers import RegexPattern, RoutePattern

    pattern = RoutePattern(route.pattern) if route.function == "path" else RegexPattern(route.pattern)
    return set(pattern.regex.groupindex)


def _pagination_name(pagination_class: type, style: str, paginations: dict[type, tuple[str, str]]) -> str:
    if pagination_class not in paginations:
        taken = {name for _, name in paginations.values()}
        name = pagination_class.__name__
        if name in PAGINATION_STYLES:  # the library's own class, not a subclass of it
            name = f"Migrated{name}"
        while name in taken:
            name += "2"
        paginations[pagination_class] = (style, name)
    return paginations[pagination_class][1]


def _plural(snake: str) -> str:
    if snake.endswith(("s", "x", "z", "ch", "sh")):
        return f"{snake}es"
    if snake.endswith("y") and snake[-2:-1] not in tuple("aeiou"):
        return f"{snake[:-1]}ies"
    return f"{snake}s"
