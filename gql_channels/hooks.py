"""The schema extensions a prepared legacy execution runs: those with a hook that can see it.

A generated legacy document is parsed and validated once, when its plan is made; every message then
runs from execution on (``execution.py``). Strawberry makes every schema extension anew per
operation, and an extension whose every hook configures parsing or validation (Strawberry's
``AddValidationRules`` family: ``QueryDepthLimiter``, ``MaxAliasesLimiter``, ``DisableIntrospection``;
``MaxTokensLimiter``, ``ParserCache``, ``ValidationCache``) would be made and entered per message for
nothing; gql_channels' ``MaskErrors`` leaves legacy executions alone. A compiled read also needs no
strawberry-django optimizer: it selects its columns itself. Every other extension runs as in
``Schema.execute``: a subclass overriding one of these hooks, an unknown factory, a custom
``get_extensions``.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.extensions.directives import DirectivesExtension, DirectivesExtensionSync
from strawberry_django.optimizer import DjangoOptimizerExtension

from .extensions import MaskErrors

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["legacy_extensions"]

#: The hooks an execution without parsing and validation runs (``on_parse``/``on_validate`` never do).
_HOOKS = ("on_operation", "on_execute", "resolve", "get_results")
#: Hooks with nothing to do for a legacy execution: they set parse options or validation rules, or pass it by.
_IDLE = frozenset({AddValidationRules.on_operation, MaxTokensLimiter.on_operation, MaskErrors.on_operation})
#: ... and for a compiled read, the optimizer's: it installs itself for resolvers a compiled read does not run.
_IDLE_COMPILED = _IDLE | {DjangoOptimizerExtension.on_execute, DjangoOptimizerExtension.resolve}


def legacy_extensions(schema: strawberry.Schema, *, sync: bool, compiled: bool = False) -> list[SchemaExtension]:
    """``schema.get_extensions(sync=sync)`` without the extensions that would do nothing for this execution."""
    if type(schema).get_extensions is not strawberry.Schema.get_extensions:
        return [extension for extension in schema.get_extensions(sync=sync) if not _idle(type(extension), compiled)]
    factories = tuple(schema.extensions)
    try:
        needed = _needed(factories, compiled)
    except TypeError:  # an unhashable factory
        needed = _needed.__wrapped__(factories, compiled)
    made = [factory if isinstance(factory, SchemaExtension) else factory() for factory in needed]
    if schema.directives:  # as get_extensions adds it
        made.append(DirectivesExtensionSync() if sync else DirectivesExtension())
    return made


@functools.lru_cache(maxsize=64)
def _needed(factories: tuple[Any, ...], compiled: bool) -> tuple[Callable[[], SchemaExtension] | SchemaExtension, ...]:
    return tuple(factory for factory in factories if not _idle(_made_by(factory), compiled))


def _made_by(factory: Any) -> type | None:
    """The extension class a factory makes, when that is known without calling it."""
    if isinstance(factory, type):
        return factory
    if isinstance(factory, functools.partial) and isinstance(factory.func, type):
        return factory.func
    if isinstance(factory, SchemaExtension):
        return type(factory)
    return None


def _idle(extension: type | None, compiled: bool) -> bool:
    if extension is None:
        return False
    idle = _IDLE_COMPILED if compiled else _IDLE
    return all(
        (hook := getattr(extension, name)) is getattr(SchemaExtension, name) or hook in idle for name in _HOOKS
    )
