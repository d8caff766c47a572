from __future__ import annotations

from django.apps import AppConfig


class DrfAppConfig(AppConfig):
    name = "tests.drf_app"
    label = "drf_app"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gql_channels.events import publish_changes

        from .schema import schema

        publish_changes(schema, "GadgetType")
