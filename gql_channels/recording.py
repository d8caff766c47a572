"""Record the frames an old consumer receives in production, as the JSONL ``gql_channels_compare`` replays.

Wrap the old consumer's ASGI app (no change to the consumer itself)::

    from gql_channels.recording import RecordingMiddleware

    websocket = AuthMiddlewareStack(URLRouter([
        path("ws/", RecordingMiddleware(LegacyConsumer.as_asgi(), path="/var/log/legacy-{pid}.jsonl",
                                        sample=0.1, redact=["password", "token"])),
    ]))

Inside ``AuthMiddlewareStack``, so the user is known. Each received text frame is written as one
line, ``{"frame": ..., "user": ..., "timestamp": ..., "consumer": ..., "path": ...}``:

- ``frame``: the text exactly as received, or, when a key in ``redact`` occurred in its ``data``
  (at any depth), the parsed object with those values replaced by ``"[redacted]"``. Binary frames
  are written base64-encoded with ``"binary": true``; a text frame that is not JSON is written as it is.
- ``user``: ``scope["user"]`` 's username, ``null`` for anonymous clients;
- ``timestamp``: when it was received (UTC, ISO 8601); ``consumer``: the consumer's dotted path
  (``consumer=`` overrides it); ``path``: the WebSocket's URL path.

``sample`` is the share of frames kept (each drawn independently; 0.1 keeps one in ten).
Frames go through a bounded queue to one writer thread, so the event loop never waits on the
disk: when ``max_pending`` lines are waiting, new ones are dropped and counted (``dropped``),
rather than holding up clients. ``{pid}`` in ``path`` gives each server process a file of its own.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import queue
import random
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.utils.functional import LazyObject, empty

REDACTED = "[redacted]"
_STOP = object()


class RecordingMiddleware:
    """ASGI middleware writing the ``websocket.receive`` frames of ``app`` to a JSONL file (see the module)."""

    def __init__(
        self,
        app: Any,
        *,
        path: str | os.PathLike[str],
        sample: float = 1.0,
        redact: Iterable[str] = (),
        consumer: str | None = None,
        max_pending: int = 10_000,
        rng: random.Random | None = None,
    ) -> None:
        if not 0.0 <= sample <= 1.0:
            raise ValueError(f"sample={sample!r}: a share between 0 and 1.")
        self.app = app
        self.path = Path(str(path).format(pid=os.getpid()))
        self.sample = sample
        self.redact = frozenset(redact)
        self.consumer = consumer or _consumer_path(app)
        self.dropped = 0
        self._rng = rng or random.Random()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_pending)
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("type") != "websocket":
            return await self.app(scope, receive, send)

        async def recording_receive() -> Any:
            message = await receive()
            if message.get("type") == "websocket.receive" and self._rng.random() < self.sample:
                self._record(scope, message)
            return message

        return await self.app(scope, recording_receive, send)

    def _record(self, scope: dict[str, Any], message: dict[str, Any]) -> None:
        entry: dict[str, Any]
        if message.get("text") is not None:
            entry = {"frame": self._redacted(message["text"])}
        else:
            entry = {"frame": base64.b64encode(message.get("bytes") or b"").decode("ascii"), "binary": True}
        entry |= {
            "user": _username(scope.get("user")),
            "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "consumer": self.consumer,
            "path": scope.get("path"),
        }
        self._start()
        try:
            self._queue.put_nowait(json.dumps(entry, ensure_ascii=False))
        except queue.Full:
            self.dropped += 1

    def _redacted(self, text: str) -> Any:
        """The text as sent, or the parsed frame with the redacted keys of its ``data`` replaced."""
        if not self.redact:
            return text
        try:
            frame = json.loads(text)
        except ValueError:
            return text
        if not isinstance(frame, dict) or "data" not in frame:
            return text
        data, changed = _redact(frame["data"], self.redact)
        return {**frame, "data": data} if changed else text

    def _start(self) -> None:
        if self._writer is None:
            with self._lock:
                if self._writer is None:
                    self._writer = threading.Thread(target=self._write, name="gql_channels-recorder", daemon=True)
                    self._writer.start()
                    atexit.register(self.close)  # a server shutting down writes what is pending

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as file:
            while True:
                line = self._queue.get()
                try:
                    if line is _STOP:
                        return
                    file.write(line + "\n")
                    if self._queue.empty():
                        file.flush()
                finally:
                    self._queue.task_done()

    def flush(self) -> None:
        """Wait until every frame recorded so far is in the file."""
        if self._writer is not None:
            self._queue.join()

    def close(self) -> None:
        """Write what is pending and stop the writer thread (a later frame starts it again)."""
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            self._queue.put(_STOP)
            writer.join()


def _redact(value: Any, keys: frozenset[str]) -> tuple[Any, bool]:
    if isinstance(value, dict):
        changed = False
        result = {}
        for key, item in value.items():
            if key in keys:
                result[key], changed = REDACTED, True
            else:
                result[key], inner = _redact(item, keys)
                changed = changed or inner
        return result, changed
    if isinstance(value, list):
        items = [_redact(item, keys) for item in value]
        return [item for item, _ in items], any(changed for _, changed in items)
    return value, False


def _username(user: Any) -> str | None:
    """The username of an authenticated user; never loads a lazy user (that would query on the event loop)."""
    if isinstance(user, LazyObject):
        user = None if user._wrapped is empty else user._wrapped
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.get_username()


def _consumer_path(app: Any) -> str | None:
    """``as_asgi()`` apps name their consumer class."""
    cls = getattr(app, "consumer_class", None)
    return f"{cls.__module__}.{cls.__qualname__}" if cls is not None else None
