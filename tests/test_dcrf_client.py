"""The client djangochannelsrestframework users use, npm's ``dcrf-client`` 0.3.0, against the example under uvicorn.

Unchanged but for what any node user passes it (``ws`` as the WebSocket, the session cookie, ``pkField: "id"``
for a serializer rendering ``id``), it lists, retrieves, creates, patches, updates, deletes, runs the custom
action and subscribes to a book, whose update and delete are made by another process (``manage.py shell``)
on the same PostgreSQL database and Redis channel layer. Once multiplexed on ``/ws/multiplex/`` (streams,
as channelsmultiplexer served them, which is what dcrf-client speaks), once on the books' own URL.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import npm_tools
from .conftest import scale_out_env, session_cookie, start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str], str]]:
    env = scale_out_env("gql_channels_dcrf_client")
    cookie = session_cookie(env, "dcrf-editor", "demo.add_book", "demo.change_book", "demo.delete_book")
    process, address = start_server(env, log=tmp_path_factory.mktemp("dcrf_client") / "server.log")
    try:
        yield address, env, cookie
    finally:
        stop_server(process)


def run_client(server: tuple[str, dict[str, str], str], path: str, mode: str) -> dict[str, Any]:
    address, env, cookie = server
    folder = npm_tools.install(Path(__file__).with_name("dcrf_client"), "dcrf-client")
    environment = {
        **env, "URL": f"ws://{address}{path}", "MODE": mode, "COOKIE": cookie,
        "PYTHON": sys.executable, "MANAGE": str(ROOT / "manage.py"),
    }
    done = subprocess.run(
        [npm_tools.node(), str(folder / "client.js")], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.stdout, done.stderr
    result = json.loads(done.stdout)
    failed = [name for name, ok in result["checks"] if not ok]
    assert not failed and done.returncode == 0, f"{failed}\n{done.stderr[-3000:]}"
    return result


@pytest.mark.parametrize(("path", "mode"), [("/ws/multiplex/", "multiplex"), ("/ws/books/", "direct")])
def test_dcrf_client_works_unchanged(server: tuple[str, dict[str, str], str], path: str, mode: str,
                                     record_property: Any) -> None:
    result = run_client(server, path, mode)
    names = [name for name, _ in result["checks"]]
    assert "an update made by another process arrives" in names and "a delete made by another process arrives" in names
    assert len(names) == (17 if mode == "multiplex" else 15)
    frames = [json.loads(text) for _, text in result["frames"]]
    # dcrf-client wraps everything in a stream envelope, and reads only replies wrapped the same way.
    assert all(set(frame) == {"stream", "payload"} for frame in frames)
    events = [f["payload"] for f in frames if f["payload"].get("action") in ("update", "delete") and "response_status" in f["payload"]]
    assert {event["action"] for event in events} >= {"update", "delete"}
    record_property("frames", result["frames"])


def test_the_readmes_node_snippet(server: tuple[str, dict[str, str], str], tmp_path: Path) -> None:
    """The README's dcrf-client lines, as written, against the example."""
    address = server[0]
    readme = (ROOT / "README.md").read_text()
    snippet = readme.split("and in node, with `npm install dcrf-client@0.3.0 ws`:\n\n```js\n", 1)[1].split("```", 1)[0]
    folder = npm_tools.install(Path(__file__).with_name("dcrf_client"), "dcrf-client")
    script = folder / "readme_snippet.js"  # beside node_modules, where require() finds them
    script.write_text(snippet.replace("ws://127.0.0.1:8000", f"ws://{address}"))
    done = subprocess.run([npm_tools.node(), str(script)], capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode, done.stdout) == (0, "A Wizard of Earthsea\n"), done.stderr
