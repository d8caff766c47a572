"""``manage.py gql_channels_migrate <old consumer> [...] --output <dir>``: write the schema and consumers replacing them.

Reads rest_framework_channels and djangochannelsrestframework consumers (the old libraries stay
installed while migrating: ``pip install 'gql_channels[migrate]'``) and writes ``<dir>/schema.py``
and ``<dir>/consumers.py``, code the team owns. What could not be translated is listed at the top
of each file and printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

from gql_channels.migration.codegen import format_files
from gql_channels.migration.legacy import NotAConsumer
from gql_channels.migration.writer import write_migration


class Command(BaseCommand):
    help = (
        "Write a strawberry-django schema (<dir>/schema.py) and gql_channels consumers (<dir>/consumers.py, "
        "same class names) from rest_framework_channels or djangochannelsrestframework consumers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("consumers", nargs="+", metavar="consumer", help="Dotted path of an old consumer class.")
        parser.add_argument("--output", required=True, help="Directory to write schema.py and consumers.py into (a package).")
        parser.add_argument("--force", action="store_true", help="Overwrite schema.py and consumers.py if they exist.")

    def handle(self, *args: Any, consumers: list[str], output: str, force: bool, **options: Any) -> None:
        classes = []
        for path in consumers:
            try:
                classes.append(import_string(path))
            except ImportError as error:
                raise CommandError(f"Cannot import {path!r}: {error}") from None
        try:
            migration = write_migration(classes)
        except (NotAConsumer, ImportError) as error:
            raise CommandError(str(error)) from None
        directory = Path(output)
        targets = {"schema.py": directory / "schema.py", "consumers.py": directory / "consumers.py"}
        existing = [str(p) for p in targets.values() if p.exists()]
        if existing and not force:
            raise CommandError(f"{', '.join(existing)} exist: pass --force to overwrite.")
        directory.mkdir(parents=True, exist_ok=True)
        package = directory / "__init__.py"
        if not package.exists():
            package.write_text('"""The gql_channels code migrated from the old consumers."""\n')
        targets["schema.py"].write_text(migration.schema)
        targets["consumers.py"].write_text(migration.consumers)
        formatted = format_files(targets.values())
        for name, path in targets.items():
            self.stdout.write(f"Wrote {path}{' (ruff format)' if formatted else ''}")
        self.stdout.write("")
        for consumer in migration.plan.consumers:
            self.stdout.write(f"{consumer.label} ({consumer.library}) -> {consumer.name}")
        if migration.todos:
            self.stdout.write(f"\nTo do ({len(migration.todos)}, also at the top of both files):")
            for todo in migration.todos:
                self.stdout.write(f"- {todo}")
        else:
            self.stdout.write("\nNothing left to do by hand: compare the replies with gql_channels_compare.")
