"""``protocol``: frames in, envelopes out, as plain data (legacy-protocol.md sections 1 and 3)."""

from __future__ import annotations

import json

import pytest

from gql_channels.exceptions import NotFound, ParseError, exception_handler
from gql_channels.protocol import (
    MISSING,
    LegacyRequest,
    build_reply,
    encode_reply,
    parse_frame,
)


def bad_frame_reply(request: LegacyRequest) -> dict:
    """The reply the consumer sends for a frame that has a ``problem``."""
    assert request.problem is not None
    status, errors = exception_handler(request.problem)
    return build_reply(request, status=status, errors=errors)


# -- bad frames: 400 [{"detail": ...}], action null, route "" --------------------------------

BAD_FRAMES = {
    "not JSON": "{action: list}",
    "truncated JSON": '{"action": "list"',
    "trailing garbage": '{"action": "list", "route": ""} x',
    "array": '[{"action": "list", "route": ""}]',
    "empty array": "[]",
    "integer": "42",
    "float": "4.5",
    "string": '"list"',
    "null": "null",
    "true": "true",
    "false": "false",
    "empty": "",
    "whitespace": " \n\t ",
    "NaN": '{"action": "list", "route": "", "data": NaN}',
    "Infinity": '{"action": "list", "route": "", "data": Infinity}',
    "-Infinity": '{"action": "list", "route": "", "data": -Infinity}',
    "bare NaN": "NaN",
    "nested past recursion": "[" * 100_000 + "]" * 100_000,
    "nested object past recursion": '{"a":' * 100_000 + "1" + "}" * 100_000,
    "nested data past recursion": '{"action": "list", "route": "", "data": ' + "[" * 200_000 + "]" * 200_000 + "}",
    "huge int": '{"action": "list", "route": "", "data": ' + "9" * 5000 + "}",
    # Valid JSON, but no double holds it: echoed back it would be Infinity, which is not JSON.
    "float past double": '{"action": "list", "route": "", "request_id": 1e999}',
    "negative float past double": '{"action": "list", "route": "", "data": {"x": -1e999}}',
}


@pytest.mark.parametrize("text", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
def test_bad_frame_is_400_with_detail(text: str) -> None:
    request = parse_frame(text)

    assert isinstance(request.problem, ParseError)
    reply = bad_frame_reply(request)
    assert reply["status"] == 400
    assert reply["action"] is None
    assert reply["route"] == ""
    assert reply["data"] is None
    [error] = reply["errors"]
    assert list(error) == ["detail"]
    assert isinstance(error["detail"], str) and error["detail"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("[]", "an array"),
        ("1", "a number"),
        ("1.5", "a number"),
        ('"x"', "a string"),
        ("null", "null"),
        ("true", "a boolean"),
    ],
)
def test_non_object_detail_names_the_json_type(text: str, kind: str) -> None:
    assert parse_frame(text).problem.detail == f"Expected a JSON object, got {kind}."


@pytest.mark.parametrize("payload", [b'{"action": "list", "route": ""}', b"", b"\x00\xff"])
def test_binary_frame_is_400(payload: bytes) -> None:
    request = parse_frame(None, payload)

    assert isinstance(request.problem, ParseError)
    assert (request.action, request.route) == (None, "")
    assert bad_frame_reply(request)["status"] == 400


# -- action and route ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [{}, {"route": ""}, {"route": "", "data": {}, "request_id": 1}],
)
def test_missing_action_is_404(message: dict) -> None:
    request = parse_frame(json.dumps(message))

    assert isinstance(request.problem, NotFound)
    reply = bad_frame_reply(request)
    assert reply["status"] == 404
    assert reply["errors"] == [{"detail": "Unable to find action in message body."}]
    assert reply["action"] is None
    assert reply["route"] == ""


def test_missing_action_reply_has_empty_route_even_when_route_sent() -> None:
    reply = bad_frame_reply(parse_frame('{"route": "articles/?page=2"}'))

    assert reply["status"] == 404
    assert reply["route"] == ""


def test_null_action_is_400_not_a_string() -> None:
    request = parse_frame('{"action": null, "route": ""}')

    assert isinstance(request.problem, ParseError)


@pytest.mark.parametrize("action", [1, 1.5, True, [], {}, ["list"]])
def test_non_string_action_is_400(action: object) -> None:
    request = parse_frame(json.dumps({"action": action, "route": "articles/"}))

    assert isinstance(request.problem, ParseError)
    reply = bad_frame_reply(request)
    assert reply["status"] == 400
    assert reply["action"] is None
    assert list(reply["errors"][0]) == ["detail"]


@pytest.mark.parametrize("route", [None, 1, True, [], {}, ["articles/"]])
def test_non_string_route_is_400(route: object) -> None:
    request = parse_frame(json.dumps({"action": "list", "route": route}))

    assert isinstance(request.problem, ParseError)
    reply = bad_frame_reply(request)
    assert reply["status"] == 400
    assert reply["action"] == "list"
    assert reply["route"] == ""
    assert list(reply["errors"][0]) == ["detail"]


@pytest.mark.parametrize("route", ["articles/?title=\\ud800", "\\udc00/", "books/?a=b&c=x\\udfff"])
def test_route_with_lone_surrogate_is_400_and_echoed(route: str) -> None:
    """JSON can escape a lone surrogate; no URL, link or database can hold one."""
    text = '{"action": "list", "route": "%s"}' % route
    reply = bad_frame_reply(parse_frame(text))
    assert reply["status"] == 400 and reply["route"] == json.loads(text)["route"]
    assert "surrogate" in reply["errors"][0]["detail"]
    assert parse_frame('{"action": "list", "route": "caf\\u00e9/?q=\\ud83d\\ude00"}').problem is None


def test_missing_route_is_empty_string() -> None:
    request = parse_frame('{"action": "list"}')

    assert request.problem is None
    assert request.route == ""


@pytest.mark.parametrize("route", ["articles/?page=2#top", "statistiques/été/?q=a%20b", "", "?page=2", " x "])
def test_route_is_kept_exactly(route: str) -> None:
    request = parse_frame(json.dumps({"action": "list", "route": route}))

    assert request.route == route
    assert build_reply(request, status=200)["route"] == route


def test_good_frame_has_no_problem() -> None:
    request = parse_frame('{"action": "retrieve", "route": "articles/1/"}')

    assert request == LegacyRequest("retrieve", "articles/1/")


def test_other_keys_are_ignored() -> None:
    text = json.dumps({"action": "list", "route": "a/", "self": 1, "pk": 2, "kwargs": {}, "problem": "x"})

    assert parse_frame(text) == LegacyRequest("list", "a/")


# -- request_id, data, partial ---------------------------------------------------------------


@pytest.mark.parametrize("request_id", [1, 0, "abc", "", None, False, 1.5, [1, 2], {"k": "v"}])
def test_request_id_is_kept_for_any_json_value(request_id: object) -> None:
    request = parse_frame(json.dumps({"action": "list", "route": "", "request_id": request_id}))

    assert request.request_id == request_id
    assert type(request.request_id) is type(request_id)
    reply = build_reply(request, status=200)
    assert "request_id" in reply and reply["request_id"] == request_id


def test_request_id_absent_is_missing() -> None:
    request = parse_frame('{"action": "list", "route": ""}')

    assert request.request_id is MISSING
    assert "request_id" not in build_reply(request, status=200)


def test_request_id_is_echoed_on_error_frames() -> None:
    reply = bad_frame_reply(parse_frame('{"route": "", "request_id": 7}'))

    assert reply["request_id"] == 7


def test_missing_is_falsy_and_distinct_from_none() -> None:
    assert MISSING is not None
    assert not MISSING
    assert repr(MISSING) == "MISSING"


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("", MISSING),
        (', "data": null', None),
        (', "data": {}', {}),
        (', "data": {"title": "t"}', {"title": "t"}),
        (', "data": [1]', [1]),
        (', "data": "s"', "s"),
        (', "data": 0', 0),
    ],
    ids=["absent", "null", "empty", "object", "array", "string", "zero"],
)
def test_data_absent_differs_from_null(fragment: str, expected: object) -> None:
    request = parse_frame('{"action": "create", "route": "a/"' + fragment + "}")

    assert request.data == expected
    if expected is MISSING:
        assert request.data is MISSING
    else:
        assert request.data is not MISSING


@pytest.mark.parametrize(
    ("fragment", "partial"),
    [("", False), (', "partial": true', True), (', "partial": false', False), (', "partial": "true"', False),
     (', "partial": 1', False), (', "partial": null', False)],
)
def test_partial_only_when_true(fragment: str, partial: bool) -> None:
    assert parse_frame('{"action": "update", "route": "a/1/"' + fragment + "}").partial is partial


# -- build_reply / encode_reply --------------------------------------------------------------


def test_reply_key_order() -> None:
    reply = build_reply(LegacyRequest("list", "a/"), status=200, data=[1])

    assert list(reply) == ["errors", "data", "action", "route", "status"]
    assert reply == {"errors": [], "data": [1], "action": "list", "route": "a/", "status": 200}


def test_reply_key_order_with_request_id() -> None:
    reply = build_reply(LegacyRequest("list", "a/", request_id=3), status=200, data=[])

    assert list(reply) == ["errors", "data", "action", "route", "status", "request_id"]


@pytest.mark.parametrize("data", [{"id": 1}, [1], "x", 0])
def test_data_is_null_whenever_errors(data: object) -> None:
    reply = build_reply(LegacyRequest("list", "a/"), status=404, data=data, errors=[{"detail": "Not found."}])

    assert reply["data"] is None
    assert reply["errors"] == [{"detail": "Not found."}]
    assert reply["status"] == 404


def test_success_reply_has_empty_errors_list() -> None:
    reply = build_reply(LegacyRequest("destroy", "a/1/"), status=204)

    assert reply["errors"] == []
    assert reply["data"] is None


@pytest.mark.parametrize(
    "reply",
    [
        {"errors": [], "data": {"title": "été"}, "action": "list", "route": "r/?q=é", "status": 200},
        {"errors": ["Action \"x\" not allowed in message body."], "data": None, "action": "x", "route": "",
         "status": 405, "request_id": None},
    ],
)
def test_encode_reply_is_json_dumps(reply: dict) -> None:
    assert encode_reply(reply) == json.dumps(reply)
    assert list(json.loads(encode_reply(reply))) == list(reply)
