"""Settings of benchmarks/legacy_vs_drf.py: the example's, plus Django REST framework, production-like.

Benchmark-only: the library and the example never import it. ``rest_framework`` is installed for
the rest_framework_channels contender (``benchmarks/drf_app.py``); ``DEBUG`` is off unless
``DJANGO_DEBUG=1`` (as a deployment would run: no SQL recording, no debug error pages), for both
contenders alike.
"""

from __future__ import annotations

import os

from example_project.settings import *  # noqa: F403
from example_project.settings import INSTALLED_APPS

DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework"]
