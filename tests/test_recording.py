"""``RecordingMiddleware``: the frames an old consumer receives, as the JSONL ``gql_channels_compare`` replays."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser, User

from gql_channels.migration.replay import read_messages
from gql_channels.recording import RecordingMiddleware
from tests.dcrf_app.consumers import TagConsumer


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A WebSocket app answering each frame with ``ok``, so a test knows it was received."""
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": "ok"})
        else:
            return


async def send_frames(app: Any, frames: list[str | bytes], user: Any = None, path: str = "/ws/") -> None:
    async def with_user(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        return await app({**scope, "user": user or AnonymousUser()}, receive, send)

    communicator = WebsocketCommunicator(with_user, path)
    assert (await communicator.connect())[0]
    for frame in frames:
        key = "bytes" if isinstance(frame, bytes) else "text"
        await communicator.send_input({"type": "websocket.receive", key: frame})
        assert await communicator.receive_from() == "ok"
    await communicator.disconnect()


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_frames_are_written_as_received_with_user_time_consumer_and_path(tmp_path: Path) -> None:
    recorder = RecordingMiddleware(echo, path=tmp_path / "legacy.jsonl", consumer="myproject.consumers.Legacy")
    frames = ['{"action": "list",  "route": "a/"}', "not json", "", b"\x00\x01"]
    await send_frames(recorder, frames, user=User(username="alice"), path="/ws/legacy/")
    recorder.close()
    written = lines(tmp_path / "legacy.jsonl")
    assert [line["frame"] for line in written] == [*frames[:3], base64.b64encode(b"\x00\x01").decode()]
    assert [line.get("binary", False) for line in written] == [False, False, False, True]
    assert {line["user"] for line in written} == {"alice"}
    assert {line["consumer"] for line in written} == {"myproject.consumers.Legacy"}
    assert {line["path"] for line in written} == {"/ws/legacy/"}
    assert all(line["timestamp"].endswith("Z") for line in written)
    replayed = read_messages(tmp_path / "legacy.jsonl")
    assert [m.frame for m in replayed] == [*frames[:3], b"\x00\x01"]
    assert {m.user for m in replayed} == {"alice"} and {m.consumer for m in replayed} == {"myproject.consumers.Legacy"}


async def test_anonymous_clients_are_null_and_the_consumer_is_named_from_as_asgi(tmp_path: Path) -> None:
    app = TagConsumer.as_asgi()
    assert RecordingMiddleware(app, path=tmp_path / "x.jsonl").consumer == "tests.dcrf_app.consumers.TagConsumer"
    recorder = RecordingMiddleware(echo, path=tmp_path / "anon.jsonl")
    await send_frames(recorder, ["{}"])
    recorder.close()
    assert lines(tmp_path / "anon.jsonl")[0]["user"] is None


async def test_redaction_replaces_the_chosen_keys_of_data_at_any_depth(tmp_path: Path) -> None:
    recorder = RecordingMiddleware(echo, path=tmp_path / "r.jsonl", redact=["password", "token"])
    frames = [
        json.dumps({"action": "create", "data": {"user": "a", "password": "s3cret", "nested": [{"token": "t"}]}}),
        json.dumps({"action": "list", "password": "top-level keys are not data"}),
        json.dumps({"action": "create", "data": {"name": "nothing to redact"}}),
    ]
    await send_frames(recorder, frames)
    recorder.close()
    written = [line["frame"] for line in lines(tmp_path / "r.jsonl")]
    assert written[0] == {"action": "create", "data": {"user": "a", "password": "[redacted]", "nested": [{"token": "[redacted]"}]}}
    assert written[1:] == frames[1:]  # nothing redacted: the text exactly as sent
    assert "s3cret" not in (tmp_path / "r.jsonl").read_text()


async def test_sampling_keeps_that_share_of_frames(tmp_path: Path) -> None:
    recorder = RecordingMiddleware(echo, path=tmp_path / "s.jsonl", sample=0.25, rng=random.Random(7))
    await send_frames(recorder, [f'{{"n": {i}}}' for i in range(400)])
    recorder.close()
    kept = len(lines(tmp_path / "s.jsonl"))
    draws = random.Random(7)
    expected = sum(draws.random() < 0.25 for _ in range(400))
    assert kept == expected and 60 < kept < 140
    none = RecordingMiddleware(echo, path=tmp_path / "none.jsonl", sample=0)
    await send_frames(none, ["{}"] * 5)
    none.close()
    assert not (tmp_path / "none.jsonl").exists()
    with pytest.raises(ValueError, match="between 0 and 1"):
        RecordingMiddleware(echo, path=tmp_path / "x.jsonl", sample=1.5)


async def test_a_full_queue_drops_frames_instead_of_holding_clients_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = RecordingMiddleware(echo, path=tmp_path / "q.jsonl", max_pending=3)
    monkeypatch.setattr(recorder, "_start", lambda: None)  # a writer that never catches up
    await send_frames(recorder, ["{}"] * 10)
    assert recorder.dropped == 7
    monkeypatch.undo()
    recorder._start()
    recorder.flush()
    assert len(lines(tmp_path / "q.jsonl")) == 3
    recorder.close()


async def test_other_scopes_pass_through_and_pid_names_a_file_per_process(tmp_path: Path) -> None:
    seen = []

    async def http_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    recorder = RecordingMiddleware(http_app, path=tmp_path / "p-{pid}.jsonl")
    await recorder({"type": "http"}, None, None)
    assert seen == ["http"]
    assert recorder.path.name.startswith("p-") and recorder.path.name[2:-6].isdigit()
