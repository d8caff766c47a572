"""cProfile of a process's event loop and its database threads, merged (benchmark-only).

``ThreadProfiles`` profiles the calling thread as a whole, and asgiref's worker threads (Channels'
shared database thread, gql_channels' pool) while they run a call. In a server process,
``BENCH_PROFILE_FILE=/path`` (read by ``benchmarks.bench_settings``) installs signal handlers:
SIGUSR1 starts profiling, SIGUSR2 stops and writes the statistics to that path. A benchmark signals
after its warm-up and before the server stops, so start-up imports and the warm-up stay out.
"""

from __future__ import annotations

import cProfile
import pstats
import signal
import threading
from pathlib import Path
from typing import Any


class ThreadProfiles:
    """The event loop's thread profiled as a whole; asgiref's worker threads (the database work) while they run a call."""

    def __init__(self) -> None:
        self.main = cProfile.Profile()
        self.threads: dict[int, cProfile.Profile] = {}
        self.lock = threading.Lock()
        self.original: Any = None

    def start(self) -> None:
        from asgiref.sync import SyncToAsync

        self.original = original = SyncToAsync.thread_handler
        threads, lock = self.threads, self.lock

        def thread_handler(this: Any, loop: Any, *args: Any, **kwargs: Any) -> Any:
            ident = threading.get_ident()
            with lock:
                profile = threads.setdefault(ident, cProfile.Profile())
            profile.enable()
            try:
                return original(this, loop, *args, **kwargs)
            finally:
                profile.disable()

        SyncToAsync.thread_handler = thread_handler  # type: ignore[method-assign]
        self.main.enable()

    def finish(self) -> None:
        """Stop profiling (the profiles stay readable)."""
        from asgiref.sync import SyncToAsync

        self.main.disable()
        SyncToAsync.thread_handler = self.original  # type: ignore[method-assign]

    def stop(self, path: Path) -> None:
        """Stop profiling; write every thread's profile, merged, to ``path``."""
        self.finish()
        stats = pstats.Stats(self.main)
        for profile in self.threads.values():
            stats.add(profile)
        stats.dump_stats(str(path))


def install(path: Path) -> None:
    """SIGUSR1 starts a ``ThreadProfiles`` of this process's main thread; SIGUSR2 writes it to ``path``."""
    profiles: list[ThreadProfiles] = []

    def start(signum: int, frame: Any) -> None:
        profiles.append(ThreadProfiles())
        profiles[-1].start()

    def stop(signum: int, frame: Any) -> None:
        tmp = path.with_suffix(".tmp")
        profiles.pop().stop(tmp)
        tmp.replace(path)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
