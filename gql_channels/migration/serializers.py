"""What a DRF ``ModelSerializer`` renders and accepts, field by field, as plain data for the code writers.

The serializer is instantiated (``ModelSerializer`` builds its fields then, applying ``fields``,
``exclude``, ``read_only_fields``, ``extra_kwargs`` and ``depth``), so each field's flags are DRF's
own. A field is translated when it is what ``ModelSerializer`` builds for a model field (or declared
exactly so); anything else (methods, dotted sources, properties, custom validation, nested
serializers) is a to-do, said in words a reader can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models

from .codegen import snake_case

#: Declared-field options that change nothing a client sees: documentation, widgets, the flags read directly.
_NEUTRAL_OPTIONS = frozenset(
    {"label", "help_text", "style", "read_only", "write_only", "required", "queryset", "child_relation"}
)


class NotTranslatable(Exception):
    """The serializer as a whole cannot be translated (not a ``ModelSerializer``...); the message says why."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One serializer field that maps onto a model field."""

    #: The serializer field's name: the key legacy clients read and write.
    name: str
    model_field: models.Field
    readable: bool
    writable: bool
    #: DRF's ``required`` on writes (``extra_kwargs`` applied).
    required: bool
    #: ``"one"`` (foreign key, one-to-one), ``"many"`` (many-to-many) or ``None``.
    relation: str | None = None
    #: The nested serializer this field was (rendered as the related key(s) instead).
    nested: str | None = None

    @property
    def model_required(self) -> bool:
        """What strawberry-django's input types derive from the model (DRF's rule too, but for many-to-many)."""
        mf = self.model_field
        if isinstance(mf, models.AutoField) or mf.many_to_many:
            return False
        return not (mf.blank or mf.null or mf.has_default())


@dataclass(frozen=True)
class TypeSpec:
    """A serializer as strawberry-django types: its model, the fields translated, what was not."""

    serializer: type
    model: type[models.Model]
    fields: tuple[FieldSpec, ...]
    todos: tuple[str, ...] = ()
    #: Field names in the order the serializer renders them (what ``Resource(fields=)`` keeps).
    rendered: tuple[str, ...] = field(default=())

    @property
    def base(self) -> str:
        """``ArticleSerializer`` -> ``Article``: the stem of every generated name."""
        name = self.serializer.__name__
        return name.removesuffix("Serializer") or name

    @property
    def snake(self) -> str:
        return snake_case(self.base)

    @property
    def readable(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.readable)

    @property
    def writable(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.writable)

    @property
    def label(self) -> str:
        return f"{self.serializer.__module__}.{self.serializer.__qualname__}"


def inspect_serializer(serializer_class: type) -> TypeSpec:
    """Read ``serializer_class`` 's fields; raise ``NotTranslatable`` when it is no ``ModelSerializer``."""
    from rest_framework import serializers as drf
    from rest_framework.utils import model_meta

    name = serializer_class.__qualname__
    if not (isinstance(serializer_class, type) and issubclass(serializer_class, drf.ModelSerializer)):
        raise NotTranslatable(f"{name} is not a ModelSerializer: write its strawberry type by hand.")
    meta = getattr(serializer_class, "Meta", None)
    model = getattr(meta, "model", None)
    if model is None:
        raise NotTranslatable(f"{name} has no Meta.model.")
    serializer = serializer_class()
    info = model_meta.get_field_info(model)
    depth = getattr(meta, "depth", 0)
    declared = serializer_class._declared_fields
    specs: list[FieldSpec] = []
    rendered: list[str] = []
    todos: list[str] = []
    for field_name, drf_field in serializer.fields.items():
        spec, todo = _translate(serializer, field_name, drf_field, field_name in declared, info, model, depth)
        if todo:
            todos.append(f"{name}.{field_name}: {todo}")
        if spec is not None:
            specs.append(spec)
            if spec.readable:
                rendered.append(spec.name)
    return TypeSpec(serializer_class, model, tuple(specs), tuple(todos), tuple(rendered))


def _translate(
    serializer: Any, name: str, drf_field: Any, declared: bool, info: Any, model: type[models.Model], depth: int
) -> tuple[FieldSpec | None, str | None]:
    """``(spec, to-do)`` for one field: a spec when it maps onto a model field, a to-do when something is lost."""
    from rest_framework import serializers as drf

    source = drf_field.source
    kind = type(drf_field).__name__
    if isinstance(drf_field, drf.BaseSerializer):
        child = drf_field.child if isinstance(drf_field, drf.ListSerializer) else drf_field
        relation = info.forward_relations.get(source)
        nested = type(child).__name__
        if relation is None:
            return None, f"nested {nested} on `{source}`, which is no forward relation of {model.__name__}: not translated."
        spec = _spec(name, model._meta.get_field(source), drf_field, writable=False, nested=nested)
        return spec, (
            f"nested {nested}: rendered as the related key{'s' if spec.relation == 'many' else ''} "
            "(gql_channels renders relations as keys); nested objects are for GraphQL clients: give the "
            "field the related type, or keep the old consumer for clients that need them."
        )
    if kind == "SerializerMethodField":
        return None, f"SerializerMethodField `{drf_field.method_name}`: add a strawberry field with a resolver."
    if source != name:
        return None, f"{kind}(source={source!r}): a renamed or dotted source is not translated; add a resolver."
    model_field = _model_field(info, source)
    if model_field is None:
        return None, f"{kind} on `{source}`, which is no concrete field of {model.__name__}: not translated."
    if isinstance(drf_field, drf.HyperlinkedRelatedField | drf.HyperlinkedIdentityField):
        return None, f"{kind}: hyperlinks are not translated (gql_channels renders keys)."
    if declared:
        difference = _declared_difference(serializer, name, drf_field, info, model, depth)
        if difference:
            return None, difference
    return _spec(name, model_field, drf_field, writable=not drf_field.read_only), None


def _model_field(info: Any, source: str) -> models.Field | None:
    if source in info.fields_and_pk:
        return info.fields_and_pk[source]
    relation = info.forward_relations.get(source)
    return relation.model_field if relation is not None else None


def _spec(name: str, model_field: models.Field, drf_field: Any, *, writable: bool, nested: str | None = None) -> FieldSpec:
    relation = "many" if model_field.many_to_many else "one" if model_field.is_relation else None
    return FieldSpec(
        name=name,
        model_field=model_field,
        readable=not drf_field.write_only,
        writable=writable,
        required=bool(drf_field.required) if writable else False,
        relation=relation,
        nested=nested,
    )


def _declared_difference(serializer: Any, name: str, drf_field: Any, info: Any, model: Any, depth: int) -> str | None:
    """Why a declared field is not what ``ModelSerializer`` would have built for it, or ``None``."""
    built_class, built_kwargs = serializer.build_field(name, info, model, depth)
    kind = type(drf_field).__name__
    if type(drf_field) is not built_class and not _same_relation(drf_field, built_class):
        return f"declared as {kind} where the model field gives {built_class.__name__}: not translated."
    options = {k: v for k, v in drf_field._kwargs.items() if k not in _NEUTRAL_OPTIONS}
    changed = sorted(k for k, v in options.items() if built_kwargs.get(k, _Unset) != v)
    if changed:
        shown = ", ".join(f"{k}={options[k]!r}" for k in changed)
        return f"declared {kind}({shown}): these validation options are not translated (add them to the model)."
    return None


def _same_relation(drf_field: Any, built_class: type) -> bool:
    """``PrimaryKeyRelatedField(many=True)`` is a ``ManyRelatedField`` around one, as ModelSerializer builds it."""
    from rest_framework import serializers as drf

    return isinstance(drf_field, drf.ManyRelatedField) and built_class is drf.PrimaryKeyRelatedField


class _Unset:
    """No such option on the built field."""
