"""``manage.py gql_channels_graphiql``: install the pinned GraphiQL assets from npm.

A set-up step (like ``collectstatic``), so the assets live in the environment, never in the repo.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gql_channels.graphiql import install_assets


class Command(BaseCommand):
    help = "Install the GraphiQL assets (npm ci of the pinned lock) for the offline GraphiQL page."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir",
            dest="target",
            type=Path,
            default=None,
            help='Install here instead of GQL_CHANNELS["GRAPHIQL_ASSETS_DIR"].',
        )

    def handle(self, *args: Any, target: Path | None, **options: Any) -> None:
        installed = install_assets(target)
        self.stdout.write(self.style.SUCCESS(f"GraphiQL assets installed in {installed}"))
