"""The Django app of gql_channels: it owns one model, ``RouteUsage`` (see ``usage.py``)."""

from __future__ import annotations

from django.apps import AppConfig


class GqlChannelsConfig(AppConfig):
    name = "gql_channels"
    verbose_name = "gql_channels"
    default_auto_field = "django.db.models.BigAutoField"
