"""gql_channels: serve legacy rest_framework_channels WebSocket clients from a Strawberry schema."""

from __future__ import annotations

from .consumers import ActionConsumer
from .resources import Action, Resource

__all__ = ["Action", "ActionConsumer", "Resource"]
