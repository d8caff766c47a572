"""The wheel a newcomer installs, and the README's adoption steps walked through on it.

The sdist and the wheel are built from this checkout and the wheel is installed into a fresh virtual
environment outside the repository, so nothing of the checkout (``schema/``, ``example_project/``, the
editable install) can be imported by accident. A project is then made as the README's "Using
gql_channels in your project" says, literally: ``django-admin startproject``, the settings, consumer and
``asgi.py`` blocks and the commands, read from the README itself, and uvicorn; it must answer
the legacy protocol, GraphQL and GraphiQL. Slow (a build and an install), once per session.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.client import connect

from tests.conftest import HUNG, _free_port
from tests.readme import code_blocks

ROOT = Path(__file__).resolve().parent.parent

SECTION = "Using gql_channels in your project"
#: README steps 1-3, as written: the settings added to what ``django-admin startproject`` wrote, then
#: ``myproject/consumers.py`` and ``myproject/asgi.py``.
README_SETTINGS, README_CONSUMERS, README_ASGI = code_blocks(SECTION, "python")
#: README step 4: ``manage.py`` commands, then the server (which the fixture starts on a free port).
(README_COMMANDS,) = code_blocks(SECTION, "sh")

#: The team's own app and schema: what the README leaves to them ("any strawberry.Schema").
MODELS = '''
from django.db import models


class Article(models.Model):
    title = models.CharField(max_length=255)
    content = models.TextField()

    class Meta:
        ordering = ["id"]


class Book(models.Model):
    title = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=6, decimal_places=2)
    released = models.DateTimeField()
'''
SCHEMA = '''
import strawberry
import strawberry_django
from strawberry import auto
from strawberry_django.mutations import mutations
from strawberry_django.pagination import OffsetPaginated

from shop import models


@strawberry_django.type(models.Article)
class ArticleType:
    id: auto
    title: auto
    content: auto


@strawberry_django.type(models.Book)
class BookType:
    id: auto
    title: auto
    price: auto
    released: auto


@strawberry_django.input(models.Book)
class BookInput:
    title: auto
    price: auto
    released: auto


@strawberry.type
class Query:
    articles: OffsetPaginated[ArticleType] = strawberry_django.offset_paginated()
    article: ArticleType = strawberry_django.field()
    books: OffsetPaginated[BookType] = strawberry_django.offset_paginated()
    book: BookType = strawberry_django.field()


@strawberry.type
class Mutation:
    create_book: BookType = mutations.create(BookInput)


schema = strawberry.Schema(query=Query, mutation=Mutation)
'''
#: README step 4, in the team's own tests: one legacy message through ActionCommunicator.
COMMUNICATOR = '''
import asyncio, json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myproject.settings")
from myproject.asgi import application
from gql_channels.testing import ActionCommunicator
from shop.models import Article

async def main():
    await Article.objects.acreate(title="Hello", content="World")
    async with ActionCommunicator(application, "/ws/") as client:
        print(json.dumps(await client.request("list", "test_child_route/")))

asyncio.run(main())
'''


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{command}: {done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The sdist and wheel (the wheel built from the sdist, as ``python -m build`` does), and the build's output."""
    out = tmp_path_factory.mktemp("dist")
    done = run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], cwd=out)
    return out, done.stdout + done.stderr


@pytest.fixture(scope="module")
def fresh_python(dist: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment outside the repository with only the wheel (and its ``testing`` extra)."""
    home = tmp_path_factory.mktemp("fresh-venv")
    venv.create(home, with_pip=True)
    python = home / "bin" / "python"
    (wheel,) = dist[0].glob("*.whl")
    run([str(python), "-m", "pip", "install", "--quiet", f"{wheel}[testing]"], cwd=home)
    return python


@pytest.fixture(scope="module")
def project(fresh_python: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A project made as the README says, migrated, with GraphiQL's assets installed."""
    where = tmp_path_factory.mktemp("newcomer")
    env = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "DATABASE_URL")}
    env["PATH"] = f"{fresh_python.parent}{os.pathsep}{env.get('PATH', '')}"
    run([str(fresh_python.parent / "django-admin"), "startproject", "myproject", "."], cwd=where, env=env)
    run([str(fresh_python), "manage.py", "startapp", "shop"], cwd=where, env=env)
    (where / "shop" / "models.py").write_text(MODELS)
    (where / "myproject" / "schema.py").write_text(SCHEMA)
    with (where / "myproject" / "settings.py").open("a") as settings:
        settings.write(README_SETTINGS)
    (where / "myproject" / "consumers.py").write_text(README_CONSUMERS)
    (where / "myproject" / "asgi.py").write_text(README_ASGI)
    run([str(fresh_python), "manage.py", "makemigrations", "shop"], cwd=where, env=env)  # the team's own models
    for command in _manage_commands():
        run([str(fresh_python), "manage.py", *command], cwd=where, env=env)
    run([str(fresh_python), "manage.py", "check"], cwd=where, env=env)
    return where, env


def _manage_commands() -> list[list[str]]:
    """README step 4's ``python manage.py ...`` lines, comments dropped."""
    lines = [line.split("#", 1)[0].split() for line in README_COMMANDS.splitlines()]
    commands = [words[2:] for words in lines if words[:2] == ["python", "manage.py"]]
    assert [c[0] for c in commands] == ["migrate", "gql_channels_graphiql"], commands
    return commands


def test_the_wheel_holds_gql_channels_only_and_builds_without_deprecations(dist: tuple[Path, str]) -> None:
    out, output = dist
    (wheel,) = out.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == {"gql_channels"}
    assert "gql_channels/py.typed" in names and "gql_channels/graphiql_assets/package-lock.json" in names
    assert "Deprecat" not in output, output


def test_the_installed_wheel_imports_without_the_checkout(fresh_python: Path, tmp_path: Path) -> None:
    done = run([str(fresh_python), "-c", "import gql_channels, sys; print(gql_channels.__file__)"], cwd=tmp_path)
    assert "site-packages" in done.stdout and str(ROOT) not in done.stdout
    missing = subprocess.run([str(fresh_python), "-c", "import schema"], cwd=tmp_path, capture_output=True, text=True)
    assert missing.returncode != 0  # the example's `schema` package is not installed with the library


def test_one_legacy_message_through_action_communicator(project: tuple[Path, dict[str, str]], fresh_python: Path) -> None:
    where, env = project
    done = run([str(fresh_python), "-c", COMMUNICATOR], cwd=where, env=env)
    reply = json.loads(done.stdout.strip().splitlines()[-1])
    assert reply["status"] == 200 and reply["data"]["count"] == 1
    assert reply["data"]["results"][0]["title"] == "Hello"


@pytest.fixture(scope="module")
def newcomer_server(project: tuple[Path, dict[str, str]], fresh_python: Path) -> Iterator[str]:
    """The README's last step: the project under uvicorn."""
    where, env = project
    (serve,) = [line.split() for line in README_COMMANDS.splitlines() if line.startswith("uvicorn ")]
    assert serve == ["uvicorn", "myproject.asgi:application"], serve
    port = _free_port()
    log = (where / "uvicorn.log").open("w+b")
    server = subprocess.Popen(
        [str(fresh_python), "-m", "uvicorn", "myproject.asgi:application", "--host", "127.0.0.1", "--port", str(port)],
        cwd=where, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )
    try:
        deadline = time.monotonic() + 120  # only a bound meaning "it will not start"
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"uvicorn did not start: {log.read().decode()[-2000:]}") from None
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=HUNG)
        log.close()


def test_the_walked_through_project_answers_legacy_graphql_and_graphiql(newcomer_server: str) -> None:
    with connect(f"ws://{newcomer_server}/ws/", open_timeout=HUNG) as ws:
        ws.send(json.dumps({"action": "create", "route": "books/", "data": {
            "title": "Dune", "price": 9.5, "released": "2026-12-01T18:13:33.695477Z"}}))
        created = json.loads(ws.recv(timeout=HUNG))
        assert created["status"] == 201, created
        assert {k: v for k, v in created["data"].items() if k != "id"} == {
            "title": "Dune", "price": "9.50", "released": "2026-12-01T18:13:33.695477Z"}
        ws.send(json.dumps({"action": "list", "route": "test_child_route/?page=1"}))
        assert json.loads(ws.recv(timeout=HUNG))["status"] == 200
    request = urllib.request.Request(
        f"http://{newcomer_server}/graphql/", data=json.dumps({"query": "{ books { totalCount } }"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=HUNG) as response:
        assert json.load(response) == {"data": {"books": {"totalCount": 1}}}
    page = urllib.request.Request(f"http://{newcomer_server}/graphql/", headers={"Accept": "text/html"})
    with urllib.request.urlopen(page, timeout=HUNG) as response:
        html = response.read().decode()
        assert response.status == 200 and "graphiql" in html.lower()
