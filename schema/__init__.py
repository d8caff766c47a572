"""The example's Strawberry schema: the single source of truth for legacy and GraphQL clients."""

from __future__ import annotations

from .api import schema

__all__ = ["schema"]
