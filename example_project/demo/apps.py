from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "example_project.demo"
    label = "demo"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every process that writes books publishes their changes (legacy subscribe, bookChanged).
        from gql_channels.events import publish_changes
        from schema import schema

        publish_changes(schema, "BookType")
