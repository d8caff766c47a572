"""Deterministic legacy traffic for the migration tests: every action and every error row of both contracts.

``rfc_traffic()`` is what clients of ``benchmarks/drf_app.py`` (rest_framework_channels) send;
``dcrf_traffic(name)`` what clients of each ``tests.dcrf_app`` consumer send. Each is a list of
``(frame, username)``: a frame is a JSON object, or raw text / bytes for the frames that are none.
``record()`` sends them through ``RecordingMiddleware`` in front of the old consumer, so the
messages the comparison replays are the recorder's own output.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection

from example_project.demo.models import Article
from gql_channels.migration.replay import Recorded, Replayer, as_in_production
from gql_channels.recording import RecordingMiddleware
from tests.dcrf_app.models import Author, Book, Tag

Frame = Any  # a JSON object, or str / bytes sent as they are
USERS = ("reader", "writer")

#: Frames that are no JSON object, sent to every consumer (the contracts' Fixed rows).
BAD_FRAMES: list[Frame] = [
    "not json", "{", "[1, 2]", '"a string"', "42", "null", "", "   ", '{"action": "list"', b"\x00binary",
    '{"a": NaN}', "[]",
]
REQUEST_IDS = [1, "abc", [1, "x"], {"k": 2}, None, 2.5, True, ""]


def seed() -> None:
    """The database both apps are replayed against: articles, users, and the DCRF app's library.

    Keys are given, and the sequences set after them: the traffic names objects by key, and on
    PostgreSQL earlier tests' rolled-back rows have used sequence values up.
    """
    Article.objects.bulk_create(Article(id=i, title=f"Title{i}", content=f"Content{i}") for i in range(1, 36))
    for name in USERS:
        get_user_model().objects.create_user(name, password="pw")
    authors = [Author.objects.create(id=i, name=name) for i, name in enumerate(("Le Guin", "Borges", "Calvino"), 1)]
    tags = [Tag.objects.create(code=code, label=label) for code, label in
            (("classic", "Classic"), ("fiction", "Fiction"), ("news", "News"), ("poetry", "Poetry"), ("sf", "SF"))]
    for i in range(1, 12):
        book = Book.objects.create(id=i, title=f"Book {i}", pages=i * 10, published=i % 3 == 0, author=authors[i % 3])
        book.tags.set(tags[i % 5: i % 5 + i % 3])
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Article, Author, Book]):
            cursor.execute(statement)


def record(consumer: type, traffic: list[tuple[Frame, str | None]], path: Path) -> RecordingMiddleware:
    """Send ``traffic`` through the recorder in front of ``consumer`` (each message rolled back); return it."""
    recorder = RecordingMiddleware(consumer.as_asgi(), path=path)
    messages = [Recorded(i, _text(frame), user) for i, (frame, user) in enumerate(traffic, 1)]
    with as_in_production(consumer), Replayer() as replayer:
        replayer.load_users(USERS)
        replayer.run([(recorder, message, lambda reply: False) for message in messages])
    recorder.close()
    return recorder


def _text(frame: Frame) -> str | bytes:
    return frame if isinstance(frame, str | bytes) else json.dumps(frame)


def _users(frames: list[Frame], users: tuple[str | None, ...] = (None, "reader")) -> list[tuple[Frame, str | None]]:
    """Each frame once per user, alternating which user goes first so both see every kind of frame."""
    return [(frame, users[(i + j) % len(users)]) for i, frame in enumerate(frames) for j in range(len(users))]


# --- rest_framework_channels: benchmarks/drf_app.py ----------------------------------------------------


def rfc_traffic() -> list[tuple[Frame, str | None]]:
    lists = [{"action": "list", "route": route} for route in _rfc_list_routes()]
    retrieves = [{"action": "retrieve", "route": f"test_child_route/{pk}/"} for pk in
                 [*range(1, 37), 999, 0, "abc", "-1", "1.5", "%31", "0031", "2147483648"]]
    retrieves += [{"action": "retrieve", "route": route} for route in
                  ("test_child_route/3/x/", "test_child_route/3", "test_child_route/3/?a=1", "test_child_route/3/#top")]
    creates = [{"action": "create", "route": "articles/", "data": data} for data in _rfc_create_data()]
    creates += [
        {"action": "create", "route": "articles/"},
        {"action": "create", "route": "articles/", "data": None},
        {"action": "create", "route": "articles/?next=1", "data": {"title": "q", "content": "q"}},
        {"action": "create", "route": "articles/more", "data": {"title": "q", "content": "q"}},
        {"action": "create", "route": "articles/", "data": {"title": "x", "content": "y"}, "self": 1},
        {"action": "create", "route": "articles/", "data": {"title": "x", "content": "y"}, "partial": True},
    ]
    refused = [
        {"action": action, "route": route, "data": {"title": "t"}}
        for action, route in itertools.product(
            ("update", "partial_update", "destroy", "list", "create", "publish", "subscribe"),
            ("test_child_route/3/", "articles/"),
        )
    ]
    refused += [{"action": "retrieve", "route": route} for route in ("articles/", "test_child_route/", "nope/", "", "?page=2")]
    envelopes = [
        {"route": "test_child_route/"}, {}, {"action": 5, "route": "articles/"}, {"action": None, "route": "x"},
        {"action": ["list"], "route": "test_child_route/"}, {"action": "list", "route": 5},
        {"action": "list", "route": None}, {"action": "list", "route": {"a": 1}}, {"action": "list"},
        *({"action": "retrieve", "route": "test_child_route/2/", "request_id": rid} for rid in REQUEST_IDS),
        {"action": "list", "route": "test_child_route/?page=2", "extra": [1, 2], "pk": 4},
        {"action": "retrieve", "route": "test_child_route/2/", "pk": 4},
    ]
    frames = [*lists, *retrieves, *creates, *refused, *envelopes, *BAD_FRAMES]
    return _users(frames, (None, *USERS))


def _rfc_list_routes() -> list[str]:
    pages = ["", "1", "2", "3", "4", "5", "last", "0", "-1", "abc", "4.5", "4.0", "%34", "99", " 2"]
    routes = ["test_child_route/", *(f"test_child_route/?page={page}" for page in pages)]
    sizes = ["5", "0", "-3", "x", "200", "", "35", "7"]
    routes += [f"test_child_route/?page_size={size}" for size in sizes]
    routes += [f"test_child_route/?page=2&page_size={size}" for size in sizes]
    routes += [
        "test_child_route/?zeta=1&page=3&alpha=2", "test_child_route/?page=2&page=3", "test_child_route/?page=3&page=2",
        "test_child_route/?foo=bar&page=2", "test_child_route/?a%20b=%C3%A9t%C3%A9&page=2", "test_child_route/?page=2#frag",
        "test_child_route/?été=1&page=2", "test_child_route/?empty=&page=2", "test_child_route/?page=last&page_size=10",
        "test_child_route/?page_size=3&page=12", "test_child_route/?page_size=3&page=13", "test_child_route",
        "test_child_route/extra/?page=2", "test_child_route/?",
    ]
    return routes


def _rfc_create_data() -> list[Any]:
    return [
        {"title": "New", "content": "Body"}, {"title": "New", "content": "Body", "id": 7, "unknown": 1},
        {"title": " padded ", "content": "x"}, {"title": 123, "content": 4.5}, {"title": True, "content": "x"},
        {"title": "", "content": "x"}, {"title": "x"}, {"content": "x"}, {}, {"title": None, "content": "x"},
        {"title": "x" * 256, "content": "x"}, {"title": "x" * 255, "content": "x"}, {"title": ["a"], "content": "x"},
        {"title": {"a": 1}, "content": "x"}, {"title": "  ", "content": "x"}, {"title": "é☃", "content": "ü"},
        {"title": "x", "content": ""}, [1, 2], "text", 5, True,
    ]


# --- djangochannelsrestframework: tests/dcrf_app -----------------------------------------------------


def dcrf_traffic(consumer: str) -> list[tuple[Frame, str | None]]:
    """Every action and error row for ``consumer``, but for the known gaps (``dcrf_known_gaps``)."""
    return [(frame, user) for frame, user in _dcrf_all(consumer) if _gap(consumer, frame, user) is None]


def dcrf_known_gaps(consumer: str) -> list[tuple[Frame, str | None, str]]:
    """The messages where gql_channels answers otherwise than DCRF 1.3.0 did, with no contract row saying so."""
    found = [(frame, user, _gap(consumer, frame, user)) for frame, user in _dcrf_all(consumer)]
    return [(frame, user, gap) for frame, user, gap in found if gap is not None]


#: The actions each consumer serves, as its clients name them.
_SERVED = {
    "BookConsumer": {"list", "retrieve", "create", "update", "patch", "delete", "publish"},
    "StreamedBookConsumer": {"list", "list_cancel"},
}
#: Consumers whose permission classes refuse anonymous writes.
_GUARDED = {"BookConsumer", "StreamedBookConsumer"}


def _gap(consumer: str, frame: Frame, user: str | None) -> str | None:
    if not isinstance(frame, dict):
        return None
    action, data = frame.get("action"), frame.get("data")
    if consumer in _GUARDED and user is None and isinstance(action, str | int | type(None)) and "action" in frame:
        if action not in _SERVED[consumer] and not (consumer == "BookConsumer" and action in ("list", "retrieve")):
            return "permission order: DCRF checked permission_classes before the action existed (403), gql_channels 405"
    if isinstance(data, dict) and data.get("pages") == 2**31:
        return "GraphQL Int is 32-bit: 2**31 pages is refused; DRF on SQLite took it (on PostgreSQL DRF refuses it too)"
    if consumer == "TagConsumer" and action == "create" and isinstance(data, dict):
        if data.get("code") == "news":
            return "unique: DRF says 'tag with this code already exists.', Django's full_clean 'Tag with this Code already exists.'"
        if data.get("code") == "a b":
            return "slug: DRF writes \"slug\" with straight quotes, Django's validate_slug with curly ones"
    return None


def _dcrf_all(consumer: str) -> list[tuple[Frame, str | None]]:
    frames = {
        "BookConsumer": _books, "TagConsumer": _tags, "StreamedBookConsumer": _streamed, "AuthorConsumer": _authors,
    }[consumer]()
    common = [
        {"action": "nope", "request_id": 1}, {"request_id": 2}, {}, {"action": 5}, {"action": None, "request_id": 3},
        {"action": ["list"], "request_id": 4}, {"action": {"a": 1}}, {"action": "partial_update", "pk": 1, "data": {}},
        {"action": "destroy", "pk": 1}, {"action": "subscribe", "pk": 1, "request_id": 5},
        {"action": "list", "self": 1}, {"action": "list", "scope": {}}, {"action": "list", "queryset": 1},
        *({"action": "list", "request_id": rid} for rid in REQUEST_IDS), *BAD_FRAMES,
    ]
    # Where permissions decide, every frame from each kind of user; elsewhere anonymous and signed in.
    users = (None, "reader", "writer") if consumer in _GUARDED else (None, "writer")
    return _users([*frames, *common], users)


def _keys(action: str, keys: list[Any], **extra: Any) -> list[dict[str, Any]]:
    return [{"action": action, "pk": key, "request_id": i, **extra} for i, key in enumerate(keys)]


#: Keys that can be no object's: missing, wrong type, out of range; DCRF's int() truncation (2.7, true).
_BAD_INT_KEYS = [999, -1, "abc", None, [1], 2**64, 2.7, True, "", {"a": 1}]


def _books() -> list[Frame]:
    good = {"title": "Dune", "pages": 412, "author": 1, "tags": ["sf", "classic"]}
    data = [
        good, {**good, "tags": []}, {**good, "published": True, "id": 99}, {**good, "pages": "12"}, {**good, "pages": 12.0},
        {"title": "Dune", "author": 1}, {"pages": 5, "author": 1}, {"title": "Dune", "pages": 5}, {},
        {**good, "author": 999}, {**good, "author": "abc"}, {**good, "author": 2.5}, {**good, "author": None},
        {**good, "tags": "sf"}, {**good, "tags": ["zzz"]}, {**good, "tags": [None]}, {**good, "tags": ["sf", "sf"]},
        {**good, "title": "x" * 101}, {**good, "title": ""}, {**good, "title": 123}, {**good, "pages": -1},
        {**good, "pages": 12.5}, {**good, "pages": "abc"}, {**good, "pages": None}, {**good, "pages": 2**31},
        {"title": "", "pages": "x", "author": 999, "tags": ["zzz"]}, [1], "text", None,
    ]
    frames: list[Frame] = [{"action": "list", "request_id": 1}, {"action": "list", "limit": 2, "offset": 1}]
    frames += _keys("retrieve", [1, 2, 5, 11, "3", 3.0, *_BAD_INT_KEYS])
    frames += [{"action": "retrieve"}, {"action": "retrieve", "pk": 1, "data": {"x": 1}}]
    frames += [{"action": "create", "data": d, "request_id": 7} for d in data]
    frames += [{"action": "create"}, {"action": "create", "data": good, "pk": 3}]
    frames += [{"action": "update", "pk": 2, "data": d} for d in data[:12]]
    frames += [{"action": "update", "pk": 2, "data": {"title": "Only"}, "partial": True}]
    frames += _keys("update", [999, "abc", 2.7, True], data=good) + [{"action": "update", "data": good}]
    frames += [{"action": "update", "pk": 999, "data": {"title": ""}}, {"action": "update", "pk": 2}]
    frames += [{"action": "patch", "pk": 3, "data": d} for d in ({"title": "Patched"}, {}, {"pages": "7"},
               {"tags": ["news"]}, {"author": 3}, {"title": ""}, {"author": 999}, [1], None)]
    frames += _keys("patch", [999, None, True], data={"title": "p"}) + [{"action": "patch", "pk": 3}]
    frames += _keys("delete", [4, "5", 999, "abc", None, 2.7, True]) + [{"action": "delete"}]
    frames += _keys("publish", [1, 6, "2", 999, "abc"]) + [{"action": "publish"}, {"action": "publish", "pk": None}]
    return frames


def _tags() -> list[Frame]:
    frames: list[Frame] = [{"action": "list", "request_id": 1}]
    values = [1, 2, 3, 5, 6, 0, -1, "3", "abc", "7.5", 7.9, True, None, [1], 2.5, 100, "", 2**40]
    frames += [{"action": "list", "limit": v} for v in values] + [{"action": "list", "offset": v} for v in values]
    frames += [{"action": "list", "limit": 2, "offset": o} for o in (0, 1, 2, 3, 4, 5, 6)]
    frames += [{"action": "list", "data": {"limit": 1, "offset": 2}}]
    frames += _keys("retrieve", ["news", "sf", "zzz", "NEWS", 5, None, True, [1], "", " news"]) + [{"action": "retrieve"}]
    data = [
        {"code": "drama", "label": "Drama"}, {"code": "news", "label": "Again"}, {"code": "a b", "label": "x"},
        {"code": "x" * 21, "label": "x"}, {"label": "x"}, {"code": "ok"}, {"code": "", "label": ""},
        {"code": 42, "label": 7}, {"code": "ok", "label": "x" * 51}, [1], "text", None, {},
    ]
    frames += [{"action": "create", "data": d} for d in data] + [{"action": "create"}]
    frames += [{"action": "update", "pk": "news", "data": d} for d in
               ({"code": "news", "label": "Renamed"}, {"label": "Only"}, {"code": "news", "label": ""}, {})]
    frames += [{"action": "update", "pk": "zzz", "data": {"code": "zzz", "label": "x"}}]
    frames += [{"action": "patch", "pk": "poetry", "data": d} for d in ({"label": "Verse"}, {}, {"label": ""}, [1])]
    frames += _keys("patch", ["zzz", None], data={"label": "x"})
    frames += _keys("delete", ["sf", "zzz", None, 5]) + [{"action": "delete"}]
    return frames


def _streamed() -> list[Frame]:
    frames: list[Frame] = [{"action": "list", "request_id": 1}]
    values = [1, 2, 3, 10, 11, 0, -1, "4", "abc", 7.9, True, None, [1], 100]
    frames += [{"action": "list", "limit": v, "request_id": 2} for v in values]
    frames += [{"action": "list", "offset": v, "request_id": 3} for v in (0, 1, 5, 10, 11, 50, -1, "2", 2.5, None)]
    frames += [{"action": "list", "limit": 4, "offset": o} for o in (0, 3, 8, 9, 12)]
    frames += [{"action": "list_cancel", "request_id": 2}, {"action": "retrieve", "pk": 1}]
    return frames


def _authors() -> list[Frame]:
    frames: list[Frame] = [{"action": "list", "request_id": 1}, {"action": "list", "limit": 1}]
    frames += _keys("retrieve", [1, 2, 3, "2", *_BAD_INT_KEYS]) + [{"action": "retrieve"}]
    frames += [{"action": "create", "data": d} for d in
               ({"name": "Ursula"}, {"name": ""}, {"name": "x" * 101}, {}, {"name": None}, [1], None, {"name": 5})]
    frames += [{"action": "create"}]
    frames += _keys("subscribe_instance", [1, 2, 999, "abc", 2.7, True])
    frames += [{"action": "subscribe_instance", "pk": 1}, {"action": "subscribe_instance", "pk": 1, "request_id": None},
               {"action": "subscribe_instance", "request_id": 9}]
    frames += [{"action": "subscribe_instance", "pk": 2, "request_id": rid} for rid in ("s", [1], {"a": 1}, 0)]
    frames += _keys("unsubscribe_instance", [1, 3, 999, None]) + [{"action": "unsubscribe_instance", "pk": 2}]
    frames += [{"action": "update", "pk": 1, "data": {"name": "x"}}, {"action": "delete", "pk": 1}]
    return frames
