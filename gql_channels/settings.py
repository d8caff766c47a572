"""Settings for gql_channels, read from ``settings.GQL_CHANNELS`` at call time.

Reading on every call (not at import) is what makes ``override_settings`` work in tests,
the same way strawberry-django reads ``STRAWBERRY_DJANGO``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TypedDict, cast

from django.conf import settings


class GqlChannelsSettings(TypedDict):
    """Shape of ``settings.GQL_CHANNELS``; every key is optional."""

    #: Pagination class used by a paginated list field whose ``Resource`` names none
    #: (DRF's ``DEFAULT_PAGINATION_CLASS``). A dotted path or a class.
    DEFAULT_PAGINATION_CLASS: str | type | None
    #: Page size of a pagination class that sets none (DRF's ``PAGE_SIZE``).
    PAGE_SIZE: int | None
    #: Where ``manage.py gql_channels_graphiql`` installs the GraphiQL assets and where
    #: the GraphiQL page serves them from. Lives in the environment, never in the repo.
    GRAPHIQL_ASSETS_DIR: str | Path
    #: Dotted path of the project's ``ActionConsumer`` subclass: the default consumer of the
    #: ``gql_channels_routes``/``_translate``/``_asyncapi`` commands.
    CONSUMER: str | None
    #: Largest legacy frame accepted, in bytes; a larger one closes the connection with 1009.
    MAX_FRAME_SIZE: int
    #: Largest GraphQL HTTP request body accepted, in bytes; a larger one is answered 413 before it is read
    #: whole. The same default as ``MAX_FRAME_SIZE``: one payload fits both transports or neither.
    MAX_HTTP_BODY_SIZE: int
    #: Deepest JSON nesting of a legacy message; deeper is answered 400.
    MAX_JSON_DEPTH: int
    #: Messages of one connection served at once; more are answered 429 until some finish.
    MAX_IN_FLIGHT: int
    #: Largest page any pagination class serves, whatever it allows.
    MAX_PAGE_SIZE: int
    #: Live ``subscribe`` s per connection; more are answered 429.
    MAX_SUBSCRIPTIONS: int
    #: Most keys one relation list of a write may hold (legacy ``data``, and GraphQL mutations
    #: guarded by ``RelatedKeysLimiter``): each costs several queries; more are answered 400.
    MAX_RELATED_KEYS: int
    #: Threads running legacy messages' database work, each with its own connections (``gql_channels.db``);
    #: ``0`` is Channels' one shared thread; ``None``: 8, or 0 on SQLite.
    DATABASE_THREADS: int | None
    #: Generated lists and retrieves of plain columns and relation keys are read from the rows without
    #: executing GraphQL field by field (``gql_channels.compiled``), generated writes of plain columns run
    #: their strawberry-django mutation's resolver alone (``gql_channels.compiled_writes``), and subscription
    #: events of plain fields are rendered from the yielded object (``gql_channels.compiled_events``):
    #: ``True``, ``False``, or ``"compare"`` (both, a difference refused: for tests).
    COMPILED_READS: bool | str
    #: Seconds between writes of the legacy usage counters to ``RouteUsage``
    #: (``gql_channels_usage``); ``None`` turns usage recording off.
    USAGE_FLUSH_INTERVAL: float | None


DEFAULTS = GqlChannelsSettings(
    DEFAULT_PAGINATION_CLASS=None,
    PAGE_SIZE=None,
    GRAPHIQL_ASSETS_DIR=Path(sys.prefix) / "share" / "gql_channels" / "graphiql",
    CONSUMER=None,
    MAX_FRAME_SIZE=1024 * 1024,
    MAX_HTTP_BODY_SIZE=1024 * 1024,
    MAX_JSON_DEPTH=32,
    MAX_IN_FLIGHT=100,
    MAX_PAGE_SIZE=1000,
    MAX_SUBSCRIPTIONS=100,
    MAX_RELATED_KEYS=100,
    DATABASE_THREADS=None,
    COMPILED_READS=True,
    USAGE_FLUSH_INTERVAL=10,
)


def gql_channels_settings() -> GqlChannelsSettings:
    """Return ``settings.GQL_CHANNELS`` merged over the defaults."""
    return cast(
        "GqlChannelsSettings",
        {**DEFAULTS, **getattr(settings, "GQL_CHANNELS", {})},
    )
