"""Plain Django HTTP routes; GraphQL and the WebSocket routes live in ``asgi.py``."""

from __future__ import annotations

urlpatterns: list = []
