"""``manage.py gql_channels_asyncapi``: the consumer's legacy protocol as an AsyncAPI 3.0.0 document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gql_channels.asyncapi import asyncapi_document
from gql_channels.management.commands.gql_channels_routes import (
    CONSUMER_HELP,
    load_consumer,
)


class Command(BaseCommand):
    help = (
        "Write an AsyncAPI 3.0.0 document (JSON) of a consumer's legacy action protocol: a channel per "
        "route pattern, a send operation with its reply per action, payload schemas from the GraphQL types."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--consumer", help=CONSUMER_HELP)
        parser.add_argument("--output", type=Path, help="Write to this file instead of stdout.")
        parser.add_argument("--host", default="127.0.0.1:8000", help="The server's host[:port] (default: %(default)s).")
        parser.add_argument("--pathname", default="/ws/", help="The legacy WebSocket path (default: %(default)s).")
        parser.add_argument("--api-version", default="1.0.0", help="info.version of the document (default: %(default)s).")

    def handle(
        self, *args: Any, consumer: str | None, output: Path | None, host: str, pathname: str, api_version: str,
        **options: Any,
    ) -> None:
        consumer_class = load_consumer(consumer)
        try:
            document = asyncapi_document(consumer_class, host=host, pathname=pathname, version=api_version)
        except ImproperlyConfigured as error:
            raise CommandError(f"{consumer_class.__qualname__} cannot serve: {error}") from error
        text = json.dumps(document, indent=2) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
        else:
            output.write_text(text)
            self.stdout.write(self.style.SUCCESS(f"AsyncAPI document written to {output}"))
