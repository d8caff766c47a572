"""Shared by the migration tests: run ``gql_channels_migrate`` into an importable package, and import it."""

from __future__ import annotations

import importlib
import sys
from io import StringIO
from pathlib import Path
from types import ModuleType

from django.core.management import call_command

#: The DCRF app's consumers, as the tests migrate them.
DCRF_CONSUMERS = ("BookConsumer", "TagConsumer", "StreamedBookConsumer", "AuthorConsumer")

#: What a team writes for the stub of BookConsumer.publish (the to-do the migration left).
PUBLISH_STUB = '        raise NotImplementedError("BookConsumer.publish is not ported yet")\n'
PUBLISH_PORTED = (
    "        book = Book.objects.get(pk=pk)\n"
    "        book.published = True\n"
    '        book.save(update_fields=["published"])\n'
    '        return {"pk": book.pk, "published": True}\n'
)


def migrate(root: Path, package: str, *consumers: str) -> str:
    """``gql_channels_migrate <consumers> --output <root>/<package>``; the command's output."""
    out = StringIO()
    call_command("gql_channels_migrate", *consumers, "--output", str(root / package), stdout=out)
    return out.getvalue()


def import_package(root: Path, package: str) -> tuple[ModuleType, ModuleType]:
    """Import ``<package>.schema`` and ``<package>.consumers`` from ``root`` (class bodies bind the routes)."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    return importlib.import_module(f"{package}.schema"), importlib.import_module(f"{package}.consumers")
