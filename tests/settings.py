"""The example's settings plus the test-only app whose models every field type comparison with DRF uses."""

from __future__ import annotations

from example_project.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.drf_app"]  # noqa: F405
