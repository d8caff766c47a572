"""``manage.py gql_channels_routes [consumer]``: every legacy route and action, with the GraphQL it runs.

Also home of the helpers the other gql_channels commands share: finding the consumer and
printing a table.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string
from graphql import FieldNode, OperationDefinitionNode

from gql_channels.binding import CompiledRoutes
from gql_channels.consumers import ActionConsumer
from gql_channels.dialects import Dialect, get_dialect
from gql_channels.operations import Operation
from gql_channels.settings import gql_channels_settings

CONSUMER_HELP = 'Dotted path of an ActionConsumer subclass (default: GQL_CHANNELS["CONSUMER"]).'


def load_consumer(path: str | None) -> type[ActionConsumer]:
    """The consumer class at ``path``, or at ``GQL_CHANNELS["CONSUMER"]``."""
    path = path or gql_channels_settings()["CONSUMER"]
    if not path:
        raise CommandError('Name the consumer (a dotted path) or set GQL_CHANNELS["CONSUMER"].')
    try:
        consumer = import_string(path)
    except ImportError as error:
        raise CommandError(f"Cannot import {path!r}: {error}") from None
    if not (isinstance(consumer, type) and issubclass(consumer, ActionConsumer)):
        raise CommandError(f"{path!r} is not an ActionConsumer subclass.")
    return consumer


def consumer_app(consumer: type[ActionConsumer]) -> Any:
    """``consumer.as_asgi()``: binds the routes like a server would, or says why it cannot."""
    try:
        return consumer.as_asgi()
    except Exception as error:  # ImproperlyConfigured and anything a bad schema raises
        raise CommandError(f"{consumer.__qualname__} cannot serve: {error}") from error


def compiled_routes(consumer: type[ActionConsumer]) -> CompiledRoutes:
    return consumer_app(consumer).consumer_initkwargs["compiled_routes"]


def served(routes: CompiledRoutes, dialect: Dialect) -> Iterator[tuple[str, frozenset[str], str, Operation]]:
    """``(route pattern, captures, action, operation)`` for every pattern and action served, in order.

    Actions by the name the dialect's clients send (DCRF's ``patch``, ``subscribe_instance``...).
    """
    for entry in routes.table.entries():
        for action, (_, operation) in dialect.actions(routes.binding(entry.resource), entry.captures).items():
            if operation is not None:
                yield entry.route, entry.captures, action, operation


def operation_title(operation: Operation) -> str:
    """``query ListArticles``: the type and name of the operation the document defines."""
    definition = next(d for d in operation.document.definitions if isinstance(d, OperationDefinitionNode))
    name = definition.name.value if definition.name else "(anonymous)"
    return f"{definition.operation.value} {name}"


def root_fields(operation: Operation) -> list[str]:
    definition = next(d for d in operation.document.definitions if isinstance(d, OperationDefinitionNode))
    return [s.name.value for s in definition.selection_set.selections if isinstance(s, FieldNode)]


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Left-aligned columns, headers underlined; ``None`` prints as ``-``."""
    cells = [list(headers), *([("-" if value is None else str(value)) for value in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "List every legacy route pattern and action a consumer serves, with the GraphQL operation "
        "(name and root field) each runs; --documents prints the full generated documents."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("consumer", nargs="?", help=CONSUMER_HELP)
        parser.add_argument("--documents", action="store_true", help="Print each full GraphQL document too.")

    def handle(self, *args: Any, consumer: str | None, documents: bool, **options: Any) -> None:
        consumer_class = load_consumer(consumer)
        routes, dialect = compiled_routes(consumer_class), get_dialect(consumer_class.dialect)
        rows = [
            (route or None, action, operation_title(operation), ", ".join(root_fields(operation)))
            for route, _, action, operation in served(routes, dialect)
        ]
        self.stdout.write(f"{consumer_class.__qualname__}: {dialect.name} messages\n")
        self.stdout.write(format_table(("ROUTE", "ACTION", "OPERATION", "ROOT FIELD"), rows))
        if documents:
            for route, _, action, operation in served(routes, dialect):
                self.stdout.write(f"\n# {route} {action}\n{operation.source}")
