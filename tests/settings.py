"""Settings of the test suite: the example's, plus Django REST framework and the DCRF app the migration tests migrate.

``tests.dcrf_app`` is a djangochannelsrestframework app written for ``test_migrate.py`` and
``test_compare.py``; nothing in the library or the example imports it or DRF.
"""

from __future__ import annotations

from example_project.settings import *  # noqa: F403
from example_project.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework", "tests.dcrf_app"]
