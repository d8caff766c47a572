"""Strawberry's conversion of a field's arguments, planned once where it only renames and builds an input.

Strawberry's ``convert_arguments`` turns graphql-core's coerced argument values into what the
resolver takes: an input object becomes an instance of its input class, each of its fields' types
resolved again on every call (most of a one-row write's conversion). A scalar argument is passed as
graphql-core parsed it; so is every field of an input class whose fields are all scalars, or optional
ones (not a ``GlobalID``, which is decoded, nor a ``Maybe``, which is wrapped), when the class has no
``from_input`` hook (which sees the request): then the conversion renames the keys and calls the class.
``ArgumentConversion`` does that from a plan made once, when every argument is such a scalar or input;
otherwise Strawberry converts them all, every time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass
from typing import TYPE_CHECKING, Any

from strawberry.relay import GlobalID
from strawberry.scalars import is_scalar
from strawberry.types.arguments import StrawberryArgument, convert_arguments
from strawberry.types.base import StrawberryMaybe, StrawberryOptional, has_object_definition
from strawberry.types.unset import UNSET

if TYPE_CHECKING:
    from strawberry import Schema
    from strawberry.types import Info

__all__ = ["ArgumentConversion", "plan_conversion"]


@dataclass(frozen=True, slots=True)
class _FlatInput:
    """An input class of scalar fields: what Strawberry's conversion of one of its values amounts to."""

    cls: type
    #: (GraphQL name, Python name) of each field.
    fields: tuple[tuple[str, str], ...]
    #: The fields without a default, which Strawberry sets to ``None`` before filling in the value's.
    required: tuple[str, ...]

    def convert(self, value: Any) -> Any:
        if value is None or value is UNSET:
            return value
        kwargs: dict[str, Any] = dict.fromkeys(self.required)
        for graphql_name, python_name in self.fields:
            if graphql_name in value:
                kwargs[python_name] = value[graphql_name]
        return self.cls(**kwargs)


@dataclass(frozen=True, slots=True)
class ArgumentConversion:
    """How one field's arguments are converted: by the plan when every argument is a flat input, else by Strawberry."""

    arguments: tuple[StrawberryArgument, ...]
    #: (argument's GraphQL name, Python name, its input's plan or ``None`` for a scalar) per argument, or ``None``.
    flat: tuple[tuple[str, str, _FlatInput | None], ...] | None

    def convert(self, schema: Schema, values: Mapping[str, Any], info: Info) -> dict[str, Any]:
        """The resolver's keyword arguments, as Strawberry's ``convert_arguments`` makes them."""
        if self.flat is None:
            return convert_arguments(
                dict(values), list(self.arguments), scalar_registry=schema.schema_converter.scalar_registry,
                config=schema.config, info=info,
            )
        return {
            python_name: values[name] if flat is None else flat.convert(values[name])
            for name, python_name, flat in self.flat
            if name in values
        }


def plan_conversion(schema: Schema, arguments: Sequence[StrawberryArgument]) -> ArgumentConversion:
    """The conversion of ``arguments`` (resolved now: a mutation field builds them anew on every access)."""
    frozen = tuple(arguments)
    flat = []
    for argument in frozen:
        type_ = _unwrapped(argument.type)
        if _plain_scalar(schema, type_):
            plan = None
        elif (plan := _flat_input(schema, type_)) is None:
            return ArgumentConversion(frozen, None)
        assert argument.python_name is not None
        flat.append((schema.config.name_converter.from_argument(argument), argument.python_name, plan))
    return ArgumentConversion(frozen, tuple(flat) if flat else None)


def _unwrapped(type_: Any) -> Any:
    """``T`` of ``T | None``; a ``Maybe`` (wrapped in ``Some`` by Strawberry) is left as it is, and so refused."""
    return type_.of_type if isinstance(type_, StrawberryOptional) and not isinstance(type_, StrawberryMaybe) else type_


def _plain_scalar(schema: Schema, type_: Any) -> bool:
    """A scalar Strawberry passes on as graphql-core parsed it (a ``GlobalID`` it decodes)."""
    return type_ is not GlobalID and not isinstance(type_, StrawberryMaybe) and is_scalar(type_, schema.schema_converter.scalar_registry)


def _flat_input(schema: Schema, type_: Any) -> _FlatInput | None:
    if not has_object_definition(type_):
        return None
    definition = type_.__strawberry_definition__
    if not definition.is_input or definition.from_input is not None:
        return None
    fields = []
    for field in definition.fields:
        if not _plain_scalar(schema, _unwrapped(field.resolve_type(type_definition=definition))):
            return None
        fields.append((schema.config.name_converter.from_field(field), field.python_name))
    required = tuple(
        field.python_name
        for field in definition.fields
        if field.default_value is MISSING and field.default_factory is MISSING
    )
    return _FlatInput(type_, tuple(fields), required)
