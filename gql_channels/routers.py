"""One-call ASGI wiring: legacy WebSocket + GraphQL WebSocket + GraphQL HTTP with GraphiQL.

Like Strawberry's ``GraphQLProtocolTypeRouter``, plus the legacy consumer. One URL can
serve both kinds of WebSocket client: a client offering a GraphQL subprotocol
(``graphql-transport-ws``/``graphql-ws``) at the GraphQL path gets GraphQL, any other
client gets the legacy action protocol.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from channels.auth import AuthMiddleware
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import OriginValidator
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import re_path
from strawberry.channels import GraphQLWSConsumer
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from .consumers import ActionConsumer
from .graphiql import GraphiQLAssets, GraphiQLHTTPConsumer

GRAPHQL_SUBPROTOCOLS = (GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL)


class SessionAuthMiddleware(AuthMiddleware):
    """Channels' ``AuthMiddleware``, without its thread hop for a request that carries no session.

    Looking the user up costs a database thread hop per HTTP request; with no session cookie the
    answer is ``AnonymousUser`` anyway, so it is given directly.
    """

    async def resolve_scope(self, scope: dict[str, Any]) -> None:
        if scope["session"].session_key:
            await super().resolve_scope(scope)
        else:
            scope["user"]._wrapped = AnonymousUser()


def AuthMiddlewareStack(inner: Any) -> Any:  # noqa: N802 - Channels' name for the same stack
    """Channels' ``AuthMiddlewareStack`` with ``SessionAuthMiddleware``."""
    return CookieMiddleware(SessionMiddleware(SessionAuthMiddleware(inner)))


class BrowserOriginValidator(OriginValidator):
    """Channels' ``OriginValidator``, letting through clients that send no ``Origin``.

    Cross-site WebSocket hijacking is a browser attack, and browsers always send ``Origin``;
    legacy clients written with a plain WebSocket library usually send none and must still connect.
    """

    def valid_origin(self, parsed_origin: Any) -> bool:
        return parsed_origin is None or super().valid_origin(parsed_origin)


def AllowedHostsOriginValidator(application: Any) -> BrowserOriginValidator:  # noqa: N802 - Channels' name
    """Refuse WebSocket handshakes from browser pages of hosts outside ``ALLOWED_HOSTS``."""
    allowed = settings.ALLOWED_HOSTS or (["localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])
    return BrowserOriginValidator(application, allowed)


class SubprotocolRouter:
    """Send a WebSocket to ``graphql_app`` if it offers a GraphQL subprotocol, else to ``legacy_app``."""

    def __init__(self, graphql_app: Any, legacy_app: Any, protocols: Sequence[str] = GRAPHQL_SUBPROTOCOLS) -> None:
        self.graphql_app = graphql_app
        self.legacy_app = legacy_app
        self.protocols = frozenset(protocols)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        offered = scope.get("subprotocols") or ()
        app = self.graphql_app if self.protocols.intersection(offered) else self.legacy_app
        await app(scope, receive, send)


def _route(path: str) -> str:
    """A regex for ``path`` with or without its trailing slash."""
    return rf"^{re.escape(path.strip('/'))}/?$"


class GqlChannelsRouter(ProtocolTypeRouter):
    """The whole server in one ASGI app.

    ```python
    application = GqlChannelsRouter(schema, LegacyConsumer, django_application=get_asgi_application())
    ```

    serves GraphQL over HTTP (GET and POST, GraphiQL in a browser) and over WebSocket at
    ``/graphql/``, and the legacy protocol at ``/ws/`` (and at ``/graphql/`` for clients
    offering no GraphQL subprotocol). Connections pass through Channels'
    ``AuthMiddlewareStack`` so resolvers see ``scope["user"]`` on every route, and WebSocket
    handshakes from browser pages of other hosts than ``ALLOWED_HOSTS`` are refused.
    GraphiQL is served only with ``graphiql=True``.
    """

    def __init__(
        self,
        schema: Any,
        legacy_consumer: type[ActionConsumer],
        *,
        django_application: Any = None,
        graphql_path: str = "graphql/",
        legacy_path: str = "ws/",
        graphiql: bool = False,
    ) -> None:
        legacy_app = legacy_consumer.as_asgi(schema=schema)  # binds once, reused for both paths
        # Origins are checked once, for every WebSocket route alike (AllowedHostsOriginValidator below);
        # Strawberry's own same-origin check would refuse what the legacy route accepts.
        graphql_ws = GraphQLWSConsumer.as_asgi(
            schema=schema, subscription_protocols=GRAPHQL_SUBPROTOCOLS, allowed_origins=("*",)
        )
        prefix = graphql_path.strip("/")
        http_routes = [
            re_path(
                _route(graphql_path),
                GraphiQLHTTPConsumer.as_asgi(schema=schema, graphql_ide="graphiql" if graphiql else None),
            ),
        ]
        if graphiql:
            http_routes.insert(0, re_path(rf"^{re.escape(prefix)}/assets/(?P<name>[^/]+)$", GraphiQLAssets()))
        if django_application is not None:
            http_routes.append(re_path(r"^", django_application))
        super().__init__(
            {
                "http": AuthMiddlewareStack(URLRouter(http_routes)),
                "websocket": AllowedHostsOriginValidator(
                    AuthMiddlewareStack(
                        URLRouter(
                            [
                                re_path(_route(legacy_path), legacy_app),
                                re_path(_route(graphql_path), SubprotocolRouter(graphql_ws, legacy_app)),
                            ]
                        )
                    )
                ),
            }
        )
