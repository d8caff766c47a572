"""Write ``consumers.py``: one ``ActionConsumer`` per old consumer, same class name, routes and dialect.

Each old handler becomes a ``Resource`` naming the root fields ``schema.py`` declares for it; each
pagination class a subclass of gql_channels' class of the same style with the same attribute
values; permission classes are translated (``permissions``).
"""

from __future__ import annotations

from django.utils.module_loading import import_string

from .codegen import Module, assign, call, comment, docstring, literal, sequence, string, wrap
from .permissions import PermissionWriter
from .plan import PAGINATION_ATTRIBUTES, MigrationPlan, ResourcePlan


def consumers_module(plan: MigrationPlan, todos: list[str], *, header: tuple[str, ...] | None = None) -> str:
    """The text of ``consumers.py``; the permission to-dos it finds go to ``todos``.

    The module's docstring lists ``header`` (every to-do of the migration), else ``todos``.
    """
    module = Module("")
    permissions = PermissionWriter(module, todos)
    schema = module.use(".schema", "schema")
    for old, (style, name) in plan.paginations.items():
        module.add(_pagination(module, old, style, name))
    for resource in plan.resources.values():
        if resource.type_plan is not None:
            module.add(_resource(module, permissions, resource))
    for consumer in plan.consumers:
        lines = [f"class {consumer.name}({module.use('gql_channels', 'ActionConsumer')}):",
                 docstring(f"{consumer.label}, served from the GraphQL schema.", indent=1), ""]
        if consumer.dialect != "rest_framework_channels":
            lines.append(f"    dialect = {string(consumer.dialect)}")
        lines.append(f"    schema = {schema}")
        checks = permissions.expressions(consumer.permission_classes, library=consumer.library,
                                         custom_actions=[a.name for h in consumer.handlers for a in h.custom])
        if checks:
            lines.append("    " + sequence(checks, indent=1, prefix="permission_classes = "))
        routes = []
        for route in consumer.routes:
            resource = plan.resources[route.handler]
            if resource.type_plan is None:
                continue
            function = module.use("django.urls", route.function)
            routes.append(f"{function}({string(route.pattern, raw=route.function == 're_path')}, {resource.variable})")
        lines.append("    " + sequence(routes, indent=1, prefix="routepatterns = "))
        module.add("\n".join(lines))
    module.header = docstring(_header(plan, list(header) if header is not None else todos))
    return module.render()


def _header(plan: MigrationPlan, todos: list[str]) -> str:
    sources = "\n".join(f"- {c.name}: {c.label} ({c.library})" for c in plan.consumers)
    done = "\n".join(f"- {todo}" for todo in todos) or "- nothing: every route, handler and permission was translated."
    return (
        "gql_channels consumers replacing the old ones, written by ``manage.py gql_channels_migrate``.\n\n"
        f"{sources}\n\n"
        "Each keeps its old class name, routes and dialect: mount it where the old one was mounted\n"
        "(``Consumer.as_asgi()``). Code to own: edit it freely; ``manage.py gql_channels_compare`` replays\n"
        "recorded messages through the old and the new consumer and shows every difference.\n\n"
        f"To do (not translated):\n\n{done}"
    )


def _pagination(module: Module, old: type, style: str, name: str) -> str:
    gql_class = import_string(f"gql_channels.pagination.{style}")
    base = module.use("gql_channels.pagination", style)
    lines = [f"class {name}({base}):", docstring(f"{old.__module__}.{old.__qualname__}, with its attributes.", indent=1)]
    values = [(a, getattr(old, a)) for a in PAGINATION_ATTRIBUTES.get(style, ()) if getattr(old, a, None) != getattr(gql_class, a)]
    if values:
        lines.append("")
        lines += [assign(attribute, literal(list(value) if isinstance(value, tuple) else value), indent=1) for attribute, value in values]
    return "\n".join(lines)


def _resource(module: Module, permissions: PermissionWriter, resource: ResourcePlan) -> str:
    handler = resource.handler
    arguments = [f"{keyword}={string(name)}" for keyword, name in resource.fields.items()]
    lines = [comment(f"{handler.label}: {', '.join(handler.sent_actions)}.")]
    if resource.create_for_update:
        lines.append(comment(
            "create= only tells update which fields are required: it is not served on routes capturing "
            f"`{handler.lookup_url_kwarg}`, the only routes this resource is on."
        ))
    if resource.pagination:
        arguments.append(f"pagination_class={resource.pagination}")
    if resource.rendered_fields is not None:
        arguments.append(f"fields={literal(resource.rendered_fields)}")
    if handler.lookup_url_kwarg != "pk":
        arguments.append(f"lookup_url_kwarg={string(handler.lookup_url_kwarg)}")
    checks = permissions.expressions(handler.permission_classes, library=handler.library,
                                     custom_actions=[a.name for a in handler.custom])
    if checks:
        arguments.append(f"permission_classes={sequence(checks)}")
    if resource.actions:
        action = module.use("gql_channels", "Action")
        entries = [f"{string(name)}: {action}({string(field)})" for name, field in resource.actions.items()]
        arguments.append(wrap("actions={", entries, "}", indent=1))
    if handler.stream:
        arguments.append("stream=True")
    lines.append(call(module.use("gql_channels", "Resource"), arguments, prefix=f"{resource.variable} = "))
    return "\n".join(lines)
