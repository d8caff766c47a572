from __future__ import annotations

from django.apps import AppConfig


class DcrfAppConfig(AppConfig):
    name = "tests.dcrf_app"
    label = "dcrf_app"
    default_auto_field = "django.db.models.BigAutoField"
