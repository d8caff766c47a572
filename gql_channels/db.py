"""Where legacy messages run their database work: a pool of threads, each with connections of its own.

Channels' ``database_sync_to_async`` runs every call of a process on one shared thread
(``thread_sensitive``): one slow query (a report, a lock wait) held up every legacy client of the
process. On databases that serve many connections at once (PostgreSQL, MySQL, Oracle) gql_channels
runs each message's database work in a pool of ``GQL_CHANNELS["DATABASE_THREADS"]`` threads instead,
each keeping its own connection (``CONN_MAX_AGE``) and closing stale ones around every call, as
Channels does. A write still runs whole in one call, so in one thread, inside one transaction.

SQLite takes one writer at a time, and its shared in-memory test databases refuse a second
connection's access outright: there, by default, the shared thread stays.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from asgiref.sync import SyncToAsync
from channels.db import DatabaseSyncToAsync
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections
from django.db.transaction import TransactionManagementError

from .settings import gql_channels_settings

__all__ = ["database_sync_to_async", "database_threads", "shared_thread", "without_savepoints"]

T = TypeVar("T")

#: Threads per process when ``DATABASE_THREADS`` is ``None`` and the database takes concurrent connections.
DEFAULT_THREADS = 8

_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()
#: How many ``shared_thread()`` blocks are open: the whole process obeys while one is.
_shared = 0


@contextmanager
def shared_thread() -> Iterator[None]:
    """While it lasts, the process runs legacy database work on Channels' shared thread.

    Under ``async_to_sync`` that is the calling thread, on its connections: where a command's own
    transaction must cover every consumer's work (``gql_channels_translate``'s dry run,
    ``gql_channels_compare``'s savepoints). Process-wide, like the settings such commands override: the
    work may run in tasks and threads that a context variable does not follow.
    """
    global _shared
    with _pools_lock:
        _shared += 1
    try:
        yield
    finally:
        with _pools_lock:
            _shared -= 1


def database_threads(using: str = DEFAULT_DB_ALIAS) -> int:
    """How many threads run database work for ``using``: 0 is Channels' one shared thread."""
    if _shared:
        return 0
    configured = gql_channels_settings()["DATABASE_THREADS"]
    if configured is not None:
        return configured
    # The engine's name, not connections[using].vendor: no thread-local connection lookup per message.
    engine = connections.settings[using]["ENGINE"]
    return 0 if "sqlite" in engine or "spatialite" in engine else DEFAULT_THREADS


def _pool(size: int) -> ThreadPoolExecutor:
    with _pools_lock:
        if size not in _pools:
            _pools[size] = ThreadPoolExecutor(size, thread_name_prefix="gql_channels-db")
        return _pools[size]


def database_sync_to_async(func: Callable[..., T], *, using: str = DEFAULT_DB_ALIAS) -> Callable[..., Awaitable[T]]:
    """``func`` as a coroutine function running in the database threads (see the module's docstring)."""
    threads = database_threads(using)
    try:
        return _in_threads(func, threads)
    except TypeError:  # an unhashable callable (a bound method of a dataclass): wrapped for this call only
        return _in_threads.__wrapped__(func, threads)


@functools.lru_cache(maxsize=256)
def _in_threads(func: Callable[..., T], threads: int) -> Callable[..., Awaitable[T]]:
    """The wrapper of ``func`` for ``threads``, made once: asgiref inspects ``func`` on every wrapping."""
    if threads == 0:
        return DatabaseSyncToAsync(func)

    @functools.wraps(func)
    def in_thread(*args: Any, **kwargs: Any) -> T:
        # Inside the call's context, where asgiref keeps the thread's connections (Channels closes
        # them outside it, where a pooled thread's connections are not seen, and so never closed).
        close_old_connections()
        try:
            return func(*args, **kwargs)
        finally:
            close_old_connections()

    return SyncToAsync(in_thread, thread_sensitive=False, executor=_pool(threads))


@contextmanager
def without_savepoints(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Inside a transaction that any failure rolls back whole, nested atomic blocks take no savepoint.

    strawberry-django's mutations nest two ``atomic`` blocks in the legacy write's own: two
    ``SAVEPOINT``/``RELEASE`` pairs around a one-row ``INSERT`` (6 statements where DRF ran 1). A
    savepoint only matters to code that catches an error inside and goes on, which these mutations
    do not; should a nested block fail anyway, the write is refused here rather than committed short.
    """
    connection = connections[using]
    # The backends' own test (SQLite's ignores features.uses_savepoints), on this thread's connection only.
    connection._savepoint_allowed = _never  # type: ignore[attr-defined]  # Django's backends' private hook
    try:
        yield
        if connection.needs_rollback:
            raise TransactionManagementError("A nested atomic block of a legacy write failed and was caught inside it.")
    finally:
        del connection._savepoint_allowed  # type: ignore[attr-defined]


def _never() -> bool:
    return False
