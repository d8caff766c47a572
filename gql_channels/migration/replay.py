"""Replay recorded frames through a consumer, each against the same database state, and collect its replies.

Every frame gets a fresh connection (a frame an old library died on cannot poison the next) as
the recorded user, and runs inside a savepoint that is rolled back afterwards, so every message
of every consumer sees the database as it was. That works because the whole replay runs under one
``async_to_sync`` call from the command's thread: Channels' ``database_sync_to_async`` is
thread-sensitive, so every consumer's database work runs in that very thread, on the connection
holding the transaction (a transaction opened in some other thread would cover none of it).
PostgreSQL's sequences are not transactional: their values are put back after every rollback, so
both consumers give a created row the same id. Writes see one clock, frozen when the replay starts.
The consumers get a channel layer of their own, in memory, for the replay only: a subscription
replayed joins no group of the project's real layer, and one an old library died holding (DCRF
did, on some ``subscribe_instance`` s) goes away with it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from asgiref.sync import async_to_sync, sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import override_settings
from django.utils import timezone

from gql_channels import usage
from gql_channels.management.commands.gql_channels_translate import _connections_kept

#: How long a consumer may take to answer before it counts as hung: far above any real reply.
HUNG = 30.0
_REPLAY_LAYER = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@dataclass(frozen=True, slots=True)
class Recorded:
    """One line of a messages file: the frame as sent and who sent it."""

    line: int
    frame: str | bytes
    user: str | None
    #: The consumer it was recorded for (the recorder writes it), if known.
    consumer: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a consumer did with one frame: its replies, and whether it closed the connection (or died)."""

    replies: tuple[Any, ...]
    closed: bool = False
    #: The exception the consumer died with, as text.
    crash: str | None = None
    #: No reply within ``HUNG`` seconds.
    hung: bool = False
    #: The handshake was refused (``can_connect``): the frame was never sent.
    refused: bool = False


def read_messages(path: str | Path) -> list[Recorded]:
    """The JSONL file's messages: ``{"frame": <text or JSON object>, "user": <username or null>}`` per line.

    ``"binary": true`` marks a binary frame, its bytes base64-encoded in ``frame``. Blank lines are skipped.
    """
    messages = []
    for number, text in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not text.strip():
            continue
        try:
            entry = json.loads(text)
            frame = entry["frame"]
        except (ValueError, KeyError, TypeError):
            raise ValueError(f"{path}:{number}: not a JSON object with a \"frame\"") from None
        if entry.get("binary"):
            frame = base64.b64decode(frame)
        elif not isinstance(frame, str):
            frame = json.dumps(frame, ensure_ascii=False)
        messages.append(Recorded(number, frame, entry.get("user"), entry.get("consumer")))
    return messages


def more_pages(reply: Any) -> bool:
    """Whether a streamed list sends another page after ``reply`` (DCRF's ``offset >= count - limit`` stops it)."""
    data = reply.get("payload", reply).get("data") if isinstance(reply, dict) else None
    if not isinstance(data, dict) or not {"count", "limit", "offset"} <= data.keys():
        return False
    return isinstance(data["limit"], int) and data["offset"] < data["count"] - data["limit"]


class Replayer:
    """Runs frames through ASGI consumer apps, one connection and one rolled-back savepoint each.

    Use it as a context manager from synchronous code (a command, a test): it opens the outer
    transaction, freezes the clock and keeps Channels from closing the connection under it;
    ``run()`` replays a batch under one ``async_to_sync``.
    """

    def __init__(self, *, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using
        self._stack = ExitStack()
        self._users: dict[str | None, Any] = {None: AnonymousUser()}
        self._sequences: list[tuple[str, int, bool]] = []

    def __enter__(self) -> Replayer:
        stack = self._stack
        stack.enter_context(usage.not_recorded())
        stack.enter_context(_connections_kept())
        now = timezone.now()
        stack.enter_context(mock.patch("django.utils.timezone.now", lambda: now))
        stack.enter_context(override_settings(CHANNEL_LAYERS=_REPLAY_LAYER))
        stack.enter_context(transaction.atomic(using=self.using))
        self._sequences = _sequence_values(self.using)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        transaction.set_rollback(True, using=self.using)
        self._stack.close()

    def load_users(self, usernames: Sequence[str | None]) -> list[str]:
        """Look the recorded users up; return the usernames that do not exist."""
        model = get_user_model()
        missing = []
        for username in dict.fromkeys(u for u in usernames if u is not None):
            try:
                self._users[username] = model._default_manager.get_by_natural_key(username)
            except model.DoesNotExist:
                missing.append(username)
        return missing

    def run(self, jobs: Sequence[tuple[Any, Recorded, Callable[[Any], bool]]]) -> list[Outcome]:
        """Replay each ``(app, message, more)``: ``more(reply)`` says whether that app sends another frame."""

        async def replay_all() -> list[Outcome]:
            return [await self._isolated(app, message, more) for app, message, more in jobs]

        return async_to_sync(replay_all)()

    async def _isolated(self, app: Any, message: Recorded, more: Callable[[Any], bool]) -> Outcome:
        savepoint = transaction.atomic(using=self.using)
        await sync_to_async(savepoint.__enter__)()
        try:
            return await replay(app, message.frame, self._users[message.user], more)
        finally:
            await sync_to_async(self._roll_back)(savepoint)

    def _roll_back(self, savepoint: Any) -> None:
        transaction.set_rollback(True, using=self.using)
        savepoint.__exit__(None, None, None)
        if self._sequences:
            with connections[self.using].cursor() as cursor:
                calls = ", ".join("setval(%s, %s, %s)" for _ in self._sequences)
                cursor.execute(f"SELECT {calls}", [value for sequence in self._sequences for value in sequence])


def _sequence_values(using: str) -> list[tuple[str, int, bool]]:
    """``(name, last_value, is_called)`` of every sequence of the models' tables (PostgreSQL only)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    values = []
    with connection.cursor() as cursor:
        for sequence in connection.introspection.sequence_list():
            name = sequence.get("name")
            if not name:
                continue
            cursor.execute(f"SELECT last_value, is_called FROM {connection.ops.quote_name(name)}")
            last_value, is_called = cursor.fetchone()
            values.append((name, last_value, is_called))
    return values


async def replay(app: Any, frame: str | bytes, user: Any, more: Callable[[Any], bool]) -> Outcome:
    """Send ``frame`` on a new connection as ``user``; collect the replies until ``more`` says that was the last.

    asgiref's communicator, not Channels' ``WebsocketCommunicator``: ``channels.testing`` needs Daphne,
    which a project migrating need not have.
    """
    scope = {"type": "websocket", "path": "/ws/", "query_string": b"", "headers": [], "subprotocols": [], "user": user}
    communicator = ApplicationCommunicator(app, scope)
    replies: list[Any] = []
    outcome = None
    try:
        await communicator.send_input({"type": "websocket.connect"})
        if (await _next_output(communicator))["type"] != "websocket.accept":
            return Outcome((), closed=True, refused=True)
        key = "bytes" if isinstance(frame, bytes) else "text"
        await communicator.send_input({"type": "websocket.receive", key: frame})
        while outcome is None:
            output = await _next_output(communicator)
            if output["type"] == "websocket.close":
                outcome = Outcome(tuple(replies), closed=True)
            elif output["type"] == "websocket.send":
                replies.append(json.loads(output["text"]) if output.get("text") is not None else output.get("bytes"))
                if not more(replies[-1]):
                    outcome = Outcome(tuple(replies))
    except asyncio.TimeoutError:
        outcome = Outcome(tuple(replies), hung=True)
    except Exception as crash:  # noqa: BLE001 - the consumer died on this frame: that is the outcome
        outcome = Outcome(tuple(replies), closed=True, crash=f"{type(crash).__name__}: {crash}")
    finally:
        with suppress(Exception):  # a consumer that died re-raises here: its outcome says so already
            await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
            await communicator.wait(timeout=1)  # an app still busy after that is cancelled: the outcome is known
    return outcome


async def _next_output(communicator: ApplicationCommunicator) -> dict[str, Any]:
    """The app's next message, or at once its exception if it dies first.

    ``receive_output`` only looks at a dead app after its whole timeout: every frame an old
    library dies on would cost ``HUNG`` seconds.
    """
    queued = asyncio.ensure_future(communicator.output_queue.get())
    done, _ = await asyncio.wait({queued, communicator.future}, timeout=HUNG, return_when=asyncio.FIRST_COMPLETED)
    if queued in done:
        return queued.result()
    queued.cancel()
    if not done:
        raise asyncio.TimeoutError
    if not communicator.output_queue.empty():
        return communicator.output_queue.get_nowait()
    communicator.future.result()  # raises what the app died of
    return {"type": "websocket.close"}  # it returned without closing: nothing more will come


#: The old libraries' loggers: rest_framework_channels logs two lines per message, and both log the
#: tracebacks of the frames they die on, which the comparison reports anyway.
_OLD_LOGGERS = ("rest_framework_channels", "djangochannelsrestframework", "djangochannelsrestframework.consumers")


@contextmanager
def as_in_production(old_consumer: type) -> Iterator[str | None]:
    """Run an old consumer as its production clients met it; yields a note when that changed a setting.

    rest_framework_channels imported under ``DEBUG`` re-raises every error, and the connection dies:
    unless the project chose its ``EXCEPTION_HANDLER``, the library's production handler answers instead.
    The old libraries' loggers are quieted meanwhile, and DCRF's warning that its observers do
    not support savepoints (every replayed message runs in one).
    """
    from .legacy import RFC, library_of

    loggers = [logging.getLogger(name) for name in _OLD_LOGGERS]
    levels = [logger.level for logger in loggers]
    chosen = getattr(settings, "REST_FRAMEWORK_CHANNELS", {})
    with ExitStack() as stack:
        stack.enter_context(warnings.catch_warnings())
        warnings.filterwarnings("ignore", message="Model observation with save points")
        for logger in loggers:
            logger.setLevel(logging.CRITICAL)
        stack.callback(lambda: [logger.setLevel(level) for logger, level in zip(loggers, levels, strict=True)])
        if library_of(old_consumer) != RFC or "EXCEPTION_HANDLER" in chosen or not _debug_handler():
            yield None
            return
        handler = "rest_framework_channels.exceptions.production_exception_handlers"
        stack.enter_context(override_settings(REST_FRAMEWORK_CHANNELS={**chosen, "EXCEPTION_HANDLER": handler}))
        yield (
            f"{old_consumer.__qualname__} runs with {handler}, as in production: the default chosen under "
            "DEBUG re-raises every error and closes the connection."
        )


def _debug_handler() -> bool:
    """Whether rest_framework_channels uses its DEBUG handler (its default is chosen when it is imported)."""
    from rest_framework_channels.exceptions import debug_exception_handlers
    from rest_framework_channels.settings import api_settings

    return api_settings.EXCEPTION_HANDLER is debug_exception_handlers
