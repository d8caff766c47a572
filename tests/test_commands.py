"""The management commands: routes, translate, usage (asyncapi is in test_asyncapi.py)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError

from example_project.consumers import LegacyConsumer
from example_project.demo.models import Article, Author
from gql_channels import usage
from gql_channels.models import RouteUsage

CONSUMER = "example_project.consumers.LegacyConsumer"
ROOT = Path(__file__).resolve().parent.parent
SEED_PAGE_4 = '{"action": "list", "route": "test_child_route/?page=4"}'


def run(*args: Any, **options: Any) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def table(output: str) -> list[list[str]]:
    """Rows of a printed table (what precedes its rule of dashes dropped), cells split on runs of 2+ spaces."""
    lines = output.splitlines()
    rule = next(n for n, line in enumerate(lines) if line.startswith("---"))
    return [re.split(r"\s{2,}", line.strip()) for line in lines[rule + 1:] if line.strip()]


# --- gql_channels_routes -------------------------------------------------------------------------


def test_routes_lists_every_pattern_and_action_with_its_operation() -> None:
    output = run("gql_channels_routes", CONSUMER)
    assert output.startswith("LegacyConsumer: rest_framework_channels messages\n")
    rows = table(output)
    assert ["test_child_route/", "list", "query ListArticles", "articles"] in rows
    assert ["test_child_route/", "create", "mutation CreateArticle", "createArticle"] in rows
    assert [r"^test_child_route/(?P<pk>[-\w]+)/$", "retrieve", "query RetrieveArticle", "article"] in rows
    assert ["articles/<str:pk>/", "destroy", "mutation DeleteArticle", "deleteArticle"] in rows
    assert ["books/", "list", "query ListBooks", "books"] in rows
    assert ["books/<str:pk>/", "publish", "mutation PublishBook", "publishBook"] in rows
    assert ["authors/", "list", "query ListAuthors", "authors"] in rows
    routes = LegacyConsumer.compiled_routes
    served = sum(
        len(routes.binding(entry.resource).actions_for(entry.captures)) for entry in routes.table.entries()
    )
    assert len(rows) == served
    first = [row[1] for row in rows if row[0] == "articles/<str:pk>/"]
    assert first == ["retrieve", "update", "partial_update", "destroy"]


def test_routes_documents_prints_each_generated_document() -> None:
    output = run("gql_channels_routes", CONSUMER, documents=True)
    operation = LegacyConsumer.compiled_routes.binding(LegacyConsumer.routepatterns[0].callback).operations["list"]
    assert f"# test_child_route/ list\n{operation.source}\n" in output


def test_routes_default_consumer_from_settings(settings: Any) -> None:
    settings.GQL_CHANNELS = {"CONSUMER": CONSUMER}
    assert run("gql_channels_routes") == run("gql_channels_routes", CONSUMER)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (None, 'set GQL_CHANNELS["CONSUMER"]'),
        ("example_project.nope.Consumer", "Cannot import"),
        ("example_project.consumers.ArticlePagination", "is not an ActionConsumer subclass"),
    ],
)
def test_routes_says_what_is_wrong_with_the_consumer(settings, path: str | None, message: str) -> None:
    settings.GQL_CHANNELS = {}
    with pytest.raises(CommandError, match=re.escape(message)):
        run("gql_channels_routes", *([path] if path else []))


# --- gql_channels_translate ----------------------------------------------------------------------


@pytest.mark.django_db
def test_translate_shows_route_document_variables_and_status(articles: list) -> None:
    output = run("gql_channels_translate", SEED_PAGE_4, consumer=CONSUMER)
    assert output.startswith("Route: test_child_route/\n")
    assert "query ListArticles($pagination: OffsetPaginationInput) {" in output
    assert 'Variables: {"pagination": {"offset": 30, "limit": 10}}' in output
    assert "Reply status: 200 (dry run" in output
    assert '"count"' not in output  # the reply itself only with --execute


@pytest.mark.django_db
def test_translate_json(articles: list) -> None:
    result = json.loads(run("gql_channels_translate", SEED_PAGE_4, consumer=CONSUMER, json=True))
    assert result["route"] == "test_child_route/"
    [operation] = result["operations"]
    assert operation["document"].startswith("query ListArticles(")
    assert operation["variables"] == {"pagination": {"offset": 30, "limit": 10}}
    assert result["reply"] is None and result["status"] == 200


@pytest.mark.django_db
def test_translate_execute_prints_the_legacy_reply(articles: list) -> None:
    output = run("gql_channels_translate", SEED_PAGE_4, consumer=CONSUMER, execute=True)
    reply = json.loads(output.split("\nReply: ", 1)[1])
    assert reply["status"] == 200 and reply["data"]["count"] == 100
    assert reply["data"]["next"] == "test_child_route/?page=5"
    assert [row["title"] for row in reply["data"]["results"]] == [f"Title{i}" for i in range(31, 41)]
    as_json = json.loads(run("gql_channels_translate", SEED_PAGE_4, consumer=CONSUMER, execute=True, json=True))
    assert as_json["reply"] == reply


@pytest.mark.django_db
def test_translate_create_is_a_dry_run_unless_executed() -> None:
    message = '{"action": "create", "route": "articles/", "data": {"title": "Dry", "content": "Run"}}'
    output = run("gql_channels_translate", message, consumer=CONSUMER)
    assert "mutation CreateArticle($data: ArticleInput!)" in output
    assert 'Variables: {"data": {"title": "Dry", "content": "Run"}}' in output
    assert "Reply status: 201" in output
    assert not Article.objects.exists()
    output = run("gql_channels_translate", message, consumer=CONSUMER, execute=True)
    assert '"status": 201' in output
    assert list(Article.objects.values_list("title", "content")) == [("Dry", "Run")]


@pytest.mark.django_db
def test_translate_as_a_user(django_user_model: Any) -> None:
    django_user_model.objects.create_user("alice", password="pw")
    message = '{"action": "create", "route": "authors/", "data": {"name": "Calvino"}}'
    assert "Reply status: 403" in run("gql_channels_translate", message, consumer=CONSUMER)
    assert "Reply status: 201" in run("gql_channels_translate", message, consumer=CONSUMER, user="alice")
    assert not Author.objects.exists()
    with pytest.raises(CommandError, match="No user 'bob'"):
        run("gql_channels_translate", message, consumer=CONSUMER, user="bob")


@pytest.mark.django_db
def test_translate_of_a_message_no_route_serves() -> None:
    output = run("gql_channels_translate", "not json", consumer=CONSUMER)
    assert output.startswith("Route: (no route pattern matches)\n")
    assert "No GraphQL operation ran." in output and "Reply status: 400" in output
    result = json.loads(run("gql_channels_translate", '{"action": "list", "route": "nowhere/"}', consumer=CONSUMER, json=True))
    assert result == {"route": None, "operations": [], "reply": None, "status": 405}


@pytest.mark.django_db(transaction=True)
async def test_translate_is_not_counted_as_legacy_usage() -> None:
    await usage.flush()
    await sync_to_async(run)("gql_channels_translate", '{"action": "list", "route": "tags/"}', consumer=CONSUMER)
    assert await usage.flush() == 0


def test_translate_dry_run_rolls_back_on_a_file_database(tmp_path: Path) -> None:
    """The test database lives in memory, where SQLite ignores ``close()``; a file does not."""
    env = {**os.environ, "SQLITE_PATH": str(tmp_path / "db.sqlite3"), "DJANGO_SETTINGS_MODULE": "example_project.settings"}
    env.pop("DATABASE_URL", None)

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        return done.stdout

    def titles() -> list[str]:
        with sqlite3.connect(tmp_path / "db.sqlite3") as db:
            return [title for (title,) in db.execute("SELECT title FROM demo_article")]

    manage("migrate", "--noinput")
    message = '{"action": "create", "route": "articles/", "data": {"title": "Kept?", "content": "x"}}'
    assert "Reply status: 201" in manage("gql_channels_translate", message, "--consumer", CONSUMER)
    assert titles() == []
    assert '"status": 201' in manage("gql_channels_translate", message, "--consumer", CONSUMER, "--execute")
    assert titles() == ["Kept?"]


# --- gql_channels_usage --------------------------------------------------------------------------


@pytest.fixture
def usage_rows(db: None) -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    for route, action, count, errors in [
        ("books/", "list", 7, 0),
        (None, "list", 2, 2),
        ("articles/", "list", 40, 1),
        ("articles/", "create", 3, 0),
        (None, None, 1, 1),
    ]:
        RouteUsage.objects.create(
            consumer=CONSUMER, route=route, action=action, count=count, errors=errors, last_served_at=at
        )


def test_usage_table_sorted_by_route_then_action(usage_rows: None) -> None:
    output = run("gql_channels_usage")
    assert output.splitlines()[0].split() == ["CONSUMER", "ROUTE", "ACTION", "COUNT", "ERRORS", "LAST", "SERVED"]
    assert [row[1:] for row in table(output)] == [
        ["articles/", "create", "3", "0", "2026-01-02 03:04:05 UTC"],
        ["articles/", "list", "40", "1", "2026-01-02 03:04:05 UTC"],
        ["books/", "list", "7", "0", "2026-01-02 03:04:05 UTC"],
        ["-", "list", "2", "2", "2026-01-02 03:04:05 UTC"],
        ["-", "-", "1", "1", "2026-01-02 03:04:05 UTC"],
    ]


def test_usage_json(usage_rows: None) -> None:
    rows = json.loads(run("gql_channels_usage", json=True))
    assert rows[0] == {
        "consumer": CONSUMER, "route": "articles/", "action": "create", "count": 3, "errors": 0,
        "last_served_at": "2026-01-02T03:04:05+00:00",
    }
    assert [(row["route"], row["action"]) for row in rows][-2:] == [(None, "list"), (None, None)]


@pytest.mark.django_db
def test_usage_sums_rows_of_the_same_key() -> None:
    """Null routes are not unique in SQL: two workers may both create the row; the command adds them."""
    for day in (1, 2):
        RouteUsage.objects.create(
            consumer=CONSUMER, route=None, action="list", count=day, errors=day,
            last_served_at=datetime(2026, 1, day, tzinfo=UTC),
        )
    [row] = json.loads(run("gql_channels_usage", json=True))
    assert (row["count"], row["errors"], row["last_served_at"]) == (3, 3, "2026-01-02T00:00:00+00:00")


@pytest.mark.django_db
def test_usage_when_nothing_was_recorded() -> None:
    assert run("gql_channels_usage") == "No legacy message recorded yet.\n"


def test_usage_help_says_counts_lag() -> None:
    command = load_command_class("gql_channels", "gql_channels_usage")
    help_text = " ".join(command.create_parser("manage.py", "gql_channels_usage").format_help().split())
    assert 'written by each server process every GQL_CHANNELS["USAGE_FLUSH_INTERVAL"] seconds' in help_text
    assert "lag by up to that much" in help_text


def test_routes_of_a_dcrf_consumer_use_its_wire_names() -> None:
    output = run("gql_channels_routes", "example_project.consumers.BookConsumer")
    assert output.startswith("BookConsumer: djangochannelsrestframework messages\n")
    assert [row[0:2] for row in table(output)] == [
        ["-", action] for action in (
            "list", "create", "publish", "retrieve", "update", "patch", "delete", "subscribe_instance",
            "unsubscribe_instance",
        )
    ]


@pytest.mark.django_db
def test_translate_a_dcrf_message() -> None:
    message = '{"action": "retrieve", "pk": 1, "request_id": 5}'
    output = run("gql_channels_translate", message, "--consumer", "example_project.consumers.BookConsumer", "--json")
    result = json.loads(output)
    assert result["route"] == "" and result["operations"][0]["variables"] == {"pk": "1"}
    assert result["status"] == 404  # the test database has no book 1: the reply's response_status
