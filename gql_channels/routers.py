"""One-call ASGI wiring: legacy WebSocket + GraphQL WebSocket + GraphQL HTTP with GraphiQL.

Like Strawberry's ``GraphQLProtocolTypeRouter``, plus the legacy consumer. One URL can
serve both kinds of WebSocket client: a client offering a GraphQL subprotocol
(``graphql-transport-ws``/``graphql-ws``) at the GraphQL path gets GraphQL, any other
client gets the legacy action protocol. In front of every route, Django's own checks of
the ``Host`` (``ALLOWED_HOSTS``) and, for WebSocket handshakes, of the ``Origin``
(``CSRF_TRUSTED_ORIGINS``), which a Channels consumer never makes by itself.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from channels.auth import AuthMiddleware
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import WebsocketDenier
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host
from django.urls import URLPattern, re_path
from django.utils.http import is_same_domain
from strawberry.channels import GraphQLWSConsumer
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from .consumers import ActionConsumer
from .graphiql import GraphiQLAssets, GraphiQLHTTPConsumer

GRAPHQL_SUBPROTOCOLS = (GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL)
#: Django's logger for the same refusal, so a project that silences it silences both.
_host_logger = logging.getLogger("django.security.DisallowedHost")


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


def AuthMiddlewareStack(inner: Any) -> Any:  # Channels' name for the same stack
    """Channels' ``AuthMiddlewareStack`` with ``SessionAuthMiddleware``."""
    return CookieMiddleware(SessionMiddleware(SessionAuthMiddleware(inner)))


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    """A request header as Django's ``request.META`` holds it: latin-1, repeated ones joined by commas."""
    values = [value.decode("latin-1") for key, value in scope.get("headers", ()) if key == name]
    return ",".join(values) if values else None


def _request_host(scope: dict[str, Any]) -> str | None:
    """The host a request names, read as Django's ``HttpRequest.get_host()`` reads it; ``None`` if it names none.

    Only a scope with neither a ``Host`` header nor a server address names none (Channels' test
    communicators): a browser always sends ``Host``.
    """
    host = _header(scope, b"x-forwarded-host") if settings.USE_X_FORWARDED_HOST else None
    if host is None:
        host = _header(scope, b"host")
    if host is None and scope.get("server"):
        name, port = scope["server"]
        default_port = 443 if scope.get("scheme") in ("https", "wss") else 80
        host = name if port == default_port else f"{name}:{port}"
    return host


def _host_allowed(host: str) -> bool:
    """Whether ``ALLOWED_HOSTS`` (with Django's DEBUG defaults when it is empty) allows ``host``."""
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, allowed)


class AllowedHostsMiddleware:
    """Answer 400, or refuse the WebSocket handshake, when the request's host is not in ``ALLOWED_HOSTS``.

    Django checks the host only when something calls ``request.get_host()``, which a Channels consumer
    never does: without this a DNS-rebinding page (``Host: rebound.evil.example``) is served.
    """

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        host = _request_host(scope)
        if host is None or _host_allowed(host):
            await self.application(scope, receive, send)
            return
        _host_logger.warning("Invalid HTTP_HOST header: %r. You may need to add it to ALLOWED_HOSTS.", host)
        if scope["type"] == "websocket":
            await WebsocketDenier()(scope, receive, send)
            return
        body = b"Bad Request (400): the Host header is not in ALLOWED_HOSTS."
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 400, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _origin_allowed(origin: str, scope: dict[str, Any]) -> bool:
    """Django's ``CsrfViewMiddleware._origin_verified`` for a handshake: whole origins, scheme and port included.

    The handshake's own origin (``http``/``https`` for ``ws``/``wss``, and its host if ``ALLOWED_HOSTS``
    allows it), or one of ``CSRF_TRUSTED_ORIGINS``: exact, or ``https://*.example.com`` for subdomains.
    """
    host = _request_host(scope)
    if host is not None and _host_allowed(host):
        scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
        if origin == f"{scheme}://{host}":
            return True
    trusted = settings.CSRF_TRUSTED_ORIGINS
    if origin in {pattern for pattern in trusted if "*" not in pattern}:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    wildcards = (urlsplit(pattern) for pattern in trusted if "*" in pattern)
    return any(
        is_same_domain(parsed.netloc, pattern.netloc.lstrip("*"))
        for pattern in wildcards
        if pattern.scheme == parsed.scheme
    )


class AllowedHostsOriginValidator:
    """Refuse WebSocket handshakes from browser pages of another origin, as Django's CSRF check refuses POSTs.

    Served: the handshake's own origin (of a host in ``ALLOWED_HOSTS``) and ``CSRF_TRUSTED_ORIGINS``.
    Channels' validator of the same name compares the ``Origin``'s host with ``ALLOWED_HOSTS`` only, so
    ``http://127.0.0.1:9999`` or ``https://127.0.0.1`` passed for a server on ``http://127.0.0.1:8000``.
    Clients sending no ``Origin`` connect: cross-site WebSocket hijacking is a browser attack, browsers
    always send it, and legacy clients written with a plain WebSocket library usually do not.
    """

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        origin = _header(scope, b"origin")
        if origin is None or _origin_allowed(origin, scope):
            await self.application(scope, receive, send)
        else:
            await WebsocketDenier()(scope, receive, send)


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
    ``AuthMiddlewareStack`` so resolvers see ``scope["user"]`` on every route. Requests to a host
    outside ``ALLOWED_HOSTS`` are refused on every route (``AllowedHostsMiddleware``), and so are
    WebSocket handshakes from browser pages of another origin (``AllowedHostsOriginValidator``).
    GraphiQL is served only with ``graphiql=True``.

    ``consumers={"ws/books/": BookConsumer, ...}`` mounts more ``ActionConsumer`` s, one per URL, as
    djangochannelsrestframework apps mount theirs; each is bound to ``schema`` like the legacy consumer.
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
        consumers: Mapping[str, type[ActionConsumer]] | None = None,
    ) -> None:
        legacy_app = legacy_consumer.as_asgi(schema=schema)  # binds once, reused for both paths
        mounted = [re_path(_route(path), consumer.as_asgi(schema=schema)) for path, consumer in (consumers or {}).items()]
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
            http_routes.insert(0, _asgi_route(rf"^{re.escape(prefix)}/assets/(?P<name>[^/]+)$", GraphiQLAssets()))
        if django_application is not None:
            http_routes.append(re_path(r"^", django_application))
        super().__init__(
            {
                "http": AllowedHostsMiddleware(AuthMiddlewareStack(URLRouter(http_routes))),
                "websocket": AllowedHostsMiddleware(
                    AllowedHostsOriginValidator(
                        AuthMiddlewareStack(
                            URLRouter(
                                [
                                    re_path(_route(legacy_path), legacy_app),
                                    _asgi_route(_route(graphql_path), SubprotocolRouter(graphql_ws, legacy_app)),
                                    *mounted,
                                ]
                            )
                        )
                    )
                ),
            }
        )


def _asgi_route(pattern: str, app: Any) -> URLPattern:
    """``re_path`` for Channels' ``URLRouter``, which routes to ASGI applications, not to Django views."""
    return re_path(pattern, app)
