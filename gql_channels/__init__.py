"""gql_channels: serve legacy rest_framework_channels WebSocket clients from a Strawberry schema."""

from __future__ import annotations

from .consumers import ActionConsumer
from .resources import Action, Resource, routes_from_schema

__all__ = ["Action", "ActionConsumer", "Resource", "routes_from_schema"]
