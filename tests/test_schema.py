"""The committed SDL snapshot must match the schema the code builds."""

from __future__ import annotations

from pathlib import Path

from schema import schema

SNAPSHOT = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


def test_sdl_snapshot_is_current() -> None:
    assert SNAPSHOT.read_text() == schema.as_str(), (
        "schema/schema.graphql is stale: run `python manage.py export_schema schema --path schema/schema.graphql`"
    )
