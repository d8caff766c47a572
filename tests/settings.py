"""Settings of the test suite: the example's, plus the test-only apps and Django REST framework.

``tests.drf_app`` has models of every field type, compared with DRF's ``ModelSerializer``
(``test_drf_parity.py``); ``tests.dcrf_app`` is a djangochannelsrestframework app the migration tests
migrate (``test_migrate.py``, ``test_compare.py``). Nothing in the library or the example imports them or DRF.
"""

from __future__ import annotations

from example_project.settings import *  # noqa: F403
from example_project.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework", "tests.drf_app", "tests.dcrf_app"]
