"""What a GraphQL HTTP client may POST to ``/graphql/``, over real sockets to the example under uvicorn.

- A body over ``GQL_CHANNELS["MAX_HTTP_BODY_SIZE"]`` is answered 413 before it is read whole: at once when its
  ``Content-Length`` says so, as soon as it grows past the limit when it is streamed (chunked); the server's
  memory does not grow with the body, and it keeps serving. A body at the limit is served.
- A JSON body that is not a GraphQL request (``null``, ``1``, ``"x"``, ``true``, lists) is a 400 saying what
  was expected, with no traceback in the server log.
"""

from __future__ import annotations

import http.client
import select
import socket
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from gql_channels.settings import gql_channels_settings

from .conftest import HUNG, demo_database_env, start_server, stop_server

QUERY = b'{"query": "{ __typename }"}'
CHUNK = 64 * 1024


def _limit() -> int:
    return gql_channels_settings()["MAX_HTTP_BODY_SIZE"]


class Server:
    def __init__(self, address: str, pid: int, log: Path) -> None:
        self.address, self.pid, self.log = address, pid, log

    def connect(self) -> socket.socket:
        host, port = self.address.rsplit(":", 1)
        return socket.create_connection((host, int(port)), timeout=HUNG)

    def head(self, *headers: str) -> bytes:
        """A POST's request line and headers."""
        lines = ["POST /graphql/ HTTP/1.1", f"Host: {self.address}", "Content-Type: application/json", *headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def peak_memory(self) -> int:
        """The server's peak resident memory so far, in bytes (``VmHWM``: transient buffers count too)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmHWM in /proc/<pid>/status")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = demo_database_env(tmp_path_factory, "http_limits")
    log = tmp_path_factory.mktemp("http_limits_log") / "uvicorn.log"
    process, address = start_server(env, log)
    try:
        yield Server(address, process.pid, log)
    finally:
        stop_server(process)


def _response(sock: socket.socket) -> tuple[int, bytes]:
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response.status, response.read()


def post(server: Server, body: bytes) -> tuple[int, bytes]:
    with server.connect() as sock:
        sock.sendall(server.head(f"Content-Length: {len(body)}") + body)
        return _response(sock)


def send_until_answered(sock: socket.socket, pieces: Iterable[bytes]) -> bool:
    """Send ``pieces`` while the server has not answered; ``True`` when every piece was sent."""
    for piece in pieces:
        if select.select([sock], [], [], 0)[0]:
            return False
        sock.sendall(piece)
    return True


def stream(server: Server, size: int) -> tuple[int, bytes]:
    """POST about ``size`` bytes of a JSON string, chunked (no ``Content-Length``)."""
    with server.connect() as sock:
        sock.sendall(server.head("Transfer-Encoding: chunked"))
        pieces = [b'{"query": "', *[b"a" * CHUNK] * (size // CHUNK), b'"}']
        if send_until_answered(sock, (b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)):
            sock.sendall(b"0\r\n\r\n")
        return _response(sock)


def assert_serving(server: Server) -> None:
    assert post(server, QUERY) == (200, b'{"data":{"__typename":"Query"}}')


# --- 3. body size ------------------------------------------------------------------------------------


def test_a_body_at_the_limit_is_served(server: Server) -> None:
    body = QUERY + b" " * (_limit() - len(QUERY))  # JSON allows trailing whitespace
    assert len(body) == _limit()
    assert post(server, body) == (200, b'{"data":{"__typename":"Query"}}')


def test_a_declared_length_over_the_limit_is_refused_before_the_body(server: Server) -> None:
    """Only the headers are sent: the answer cannot wait for the body."""
    with server.connect() as sock:
        sock.sendall(server.head(f"Content-Length: {_limit() + 1}"))
        status, body = _response(sock)
    assert status == 413 and str(_limit()).encode() in body
    assert_serving(server)


def test_a_body_just_over_the_limit_is_refused(server: Server) -> None:
    status, _ = post(server, QUERY + b" " * (_limit() + 1 - len(QUERY)))
    assert status == 413
    assert_serving(server)


def test_a_streamed_body_is_refused_once_past_the_limit(server: Server) -> None:
    status, body = stream(server, 4 * _limit())
    assert status == 413 and str(_limit()).encode() in body
    assert_serving(server)


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_large_body_does_not_grow_the_server(server: Server, framing: str) -> None:
    size = 64 * 1024 * 1024
    assert_serving(server)
    assert stream(server, 2 * _limit())[0] == 413  # warm: first-use allocations are not the body's
    before = server.peak_memory()
    if framing == "chunked":
        status, _ = stream(server, size)
    else:
        with server.connect() as sock:
            sock.sendall(server.head(f"Content-Length: {size}"))
            send_until_answered(sock, [b"a" * CHUNK] * (size // CHUNK))
            status, _ = _response(sock)
    grown = server.peak_memory() - before
    assert status == 413
    assert grown < size // 2, f"peak RSS grew by {grown / 2**20:.0f} MiB for a {size / 2**20:.0f} MiB body"
    assert_serving(server)


# --- 7. JSON bodies that are not GraphQL requests --------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"null", b"must be a JSON object"),
        (b"1", b"must be a JSON object"),
        (b'"x"', b"must be a JSON object"),
        (b"true", b"must be a JSON object"),
        (b"[]", b"Batching is not enabled"),  # the example schema does not batch
        (b'[{"query": "{ __typename }"}]', b"Batching is not enabled"),
        (b"[1]", b"must be a JSON object"),
        (b'["x", null]', b"must be a JSON object"),
    ],
)
def test_a_json_body_that_is_not_a_request_is_a_400(server: Server, body: bytes, message: bytes) -> None:
    status, answer = post(server, body)
    assert status == 400 and message in answer, answer
    assert_serving(server)
    log = server.log.read_text()
    assert "Traceback" not in log and '" 500' not in log, log[-2000:]

