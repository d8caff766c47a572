"""Counting the SQL statements a process sends, on every thread: benchmark-only.

``install()`` wraps Django's ``CursorWrapper.execute``/``executemany`` (every ORM and cursor
statement, whatever the thread; DEBUG's ``CursorDebugWrapper`` goes through them too) and the
connections' ``commit``/``rollback`` (a transaction's end is no cursor statement, but it is a round
trip to the database all the same; counted only when a transaction is open, as only then does the
driver send one). On PostgreSQL the ``BEGIN`` psycopg sends before the first statement of a
transaction is counted too (Django's SQLite backend sends its own through the cursor). The raw health check of ``CONN_HEALTH_CHECKS`` is not
counted: it is no statement of the work measured.

- in one process: ``with recording() as seen: ...`` lists the statements sent meanwhile;
- in a server process: ``BENCH_SQL_COUNT_FILE=/path`` (read by ``benchmarks.counting_settings``)
  makes a daemon thread rewrite that file with the running totals (JSON) within 50 ms of a change,
  so a benchmark reads per-process deltas between two moments when the server is quiet.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "COMMIT")

_lock = threading.Lock()
_totals: Counter[str] = Counter()
_recorders: list[list[str]] = []
_installed = False


def kind(sql: str) -> str:
    """``select``, ``insert``, ``update``, ``delete``, ``control`` (transactions, savepoints) or ``other``."""
    head = sql.lstrip()[:20].upper()
    if head.startswith(CONTROL):
        return "control"
    for word in ("SELECT", "INSERT", "UPDATE", "DELETE"):
        if head.startswith(word):
            return word.lower()
    return "other"


def _seen(sql: str) -> None:
    with _lock:
        _totals["total"] += 1
        _totals[kind(sql)] += 1
        for recorder in _recorders:
            recorder.append(sql)


def install() -> None:
    """Wrap Django's cursor and transaction calls (idempotent)."""
    global _installed
    if _installed:
        return
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.utils import CursorWrapper

    def statement(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(self: Any, sql: str, *args: Any, **kwargs: Any) -> Any:
            raw = self.db.connection
            if raw is not None and _implicit_begin(raw):
                _seen("BEGIN")  # psycopg opens the transaction Django's atomic asked for, before this statement
            _seen(str(sql))
            return original(self, sql, *args, **kwargs)

        return wrapper

    def ending(original: Callable[..., Any], name: str) -> Callable[..., Any]:
        def wrapper(self: Any) -> Any:
            if self.connection is not None and _in_transaction(self.connection):
                _seen(name)  # a COMMIT/ROLLBACK with no transaction open sends nothing
            return original(self)

        return wrapper

    CursorWrapper.execute = statement(CursorWrapper.execute)  # type: ignore[method-assign]
    CursorWrapper.executemany = statement(CursorWrapper.executemany)  # type: ignore[method-assign]
    BaseDatabaseWrapper.commit = ending(BaseDatabaseWrapper.commit, "COMMIT")  # type: ignore[method-assign]
    BaseDatabaseWrapper.rollback = ending(BaseDatabaseWrapper.rollback, "ROLLBACK")  # type: ignore[method-assign]
    _installed = True


def _implicit_begin(raw: Any) -> bool:
    """psycopg (PostgreSQL) outside autocommit, with no transaction open yet: it sends BEGIN first."""
    info = getattr(raw, "info", None)
    if info is None or not hasattr(info, "transaction_status") or raw.autocommit:
        return False
    import psycopg

    return info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def _in_transaction(raw: Any) -> bool:
    info = getattr(raw, "info", None)
    if info is not None and hasattr(info, "transaction_status"):
        import psycopg

        return info.transaction_status != psycopg.pq.TransactionStatus.IDLE
    return bool(getattr(raw, "in_transaction", True))  # sqlite3


@contextmanager
def recording() -> Iterator[list[str]]:
    """The statements sent, on any thread, while the block runs."""
    install()
    seen: list[str] = []
    with _lock:
        _recorders.append(seen)
    try:
        yield seen
    finally:
        with _lock:
            _recorders.remove(seen)


def totals() -> dict[str, int]:
    with _lock:
        return dict(_totals)


def dump_to(path: Path, interval: float = 0.05) -> None:
    """Keep ``path`` holding ``totals()`` (JSON, with this pid), rewritten within ``interval`` of a change."""
    install()

    def loop() -> None:
        last: dict[str, int] | None = None
        while True:
            now = totals()
            if now != last:
                tmp = path.with_suffix(".tmp")
                tmp.write_text(json.dumps({"pid": os.getpid(), **now}))
                os.replace(tmp, path)
                last = now
            time.sleep(interval)

    threading.Thread(target=loop, name="bench-sql-counter", daemon=True).start()


def read(path: Path) -> dict[str, int]:
    """What a server's counter file says (zeros before its first statement)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
