"""ASGI entry point: legacy WS at /ws/, GraphQL (HTTP, WS, GraphiQL) at /graphql/, DCRF consumers at /ws/<name>/."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
django_application = get_asgi_application()

from example_project.consumers import DCRF_CONSUMERS, LegacyConsumer  # noqa: E402
from gql_channels.routers import GqlChannelsRouter  # noqa: E402 - needs Django set up
from schema import schema  # noqa: E402

application = GqlChannelsRouter(
    schema, LegacyConsumer, django_application=django_application, graphiql=settings.GRAPHIQL, consumers=DCRF_CONSUMERS
)
