"""``gql_channels_compare`` on the migrated apps: recorded traffic, every action and error row, no difference.

The traffic (``legacy_traffic``) goes through ``RecordingMiddleware`` in front of the old consumer;
its JSONL is what the command replays through the old and the migrated consumer. A planted
difference (a serializer field renamed) must be found, shown as a diff, and exit non-zero.
"""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import path, re_path
from djangochannelsrestframework.generics import GenericAsyncAPIConsumer
from djangochannelsrestframework.mixins import RetrieveModelMixin
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated as DRFIsAuthenticated
from rest_framework_channels import generics
from rest_framework_channels.consumers import AsyncAPIConsumer
from rest_framework_channels.permissions import IsAuthenticated

from benchmarks.drf_app import ArticlePagination, DrfConsumer
from example_project.demo.models import Article
from tests.dcrf_app import consumers as dcrf_consumers
from tests.dcrf_app.models import Book, Tag
from tests.dcrf_app.serializers import TagSerializer

from .legacy_traffic import dcrf_known_gaps, dcrf_traffic, record, rfc_traffic, seed
from .migration_helpers import DCRF_CONSUMERS, import_package, migrate

pytestmark = pytest.mark.django_db


def compare(old: str, new: str, messages: Path) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("gql_channels_compare", old=old, new=new, messages=str(messages), stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def table(output: str) -> dict[tuple[str, str], list[int]]:
    """The agreement table: (route, action) -> [messages, agreed, by rule, differed]."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("ROUTE"))
    end = next(i for i in range(start, len(lines)) if not lines[i].strip())
    rows = {}
    for line in lines[start + 2:end]:
        cells = re.split(r"\s{2,}", line.strip())
        key, numbers = cells[:-4], cells[-4:]
        rows[tuple(key) if len(key) == 2 else (key[0], "")] = [int(n) for n in numbers]
    return rows


@pytest.fixture
def seeded(db: None, migrated: Path) -> Path:
    seed()
    import_package(migrated, "migrated_drf")
    import_package(migrated, "migrated_dcrf")
    return migrated


def test_the_rfc_app_agrees_on_500_recorded_messages(seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    recording = tmp_path / "drf.jsonl"
    record(DrfConsumer, rfc_traffic(), recording)
    lines = [json.loads(line) for line in recording.read_text().splitlines()]
    assert len(lines) >= 500 and {line["consumer"] for line in lines} == {"benchmarks.drf_app.DrfConsumer"}
    output, error = compare("benchmarks.drf_app.DrfConsumer", "migrated_drf.consumers.DrfConsumer", recording)
    with capsys.disabled():
        print(f"\n{output}")  # the agreement table, as the command prints it
    assert error is None, output
    rows = table(output)
    assert rows[("total", "")][3] == 0 and rows[("total", "")][0] == len(lines)
    served = {("test_child_route/", "list"), (r"^test_child_route/(?P<pk>[-\w]+)/$", "retrieve"), ("articles/", "create")}
    assert served <= rows.keys()
    for rule in ("object not found: 404", "frame not a JSON object: 400", "no data: 400", "route or action not a string",
                 "routes match in full", "request_id is echoed", "a key named self"):
        assert rule in output, rule


def test_the_dcrf_app_agrees_on_every_consumer(seeded: Path, tmp_path: Path) -> None:
    total, actions, outputs = 0, set(), []
    for name in DCRF_CONSUMERS:
        recording = tmp_path / f"{name}.jsonl"
        record(getattr(dcrf_consumers, name), dcrf_traffic(name), recording)
        output, error = compare(f"tests.dcrf_app.consumers.{name}", f"migrated_dcrf.consumers.{name}", recording)
        assert error is None, output
        rows = table(output)
        assert rows[("total", "")][3] == 0
        total += rows[("total", "")][0]
        actions |= {action for (_, action) in rows}
        outputs.append(output)
    assert total >= 500
    assert {"list", "retrieve", "create", "update", "patch", "delete", "publish", "subscribe_instance",
            "unsubscribe_instance", "list_cancel"} <= actions
    everything = "\n".join(outputs)
    for rule in ("no pk: 404", "no data key: 400", "a pk that is a boolean or not a whole number", "subscribe_instance needs a request_id",
                 "frame not a JSON object, or an unhashable action", "internal parameter", "null or list limit/offset",
                 "list_cancel stops a streamed list"):
        assert rule in everything, rule


@pytest.mark.xfail(reason="gql_channels answers these otherwise than DCRF 1.3.0, with no contract row saying so: see the gaps")
def test_the_known_gaps_of_the_dcrf_app(seeded: Path, tmp_path: Path) -> None:
    """Permission order, DRF's unique and slug wording, the 32-bit Int: the compare finds each (reported)."""
    for name in ("BookConsumer", "TagConsumer", "StreamedBookConsumer"):
        recording = tmp_path / f"{name}.jsonl"
        record(getattr(dcrf_consumers, name), [(frame, user) for frame, user, _ in dcrf_known_gaps(name)], recording)
        output, error = compare(f"tests.dcrf_app.consumers.{name}", f"migrated_dcrf.consumers.{name}", recording)
        assert error is None, output


class RenamedArticleSerializer(serializers.ModelSerializer):
    """The planted difference: the old serializer had renamed ``content`` to ``body``."""

    body = serializers.CharField(source="content")

    class Meta:
        model = Article
        fields = ["id", "title", "body"]


class RenamedList(generics.ListAPIActionHandler):
    serializer_class = RenamedArticleSerializer
    queryset = Article.objects.all()
    pagination_class = ArticlePagination


class RenamedRetrieve(generics.RetrieveAPIActionHandler):
    serializer_class = RenamedArticleSerializer
    queryset = Article.objects.all()


class RenamedConsumer(AsyncAPIConsumer):
    routepatterns = [
        re_path(r"^test_child_route/(?P<pk>[-\w]+)/$", RenamedRetrieve.as_aaah()),
        path("test_child_route/", RenamedList.as_aaah()),
    ]


def test_a_renamed_serializer_field_is_found_and_exits_non_zero(seeded: Path, tmp_path: Path) -> None:
    messages = tmp_path / "messages.jsonl"
    frames = [{"action": "retrieve", "route": "test_child_route/3/"}, {"action": "list", "route": "test_child_route/?page=2"},
              {"action": "retrieve", "route": "test_child_route/999/"}]
    messages.write_text("".join(json.dumps({"frame": frame, "user": None}) + "\n" for frame in frames))
    output, error = compare(f"{__name__}.RenamedConsumer", "migrated_drf.consumers.DrfConsumer", messages)
    assert error is not None and error.returncode == 1
    assert "2 of 3 messages got different replies" in str(error)
    assert re.search(r'^-\s+"body": "Content3"$', output, re.MULTILINE), output
    assert re.search(r'^\+\s+"content": "Content3"$', output, re.MULTILINE), output
    assert "line 1 (user anonymous)" in output and "line 2 (user anonymous)" in output
    assert rows_differed(output) == {("^test_child_route/(?P<pk>[-\\w]+)/$", "retrieve"): 1, ("test_child_route/", "list"): 1}


def rows_differed(output: str) -> dict[tuple[str, str], int]:
    return {key: numbers[3] for key, numbers in table(output).items() if numbers[3] and key[0] != "total"}


def test_every_message_sees_the_same_database_and_it_is_left_as_it_was(seeded: Path, tmp_path: Path) -> None:
    """A create in every message gets the same id on both sides; nothing is left behind (sequences included)."""
    messages = tmp_path / "messages.jsonl"
    frames = [{"action": "create", "data": {"title": f"T{i}", "pages": 1, "author": 1}} for i in range(3)]
    frames.append({"action": "delete", "pk": 1})
    messages.write_text("".join(json.dumps({"frame": f, "user": "writer"}) + "\n" for f in frames))
    before = (Book.objects.count(), Book.objects.order_by("-pk").values_list("pk", flat=True).first())
    output, error = compare("tests.dcrf_app.consumers.BookConsumer", "migrated_dcrf.consumers.BookConsumer", messages)
    assert error is None, output
    assert (Book.objects.count(), Book.objects.order_by("-pk").values_list("pk", flat=True).first()) == before
    created = Book.objects.create(title="after", pages=1, author_id=1)
    assert created.pk == before[1] + 1  # PostgreSQL's sequence was put back too


def test_the_command_says_what_it_cannot_replay(seeded: Path, tmp_path: Path) -> None:
    messages = tmp_path / "messages.jsonl"
    messages.write_text(
        json.dumps({"frame": {"action": "list"}, "user": "nobody"}) + "\n"
        + json.dumps({"frame": {"action": "list"}, "user": None, "consumer": "other.Consumer"}) + "\n"
    )
    old, new = "tests.dcrf_app.consumers.TagConsumer", "migrated_dcrf.consumers.TagConsumer"
    with pytest.raises(CommandError, match="users nobody do not exist"):
        call_command("gql_channels_compare", old=old, new=new, messages=str(messages), stdout=StringIO())
    messages.write_text(json.dumps({"frame": {"action": "list"}, "user": None, "consumer": "other.Consumer"}) + "\n")
    with pytest.raises(CommandError, match="no message for"):
        call_command("gql_channels_compare", old=old, new=new, messages=str(messages), stdout=StringIO())
    with pytest.raises(CommandError, match="not a gql_channels ActionConsumer"):
        call_command("gql_channels_compare", old=old, new=old, messages=str(messages), stdout=StringIO())
    messages.write_text("not json\n")
    with pytest.raises(CommandError, match="not a JSON object"):
        call_command("gql_channels_compare", old=old, new=new, messages=str(messages), stdout=StringIO())


class GuardedArticleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = "__all__"


class GuardedList(generics.ListCreateAPIActionHandler):
    """The rfc contract's 403 row, which benchmarks/drf_app.py (no permission classes) never answers.

    rest_framework_channels' own class: DRF's, wrapped by it, saw every client as anonymous (a to-do says so).
    """

    serializer_class = GuardedArticleSerializer
    queryset = Article.objects.all()
    pagination_class = ArticlePagination
    permission_classes = [IsAuthenticated]


class GuardedConsumer(AsyncAPIConsumer):
    routepatterns = [path("articles/", GuardedList.as_aaah())]


def test_permission_rows_of_the_rfc_contract(seeded: Path, tmp_path: Path) -> None:
    migrate(tmp_path, "migrated_guarded", f"{__name__}.GuardedConsumer")
    import_package(tmp_path, "migrated_guarded")
    messages = tmp_path / "messages.jsonl"
    frames = [{"action": "list", "route": "articles/"}, {"action": "create", "route": "articles/", "data": {"title": "t", "content": "c"}},
              {"action": "create", "route": "articles/", "data": {}}]
    messages.write_text("".join(json.dumps({"frame": f, "user": u}) + "\n" for f in frames for u in (None, "writer")))
    output, error = compare(f"{__name__}.GuardedConsumer", "migrated_guarded.consumers.GuardedConsumer", messages)
    assert error is None, output
    assert table(output)[("articles/", "create")] == [4, 4, 0, 0] and table(output)[("articles/", "list")] == [2, 2, 0, 0]
    assert output.count("You do not have permission") == 0  # agreed: no diff printed
    assert "permission_classes=[IsAuthenticated]" in (tmp_path / "migrated_guarded" / "consumers.py").read_text()


class PrivateTags(RetrieveModelMixin, GenericAsyncAPIConsumer):
    """DRF's IsAuthenticated under DCRF: also asked at the handshake, which it refused to anonymous clients."""

    queryset = Tag.objects.all()
    serializer_class = TagSerializer
    permission_classes = [DRFIsAuthenticated]


def test_a_refused_handshake_is_a_difference_not_a_death(seeded: Path, tmp_path: Path) -> None:
    migrate(tmp_path, "migrated_private", f"{__name__}.PrivateTags")
    import_package(tmp_path, "migrated_private")
    messages = tmp_path / "messages.jsonl"
    frame = {"action": "retrieve", "pk": "news", "request_id": 1}
    messages.write_text("".join(json.dumps({"frame": frame, "user": user}) + "\n" for user in (None, "writer")))
    output, error = compare(f"{__name__}.PrivateTags", "migrated_private.consumers.PrivateTags", messages)
    assert error is not None and "1 of 2 messages" in str(error)
    assert "<the handshake was refused>" in output and "line 1 (user anonymous)" in output
