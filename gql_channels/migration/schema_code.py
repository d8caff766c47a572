"""Write ``schema.py``: a strawberry-django type per serializer, its inputs, root fields and ``schema``.

Fields are ``auto`` (strawberry-django reads the model field, as ``ModelSerializer`` did) in the
order the serializer rendered them; a relation is typed with the related serializer's type when
the migration writes exactly one for that model, else ``auto`` (strawberry-django's
``DjangoModelType``, its key only: what the serializer rendered). Inputs hold what the serializer
accepted: read-only fields out, write-only fields in, ``required`` from ``extra_kwargs`` where it
differs from the model's.
"""

from __future__ import annotations

from django.db import models

from .codegen import Module, assign, call, comment, docstring, literal, string, wrap
from .plan import MigrationPlan, TypePlan
from .serializers import FieldSpec

#: Python types for a write that ``extra_kwargs`` makes required where the model field is optional.
_SCALARS = (
    ((models.BooleanField,), "bool"),
    ((models.IntegerField,), "int"),
    ((models.FloatField,), "float"),
    ((models.CharField, models.TextField), "str"),
)


def schema_module(plan: MigrationPlan, todos: list[str], *, header: tuple[str, ...] | None = None) -> str:
    """The text of ``schema.py``; to-dos it finds (required flags it cannot express) go to ``todos``.

    The module's docstring lists ``header`` (every to-do of the migration), else ``todos``.
    """
    module = Module("")
    _SchemaWriter(plan, module, todos).write()
    module.header = docstring(_header(plan, list(header) if header is not None else todos))
    return module.render()


def _header(plan: MigrationPlan, todos: list[str]) -> str:
    sources = "\n".join(f"- {consumer.label} ({consumer.library})" for consumer in plan.consumers)
    done = "\n".join(f"- {todo}" for todo in todos) or "- nothing: every serializer field was translated."
    return (
        "The strawberry-django schema serving the old consumers, written by ``manage.py gql_channels_migrate``\n"
        f"from\n\n{sources}\n\n"
        "Code to own: edit it freely; ``manage.py gql_channels_compare`` tells whether the legacy replies still\n"
        "match. One type per serializer, its fields in the serializer's order (``auto``: strawberry-django reads\n"
        "the model field); inputs with what the serializer accepted on writes.\n\n"
        f"To do (not translated):\n\n{done}"
    )


class _SchemaWriter:
    def __init__(self, plan: MigrationPlan, module: Module, todos: list[str]) -> None:
        self.plan, self.module, self.todos = plan, module, todos
        self.sd = module.use("strawberry_django")
        self.auto = module.use("strawberry", "auto")
        by_model: dict[type, list[TypePlan]] = {}
        for type_plan in plan.types.values():
            by_model.setdefault(type_plan.spec.model, []).append(type_plan)
        #: Models with exactly one generated type rendering their key: relations to them use it.
        self.related = {
            model: plans[0] for model, plans in by_model.items()
            if len(plans) == 1 and model._meta.pk.name in plans[0].spec.rendered
        }

    def write(self) -> None:
        for type_plan in self.plan.types.values():
            self.module.add(self._type(type_plan))
            if type_plan.needs & {"create", "update"}:
                self.module.add(self._input(type_plan))
            if "update" in type_plan.needs:
                self.module.add(self._partial(type_plan))
        if self.plan.uses_key_input:
            strawberry = self.module.use("strawberry")
            self.module.add(
                f'@{strawberry}.input(description="The primary key of the object to delete.")\n'
                f"class KeyInput:\n    id: {strawberry}.ID"
            )
        roots = []
        for root, block in (("query", self._query()), ("mutation", self._mutation()), ("subscription", self._subscription())):
            if block:
                self.module.add(block)
                roots.append(root)
        strawberry = self.module.use("strawberry")
        optimizer = self.module.use("strawberry_django.optimizer", "DjangoOptimizerExtension")
        arguments = [f"{root}={root.title()}" for root in roots] + [f"extensions=[{optimizer}]"]
        self.module.add(call(f"{strawberry}.Schema", arguments, prefix="schema = "))
        self._events()

    def _model(self, model: type[models.Model]) -> str:
        return self.module.use(model.__module__, model.__name__)

    def _type(self, type_plan: TypePlan) -> str:
        spec = type_plan.spec
        lines = [f"@{self.sd}.type({self._model(spec.model)})", f"class {type_plan.type_name}:",
                 docstring(f"{spec.label}, as it rendered {spec.model._meta.verbose_name_plural}.", indent=1), ""]
        for field_spec in spec.readable:
            if field_spec.nested:
                lines.append(comment(f"Was the nested {field_spec.nested}: rendered as the related key(s).", indent=1))
            lines.append(f"    {field_spec.name}: {self._output_annotation(field_spec)}")
        return "\n".join(lines)

    def _output_annotation(self, field_spec: FieldSpec) -> str:
        related = self.related.get(field_spec.model_field.related_model) if field_spec.relation else None
        if related is None:
            return self.auto
        if field_spec.relation == "many":
            return f"list[{related.type_name}]"
        return f"{related.type_name} | None" if field_spec.model_field.null else related.type_name

    def _input(self, type_plan: TypePlan) -> str:
        spec = type_plan.spec
        lines = [f"@{self.sd}.input({self._model(spec.model)})", f"class {type_plan.input_name}:",
                 docstring(f"What {spec.serializer.__name__} accepted on create (its read-only fields left out).", indent=1), ""]
        lines += [f"    {line}" for field_spec in spec.writable for line in self._input_field(spec.serializer.__name__, field_spec)]
        if not spec.writable:
            lines.append("    pass")
        return "\n".join(lines)

    def _input_field(self, serializer: str, field_spec: FieldSpec) -> list[str]:
        name = field_spec.name
        if field_spec.required == field_spec.model_required:
            return [f"{name}: {self.auto}"]
        if not field_spec.required:
            self.todos.append(
                f"{serializer}.{name}: not required on writes (extra_kwargs) where the model requires it; the input "
                "requires it (a save without it would fail the model's validation): give the model field a default."
            )
            return [f"{name}: {self.auto}"]
        if field_spec.relation:
            input_type = self.module.use("strawberry_django", "ManyToManyInput" if field_spec.relation == "many" else "OneToManyInput")
            return ["# Required on writes (extra_kwargs), where the model field is optional.", f"{name}: {input_type}"]
        scalar = next((t for kinds, t in _SCALARS if isinstance(field_spec.model_field, kinds)), None)
        if scalar is None:
            self.todos.append(f"{serializer}.{name}: required on writes (extra_kwargs): annotate its input type by hand.")
            return [f"{name}: {self.auto}"]
        return ["# Required on writes (extra_kwargs), where the model field is optional.", f"{name}: {scalar}"]

    def _partial(self, type_plan: TypePlan) -> str:
        spec = type_plan.spec
        pk = spec.model._meta.pk
        key = f"id: {self.auto}" if pk.name == "id" else f"pk: {self.module.use('strawberry')}.ID"
        lines = [f"@{self.sd}.partial({self._model(spec.model)})", f"class {type_plan.partial_name}:",
                 docstring(f"What {spec.serializer.__name__} accepted on update: any of it, the key naming the object.", indent=1),
                 "", f"    {key}"]
        lines += [f"    {f.name}: {self.auto}" for f in spec.writable if f.name != "id" or pk.name != "id"]
        return "\n".join(lines)

    def _query(self) -> str | None:
        lines = []
        for type_plan in self.plan.types.values():
            names, type_name = type_plan.names, type_plan.type_name
            if "paginated_list" in names:
                paginated = self.module.use("strawberry_django.pagination", "OffsetPaginated")
                target = f"{names['paginated_list']}: {paginated}[{type_name}]"
                lines.append(assign(target, f"{self.sd}.offset_paginated()", indent=1))
            if "plain_list" in names:
                lines.append(assign(f"{names['plain_list']}: list[{type_name}]", f"{self.sd}.field()", indent=1))
            if "retrieve" in names:
                lines.append(assign(f"{names['retrieve']}: {type_name}", f"{self.sd}.field()", indent=1))
        return self._root("Query", lines)

    def _mutation(self) -> str | None:
        lines, stubs = [], []
        for type_plan in self.plan.types.values():
            names, type_name = type_plan.names, type_plan.type_name
            for kind, factory, argument in (("create", "create", type_plan.input_name),
                                            ("update", "update", type_plan.partial_name), ("delete", "delete", "KeyInput")):
                if kind in names:
                    mutations = self.module.use("strawberry_django.mutations", "mutations")
                    target = f"{names[kind]}: {type_name} = "
                    lines.append("    " + call(f"{mutations}.{factory}", [argument], indent=1, prefix=target))
            for python, action in type_plan.custom.items():
                stubs += ["", *self._stub(python, action, type_plan)]
        return self._root("Mutation", lines + stubs if lines else stubs[1:])

    def _stub(self, python: str, action: object, type_plan: TypePlan) -> list[str]:
        strawberry = self.module.use("strawberry")
        json_type = self.module.use("strawberry.scalars", "JSON")
        lookup = {h.lookup_url_kwarg for h in self.plan.resources if h.serializer_class is type_plan.spec.serializer}
        required, optional = ["self"], []
        for name, needed in action.parameters:
            if name in ("data", "args", "kwargs"):
                continue
            if name in lookup:  # optional, so that a null key is the old 404 (checked before the resolver runs)
                optional.append(f"{name}: {strawberry}.ID | None = None")
            elif needed:
                required.append(f"{name}: {json_type}")
            else:
                optional.append(f"{name}: {json_type} | None = None")
        arguments = required + optional  # every argument is passed by name: the order is Python's only
        return [
            f"    @{self.sd}.mutation",
            "    " + wrap(f"def {python}(", arguments, f") -> {json_type}:", indent=1),
            docstring(
                f"To do: port {action.qualname}, the custom action `{action.name}`.\n\n"
                "Its arguments are the message's keys (DCRF), or the route's kwargs and `data`'s keys\n"
                "(rest_framework_channels); a key that names no object is answered 404 before this runs.\n"
                "Return what the action replied as `data`.",
                indent=2,
            ),
            f"        raise NotImplementedError({literal(f'{action.qualname} is not ported yet')})",
        ]

    def _subscription(self) -> str | None:
        lines = []
        for type_plan in self.plan.types.values():
            if "subscription" not in type_plan.names:
                continue
            strawberry = self.module.use("strawberry")
            generator = self.module.use("collections.abc", "AsyncGenerator")
            event = self.module.use("gql_channels.subscriptions", "ModelEvent")
            events = self.module.use("gql_channels.subscriptions", "model_events")
            model = self._model(type_plan.spec.model)
            plural = type_plan.spec.model._meta.verbose_name
            description = string(f"Committed changes of one {plural} (DCRF's subscribe_instance).")
            arguments = ["self", f"info: {strawberry}.Info", f"pk: {strawberry}.ID"]
            lines += [
                "    " + call(f"@{strawberry}.subscription", [f"description={description}"], indent=1),
                "    " + wrap(f"async def {type_plan.names['subscription']}(", arguments, f") -> {generator}[{event}, None]:",
                             indent=1),
                "        " + wrap(f"async for event in {events}(", ["info", model, "pk=pk", f"type_={type_plan.type_name}"],
                                  "):", indent=2),
                "            yield event",
            ]
        return self._root("Subscription", lines)

    def _root(self, name: str, lines: list[str]) -> str | None:
        if not lines:
            return None
        strawberry = self.module.use("strawberry")
        return "\n".join([f"@{strawberry}.type", f"class {name}:", *lines])

    def _events(self) -> None:
        observed = [p.type_name for p in self.plan.types.values() if "subscription" in p.names]
        if not observed:
            return
        publish = self.module.use("gql_channels.events", "publish_changes")
        lines = [comment(
            "Publish committed changes to subscribers. DCRF connected its observers when the consumer class was "
            "created, so in every process importing it; this does the same for every process importing this "
            "module (move it to an AppConfig.ready() if some writers do not)."
        )]
        lines += [f'{publish}(schema, "{type_name}")' for type_name in observed]
        self.module.add("\n".join(lines))
