"""The whole migration as text: ``schema.py``, ``consumers.py`` and every to-do, both files listing them all."""

from __future__ import annotations

from dataclasses import dataclass

from .consumer_code import consumers_module
from .plan import MigrationPlan, plan_migration
from .schema_code import schema_module


@dataclass(frozen=True)
class Migration:
    plan: MigrationPlan
    schema: str
    consumers: str
    todos: tuple[str, ...]


def write_migration(consumer_classes: list[type]) -> Migration:
    """Plan, then write both modules twice: the second time each lists the to-dos the other found."""
    plan = plan_migration(consumer_classes)
    found = list(plan.todos)
    schema_module(plan, found)
    consumers_module(plan, found)
    todos = tuple(dict.fromkeys(found))
    return Migration(plan, schema_module(plan, [], header=todos), consumers_module(plan, [], header=todos), todos)
