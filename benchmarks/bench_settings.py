"""Settings of the benchmarks: the example's, plus Django REST framework, production-like.

Benchmark-only: the library and the example never import it. ``rest_framework`` is installed for
the rest_framework_channels and djangochannelsrestframework contenders (``benchmarks/drf_app.py``,
``benchmarks/dcrf_app.py``); ``DEBUG`` is off unless ``DJANGO_DEBUG=1`` (as a deployment would run:
no SQL recording, no debug error pages), for every contender alike. The example's own environment
variables hold (``DATABASE_URL``, ``REDIS_URL``: channels-redis with 30 s reads), plus:

- ``BENCH_DATABASE_THREADS``: ``GQL_CHANNELS["DATABASE_THREADS"]`` (unset: the library's default);
- ``BENCH_SQL_COUNT_FILE``: count this process's SQL statements into that file (``benchmarks.sql_counter``);
- ``BENCH_PROFILE_FILE``: profile the event loop and the database threads between SIGUSR1 and SIGUSR2 into that file (``benchmarks.server_profile``).
"""

from __future__ import annotations

import os
from pathlib import Path

from example_project.settings import *  # noqa: F403
from example_project.settings import GQL_CHANNELS, INSTALLED_APPS

DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework"]
if os.environ.get("BENCH_DATABASE_THREADS"):
    GQL_CHANNELS = {**GQL_CHANNELS, "DATABASE_THREADS": int(os.environ["BENCH_DATABASE_THREADS"])}
if os.environ.get("BENCH_SQL_COUNT_FILE"):
    from benchmarks import sql_counter

    sql_counter.dump_to(Path(os.environ["BENCH_SQL_COUNT_FILE"]))
if os.environ.get("BENCH_PROFILE_FILE"):
    from benchmarks import server_profile

    server_profile.install(Path(os.environ["BENCH_PROFILE_FILE"]))
