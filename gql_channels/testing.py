"""Test helpers for projects using gql_channels (``pip install 'gql_channels[testing]'``)."""

from __future__ import annotations

from typing import Any

try:
    from channels.testing import WebsocketCommunicator
except ModuleNotFoundError as missing:  # channels.testing imports daphne, which Channels does not require
    if missing.name != "daphne":
        raise
    raise ImportError(
        "gql_channels.testing needs daphne, which channels.testing imports: pip install 'gql_channels[testing]'."
    ) from missing

from .protocol import MISSING


class ActionCommunicator(WebsocketCommunicator):
    """A ``WebsocketCommunicator`` that speaks the legacy action protocol.

    ```python
    async with ActionCommunicator(application, "/ws/") as client:
        reply = await client.request("list", "articles/?page=2")
    ```
    """

    async def __aenter__(self) -> ActionCommunicator:
        connected, _ = await self.connect()
        if not connected:
            raise AssertionError("The WebSocket handshake was rejected.")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.disconnect()

    async def request(
        self, action: str, route: str = "", data: Any = MISSING, /, *, timeout: float = 30, **extra: Any
    ) -> dict[str, Any]:
        """Send one action message and return the reply envelope; ``extra`` adds keys to it.

        ``timeout`` is how long before the consumer counts as hung: generous, so a test on a busy
        machine waits rather than fails.
        """
        message: dict[str, Any] = {"action": action, "route": route, **extra}
        if data is not MISSING:
            message["data"] = data
        await self.send_json_to(message)
        return await self.receive_json_from(timeout=timeout)
