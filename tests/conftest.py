"""Shared fixtures: seeded data, a legacy client on the example consumer, the demo under uvicorn."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from asgiref.sync import sync_to_async
from channels.auth import AuthMiddlewareStack
from django.contrib.auth.models import Permission
from django.test import Client

from example_project.consumers import LegacyConsumer
from example_project.demo.models import Article, Author, Book, Tag
from gql_channels.testing import ActionCommunicator

from . import npm_tools


@pytest.fixture
def articles(db: None) -> list[Article]:
    """The seed page's 100 articles: Title1..Title100 / Content1..Content100."""
    return Article.objects.bulk_create(
        Article(title=f"Title{i}", content=f"Content{i}") for i in range(1, 101)
    )


@pytest.fixture
def library(db: None) -> dict[str, list]:
    """Two authors, three tags, three books with an FK and an M2M."""
    authors = [Author.objects.create(name=n) for n in ("Le Guin", "Borges")]
    tags = [Tag.objects.create(name=n) for n in ("fiction", "classic", "science")]
    books = [
        Book.objects.create(title="Earthsea", pages=183, published=True, author=authors[0]),
        Book.objects.create(title="Ficciones", pages=174, published=False, author=authors[1]),
        Book.objects.create(title="Untagged", pages=1, author=authors[1]),
    ]
    books[0].tags.set(tags[:2])
    books[1].tags.set(tags[1:])
    return {"authors": authors, "tags": tags, "books": books}


@pytest.fixture
async def client(transactional_db: None) -> AsyncIterator[ActionCommunicator]:
    """A connected legacy client on the example's consumer."""
    async with ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") as communicator:
        yield communicator


#: How long a test waits for a reply before calling the server hung: far above a slow reply on a busy
#: machine. Tests check what arrives, never how fast (speed is measured in benchmarks/).
HUNG = 30.0

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()
    except OSError:
        return False
    return True


def require_service(name: str, url: str) -> str:
    """``url`` when the service answers; else a visible skip, or a failure in CI (which has them all)."""
    if not _reachable(url):
        message = f"{name} is not reachable at {url}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return url


def fresh_postgres_database(name: str) -> str:
    """Create (again) the PostgreSQL database ``name`` on the test server; return its URL.

    ``GQL_CHANNELS_TEST_DB_PREFIX`` prefixes the name, so that two checkouts can run the suite on one
    server at once (give each its own ``DATABASE_URL`` database too).
    """
    import psycopg

    name = os.environ.get("GQL_CHANNELS_TEST_DB_PREFIX", "") + name
    server = require_service("PostgreSQL", os.environ.get("DATABASE_URL") or POSTGRES_URL)
    parts = urlsplit(server)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def demo_database_env(tmp_path_factory: pytest.TempPathFactory, name: str) -> dict[str, str]:
    """The environment of a server on a fresh demo database of its own, migrated and seeded.

    A SQLite file, or a fresh PostgreSQL database ``gql_channels_<name>`` when the suite runs with
    ``DATABASE_URL``; never the test database.
    """
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "example_project.settings"}
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = fresh_postgres_database(f"gql_channels_{name}")
    else:
        env["SQLITE_PATH"] = str(tmp_path_factory.mktemp(name) / "db.sqlite3")
    prepare_demo_database(env)
    return env


def prepare_demo_database(env: dict[str, str]) -> None:
    """Migrate and seed the database ``env`` points at, as ``make demo`` does."""
    root = Path(__file__).resolve().parent.parent
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=root, env=env, check=True, capture_output=True)


def session_cookie(env: dict[str, str], username: str, *permissions: str) -> str:
    """``Cookie`` header value logging ``username`` (made, holding ``permissions``) into the demo ``env`` serves."""
    root = Path(__file__).resolve().parent.parent
    perms = [arg for name in permissions for arg in ("--perm", name)]
    command = [sys.executable, "manage.py", "demo_session", username, *perms]
    done = subprocess.run(command, cwd=root, env=env, check=True, capture_output=True, text=True)
    return f"sessionid={done.stdout.strip()}"


def start_server(env: dict[str, str], log: Path | None = None) -> tuple[subprocess.Popen, str]:
    """The example project under uvicorn on a free loopback port; returns the process and ``host:port``.

    uvicorn's log goes to the file ``log`` (a temporary one by default), never to a pipe nobody reads:
    its lines per WebSocket would fill the pipe after a few hundred connections and stall the server.
    """
    root = Path(__file__).resolve().parent.parent
    port = _free_port()
    with open(log, "w+b") if log else tempfile.TemporaryFile() as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "example_project.asgi:application", "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off"],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=output,
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return server, f"127.0.0.1:{port}"
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    output.seek(0)
                    raise RuntimeError(f"uvicorn did not start: {output.read().decode()[-2000:]}") from None
                time.sleep(0.1)


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example project under a real uvicorn on a free 127.0.0.1 port, seeded like ``make demo``.

    Yields ``host:port``. The server has a database of its own (a SQLite file, or a fresh
    PostgreSQL database when the suite runs with ``DATABASE_URL``), never the test database.
    """
    server, address = start_server(demo_database_env(tmp_path_factory, "e2e"))
    try:
        yield address
    finally:
        stop_server(server)


@pytest.fixture
def users(django_user_model) -> dict[str, Any]:
    """Users for every permission case, each with a session cookie as a browser would send it."""
    made = {
        "user": django_user_model.objects.create_user("user", password="pw"),
        "staff": django_user_model.objects.create_user("staff", password="pw", is_staff=True),
        "editor": django_user_model.objects.create_user("editor", password="pw"),
    }
    made["editor"].user_permissions.add(
        *Permission.objects.filter(codename__in=["add_book", "change_book", "delete_book"])
    )
    return made


async def session_headers(user: Any) -> list[tuple[bytes, bytes]]:
    """The ``Cookie`` header of a browser logged in as ``user`` (none for ``None``)."""
    if user is None:
        return []
    browser = Client()
    await sync_to_async(browser.force_login)(user)
    return [(b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())]


def scale_out_env(name: str) -> dict[str, str]:
    """The environment of servers sharing a fresh PostgreSQL database ``name`` and the Redis channel layer."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example_project.settings",
        "DATABASE_URL": fresh_postgres_database(name),
        "REDIS_URL": require_service("Redis", REDIS_URL),
    }
    prepare_demo_database(env)
    return env


@pytest.fixture
async def connect(users) -> AsyncIterator[Callable[..., Any]]:
    """``await connect("editor")``: a legacy client logged in through AuthMiddlewareStack's session."""
    opened: list[ActionCommunicator] = []

    async def open_as(username: str | None = None) -> ActionCommunicator:
        headers = await session_headers(users[username] if username else None)
        client = ActionCommunicator(AuthMiddlewareStack(LegacyConsumer.as_asgi()), "/ws/", headers=headers)
        opened.append(await client.__aenter__())
        return client

    yield open_as
    for client in opened:
        await client.disconnect()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """No persistent connections in the test process: a connection left open in a Channels worker
    thread would keep PostgreSQL from dropping the test database at the end."""
    from django.conf import settings

    for database in settings.DATABASES.values():
        database["CONN_MAX_AGE"] = 0


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``benchmarks/drf_app.py`` and ``tests/dcrf_app`` run through ``gql_channels_migrate``, as packages in a
    directory of their own (``import_package`` imports them), the one to-do (``publish``) done as a team would."""
    from .migration_helpers import DCRF_CONSUMERS, PUBLISH_PORTED, PUBLISH_STUB, migrate

    root = tmp_path_factory.mktemp("migrated")
    migrate(root, "migrated_drf", "benchmarks.drf_app.DrfConsumer")
    migrate(root, "migrated_dcrf", *(f"tests.dcrf_app.consumers.{name}" for name in DCRF_CONSUMERS))
    schema = root / "migrated_dcrf" / "schema.py"
    assert PUBLISH_STUB in schema.read_text()
    schema.write_text(schema.read_text().replace(PUBLISH_STUB, PUBLISH_PORTED))
    return root


@pytest.fixture(autouse=True)
def fast_password_hasher(settings) -> None:
    """Users are created in many tests; the real hasher's cost only slows the suite down."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- the official AsyncAPI parser (tests/asyncapi_validator) --------------------------------------

Validate = Callable[..., tuple[int, list[dict[str, Any]]]]


@pytest.fixture(scope="session")
def validate(tmp_path_factory: pytest.TempPathFactory) -> Validate:
    """``validate(document, payloads=None) -> (exit code, diagnostics)`` with the official parser."""
    target = npm_tools.install(Path(__file__).with_name("asyncapi_validator"), "asyncapi-validator")
    node = npm_tools.node()
    workdir = tmp_path_factory.mktemp("asyncapi")

    def run(document: dict[str, Any], payloads: list[dict[str, Any]] | None = None) -> tuple[int, list[dict]]:
        path = workdir / "asyncapi.json"
        path.write_text(json.dumps(document))
        args = [node, str(target / "validate.mjs"), str(path)]
        if payloads is not None:
            (workdir / "payloads.json").write_text(json.dumps(payloads))
            args.append(str(workdir / "payloads.json"))
        done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=120)
        assert done.returncode in (0, 1), done.stderr
        return done.returncode, json.loads(done.stdout)

    return run
