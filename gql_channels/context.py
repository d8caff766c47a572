"""The context every legacy execution runs with, recognisable by the schema's extensions."""

from __future__ import annotations

__all__ = ["LegacyContext"]


class LegacyContext(dict):
    """The context of legacy executions: Strawberry's Channels context, recognisably ours."""
