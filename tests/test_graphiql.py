"""Offline GraphiQL: the asset app, the page and its CSP, and a real Chromium run against uvicorn.

The browser test is the one that proves the point: GraphiQL renders, runs a query and shows its
docs with every asset from our own server, no request leaving 127.0.0.1 and no CSP violation.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote, urlparse

import pytest
import strawberry
from channels.routing import URLRouter
from channels.testing import HttpCommunicator
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import re_path

from gql_channels.graphiql import (
    CSP,
    GraphiQLAssets,
    GraphiQLHTTPConsumer,
    install_assets,
)

from .conftest import HUNG

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 15_000
ASSETS_APP = URLRouter([re_path(r"^graphql/assets/(?P<name>[^/]+)$", GraphiQLAssets())])
HTML = [(b"accept", b"text/html")]


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str | None:
        return "Hello"


PAGE_APP = GraphiQLHTTPConsumer.as_asgi(schema=strawberry.Schema(query=Query))


def skip_or_fail(reason: str) -> NoReturn:
    """A developer without Chromium or npm gets a skip; CI, which must have both, a failure."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def installed_assets() -> Path:
    """The npm assets in the configured dir, shared with the uvicorn subprocess."""
    try:
        return install_assets()
    except (ImproperlyConfigured, RuntimeError) as error:
        skip_or_fail(f"GraphiQL assets cannot be installed: {error}")


async def fetch(app: Any, path: str, method: str = "GET", headers: Any = ()) -> dict[str, Any]:
    communicator = HttpCommunicator(app, method, path, headers=list(headers))
    return await communicator.get_response(timeout=HUNG)


def routed(name: str) -> Any:
    """GraphiQLAssets as URLRouter calls it, with ``name`` as the route's kwarg."""
    app = GraphiQLAssets()

    async def with_route(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await app({**scope, "url_route": {"args": (), "kwargs": {"name": name}}}, receive, send)

    return with_route


class TagCollector(HTMLParser):
    """Collects (tag, attrs, text) so a test can check what a page would make a browser load."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None], str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs), ""))

    def handle_data(self, data: str) -> None:
        if self.tags:
            tag, attrs, text = self.tags[-1]
            self.tags[-1] = (tag, attrs, text + data.strip())


async def test_serves_own_and_npm_files_with_content_types(installed_assets: Path) -> None:
    script = await fetch(ASSETS_APP, "/graphql/assets/init.js")
    style = await fetch(ASSETS_APP, "/graphql/assets/graphiql.css?v=1")
    head = await fetch(ASSETS_APP, "/graphql/assets/graphiql.js", method="HEAD")

    assert script["status"] == 200
    assert b"GraphiQL.createFetcher" in script["body"]
    assert dict(script["headers"])[b"content-type"] == b"text/javascript; charset=utf-8"
    assert b"immutable" in dict(script["headers"])[b"cache-control"]
    assert style["status"] == 200
    assert dict(style["headers"])[b"content-type"] == b"text/css; charset=utf-8"
    assert head["status"] == 200 and head["body"] == b""
    assert int(dict(head["headers"])[b"content-length"]) > 1_000_000


@pytest.mark.parametrize(
    "name", ["nope.js", "package.json", "index.html", "..", "../graphiql.py", "..%2Fpage.css"]
)
async def test_unknown_names_and_traversal_are_404(name: str) -> None:
    response = await fetch(routed(name), f"/graphql/assets/{name}")
    assert response["status"] == 404


@pytest.mark.parametrize("path", ["/graphql/assets/../graphiql.py", "/x/%2E%2E%2Fpackage.json"])
async def test_path_fallback_only_serves_the_mapping(path: str) -> None:
    assert (await fetch(GraphiQLAssets(), path))["status"] == 404


async def test_other_methods_are_405() -> None:
    response = await fetch(ASSETS_APP, "/graphql/assets/init.js", method="POST")
    assert response["status"] == 405
    assert dict(response["headers"])[b"allow"] == b"GET, HEAD"


async def test_page_loads_only_our_assets_under_a_strict_csp(installed_assets: Path) -> None:
    response = await fetch(PAGE_APP, "/graphql/", headers=HTML)
    headers = dict(response["headers"])
    html = response["body"].decode()
    parser = TagCollector()
    parser.feed(html)
    urls = [
        a.get("src") or a.get("href") for tag, a, _ in parser.tags if tag in ("script", "link")
    ]

    assert response["status"] == 200
    assert headers[b"Content-Security-Policy"] == CSP.encode()
    assert "<title>gql_channels GraphiQL</title>" in html
    assert "://" not in html
    assert not [tag for tag, _, _ in parser.tags if tag == "style"]
    assert all(a.get("src") and not text for tag, a, text in parser.tags if tag == "script")
    assert not [a for _, a, _ in parser.tags if "style" in a]
    assert len(urls) == 10 and all(url and url.startswith("/graphql/assets/") for url in urls)
    for url in urls:
        assert (await fetch(ASSETS_APP, str(url)))["status"] == 200, url


async def test_page_says_when_assets_are_not_installed(tmp_path: Path) -> None:
    with override_settings(GQL_CHANNELS={"GRAPHIQL_ASSETS_DIR": str(tmp_path)}):
        response = await fetch(PAGE_APP, "/graphql", headers=HTML)
        missing = await fetch(ASSETS_APP, "/graphql/assets/graphiql.js")

    assert response["status"] == 503
    assert b"GraphiQL assets are not installed" in response["body"]
    assert b"python manage.py gql_channels_graphiql" in response["body"]
    assert b"<script" not in response["body"]
    assert dict(response["headers"])[b"Content-Security-Policy"] == CSP.encode()
    assert missing["status"] == 404


def test_install_assets_is_a_no_op_when_installed(installed_assets: Path, monkeypatch: Any) -> None:
    def no_npm(*args: Any, **kwargs: Any) -> NoReturn:
        raise AssertionError("npm ran although the assets were installed")

    monkeypatch.setattr("gql_channels.graphiql.subprocess.run", no_npm)
    assert install_assets(installed_assets) == installed_assets


def test_install_assets_without_npm_says_so(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr("gql_channels.graphiql.shutil.which", lambda name: None)
    with pytest.raises(ImproperlyConfigured, match="`npm` is not on PATH"):
        install_assets(tmp_path)


PAGE_QUERY = "{ articles(pagination: {offset: 30, limit: 2}) { totalCount results { id title } } }"

#: Reported as console errors too, but named here so a failure says which directive broke.
REPORT_CSP = """document.addEventListener("securitypolicyviolation", (e) =>
  console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));"""


def test_graphiql_runs_a_query_and_shows_docs_in_chromium(installed_assets: Path, demo_server: str) -> None:
    """The example project under uvicorn: GraphiQL renders, queries the demo data, shows its docs."""
    graphiql_server = f"http://{demo_server}"
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import Route, expect, sync_playwright

    problems: list[str] = []
    outside: list[str] = []

    def is_outside(url: str) -> bool:
        parsed = urlparse(url)
        return parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname != "127.0.0.1"

    def block(route: Route) -> None:
        outside.append(route.request.url)
        route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(WAIT_MS)
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.route(is_outside, block)
            page.add_init_script(REPORT_CSP)
            # Set through the shareable ?q= link, then typed once GraphiQL is surely mounted.
            page.goto(f"{graphiql_server}/graphql/?q={quote(PAGE_QUERY)}", timeout=30_000)
            run = page.get_by_role("button", name="Execute query (Ctrl-Enter)")
            run.click()
            response = page.locator(".graphiql-response")
            expect(response).to_contain_text('"totalCount": 100', timeout=WAIT_MS)
            expect(response).to_contain_text('"title": "Title31"', timeout=WAIT_MS)
            page.locator(".graphiql-query-editor .CodeMirror").click()
            page.keyboard.press("Control+A")
            page.keyboard.type("{ __typename }")
            page.keyboard.press("Escape")
            run.click()
            expect(response).to_contain_text('"__typename": "Query"', timeout=WAIT_MS)

            page.get_by_label("Show Documentation Explorer").click()
            docs = page.locator(".graphiql-doc-explorer")
            expect(docs).to_contain_text("query: Query", timeout=WAIT_MS)
            docs.get_by_text("Query", exact=True).click()
            expect(docs).to_contain_text("articles(", timeout=WAIT_MS)

            page.get_by_label("Show GraphiQL Explorer").click()
            expect(page.locator(".graphiql-explorer-root")).to_contain_text(
                "articles", timeout=WAIT_MS
            )
            # The dialog's scroll lock injects a <style>: the reason for 'unsafe-inline' styles.
            page.get_by_label("Open settings dialog").click()
            expect(page.get_by_role("dialog")).to_contain_text("Persist headers", timeout=WAIT_MS)
        finally:
            browser.close()

    assert outside == []
    assert problems == []
