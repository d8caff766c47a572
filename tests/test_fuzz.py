"""Fuzzing the example consumer with Hypothesis, frame by frame, through a Channels communicator.

Every generated frame (random JSON, wrong types in every key, huge and deeply nested payloads,
unicode and control characters, lone surrogates, binary, random routes, query strings, filters and
write data) must be answered with exactly one well-formed envelope (contract sections 1, 3 and 7):

- a strict JSON object with the keys ``errors``, ``data``, ``action``, ``route``, ``status`` (then
  ``request_id`` when the message had one), echoing ``action``, ``route`` and ``request_id`` as sent;
- a known status, never 500 (nor 503: the database is up), never a traceback, never GraphQL's own
  error text (``Variable "$..." got invalid value``...), errors in the contract's shapes;
- a success shaped like the route's resource (page, cursor page, plain list, object, ``null``), whose
  ``next``/``previous`` links are answered 200 when followed;
- no row changed by a message answered with an error, nor by any read; a 201 ``create`` made the
  row it returned, a 204 ``destroy`` removed its row;
- nothing logged as an error by gql_channels, nothing unraisable, no channel-layer group left behind
  by a closed connection, usage counts that can be written and hold no client free text;
- and every 50 frames the connection still answers a known-good request, with nothing else pending,
  before it is replaced by a new one.

Each Hypothesis example is one frame (Hypothesis does not repeat itself, so the frames stay varied);
the connections live on an event loop of their own, across examples. The default run sends
``GQL_CHANNELS_FUZZ_FRAMES`` (10,000) frames: 40% anonymously (with ``subscribe``), 40% as a user
holding the book permissions and 20% as a staff user without them (writes attempted everywhere, no
subscriptions there: no model event is ever pushed unasked). Frames known to have been answered
badly are sent first, every run. A longer hunt: ``GQL_CHANNELS_FUZZ_FRAMES=200000 pytest
tests/test_fuzz.py`` (``GQL_CHANNELS_FUZZ_DUMP=frames.jsonl`` keeps every frame and reply).

Violations are collected, not raised, so one run lists every kind of failure (the shortest frame of
each kind, with its reply) instead of stopping at the first; generation is derandomized (no example
database), so CI sees the same frames on every run.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import json
import logging
import math
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import parse_qs, quote, quote_plus

import pytest
from asgiref.sync import sync_to_async
from channels.auth import AuthMiddlewareStack
from channels.layers import get_channel_layer
from django.test import Client
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from example_project.consumers import LegacyConsumer
from example_project.demo.models import Article, Author, Book, Tag
from gql_channels import usage
from gql_channels.models import RouteUsage
from gql_channels.testing import ActionCommunicator

# Fresh sequences: the seeded rows have the pks the generated data names (authors 1-2, tags 1-3, books 1-3).
pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)

#: Generated frames of the whole run; raise it for a longer hunt (the run scales linearly).
TOTAL_FRAMES = int(os.environ.get("GQL_CHANNELS_FUZZ_FRAMES", "10000"))
#: A file to append every frame and its reply to (JSON lines), to see what a run sent.
DUMP = os.environ.get("GQL_CHANNELS_FUZZ_DUMP")
#: Frames sent on one connection before it is checked and replaced.
BATCH = 50
#: Who is connected, and the share of the frames each kind of connection is sent.
SHARES = {"anonymous": 0.4, "editor": 0.4, "staff": 0.2}
#: Statuses a legacy reply may carry. Never 500 (every failure is the client's or a service's)
#: and never 503 here: the database is up during the run.
STATUSES = {200, 201, 204, 400, 401, 403, 404, 405, 429}
REPLY_KEYS = ["errors", "data", "action", "route", "status"]
DENIED = "You do not have permission to perform this action."
#: Seconds to wait for one reply (huge frames included) before the connection counts as hung.
REPLY_TIMEOUT = 30

# --------------------------------------------------------------------------------------------
# The example's routes, as a client knows them
# --------------------------------------------------------------------------------------------

ACTIONS = ["list", "retrieve", "create", "update", "partial_update", "destroy", "subscribe", "unsubscribe", "publish"]
WRITES = {"create", "update", "partial_update", "destroy", "publish"}
SUCCESS = {
    "list": 200, "retrieve": 200, "create": 201, "update": 200, "partial_update": 200,
    "destroy": 204, "publish": 200, "subscribe": 201, "unsubscribe": 204,
}


@dataclass(frozen=True)
class Route:
    template: str
    regex: re.Pattern[str]
    resource: str
    detail: bool
    #: How ``list`` answers: "page" / "offset" ({count, next, previous, results}), "cursor", "plain" (an array).
    paging: str | None
    actions: tuple[str, ...]


def _route(template: str, resource: str, paging: str | None, actions: str, pk: str = "[^/]+") -> Route:
    regex = re.escape(template).replace(re.escape("{pk}"), f"(?P<pk>{pk})")
    return Route(template, re.compile(regex), resource, "{pk}" in template, paging, tuple(actions.split()))


LIST, DETAIL = "list create", "retrieve update partial_update destroy"
BOOK_LIVE = "publish subscribe unsubscribe"
ROUTES = [
    _route("test_child_route/", "article", "page", LIST),
    _route("test_child_route/{pk}/", "article", None, DETAIL, pk=r"[-\w]+"),
    _route("articles/", "article", "page", LIST),
    _route("articles/{pk}/", "article", None, DETAIL),
    _route("books/", "book", "page", f"{LIST} {BOOK_LIVE}"),
    _route("books/{pk}/", "book", None, f"{DETAIL} {BOOK_LIVE}"),
    _route("authors/", "author", "plain", LIST),
    _route("authors/{pk}/", "author", None, DETAIL),
    _route("tags/", "tag", "plain", "list"),
    _route("offset/articles/", "article", "offset", "list"),
    _route("cursor/articles/", "article", "cursor", "list"),
    _route("connection/articles/", "article", "page", "list"),
]
SERVED = [(route.template, action) for route in ROUTES for action in route.actions]
#: How each resource renders an object (``ModelSerializer(fields="__all__")``).
ITEM_KEYS = {
    "article": ["id", "title", "content"],
    "book": ["id", "title", "pages", "published", "created_at", "author", "tags"],
    "author": ["id", "name"],
    "tag": ["id", "name"],
}
#: What a 400 may name besides what the client sent: a required field, a custom action's variable.
MODEL_FIELDS = {key for keys in ITEM_KEYS.values() for key in keys} | {"pk"}
#: The largest page any paginator of the example serves.
LARGEST_PAGE = {"page": 100, "offset": 50, "cursor": 100}


def resolve(route: str) -> tuple[Route, str, str, dict[str, str]] | None:
    """The example route ``route`` names: (route, path part, query string, kwargs), or ``None``."""
    path, _, query = route.partition("#")[0].partition("?")
    for candidate in ROUTES:
        if match := candidate.regex.fullmatch(path):
            return candidate, path, query, match.groupdict()
    return None


# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------

BIG_INTS = [
    0, -1, 1, 2, 10, 11, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**32, 2**53, 2**53 + 1,
    2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**18, 10**20, 10**30, -(10**30), 10**300,
]
SPECIAL_TEXT = [
    "\x00", "\x01", "\x08", "\x1b", "\x1f", "\x7f", "\u0085", "\u00a0", "\u2028", "\u2029", "\u202e", "\u200b",
    "\ufeff", "\ufffd", "\uffff", "\U0010ffff", "\ud800", "\udbff", "\udc00", "\udfff", "é", "ß", "İ", "ﬃ",
    "😀", "👩‍👩‍👧", "ｔｉｔｌｅ", "９", "٣", "%", "%00", "%ZZ", "%ED%A0%80", "%C3%A9", "%FF", "+", "&", "=", "?",
    "#", "/", "\\", '"', "'", "`", "{", "}", "$", "(", ")", "[", "]", "*", ".", ",", ";", ":", "|", "~",
    " ", "\t", "\n", "\r", "NULL", "None", "null", "true", "-", "__", "..", "<script>", "' OR 1=1 --",
    '"){ __schema { types { name } } }', "$x", "# c", "%s", "{0}", "${pk}", "\\u0000",
]
#: Every code point: controls, private use, unassigned, lone surrogates (sent as JSON escapes).
CHARACTERS = st.one_of(
    st.characters(exclude_categories=()),
    st.characters(categories=["Cs"]),
    st.characters(max_codepoint=0x7F),
    st.sampled_from(SPECIAL_TEXT),
)
_ascii = st.text(st.characters(max_codepoint=0x7F), max_size=10)
_any = st.text(st.characters(exclude_categories=()), max_size=10)
_surrogates = st.text(st.characters(categories=["Cs"]), max_size=2)
#: Text of every kind of character above (whole strings are one choice each: fast to draw).
texts = st.one_of(
    _ascii,
    _any,
    st.sampled_from(SPECIAL_TEXT),
    st.tuples(_ascii, st.sampled_from(SPECIAL_TEXT), _surrogates, _any).map("".join),
)
printable = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=30),
    st.sampled_from(["é", "😀 x", "a\u2028b"]),
)
#: Values that look like numbers, or almost.
NUMBERISH = [
    "", "last", "LAST", "4.5", "4.0", "12.0", "1e3", "1E400", "nan", "NaN", "inf", "-inf", "-0", "+3", "0x10",
    "1_000", "０", "٣", "１２", " 5", "5 ", "5abc", "01", "true", "false", "yes", "no", "on", "null", "None",
    "[]", "{}", "9" * 40, "-" + "9" * 40, "9" * 5000,
]
integers = st.one_of(st.integers(-5, 400), st.sampled_from(BIG_INTS), st.integers())
int_texts = st.one_of(st.integers(-3, 30).map(str), st.sampled_from(BIG_INTS).map(str), st.sampled_from(NUMBERISH))
floats = st.floats(allow_nan=False, allow_infinity=False)
json_leaves = st.one_of(st.none(), st.booleans(), integers, floats, texts)
json_values = st.recursive(
    json_leaves,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(texts, children, max_size=4)),
    max_leaves=12,
)

# Dates and times, edges first: year 1 and 9999, offsets that push them out of range, bad calendars.
years = st.one_of(st.integers(-10, 10_010), st.sampled_from([0, 1, 9999, 10_000, 99_999]))
dates = st.one_of(
    st.dates().map(str),
    st.tuples(years, st.integers(-1, 14), st.integers(-1, 33)).map(lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}"),
    st.sampled_from(["0001-01-01", "9999-12-31", "2026-02-29", "2024-02-29", "10000-01-01", "0000-00-00",
                     "2026-1-1", "20260101", "2026-W01", "2026-001", "-0001-01-01"]),
)
times = st.one_of(
    st.times().map(str),
    st.sampled_from(["00:00", "23:59:59.999999", "24:00", "25:00", "23:59:60", "12:00:00+05:00", "1:2",
                     "00:00:00.0000001", "T12:00", "12"]),
)
offsets = st.sampled_from(["", "", "Z", "+00:00", "-01:00", "+14:00", "-12:00", "-23:59", "+23:59", "+99:00", "+0530"])
datetimes = st.one_of(
    st.tuples(dates, st.sampled_from(["T", " ", "t"]), times, offsets).map("".join),
    st.sampled_from(["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59.999999",
                     "0001-01-01T00:00:00", "2026-01-01T00:00:00Z"]),
    st.datetimes().map(lambda d: d.isoformat()),
    dates,
)
booleans = st.sampled_from(["true", "false", "True", "1", "0", "yes", "no", "maybe", "", "2", "null", "on", "off"])
regexes = st.one_of(
    st.sampled_from(["(", ")", "[", "*", "+", "?", "\\", ".*", "^T", "e$", "(?P<x>", "(?i)t", "a{99999999999}",
                     "(a+)+$", "[[:alpha:]]", "\\p{L}", "(?<=a)b", "\\1", "[z-a]", "\x00"]),
    texts,
)
word_values = st.one_of(st.sampled_from(["Earthsea", "Title1", "sea", "e", "", " ", "%", "_", "\\", "'"]), texts)
TRANSFORMS = ["year", "iso_year", "month", "day", "week", "week_day", "iso_week_day", "quarter", "hour", "minute", "second"]
COMPARE = ["", "__exact", "__gt", "__gte", "__lt", "__lte", "__in", "__range", "__isnull"]
#: The book list's filter parameters (``BookFilter(lookups=True)``), by the kind of value each reads.
FILTERS: dict[str, list[str]] = {
    "int": [f"pages{c}" for c in COMPARE] + ["id", "id__exact", "id__in", "id__isnull"]
    + [f"created_at__{t}{c}" for t in TRANSFORMS for c in COMPARE],
    "pk": ["author", "author__exact", "author__in", "tags", "tags__exact", "tags__in"],
    "bool": ["published", "published__exact", "published__in", "published__isnull"],
    "text": [f"title{c}" for c in ["", "__exact", "__iexact", "__contains", "__icontains", "__startswith",
             "__istartswith", "__endswith", "__iendswith", "__in", "__isnull", "__range", "__gt"]],
    "regex": ["title__regex", "title__iregex"],
    "datetime": [f"created_at{c}" for c in COMPARE],
    "date": [f"created_at__date{c}" for c in COMPARE],
    "time": [f"created_at__time{c}" for c in COMPARE],
    # Not filters of the list: ignored, yet kept in the links.
    "other": ["foo", "search", "format", "AND", "OR", "NOT", "DISTINCT", "filters", "__typename", "title__search",
              "author__name", "tags__name", "pk", "content", "name"],
}
KIND_VALUES = {
    "int": st.one_of(
        st.integers(-3, 60).map(str), st.integers(-20_000, 20_000).map(str), st.sampled_from(BIG_INTS).map(str), int_texts
    ),
    "pk": st.one_of(st.integers(-2, 8).map(str), int_texts),
    "bool": booleans,
    "text": word_values,
    "regex": regexes,
    "datetime": datetimes,
    "date": dates,
    "time": times,
    "other": texts,
}


#: Per kind: a value of that kind mostly, any text sometimes; lists of them for ``__in``/``__range``.
_KIND = {kind: st.one_of(*[values] * 6, texts) for kind, values in KIND_VALUES.items()}
_KIND_LISTS = {
    (kind, n): st.lists(values, min_size=n, max_size=n).map(",".join) for kind, values in _KIND.items() for n in range(6)
}
_FILTER_KEYS = [(kind, key) for kind, keys in FILTERS.items() for key in keys]


@st.composite
def filter_pairs(draw: Any) -> tuple[str, str]:
    """One filter parameter of the book list, with a value of its kind (or not)."""
    kind = draw(st.sampled_from(list(FILTERS)))  # kinds first: the many date transforms do not crowd the rest out
    key = draw(st.sampled_from(FILTERS[kind]))
    if key.endswith("__isnull"):
        return key, draw(booleans)
    if key.endswith("__range"):
        return key, draw(_KIND_LISTS[kind, draw(_RANGE_SIZES)])
    if key.endswith("__in"):
        return key, draw(_KIND_LISTS[kind, draw(_IN_SIZES)])
    return key, draw(_KIND[kind])


_RANGE_SIZES = st.sampled_from([2, 2, 2, 0, 1, 3, 5])
_IN_SIZES = st.integers(0, 5)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _b64(raw: bytes | str) -> str:
    return base64.b64encode(_utf8(raw) if isinstance(raw, str) else raw).decode()


cursors = st.one_of(
    # The example's cursors: "a" (after) or "b" (before) + strawberry-django's "orderedcursor:<json keys>".
    st.tuples(
        st.sampled_from(["a", "b", "", "c", "aa"]),
        st.sampled_from(["orderedcursor", "arrayconnection", "connection", "", "ArticleNode"]),
        st.one_of(json_values.map(json.dumps), int_texts, texts),
    ).map(lambda t: _b64(t[0] + _b64(f"{t[1]}:{t[2]}"))),
    st.sampled_from(["YXJyYXljb25uZWN0aW9uOjA=", "YXJyYXljb25uZWN0aW9uOi0x", "=", "%3D", "YQ==", "Yg=="]),
    st.binary(max_size=40).map(_b64),
    texts.map(_b64),
    texts,
)
orderings = st.lists(
    st.sampled_from(["title", "-title", "id", "-id", "pages", "-pages", "published", "created_at", "-created_at",
                     "author", "pk", "", "-", "--title", "title ", "TITLE", "?"]) | texts,
    max_size=4,
).map(",".join)
PAGING = {
    "page": st.one_of(int_texts, st.sampled_from(["1", "2", "3", "10", "11", "last"])),
    "page_size": int_texts,
    "limit": int_texts,
    "offset": int_texts,
    "cursor": cursors,
    "ordering": orderings,
}
paging_pairs = st.sampled_from(list(PAGING)).flatmap(lambda key: st.tuples(st.just(key), PAGING[key]))
any_pairs = st.tuples(st.one_of(st.sampled_from([*PAGING, *FILTERS["text"]]), texts), st.one_of(int_texts, texts, cursors))


def _encode_query(pairs: list[tuple[str, str]], style: str) -> str:
    if style == "raw":  # as typed, nothing escaped: stray &, =, %, surrogates and all
        return "&".join(f"{key}={value}" for key, value in pairs)
    if style == "bare":
        return "&".join(key for key, _ in pairs)
    escape = quote_plus if style == "plus" else (lambda b: quote(b, safe=""))
    return "&".join(f"{escape(_utf8(key))}={escape(_utf8(value))}" for key, value in pairs)


query_styles = st.sampled_from(["quote", "quote", "plus", "raw", "raw", "bare"])
pks = st.one_of(
    st.integers(1, 120).map(str),
    st.integers(-3, 320).map(str),
    st.sampled_from(BIG_INTS).map(str),
    st.sampled_from([
        "0", "-1", "abc", "1.5", "1.0", "1e3", "01", "+1", "99999999999999999999", "9" * 400, "１", "٣", " 1",
        "1 ", "%31", "${pk}", '")', "__schema", "null", "true", "-", "_", "1-2", "0x1",
    ]),
    texts.filter(lambda t: "/" not in t and t),
)


def _mangle(path: str, how: int) -> str:
    mangled = [path, path.upper(), "/" + path, path.rstrip("/"), path + "/", path.replace("/", "//"), " " + path]
    return [*mangled, path + "\n"][how]


paths = st.one_of(
    st.tuples(st.sampled_from([r.template for r in ROUTES] + [""]), pks, st.sampled_from([0] * 12 + list(range(8)))).map(
        lambda t: _mangle(t[0].format(pk=t[1]), t[2])
    ),
    texts,
    st.lists(st.one_of(st.sampled_from(["books", "articles", "authors", "offset", "cursor", "tags", ".."]), texts), max_size=4)
    .map(lambda parts: "/".join(parts) + "/"),
)


_ROUTE_PAIRS = st.lists(st.one_of(paging_pairs, filter_pairs(), any_pairs), max_size=5)
_FRAGMENT = st.integers(0, 9)


@st.composite
def routes(draw: Any) -> str:
    route = draw(paths)
    pairs = draw(_ROUTE_PAIRS)
    if pairs or draw(st.booleans()):
        route += "?" + _encode_query(pairs, draw(query_styles))
    if draw(_FRAGMENT) == 0:
        route += "#" + draw(texts)
    return route


# Write data: valid objects, then the same with one or two fields of any type or at an edge.
related_pks = st.one_of(
    st.integers(1, 6), st.integers(1, 6).map(str), st.sampled_from(BIG_INTS), st.integers(),
    st.sampled_from(NUMBERISH + [" 1 ", "1.0", "٣", "１"]), floats, st.booleans(), st.none(), texts,
    st.lists(st.integers(1, 3), max_size=2), st.dictionaries(texts, st.integers(1, 3), max_size=2),
)
FIELD_VALUES = {
    "title": st.one_of(
        printable, texts, st.sampled_from(["", " ", "x" * 200, "x" * 201, "x" * 255, "x" * 256, "é" * 256]), json_leaves
    ),
    "content": st.one_of(printable, texts, json_leaves),
    "name": st.one_of(printable, texts, st.sampled_from(["x" * 100, "x" * 101]), json_leaves),
    "pages": st.one_of(st.integers(-2, 3000), st.sampled_from(BIG_INTS), int_texts, floats, json_leaves),
    "published": st.one_of(st.booleans(), booleans, st.sampled_from([0, 1, 2, 0.0, 1.0, 0.5]), json_leaves),
    "author": related_pks,
    "tags": st.one_of(st.lists(related_pks, max_size=4), related_pks),
    "pk": related_pks,
    "id": related_pks,
    "created_at": st.one_of(datetimes, json_leaves),
}
VALID = {
    "article": st.fixed_dictionaries({"title": printable, "content": printable}),
    "book": st.fixed_dictionaries(
        {"title": printable, "pages": st.integers(0, 2000), "author": st.integers(1, 3)},
        optional={"published": st.booleans(), "tags": st.lists(st.integers(1, 3), max_size=3)},
    ),
    "author": st.fixed_dictionaries({"name": printable}),
    "tag": st.fixed_dictionaries({"name": printable}),
}
_CHANGED_FIELDS = st.lists(st.sampled_from(list(FIELD_VALUES)), min_size=1, max_size=2)
_EXTRA_KEYS = st.dictionaries(texts, json_values, max_size=2)
_ANY_DATA_DICT = st.dictionaries(st.one_of(st.sampled_from(list(FIELD_VALUES)), texts), json_values, max_size=6)


@st.composite
def write_data(draw: Any, resource: str | None = None) -> Any:
    roll = draw(st.integers(0, 9))
    if roll < 7:
        data = dict(draw(VALID[resource] if resource else st.one_of(*VALID.values())))
        if roll >= 3:  # one or two fields replaced by anything
            for key in draw(_CHANGED_FIELDS):
                data[key] = draw(FIELD_VALUES[key])
        if not draw(_FRAGMENT):
            data.update(draw(_EXTRA_KEYS))
        return data
    if roll == 7:
        return draw(_ANY_DATA_DICT)
    return draw(json_values)


WRITE_DATA = {resource: write_data(resource) for resource in VALID} | {None: write_data()}
PUBLISH_DATA = st.one_of(st.fixed_dictionaries({}, optional={"pk": FIELD_VALUES["pk"]}), WRITE_DATA[None])
_TARGETS = st.sampled_from(["filtered books"] * 4 + ["list"] * 3 + ["served"] * 5 + ["anything"])
_LIST_ROUTES = st.sampled_from([r.template for r in ROUTES if r.paging])
_SERVED = st.sampled_from(SERVED)
_TEMPLATES = st.sampled_from([r.template for r in ROUTES])
_ACTIONS = st.sampled_from(ACTIONS)
_PAGING_PAIRS = st.lists(st.one_of(paging_pairs, any_pairs), max_size=4)
_BOOK_PAIRS = st.lists(st.one_of(filter_pairs(), filter_pairs(), filter_pairs(), paging_pairs), min_size=1, max_size=3)
_BOOK_ACTIONS = st.sampled_from(["list", "list", "list", "list", "subscribe"])
_PLAUSIBLE_STYLES = st.sampled_from(["quote", "quote", "plus", "raw"])
_REQUEST_ID = st.integers(0, 4)
_PARTIAL = st.one_of(st.booleans(), json_values)


@st.composite
def plausible_messages(draw: Any) -> dict[str, Any]:
    """A message a client could mean: a served action on a real route, with query parameters and data."""
    target = draw(_TARGETS)
    pairs: list[tuple[str, str]] = []
    if target == "filtered books":  # the richest surface: every filter lookup, on list and subscribe
        template, action = "books/", draw(_BOOK_ACTIONS)
        pairs = draw(_BOOK_PAIRS)
    elif target == "list":
        template, action = draw(_LIST_ROUTES), "list"
        pairs = draw(_PAGING_PAIRS)
    elif target == "served":
        template, action = draw(_SERVED)
    else:
        template, action = draw(_TEMPLATES), draw(_ACTIONS)
    route = template.format(pk=draw(pks))
    if pairs:
        route += "?" + _encode_query(pairs, draw(_PLAUSIBLE_STYLES))
    described = resolve(route)
    resource = described[0].resource if described and described[0].resource in VALID else None
    message: dict[str, Any] = {"action": action, "route": route}
    if action == "publish" and not template.endswith("{pk}/"):
        message["data"] = draw(PUBLISH_DATA)
    elif action in WRITES or not draw(_REQUEST_ID):
        message["data"] = draw(WRITE_DATA[resource])
    if draw(_REQUEST_ID) < 2:
        message["request_id"] = draw(json_values)
    if not draw(_FRAGMENT):
        message["partial"] = draw(_PARTIAL)
    return message


_CHAOTIC_ACTIONS = st.one_of(*[_ACTIONS] * 6, texts, json_values)
_ROUTES = routes()
_EXTRA_NAMES = st.sampled_from(["self", "pk", "kwargs", "__proto__", "type", "text", "bytes"])
_EXTRA = st.dictionaries(st.one_of(_EXTRA_NAMES, texts), json_values, max_size=3)
_ROLL = st.integers(0, 19)


@st.composite
def chaotic_messages(draw: Any) -> dict[str, Any]:
    """Any JSON object: every key sometimes missing or of a wrong type, random routes and actions."""
    message: dict[str, Any] = {}
    if not draw(_FRAGMENT):  # other keys first, sometimes
        message.update(draw(_EXTRA))
    if draw(_ROLL):
        message["action"] = draw(_CHAOTIC_ACTIONS)
    roll = draw(_ROLL)
    if roll:
        message["route"] = draw(_ROUTES) if roll > 1 else draw(json_values)
    if draw(st.booleans()):
        message["data"] = draw(WRITE_DATA[None])
    if draw(_REQUEST_ID) < 2:
        message["request_id"] = draw(json_values)
    if not draw(_FRAGMENT):
        message["partial"] = draw(json_values)
    if not draw(_FRAGMENT):
        message.update(draw(_EXTRA))
    return message


messages = st.one_of(plausible_messages(), plausible_messages(), plausible_messages(), chaotic_messages())


def _nest(depth: int, kind: str, leaf: Any) -> Any:
    for _ in range(depth):
        leaf = [leaf] if kind == "list" else {"a": leaf}
    return leaf


_DEPTH_KIND = st.sampled_from(["list", "dict"])
_DEEPEST = st.sampled_from([100, 1000, 5000, 100_000])
_DEEP_ROUTES = st.sampled_from(["articles/", "books/", "books/1/"])
_DEEP_KEYS = st.sampled_from(["data", "request_id", "route", "action", "extra"])
_DEPTHS = st.integers(1, 60)


@st.composite
def deep_frames(draw: Any) -> str:
    kind = draw(_DEPTH_KIND)
    if draw(_REQUEST_ID) == 0:  # deeper than any parser's recursion
        n = draw(_DEEPEST)
        opener, closer = ("[", "]") if kind == "list" else ('{"a":', "}")
        return opener * n + "0" + closer * n
    message = {"action": draw(_ACTIONS), "route": draw(_DEEP_ROUTES)}
    message[draw(_DEEP_KEYS)] = _nest(draw(_DEPTHS), kind, draw(json_leaves))
    return json.dumps(message)


_BLOB_CHARS = st.one_of(st.sampled_from(["x", "é", "😀", "\x00", "\ud800", "%", "&", "1"]), CHARACTERS)
_BLOB_BYTES = st.integers(1_000, 250_000)
_HUGE_ROUTES = st.sampled_from(["articles/", "books/", "test_child_route/", "authors/", "articles/1/", "books/1/"])
_VARIANTS = st.integers(0, 7)
_TAG_COUNTS = st.integers(100, 5000)
_DIGITS = st.sampled_from([100, 1000, 4300, 4301, 10_000, 100_000])


@st.composite
def huge_frames(draw: Any) -> str:
    char = draw(_BLOB_CHARS)
    # At most ~250 kB of JSON per copy of the blob: every frame stays under MAX_FRAME_SIZE (1 MiB),
    # above which the connection is closed with 1009 by design, not answered.
    size = max(1, draw(_BLOB_BYTES) // max(1, len(json.dumps(char)) - 2))
    blob = char * size
    action = draw(_ACTIONS)
    route = draw(_HUGE_ROUTES)
    variant = draw(_VARIANTS)
    if variant == 0:
        return json.dumps({"action": action, "route": route, "data": {"title": blob, "content": blob, "name": blob}})
    if variant == 1:
        return json.dumps({"action": action, "route": route + "?" + "&".join(["page=2"] * (size // 7))})
    if variant == 2:
        return json.dumps({"action": action, "route": route + blob})
    if variant == 3:
        return json.dumps({"action": blob, "route": route, "request_id": blob})
    if variant == 4:
        count = draw(_TAG_COUNTS)
        data = {"title": "t", "pages": 1, "author": 1, "tags": [1] * count}
        return json.dumps({"action": action, "route": route, "data": data})
    if variant == 5:  # an integer of more digits than Python parses by default
        return f'{{"action": "{action}", "route": "{route}", "request_id": {"9" * draw(_DIGITS)}}}'
    if variant == 6:
        return json.dumps({"action": action, "route": route, "data": {f"k{i}": i for i in range(size // 20)}})
    return json.dumps({"action": action, "route": f"{route}?title__icontains={blob}&ordering={blob}"})


RAW_TEXTS = [
    "", " ", "\n", "\t\r\n", "{", "}", "[", "{}", "[]", "null", "true", "0", '""', '"action"', "NaN", "Infinity",
    "-Infinity", "{'action': 'list'}", "[1,]", '{"action": "list", "route": "articles/"',
    '{"action": "list"}{"action": "list"}', '\ufeff{"action": "list", "route": "articles/"}',
    '{"action": "list", "route": "articles/", "request_id": 1e999}',
    '{"action": "list", "route": "articles/", "request_id": -1e999}',
    '{"action": "create", "route": "articles/", "data": {"title": 1e999, "content": "x"}}',
    '{"action": "create", "route": "books/", "data": {"title": "t", "pages": 1e999, "author": 1}}',
    '{"action": "list", "route": "articles/", "request_id": NaN}',
    '{"action": "list", "route": "articles/", "action": 5}',
    '{"action": "list", "route": "articles/", "route": null}',
    '{"action": "list", "route": "articles/", "request_id": -0.0}',
    '{"action": "list", "route": "articles/\\u0000"}',
    '{"action": "list\\ud800", "route": "articles/\\udfff"}',
    '{"action": "retrieve", "route": "books/\\ud800/"}',
    '{"action": "list", "route": "articles/", "data": "\\ud800"}',
    '{"action": "list", "route": "articles/"} trailing',
    '{"__proto__": {"action": "list"}}',
]


_FRAME_KINDS = st.sampled_from(["message"] * 14 + ["json", "text", "binary", "deep", "huge"])
_TEXT_FRAMES = st.one_of(st.sampled_from(RAW_TEXTS), st.text(st.characters(exclude_categories=("Cs",)), max_size=40))
_BINARY_FRAMES = st.one_of(
    st.binary(max_size=60),
    messages.map(lambda m: json.dumps(m).encode()),
    st.sampled_from([b"", b"\x00", b"\xff\xfe", b'{"action": "list", "route": "articles/"}']),
)
_DEEP_FRAMES = deep_frames()
_HUGE_FRAMES = huge_frames()


@st.composite
def frames(draw: Any, *, subscriptions: bool) -> tuple[str, Any]:
    """``("text", str)`` or ``("bytes", bytes)``: one WebSocket frame."""
    kind = draw(_FRAME_KINDS)
    if kind == "binary":
        return "bytes", draw(_BINARY_FRAMES)
    if kind == "message":
        message = draw(messages)
        text = json.dumps(message, ensure_ascii=draw(st.booleans()))
        try:
            _utf8(text).decode("utf-8")  # a lone surrogate cannot travel raw over a socket
        except UnicodeDecodeError:
            text = json.dumps(message)
    elif kind == "json":
        text = json.dumps(draw(json_values))
    elif kind == "text":
        text = draw(_TEXT_FRAMES)
    else:
        text = draw(_DEEP_FRAMES if kind == "deep" else _HUGE_FRAMES)
    if not subscriptions:  # no unasked events on connections that write: they never subscribe
        text = text.replace('"subscribe"', '"list"')
    return "text", text


#: Frames every run sends first (Hypothesis' explicit phase): each once answered badly, or close to.
EXPLICIT_FRAMES: list[tuple[str, Any]] = [
    ("text", json.dumps(message)) for message in [
        {"action": "subscribe", "route": "books/", "request_id": [1]},
        {"action": "subscribe", "route": "books/1/", "request_id": {"a": [1]}},
        {"action": "list", "route": "books/?title=\ud800"},
        {"action": "list", "route": "books/?title__icontains=\udfff"},
        {"action": "list", "route": "connection/articles/?page=99999999999"},
        {"action": "list", "route": "articles/?page=2147483648"},
        {"action": "list", "route": "offset/articles/?offset=2147483648&limit=50"},
        {"action": "publish", "route": "books/"},
        {"action": "publish", "route": "books/", "data": {}},
        {"action": "publish", "route": "books/abc/"},
        {"action": "publish", "route": "books/", "data": {"pk": "abc"}},
        {"action": "create", "route": "books/", "data": {"title": "t", "pages": 1, "author": 99}},
        {"action": "create", "route": "books/", "data": {"title": "t", "pages": 1, "author": 99999999999999999999}},
        {"action": "create", "route": "books/", "data": {"title": "t", "pages": 1, "author": 1, "tags": [2**63]}},
        {"action": "list", "route": "books/?title__regex=("},
        {"action": "list", "route": "books/?created_at__year=0"},
        {"action": "list", "route": "books/?created_at__year=10000"},
        {"action": "list", "route": "books/?created_at__iso_year=-5"},
        {"action": "list", "route": "books/?created_at=9999-12-31T23:59:59-01:00"},
        {"action": "list", "route": "books/?created_at__gte=0001-01-01T00:00:00%2B14:00"},
        {"action": "list", "route": "books/?id__in=99999999999999999999"},
        {"action": "\ud800", "route": 5},
        {"action": "publish", "route": "books/ 2/"},
        {"action": "subscribe", "route": "books/ 1/"},
    ]
] + [
    ("text", '{"action": "list", "route": "articles/", "request_id": 1e999}'),
    ("text", ""),
    ("bytes", b""),
]


# --------------------------------------------------------------------------------------------
# What every reply must be
# --------------------------------------------------------------------------------------------

#: GraphQL's own error text (variable coercion, validation), never a legacy client's business.
GRAPHQL_TEXT = re.compile(
    r"""Variable ['"]?\$|got invalid value|cannot represent|Expected type|was not provided|Syntax Error|"""
    r"""Cannot query field|Unknown argument|of required type|non-nullable|GraphQL|GlobalID|Int!|ID!""",
    re.IGNORECASE,
)
TRACEBACK = re.compile(r'Traceback \(most recent call last\)|File "[^"]*", line \d+')


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    """A number no double holds (``1e999``) is refused like invalid JSON: echoed, it would be ``Infinity``."""
    if not math.isfinite(number := float(text)):
        raise ValueError(text)
    return number


def decode(frame: tuple[str, Any]) -> dict[str, Any] | None:
    """The message as the consumer should read it, or ``None`` when the frame is no JSON object."""
    kind, payload = frame
    if kind == "bytes" or not payload.strip():
        return None
    try:
        message = json.loads(payload, parse_constant=_no_constants, parse_float=_finite)
    except (ValueError, RecursionError):
        return None
    return message if isinstance(message, dict) else None


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogate(value: Any) -> bool:
    return isinstance(value, str) and _SURROGATE.search(value) is not None


def _error_shape_problems(status: int, errors: list[Any], action: Any, known_keys: set[str] | None) -> list[str]:
    problems = []
    if status == 405:
        if errors != [f'Action "{action}" not allowed in message body.']:
            problems.append("405 errors are not the bare 'Action ... not allowed' string")
    elif status == 403:
        if errors != [DENIED]:
            problems.append("403 errors are not the bare permission string")
    elif status in (404, 429):
        if not (len(errors) == 1 and isinstance(errors[0], dict) and list(errors[0]) == ["detail"]
                and isinstance(errors[0]["detail"], str)):
            problems.append(f"{status} errors are not [{{'detail': str}}]")
    elif status == 400:
        ok = len(errors) == 1 and isinstance(errors[0], dict) and errors[0]
        if ok and list(errors[0]) == ["detail"]:
            ok = isinstance(errors[0]["detail"], str)
        elif ok:
            ok = all(
                isinstance(key, str) and isinstance(messages, list) and messages
                and all(isinstance(m, str) for m in messages)
                for key, messages in errors[0].items()
            )
            unknown = set(errors[0]) - {"non_field_errors"} - (known_keys or set())
            if ok and known_keys is not None and unknown:
                problems.append(f"400 errors name fields the client never sent: {sorted(unknown)}")
        if not ok:
            problems.append("400 errors are neither [{'detail': str}] nor [{field: [str, ...]}]")
    return problems


def _item_problems(item: Any, resource: str) -> list[str]:
    keys = ITEM_KEYS[resource]
    if not isinstance(item, dict) or list(item) != keys:
        return [f"a {resource} is not rendered with the keys {keys}"]
    if type(item["id"]) is not int:
        return [f"a {resource} id is not a JSON int"]
    if resource == "book" and not (type(item["author"]) is int and all(type(t) is int for t in item["tags"])):
        return ["a book's relations are not rendered as int pks"]
    return []


def _link_problems(link: Any, path: str) -> list[str]:
    if link is None:
        return []
    if not isinstance(link, str) or not (link == path or link.startswith(path + "?")):
        return [f"link {link!r} is not the route's path and a query string"]
    return []


def _success_problems(message: dict[str, Any], status: int, data: Any) -> list[str]:
    """A success must be the one the route and action give, shaped like the route's resource."""
    described = resolve(message["route"])
    action = message["action"]
    if described is None or action not in described[0].actions:
        return []  # a route only the library's resolver reads this way (a trailing newline, say)
    route, path, _, kwargs = described
    problems = []
    if status != SUCCESS[action]:
        problems.append(f"{action} succeeded with {status}, not {SUCCESS[action]}")
    if action == "list" and route.paging in ("page", "offset", "cursor"):
        keys = ["next", "previous", "results"] if route.paging == "cursor" else ["count", "next", "previous", "results"]
        if not isinstance(data, dict) or list(data) != keys:
            return [*problems, f"a {route.paging} page is not {keys}"]
        results = data["results"]
        if not isinstance(results, list) or len(results) > LARGEST_PAGE[route.paging]:
            problems.append("results is not a list within the largest page size")
        elif "count" in data and (type(data["count"]) is not int or data["count"] < len(results)):
            problems.append("count is not an int covering the results")
        else:
            problems += [p for item in results for p in _item_problems(item, route.resource)][:1]
        problems += _link_problems(data["next"], path) + _link_problems(data["previous"], path)
    elif action == "list":
        if not isinstance(data, list):
            problems.append("an unpaginated list is not a JSON array")
        else:
            problems += [p for item in data for p in _item_problems(item, route.resource)][:1]
    elif action in ("retrieve", "create", "update", "partial_update"):
        problems += _item_problems(data, route.resource)
        pk = kwargs.get("pk")
        if not problems and pk is not None and action != "create":
            try:
                expected = int(pk)
            except ValueError:
                expected = None
            if expected is not None and data["id"] != expected:
                problems.append(f"{action} of pk {pk!r} answered object {data['id']}")
    elif action == "publish":
        if not isinstance(data, dict):
            problems.append("publish did not answer the published book")
    elif data is not None:
        problems.append(f"{action} answered data")
    return problems


def reply_problems(frame: tuple[str, Any], raw: Any) -> list[str]:
    """Everything wrong with ``raw`` as the one reply to ``frame`` (empty: a good envelope)."""
    if not isinstance(raw, str):
        return [f"reply is not a text frame: {raw!r}"[:300]]
    frame_text = frame[1] if frame[0] == "text" else frame[1].decode("latin-1")
    problems = []
    if TRACEBACK.search(raw) and not TRACEBACK.search(frame_text):
        problems.append("traceback text in the reply")
    try:
        reply = json.loads(raw, parse_constant=_no_constants)
    except ValueError as exc:
        return [*problems, f"reply is not strict JSON: {exc}"]
    if not isinstance(reply, dict):
        return [*problems, "reply is not a JSON object"]
    message = decode(frame)
    echoes_id = message is not None and "request_id" in message
    keys = REPLY_KEYS + (["request_id"] if echoes_id else [])
    if list(reply) != keys:
        problems.append(f"reply keys {list(reply)} are not {keys}")
    status, errors, data = reply.get("status"), reply.get("errors"), reply.get("data")
    if type(status) is not int or status not in STATUSES:
        problems.append(f"status {status!r} is not one of {sorted(STATUSES)}")
    if not isinstance(errors, list):
        return [*problems, "errors is not a list"]
    if type(status) is int and status < 400 and errors:
        problems.append("a success status with errors")
    if type(status) is int and status >= 400 and (not errors or data is not None):
        problems.append("an error status without errors, or with data")
    leaked = GRAPHQL_TEXT.search(json.dumps(errors, ensure_ascii=False))
    if leaked and leaked.group(0).lower() not in frame_text.lower():
        problems.append(f"GraphQL's own error text in errors ({leaked.group(0)!r})")
    # What the reply must echo, and what a bad frame is answered with.
    known_keys = None
    if message is None:
        expected_action, expected_route = None, ""
        if status != 400:
            problems.append("a frame that is no JSON object is not answered 400")
    elif "action" not in message:
        expected_action, expected_route = None, ""
        if status != 404 or errors != [{"detail": "Unable to find action in message body."}]:
            problems.append("a message without action is not answered 404 'Unable to find action'")
    else:
        action, route = message["action"], message.get("route", "")
        expected_action = action if isinstance(action, str) else None
        expected_route = route if isinstance(route, str) else ""
        if not isinstance(action, str) or not isinstance(route, str):
            if status != 400:
                problems.append("a non-string action or route is not answered 400")
        elif _depth(message) > 32:
            if status != 400:
                problems.append("a message nested deeper than 32 levels is not answered 400")
        elif _has_surrogate(route):
            if status != 400:
                problems.append("a lone surrogate in the route is not answered 400")
        else:
            query = route.partition("#")[0].partition("?")[2]
            data_keys = set(message["data"]) if isinstance(message.get("data"), dict) else set()
            known_keys = data_keys | set(parse_qs(query, keep_blank_values=True)) | MODEL_FIELDS
            if type(status) is int and status < 300 and not problems:
                problems += _success_problems(message, status, data)
    if reply.get("action") != expected_action or type(reply.get("action")) is not type(expected_action):
        problems.append(f"action echoed as {reply.get('action')!r}")
    if reply.get("route") != expected_route:
        problems.append("route not echoed as sent")
    if echoes_id and json.dumps(reply.get("request_id")) != json.dumps(message["request_id"]):
        problems.append("request_id not echoed as sent")
    if type(status) is int:
        problems += _error_shape_problems(status, errors, reply.get("action"), known_keys)
    return problems


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------

TABLES = ("Article", "Author", "Tag", "Book", "Book.tags")
TABLE_OF = {"article": 0, "author": 1, "book": 3}


def rows() -> tuple[list[Any], ...]:
    """Every row of the example's models (what an invalid message must leave alone)."""
    return (
        list(Article.objects.order_by("pk").values_list()),
        list(Author.objects.order_by("pk").values_list()),
        list(Tag.objects.order_by("pk").values_list()),
        list(Book.objects.order_by("pk").values_list()),
        list(Book.tags.through.objects.order_by("pk").values_list()),
    )


def _write_problems(message: dict[str, Any] | None, status: Any, reply: Any, before: tuple, after: tuple) -> list[str]:
    """What the frame did to the rows, against what its reply says it did."""
    changed = [name for name, old, new in zip(TABLES, before, after, strict=True) if old != new]
    action = message.get("action") if message else None
    if changed and (type(status) is not int or status >= 400):
        return [f"an error reply, yet rows of {', '.join(changed)} changed"]
    if changed and action not in WRITES:
        return [f"a {action!r} changed rows of {', '.join(changed)}"]
    described = resolve(message["route"]) if message and isinstance(message.get("route"), str) else None
    if described is None or described[0].resource not in TABLE_OF or action not in described[0].actions:
        return []
    table = TABLE_OF[described[0].resource]
    ids_after = {row[0] for row in after[table]}
    data = reply.get("data") if isinstance(reply, dict) else None
    created = isinstance(data, dict) and data.get("id") in ids_after - {row[0] for row in before[table]}
    if action == "create" and status == 201 and not created:
        return ["create answered 201 with an object that is not a new row"]
    if action == "destroy" and status == 204 and len(after[table]) != len(before[table]) - 1:
        return ["destroy answered 204 without removing one row"]
    return []


def _dump(record: dict[str, Any]) -> None:
    with open(DUMP, "a", encoding="utf-8", errors="surrogatepass") as dump:
        dump.write(json.dumps(record) + "\n")


def _show(value: Any, limit: int = 500) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


@dataclass
class Violation:
    frame: tuple[str, Any]
    reply: Any
    problem: str

    def size(self) -> int:
        return len(self.frame[1])


class ServerErrors(logging.Handler):
    """Every error gql_channels logs: client input must never make the server log one."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        error = f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})" if record.exc_info else ""
        self.records.append(f"{record.getMessage()}{error}"[:300])

    def unraisable(self, unraisable: Any) -> None:
        """An exception raised where nothing could catch it (a coroutine finalised by the collector, say)."""
        error = f"{unraisable.exc_type.__name__}: {unraisable.exc_value}"
        self.records.append(f"unraisable {error} in {unraisable.object!r}"[:300])
        self.previous_hook(unraisable)

    def __enter__(self) -> Self:
        logging.getLogger("gql_channels").addHandler(self)
        self.previous_hook, sys.unraisablehook = sys.unraisablehook, self.unraisable
        return self

    def __exit__(self, *exc_info: object) -> None:
        logging.getLogger("gql_channels").removeHandler(self)
        sys.unraisablehook = self.previous_hook


@dataclass
class FuzzRun:
    """One kind of connection's share of the run: frames sent, violations seen.

    Each Hypothesis example is one frame, sent on a connection that serves ``BATCH`` frames before
    it is checked (still usable, nothing pending) and replaced.
    """

    who: str
    application: Any
    headers: list[tuple[bytes, bytes]]
    subscriptions: bool
    sent: int = 0
    followed: int = 0
    statuses: dict[Any, int] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
    logged: ServerErrors = field(default_factory=ServerErrors)
    client: ActionCommunicator | None = None
    on_this_connection: int = 0
    before: tuple = ()

    async def send(self, frame: tuple[str, Any]) -> None:
        """Send one generated frame (and follow the links of its reply) on the current connection."""
        if self.client is None:
            self.client = await ActionCommunicator(self.application, "/ws/", headers=self.headers).__aenter__()
            self.on_this_connection = 0
            self.before = await sync_to_async(rows)()
        self.sent += 1
        self.on_this_connection += 1
        reply = await self.exchange(frame)
        # The links of a page are routes the server vouches for: each is answered 200.
        if reply and reply["action"] == "list" and reply["status"] == 200 and isinstance(reply["data"], dict):
            for link in (reply["data"].get("next"), reply["data"].get("previous")):
                if isinstance(link, str) and self.client is not None:
                    self.followed += 1
                    page = await self.exchange(("text", json.dumps({"action": "list", "route": link, "request_id": "link"})))
                    problem = None
                    if page is not None and page["status"] != 200:
                        problem = f"a link of the reply ({link}) is answered {page['status']}"
                    elif page is not None and page["data"].get("count") != reply["data"].get("count"):
                        problem = f"a link of the reply ({link}) counts other rows"
                    if problem:
                        self.violations.append(Violation(frame, json.dumps(page), problem))
        if self.client is not None and self.on_this_connection >= BATCH:
            await self.close()

    async def exchange(self, frame: tuple[str, Any]) -> dict[str, Any] | None:
        """Send one frame, check its one reply and what it wrote; the reply when all is well."""
        kind, payload = frame
        logged = len(self.logged.records)
        # As send_to(), which refuses the empty frames a socket can still deliver.
        await self.client.send_input({"type": "websocket.receive", kind: payload})
        try:
            raw = await self.client.receive_from(timeout=REPLY_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - a timeout, a close or a crash: the connection is gone
            self.violations.append(Violation(frame, None, f"no reply ({type(exc).__name__}: {exc})"))
            await self.drop()
            return None
        problems = reply_problems(frame, raw)
        if DUMP:
            _dump({"who": self.who, "frame": payload if kind == "text" else repr(payload), "reply": raw})
        try:
            reply = json.loads(raw)
            status = reply["status"]
        except Exception:  # noqa: BLE001 - reported by reply_problems
            reply, status = None, None
        self.statuses[status] = self.statuses.get(status, 0) + 1
        after = await sync_to_async(rows)()
        problems += _write_problems(decode(frame), status, reply, self.before, after)
        problems += [f"the server logged: {record}" for record in self.logged.records[logged:]]
        self.before = after
        self.violations += [Violation(frame, raw, problem) for problem in problems]
        return reply if not problems else None

    async def close(self) -> None:
        """Still usable: a known-good request is answered as usual, and nothing else is pending."""
        client = self.client
        reply = await client.request("list", "articles/?page=1", request_id="still-usable", timeout=REPLY_TIMEOUT)
        known_good = ("text", "<known-good list after the batch>")
        if reply.get("request_id") != "still-usable":
            self.violations.append(Violation(known_good, json.dumps(reply), "a reply nobody asked for"))
        elif reply["status"] != 200 or "results" not in reply["data"]:
            self.violations.append(Violation(known_good, json.dumps(reply), "connection not usable"))
        if not await client.receive_nothing(timeout=0.01):
            extra = await client.receive_from()
            self.violations.append(Violation(("text", "<end of batch>"), extra, "a reply nobody asked for"))
        await self.drop()

    async def flush_usage(self) -> None:
        """Write the usage counts the run made (``gql_channels_usage``): they must be writable, and
        hold no client free text (only the actions a route serves, or none)."""
        logged = len(self.logged.records)
        gc.collect()  # coroutines the connections left unfinished are finalised (and reported) here
        await usage.flush()
        problems = [f"the server logged: {record}" for record in self.logged.records[logged:]]
        actions = await sync_to_async(lambda: set(RouteUsage.objects.values_list("action", flat=True)))()
        if stray := sorted(map(repr, actions - {None, *ACTIONS})):
            problems.append(f"usage rows record the client's free text as actions: {', '.join(stray)[:300]}")
        written = ("text", "<usage counts written after the run>")
        self.violations += [Violation(written, None, problem) for problem in problems]

    async def drop(self) -> None:
        """Close the connection: it must leave no channel-layer group behind (nor anything unraisable)."""
        client, self.client = self.client, None
        logged = len(self.logged.records)
        with contextlib.suppress(Exception):
            await client.disconnect()
        problems = [f"the server logged: {record}" for record in self.logged.records[logged:]]
        groups = getattr(get_channel_layer(), "groups", {})  # the in-memory layer's (one connection at a time)
        if left := sorted(group for group, members in groups.items() if members):
            problems.append(f"a closed connection is still in the channel-layer groups {left}")
            groups.clear()  # reported once, not again for every later connection
        self.violations += [Violation(("text", "<connection closed>"), None, problem) for problem in problems]

    def report(self) -> str:
        kinds: dict[tuple[str, Any, Any], list[Violation]] = {}
        for violation in self.violations:
            signature = (_mask(violation.problem), None, None)
            # What the server logged is one kind whatever the reply (the usage flusher logs between frames).
            if not violation.problem.startswith("the server logged"):
                with contextlib.suppress(Exception):
                    reply = json.loads(violation.reply)
                    signature = (_mask(violation.problem), reply["status"], _mask(json.dumps(reply["errors"])))
            kinds.setdefault(signature, []).append(violation)
        lines = [f"{len(self.violations)} violations in {self.sent} frames ({self.who}), {len(kinds)} kinds:"]
        for (problem, status, _), seen in sorted(kinds.items(), key=lambda item: -len(item[1])):
            shortest = min(seen, key=Violation.size)
            lines += [
                f"- {problem}{f' (status {status})' if status else ''}, {len(seen)}x; shortest frame:",
                f"    frame ({shortest.frame[0]}): {_show(shortest.frame[1])}",
                f"    reply: {_show(shortest.reply)}",
            ]
        return "\n".join(lines)


def _mask(text: str) -> str:
    """The text with the client's values masked: one kind of failure, whatever the frame."""
    return re.sub(r'"[^"]*"|\'[^\']*\'|0x[0-9a-f]+|\d+', "_", text)[:160]


#: Generated frames sent by each kind of connection in this session (the count test adds them up).
SENT: dict[str, int] = {}


class EventLoopThread:
    """An event loop in a thread of its own, for connections that outlive one Hypothesis example."""

    def __enter__(self) -> Self:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fuzz loop", daemon=True)
        self.thread.start()
        return self

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def __exit__(self, *exc_info: object) -> None:
        async def cancel_the_rest() -> None:  # the usage flusher, say: started on this loop by the consumer
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self.run(cancel_the_rest())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


def _login(user: Any) -> list[tuple[bytes, bytes]]:
    browser = Client()
    browser.force_login(user)
    return [(b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())]


def _fuzz_settings(examples: int) -> Callable[[Any], Any]:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        # Violations are collected, not raised: nothing to shrink, and the run's length is known.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


@pytest.mark.parametrize("who", list(SHARES))
def test_every_frame_gets_one_envelope(who: str, users: dict[str, Any], articles: Any, library: Any) -> None:
    user = None if who == "anonymous" else users[who]
    run = FuzzRun(
        who,
        AuthMiddlewareStack(LegacyConsumer.as_asgi()),
        _login(user) if user else [],
        # Anonymous clients cannot write books (nor authors, whose deletion cascades to books), so
        # their subscriptions get no events; connections that write do not subscribe.
        subscriptions=who == "anonymous",
    )
    share = math.ceil(TOTAL_FRAMES * SHARES[who])
    started = time.monotonic()

    with EventLoopThread() as loop, run.logged:
        # Counts left by earlier tests are theirs: written (or not) before this run, then cleared.
        with contextlib.suppress(Exception):
            loop.run(usage.flush())
        RouteUsage.objects.all().delete()
        run.logged.records.clear()

        @given(frames(subscriptions=run.subscriptions))
        def explore(frame: tuple[str, Any]) -> None:
            loop.run(run.send(frame))

        for frame in EXPLICIT_FRAMES:
            if run.subscriptions or frame[0] == "bytes" or '"subscribe"' not in frame[1]:
                explore = example(frame)(explore)
        explore = _fuzz_settings(share)(explore)

        try:
            explore()
        finally:
            if run.client is not None:
                loop.run(run.close())
        loop.run(run.flush_usage())
    SENT[who] = run.sent
    print(
        f"\n{who}: {run.sent} frames (+{run.followed} links followed) in {time.monotonic() - started:.1f} s, "
        f"statuses {dict(sorted(run.statuses.items(), key=str))}"
    )
    assert not run.violations, run.report()
    assert run.sent >= share


def test_the_run_sent_enough_frames() -> None:
    """At least ``GQL_CHANNELS_FUZZ_FRAMES`` generated frames (10,000 by default), across the kinds above."""
    if set(SENT) != set(SHARES):
        pytest.skip("the fuzz tests above did not all run (selected with -k?)")
    assert sum(SENT.values()) >= TOTAL_FRAMES
    assert TOTAL_FRAMES >= 10_000 or "GQL_CHANNELS_FUZZ_FRAMES" in os.environ
