"""``manage.py gql_channels_compare --old <consumer> --new <consumer> --messages <file.jsonl>``: do the replies agree?

Replays every recorded message through the old consumer and the new one, each message on a
fresh connection as its recorded user, inside a savepoint rolled back afterwards (the whole run
is one transaction, rolled back too: the database is left as it was), then compares the replies
by the contracts' rules (``gql_channels.migration.comparison``). Prints an agreement table per
route pattern (DCRF: per consumer) and action, the rules that made replies agree, and a diff of
every difference; exits 1 when there is any.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

from gql_channels.consumers import ActionConsumer
from gql_channels.management.commands.gql_channels_routes import format_table
from gql_channels.migration.comparison import Report, compare, new_side, old_side
from gql_channels.migration.legacy import library_of
from gql_channels.migration.replay import Replayer, as_in_production, read_messages


class Command(BaseCommand):
    help = (
        "Replay recorded legacy messages (JSONL) through an old consumer and its gql_channels replacement, "
        "each against the same database state (rolled back), and compare the replies by the contracts' "
        "rules: an agreement table, and a diff per difference. Exits 1 on any difference."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--old", required=True, help="Dotted path of the old consumer class.")
        parser.add_argument("--new", required=True, help="Dotted path of the gql_channels ActionConsumer.")
        parser.add_argument(
            "--messages", required=True,
            help='JSONL, one {"frame": <text or object>, "user": <username or null>} per line (the recorder writes it).',
        )

    def handle(self, *args: Any, old: str, new: str, messages: str, **options: Any) -> None:
        old_consumer, new_consumer = _load(old), _load(new)
        if library_of(old_consumer) is None:
            raise CommandError(f"{old} is no rest_framework_channels or djangochannelsrestframework consumer.")
        if not (isinstance(new_consumer, type) and issubclass(new_consumer, ActionConsumer)):
            raise CommandError(f"{new} is not a gql_channels ActionConsumer.")
        try:
            recorded = read_messages(messages)
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from None
        others = [m for m in recorded if m.consumer not in (None, old)]
        recorded = [m for m in recorded if m.consumer in (None, old)]
        if others:
            self.stdout.write(f"Skipped {len(others)} messages recorded for other consumers than {old}.")
        if not recorded:
            raise CommandError(f"{messages} has no message for {old}.")
        with as_in_production(old_consumer) as note, Replayer() as replayer:
            missing = replayer.load_users([m.user for m in recorded])
            if missing:
                raise CommandError(f"The messages' users {', '.join(missing)} do not exist in the database.")
            report = compare(old_side(old, old_consumer), new_side(new, new_consumer), recorded, replayer)
        if note:
            self.stdout.write(note + "\n")
        self._print(report, old, new)
        if report.differences:
            raise CommandError(f"{len(report.differences)} of {report.total.messages} messages got different replies.")

    def _print(self, report: Report, old: str, new: str) -> None:
        total = report.total
        rows = [(r.target, r.action, r.messages, r.agreed, r.by_rule, r.differed) for r in report.rows.values()]
        rows.append(("total", "", total.messages, total.agreed, total.by_rule, total.differed))
        self.stdout.write(f"{old} -> {new}: {total.messages} messages\n")
        self.stdout.write(format_table(("ROUTE", "ACTION", "MESSAGES", "AGREED", "BY RULE", "DIFFERED"), rows))
        if report.rules:
            self.stdout.write("\nAgreed by rule (the contracts' Fixed rows):")
            for rule, count in sorted(report.rules.items(), key=lambda item: -item[1]):
                self.stdout.write(f"  {count:5d}  {rule}")
        for difference in report.differences:
            self.stdout.write(f"\n{difference.diff}")
        count = len(report.differences)
        verdict = "no differences" if not count else f"{count} difference{'s' if count > 1 else ''}"
        self.stdout.write(f"\n{verdict}.")


def _load(path: str) -> Any:
    try:
        return import_string(path)
    except ImportError as error:
        raise CommandError(f"Cannot import {path!r}: {error}") from None
