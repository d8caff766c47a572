"""``manage.py gql_channels_translate '<message>'``: the GraphQL a legacy message runs, without a socket.

The message goes through the consumer's own ``handle()`` (routing, permissions, pagination,
input translation), with every executed document and its variables traced. By default it is
a dry run: everything runs inside transactions that are rolled back, so a ``create`` shows
its mutation and variables but leaves no row. ``--execute`` keeps the writes and prints the
legacy reply.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import channels.db
from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections, transaction

from gql_channels import usage
from gql_channels.db import shared_thread
from gql_channels.execution import TracedOperation, trace
from gql_channels.management.commands.gql_channels_routes import (
    CONSUMER_HELP,
    consumer_app,
    load_consumer,
)
from gql_channels.protocol import LegacyRequest


@contextmanager
def _connections_kept() -> Iterator[None]:
    """Stop Channels' ``database_sync_to_async`` from closing connections for the dry run.

    It calls ``close_old_connections()`` around every call, which closes a connection whose
    autocommit is off: inside the dry run's transaction (or any caller's), every connection. The
    writes would then fail instead of running and being rolled back. The command is one short
    call in one thread, with nothing to recycle. (An in-memory SQLite database ignores
    ``close()``, which is why the test database does not show this.)
    """
    original = channels.db.close_old_connections
    channels.db.close_old_connections = lambda **kwargs: None
    try:
        yield
    finally:
        channels.db.close_old_connections = original


def serve(consumer: Any, request: LegacyRequest, *, execute: bool) -> tuple[dict[str, Any], list[TracedOperation]]:
    """Run ``consumer.handle(request)``; return the reply and the operations it executed.

    Not counted as legacy usage. Unless ``execute``, every database's transaction is rolled
    back. The database work runs on Channels' shared thread (``shared_thread``), which under
    ``async_to_sync`` is this (the calling) thread, on the connections the rolled-back transactions hold.
    """

    async def handle() -> tuple[dict[str, Any], list[TracedOperation]]:
        with trace() as traced:
            reply = await consumer.handle(request)
        return reply, traced

    with usage.not_recorded(), _connections_kept(), shared_thread(), ExitStack() as stack:
        if not execute:
            for alias in connections:
                stack.enter_context(transaction.atomic(using=alias))
        result = async_to_sync(handle)()
        if not execute:
            for alias in connections:
                transaction.set_rollback(True, using=alias)
    return result


class Command(BaseCommand):
    help = (
        "Show what one legacy message runs: the route pattern it matches, the generated GraphQL "
        "document(s) with their variables, and the reply status. A dry run by default (writes are "
        "rolled back); --execute keeps them and prints the legacy reply."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("message", help='The legacy message as JSON: \'{"action": "list", "route": "articles/"}\'.')
        parser.add_argument("--consumer", help=CONSUMER_HELP)
        parser.add_argument("--execute", action="store_true", help="Keep the writes and print the legacy reply.")
        parser.add_argument("--user", metavar="USERNAME", help="Send the message as this user (default: anonymous).")
        parser.add_argument(
            "--json", action="store_true", dest="as_json",
            help='Print {"route", "operations": [{"document", "variables"}], "reply", "status"}.',
        )

    def handle(
        self, *args: Any, message: str, consumer: str | None, execute: bool, user: str | None, as_json: bool,
        **options: Any,
    ) -> None:
        app = consumer_app(load_consumer(consumer))
        instance = app.consumer_class(**app.consumer_initkwargs)
        dialect, table = instance.protocol, instance.compiled_routes.table
        request = dialect.parse(message)
        match = None if request.problem else table.resolve(dialect.route(request, table))
        instance.scope = {"type": "websocket", "path": "/ws/", "user": self.get_user(user)}
        reply, traced = serve(instance, request, execute=execute)
        route = match.pattern if match is not None else None
        status = dialect.status_of(reply)
        if as_json:
            operations = [{"document": op.source, "variables": op.variables} for op in traced]
            output = {"route": route, "operations": operations, "reply": reply if execute else None, "status": status}
            self.stdout.write(json.dumps(output, indent=2, default=str))
            return
        shown = {None: "(no route pattern matches)", "": '"" (the consumer itself)'}.get(route, route)
        self.stdout.write(f"Route: {shown}")
        for number, op in enumerate(traced, 1):
            self.stdout.write(f"\nOperation {number}:\n{op.source}")
            self.stdout.write(f"Variables: {json.dumps(op.variables, default=str)}")
        if not traced:
            self.stdout.write("\nNo GraphQL operation ran.")
        if execute:
            self.stdout.write(f"\nReply: {json.dumps(reply, default=str)}")
        else:
            self.stdout.write(f"\nReply status: {status} (dry run: writes rolled back; --execute keeps them)")

    def get_user(self, username: str | None) -> Any:
        if username is None:
            return AnonymousUser()
        model = get_user_model()
        try:
            return model._default_manager.get_by_natural_key(username)
        except model.DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None
