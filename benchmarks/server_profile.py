"""cProfile of a server process's main thread (its event loop) between two signals: benchmark-only.

``BENCH_PROFILE_FILE=/path`` (read by ``benchmarks.bench_settings``) installs the handlers: SIGUSR1
starts profiling the main thread, SIGUSR2 stops it and writes the statistics to that path. A benchmark
signals after its warm-up and before the server stops, so start-up imports and the warm-up stay out.
Database work that gql_channels runs in its threads shows as the wait for them, not as its own calls.
"""

from __future__ import annotations

import cProfile
import signal
from pathlib import Path
from typing import Any


def install(path: Path) -> None:
    profile = cProfile.Profile()

    def start(signum: int, frame: Any) -> None:
        profile.enable()

    def stop(signum: int, frame: Any) -> None:
        profile.disable()
        tmp = path.with_suffix(".tmp")
        profile.dump_stats(str(tmp))
        tmp.replace(path)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
