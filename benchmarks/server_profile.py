"""cProfile of a server process between two signals: its event loop and its database threads (benchmark-only).

``BENCH_PROFILE_FILE=/path`` (read by ``benchmarks.bench_settings``) installs the handlers: SIGUSR1
starts profiling the main thread, and asgiref's worker threads (Channels' shared database thread,
gql_channels' pool) while they run a call; SIGUSR2 stops and writes the statistics, merged, to that
path. A benchmark signals after its warm-up and before the server stops, so start-up imports and the
warm-up stay out.
"""

from __future__ import annotations

import cProfile
import pstats
import signal
import threading
from pathlib import Path
from typing import Any


def install(path: Path) -> None:
    from asgiref.sync import SyncToAsync

    profile = cProfile.Profile()
    threads: dict[int, cProfile.Profile] = {}
    lock = threading.Lock()
    active = threading.Event()
    original = SyncToAsync.thread_handler

    def thread_handler(this: Any, loop: Any, *args: Any, **kwargs: Any) -> Any:
        if not active.is_set():
            return original(this, loop, *args, **kwargs)
        with lock:
            worker = threads.setdefault(threading.get_ident(), cProfile.Profile())
        worker.enable()
        try:
            return original(this, loop, *args, **kwargs)
        finally:
            worker.disable()

    SyncToAsync.thread_handler = thread_handler  # type: ignore[method-assign]

    def start(signum: int, frame: Any) -> None:
        active.set()
        profile.enable()

    def stop(signum: int, frame: Any) -> None:
        profile.disable()
        active.clear()
        stats = pstats.Stats(profile)
        with lock:
            for worker in threads.values():
                stats.add(worker)
        tmp = path.with_suffix(".tmp")
        stats.dump_stats(str(tmp))
        tmp.replace(path)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
