from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from gql_channels.events import ModelEvents


class DemoConfig(AppConfig):
    name = "example_project.demo"
    label = "demo"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every process that writes books publishes their changes (legacy subscribe, bookChanged).
        from gql_channels.events import publish_changes
        from schema import schema

        global book_events
        book_events = publish_changes(schema, "BookType")


#: The publisher of book changes: ``book_events.publish("create", objs)`` after a ``bulk_create``.
book_events: ModelEvents
