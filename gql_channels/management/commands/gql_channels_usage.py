"""``manage.py gql_channels_usage``: how many legacy messages each route and action still gets."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Max, Sum

from gql_channels.management.commands.gql_channels_routes import format_table

COLUMNS = ("consumer", "route", "action", "count", "errors", "last_served_at")


def usage_rows() -> list[dict[str, Any]]:
    """One row per (consumer, route, action), sorted by route then action (unmatched last).

    Rows are summed: the database cannot keep rows whose route or action is null unique, so
    two workers flushing the same new key at once may each create one.
    """
    from gql_channels.models import RouteUsage

    rows = (
        RouteUsage.objects.values("consumer", "route", "action")
        .annotate(count=Sum("count"), errors=Sum("errors"), last_served_at=Max("last_served_at"))
        .order_by()
    )
    return sorted(
        ({name: dict(row)[name] for name in COLUMNS} for row in rows),
        key=lambda row: (row["route"] is None, row["route"] or "", row["action"] is None, row["action"] or "", row["consumer"]),
    )


class Command(BaseCommand):
    help = (
        "Print how many legacy messages each (consumer, route pattern, action) has served, how many "
        "were errors, and when it was last served: a route missing here, or not served for long, can be "
        "retired. Counts are written by each server process every "
        'GQL_CHANNELS["USAGE_FLUSH_INTERVAL"] seconds (default 10), so they lag by up to that much. '
        "A '-' route or action: the message matched no route pattern or named no action."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print a JSON array of rows.")

    def handle(self, *args: Any, as_json: bool, **options: Any) -> None:
        rows = usage_rows()
        if as_json:
            for row in rows:
                row["last_served_at"] = row["last_served_at"].isoformat()
            self.stdout.write(json.dumps(rows, indent=2))
            return
        if not rows:
            self.stdout.write("No legacy message recorded yet.")
            return
        table = [
            (row["consumer"], row["route"], row["action"], row["count"], row["errors"], f"{row['last_served_at']:%Y-%m-%d %H:%M:%S %Z}")
            for row in rows
        ]
        self.stdout.write(format_table(("CONSUMER", "ROUTE", "ACTION", "COUNT", "ERRORS", "LAST SERVED"), table))
