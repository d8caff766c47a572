"""Offline GraphiQL: pinned npm assets, a page without inline script, and an ASGI app serving them.

Strawberry's stock page loads React and GraphiQL from a CDN through an inline script, so it is
blank offline and under a strict Content-Security-Policy. Here the same pinned versions are
installed from the npm registry at set-up time (``manage.py gql_channels_graphiql``), outside the
repo, and served by our own server under ``<graphql path>assets/``.

The GraphQL HTTP consumer serving the page also bounds what a client may POST: a body over
``GQL_CHANNELS["MAX_HTTP_BODY_SIZE"]`` is a 413, a JSON body that is no GraphQL request a 400.

Mounting (channels)::

    URLRouter([
        re_path(r"^graphql/assets/(?P<name>[^/]+)$", GraphiQLAssets()),
        re_path(r"^graphql/?$", GraphiQLHTTPConsumer.as_asgi(schema=schema)),
    ])
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import subprocess
from collections.abc import Sequence
from functools import cache
from html import escape
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from channels.exceptions import StopConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from cross_web import HTTPException
from django.core.exceptions import ImproperlyConfigured
from strawberry.channels import GraphQLHTTPConsumer
from strawberry.channels.handlers.http_handler import ChannelsRequest, ChannelsResponse

from gql_channels.settings import gql_channels_settings

if TYPE_CHECKING:
    from contextlib import _AsyncGeneratorContextManager  # what Strawberry's asynccontextmanager returns

__all__ = ["CSP", "GraphiQLAssets", "GraphiQLHTTPConsumer", "assets_dir", "install_assets"]

#: Files shipped in the package: the npm manifest and lock, the page and its own script/style.
SOURCE_DIR = Path(__file__).with_name("graphiql_assets")

#: Checked in a browser by tests/test_graphiql.py. Fonts are data: URLs inside GraphiQL's CSS;
#: styles need 'unsafe-inline' because a dialog's scroll lock (react-remove-scroll-bar) injects a
#: <style> element without a settable nonce; the subscription fetcher opens a WebSocket.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; "
    "font-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

#: URL name -> file in the installed node_modules. A fixed mapping: nothing else is reachable.
NPM_FILES = {
    "react.js": "react/umd/react.production.min.js",
    "react-dom.js": "react-dom/umd/react-dom.production.min.js",
    "js.cookie.js": "js-cookie/dist/js.cookie.min.js",
    "graphiql.js": "graphiql/graphiql.min.js",
    "graphiql.css": "graphiql/graphiql.min.css",
    "explorer.js": "@graphiql/plugin-explorer/dist/index.umd.js",
    "explorer.css": "@graphiql/plugin-explorer/dist/style.css",
}
#: URL names of our own files, served from SOURCE_DIR.
OWN_FILES = ("init.js", "page.css", "favicon.svg")
CONTENT_TYPES = {
    ".js": b"text/javascript; charset=utf-8",
    ".css": b"text/css; charset=utf-8",
    ".svg": b"image/svg+xml",
}
#: Asset URLs carry ``?v=<version>``, so a browser may keep them for good.
CACHE_CONTROL = b"public, max-age=31536000, immutable"
LOCK_FILES = ("package.json", "package-lock.json")


def assets_dir() -> Path:
    """Where the npm assets are installed: ``GQL_CHANNELS["GRAPHIQL_ASSETS_DIR"]``."""
    return Path(gql_channels_settings()["GRAPHIQL_ASSETS_DIR"])


def _locked_versions(lock_file: Path) -> dict[str, str]:
    """Package path -> version of a (hidden) npm lock file, empty when it is missing or bad."""
    try:
        packages = json.loads(lock_file.read_text())["packages"]
        return {
            path: meta["version"]
            for path, meta in packages.items()
            if path and not meta.get("dev")
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _is_installed(target: Path) -> bool:
    """True when every served npm file exists under ``target``."""
    return all((target / "node_modules" / rel).is_file() for rel in NPM_FILES.values())


def install_assets(target: Path | None = None) -> Path:
    """Install the pinned npm packages into ``target`` (default ``assets_dir()``); return it.

    Skips npm when the installed tree already matches the lock, so it is cheap to call on
    every deploy or test session.
    """
    target = Path(target) if target is not None else assets_dir()
    wanted = _locked_versions(SOURCE_DIR / "package-lock.json")
    if (
        _is_installed(target)
        and _locked_versions(target / "node_modules" / ".package-lock.json") == wanted
    ):
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise ImproperlyConfigured(
            "`npm` is not on PATH: install Node.js/npm to install the GraphiQL assets."
        )
    target.mkdir(parents=True, exist_ok=True)
    for name in LOCK_FILES:
        shutil.copyfile(SOURCE_DIR / name, target / name)
    command = [npm, "ci", "--omit=dev", "--no-audit", "--no-fund"]
    done = subprocess.run(command, cwd=target, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not _is_installed(target):
        raise RuntimeError(
            f"`{' '.join(command)}` failed in {target}:\n{done.stdout}{done.stderr}"
        )
    return target


@cache
def _page() -> Template:
    """The page template (``$assets`` URL prefix, ``$version``), read once."""
    return Template((SOURCE_DIR / "index.html").read_text())


@cache
def _version() -> str:
    """Short digest of the lock and our own files: the cache-busting ``?v=`` of asset URLs."""
    digest = hashlib.sha256()
    for name in ("package-lock.json", *OWN_FILES):
        digest.update((SOURCE_DIR / name).read_bytes())
    return digest.hexdigest()[:12]


def _not_installed_html(target: Path) -> str:
    """Plain page saying what to run, instead of a GraphiQL that renders blank."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>gql_channels GraphiQL</title></head><body>"
        "<h1>gql_channels GraphiQL</h1>"
        "<p>GraphiQL assets are not installed: run "
        "<code>python manage.py gql_channels_graphiql</code> "
        f"(they go to <code>{escape(str(target))}</code>, <code>GQL_CHANNELS"
        '["GRAPHIQL_ASSETS_DIR"]</code>).</p></body></html>'
    )


def _declared_length(scope: dict[str, Any]) -> int:
    """The request's ``Content-Length``, 0 when it declares none (a chunked body)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


async def _refuse_too_large(send: Any, limit: int) -> None:
    body = f"Request body too large: the limit is {limit} bytes.".encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class GraphiQLHTTPConsumer(GraphQLHTTPConsumer):
    """Strawberry's HTTP consumer whose GraphiQL works offline and under a strict CSP.

    Channels' ``AsyncHttpConsumer`` buffers a whole body, however large, before handling it (a
    64 MiB POST cost the server 200 MiB); here a body over ``MAX_HTTP_BODY_SIZE`` is answered 413
    at once when its ``Content-Length`` says so, else as soon as the chunks received pass the limit.
    The server reads and drops whatever the client still sends of it.
    """

    #: Body bytes received so far.
    _received = 0

    #: Give every request a channel of its own on the layer, as Channels does, for code that reads
    #: ``consumer.channel_name``. Off: Channels reads a consumer's channel only between messages it
    #: dispatches, so nothing sent to it arrives before the response is out (nor during a stream).
    channel_per_request = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Refuse a declared length over the limit before reading any of the body.

        Channels gives each consumer a channel and listens to it beside the client: for HTTP, a channel
        nothing can await (see ``channel_per_request``) that cost 140 to 190 Python calls per request on
        the in-memory layer and a receive on the shared Redis loop on channels-redis. Without it the
        layer stays at hand: a resolver can still send and group_send.
        """
        limit = gql_channels_settings()["MAX_HTTP_BODY_SIZE"]
        if _declared_length(scope) > limit:
            await _refuse_too_large(send, limit)
            return
        if self.channel_per_request:
            await super().__call__(scope, receive, send)
            return
        # Channels' AsyncConsumer.__call__ as it runs without a layer, the layer set all the same.
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.base_send = send
        try:
            await await_many_dispatch([receive], self.dispatch)
        except StopConsumer:
            pass

    def listen_to_channel(
        self, type: str, *, timeout: float | None = None, groups: Sequence[str] = ()  # noqa: A002 - Strawberry's name
    ) -> _AsyncGeneratorContextManager[Any, None]:
        """Strawberry's, refused where it would only wait (for its timeout, or for ever): without a channel."""
        if not hasattr(self, "channel_name"):
            raise RuntimeError(
                "A GraphQL HTTP request has no channel to listen to (Channels would read one only after "
                "the response): subscribe over a WebSocket (graphql-transport-ws)."
            )
        return super().listen_to_channel(type, timeout=timeout, groups=groups)

    async def http_request(self, message: dict[str, Any]) -> None:
        """Channels' buffering of the body, stopped once it grows past the limit (chunked bodies declare none)."""
        limit = gql_channels_settings()["MAX_HTTP_BODY_SIZE"]
        self._received += len(message.get("body", b""))
        if self._received > limit:
            await _refuse_too_large(self.send, limit)
            await self.disconnect()
            raise StopConsumer
        await super().http_request(message)

    async def handle(self, body: bytes) -> None:
        """Keep the body: ``parse_json`` checks what it holds, not a GET's ``variables`` or a form field."""
        self._body = body
        await super().handle(body)

    def parse_json(self, data: str | bytes) -> Any:
        """Strawberry's parsing, and a request body must hold a request (or a batch of them).

        Strawberry calls ``.get("query")`` on whatever the body decodes to, so ``null`` or ``1`` were
        500s with a traceback.
        """
        decoded = super().parse_json(data)
        if data is getattr(self, "_body", None) and not all(
            isinstance(operation, dict) for operation in (decoded if isinstance(decoded, list) else [decoded])
        ):
            raise HTTPException(
                400, 'A GraphQL request body must be a JSON object, {"query": ...} (a batch: a list of them).'
            )
        return decoded

    async def render_graphql_ide(self, request: ChannelsRequest) -> ChannelsResponse:
        """Render our page, with assets under ``<this path>/assets/`` (see ``GraphiQLAssets``)."""
        target = assets_dir()
        headers = {b"Content-Security-Policy": CSP.encode(), b"Cache-Control": b"no-cache"}
        if not await asyncio.to_thread(_is_installed, target):
            html, status = _not_installed_html(target), 503
        else:
            prefix = quote(request.consumer.scope["path"].rstrip("/") + "/assets/")
            html, status = _page().substitute(assets=prefix, version=_version()), 200
        return ChannelsResponse(
            content=html.encode(),
            status=status,
            content_type="text/html; charset=utf-8",
            headers=headers,
        )


class GraphiQLAssets:
    """ASGI app serving GET/HEAD of the fixed set of GraphiQL files; 404 for any other name.

    The file name comes from the route's ``name`` kwarg or else the last path segment, and is
    only ever looked up in ``NPM_FILES``/``OWN_FILES``, so no path traversal is possible.
    """

    def _path(self, name: str) -> Path | None:
        if name in NPM_FILES:
            return assets_dir() / "node_modules" / NPM_FILES[name]
        return SOURCE_DIR / name if name in OWN_FILES else None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"GraphiQLAssets serves http only, not {scope['type']!r}")
        kwargs = scope.get("url_route", {}).get("kwargs", {})
        name = kwargs.get("name") or scope["path"].rsplit("/", 1)[-1]
        path = self._path(name)
        if scope["method"] not in ("GET", "HEAD"):
            status, body, headers = 405, b"Method Not Allowed", [(b"allow", b"GET, HEAD")]
        elif path is None or not await asyncio.to_thread(path.is_file):
            status, body, headers = 404, b"Not Found", []
        else:
            status, body = 200, await asyncio.to_thread(path.read_bytes)
            headers = [
                (b"content-type", CONTENT_TYPES[path.suffix]),
                (b"cache-control", CACHE_CONTROL),
            ]
        if status != 200:
            headers.append((b"content-type", b"text/plain; charset=utf-8"))
        headers += [
            (b"content-length", str(len(body)).encode()),
            (b"x-content-type-options", b"nosniff"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
