"""Count the legacy messages each route still serves, so a team knows when it can retire one.

``record()`` runs once per message on the event loop: it only bumps an in-memory counter
keyed by (consumer, route pattern, action) and sends ``legacy_message_served`` when a
receiver is connected. A background task started by the first ``record()`` on a loop
``flush()``es the counters to ``RouteUsage`` every ``GQL_CHANNELS["USAGE_FLUSH_INTERVAL"]``
seconds, in a thread (``database_sync_to_async``); a failed flush is logged and its counts
are kept for the next one. ``manage.py gql_channels_usage`` prints the table.

Each process counts its own messages and adds them to the same rows (``F()`` increments),
so counts from several workers add up.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from channels.db import database_sync_to_async
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.dispatch import Signal
from django.utils import timezone

from .settings import gql_channels_settings

__all__ = ["flush", "legacy_message_served", "not_recorded", "record"]

logger = logging.getLogger(__name__)

#: Sent by ``record()`` for every legacy message, synchronously on the event loop, with
#: ``consumer``, ``route`` (the matched pattern or ``None``), ``action`` and ``status``;
#: ``sender`` is ``None``. Connect a cheap synchronous receiver (a metrics counter); it is
#: only called when connected, and an exception in it is logged, never sent to the client.
legacy_message_served = Signal()

#: Client-chosen action names are cut to the ``RouteUsage.action`` column.
_MAX_ACTION_LENGTH = 255

Key = tuple[str, str | None, str | None]


@dataclass(slots=True)
class _Counts:
    count: int = 0
    errors: int = 0
    last_served_at: datetime | None = None

    def add(self, other: _Counts) -> None:
        self.count += other.count
        self.errors += other.errors
        if self.last_served_at is None or (other.last_served_at and other.last_served_at > self.last_served_at):
            self.last_served_at = other.last_served_at


#: Messages counted since the last flush. ``_lock`` guards O(1) updates and the swap in
#: ``_take()``: it is never held across I/O, so the event loop never waits on it.
_pending: dict[Key, _Counts] = {}
_lock = threading.Lock()
#: Serialises flushes, in the flushing thread.
_flush_lock = threading.Lock()
_flusher: asyncio.Task[None] | None = None
_suspended: ContextVar[bool] = ContextVar("gql_channels_usage_suspended", default=False)


def record(consumer: str, route: str | None, action: str | None, status: int) -> None:
    """Count one served message (``status`` >= 400 is an error); never raises, never blocks."""
    try:
        if _suspended.get() or gql_channels_settings()["USAGE_FLUSH_INTERVAL"] is None:
            return
        if action is not None and len(action) > _MAX_ACTION_LENGTH:
            action = action[:_MAX_ACTION_LENGTH]
        now = timezone.now()
        with _lock:
            counts = _pending.get((consumer, route, action))
            if counts is None:
                counts = _pending[(consumer, route, action)] = _Counts()
            counts.count += 1
            counts.errors += status >= 400
            counts.last_served_at = now
        _start_flusher()
        if legacy_message_served.has_listeners():
            responses = legacy_message_served.send_robust(
                None, consumer=consumer, route=route, action=action, status=status
            )
            for receiver, response in responses:
                if isinstance(response, Exception):
                    logger.error("legacy_message_served receiver %r failed", receiver, exc_info=response)
    except Exception:
        logger.exception("Counting a legacy message failed")


@contextmanager
def not_recorded() -> Iterator[None]:
    """Leave the messages handled in this context out of the counts (``gql_channels_translate``)."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


async def flush() -> int:
    """Write the pending counts to ``RouteUsage``; return how many rows were written.

    Never raises: on a database error the counts go back into the pending ones for the
    next flush, and the error is logged.
    """
    try:
        return await database_sync_to_async(_flush_sync)()
    except Exception:
        logger.exception("Writing legacy usage counts failed; they are kept for the next flush")
        return 0


def _start_flusher() -> None:
    """Start the periodic flush on the running loop, once (again if its loop has stopped)."""
    global _flusher  # noqa: PLW0603 - one flusher per process
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no loop: the counts wait for an explicit flush()
        return
    task = _flusher
    if task is not None and not task.done() and (task.get_loop() is loop or task.get_loop().is_running()):
        return
    _flusher = loop.create_task(_flush_periodically(), name="gql_channels usage flush")


async def _flush_periodically() -> None:
    while (interval := gql_channels_settings()["USAGE_FLUSH_INTERVAL"]) is not None:
        await asyncio.sleep(interval)
        await flush()


def _take() -> dict[Key, _Counts]:
    global _pending  # noqa: PLW0603 - swapped, so record() never waits for the database
    with _lock:
        taken, _pending = _pending, {}
    return taken


def _restore(taken: dict[Key, _Counts]) -> None:
    with _lock:
        for key, counts in taken.items():
            _pending.setdefault(key, _Counts()).add(counts)


def _flush_sync() -> int:
    with _flush_lock:
        taken = _take()
        try:
            with transaction.atomic():
                for key, counts in taken.items():
                    _write(key, counts)
        except BaseException:
            _restore(taken)
            raise
    return len(taken)


def _write(key: Key, counts: _Counts) -> None:
    from .models import (
        RouteUsage,  # not at import: the consumer loads while apps are populated
    )

    consumer, route, action = key
    rows = RouteUsage.objects.filter(consumer=consumer, route=route, action=action)
    increments = {
        "count": F("count") + counts.count,
        "errors": F("errors") + counts.errors,
        "last_served_at": Greatest(F("last_served_at"), Value(counts.last_served_at)),
    }
    if rows.update(**increments):
        return
    try:
        with transaction.atomic():
            RouteUsage.objects.create(
                consumer=consumer, route=route, action=action,
                count=counts.count, errors=counts.errors, last_served_at=counts.last_served_at,
            )
    except IntegrityError:  # another process created the row since the update
        rows.update(**increments)
