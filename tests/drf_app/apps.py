from __future__ import annotations

from django.apps import AppConfig


class DrfAppConfig(AppConfig):
    name = "tests.drf_app"
    label = "drf_app"
    default_auto_field = "django.db.models.BigAutoField"
