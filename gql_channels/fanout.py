"""One channel-layer membership per group and process, shared by every subscriber the process serves.

A channel layer delivers a group message once per member channel. With each subscriber's own
channel in the group, one event to 500 subscribers of a process was 500 deliveries of the same
message (with channels-redis: 500 Redis pops and decodes on that process's event loop). Here the
first subscriber of a group adds one channel of the process to it; every message that channel
receives is handed to each local subscriber's queue, and the last subscriber to leave discards it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

logger = logging.getLogger("gql_channels")

#: Seconds after which a join adds the group's channel again: layers expire memberships
#: (channels-redis after ``group_expiry``, a day by default), a restarted Redis forgets them.
REFRESH_AFTER = 3600.0


async def outlast(receive: Callable[[], Awaitable[Any]], on_retry: Callable[[], Awaitable[Any]] | None = None) -> Any:
    """``receive()``, retried while the channel layer is down (Redis restarting), so nothing waiting on it fails."""
    delay = 0.1
    while True:
        try:
            return await receive()
        except asyncio.CancelledError:
            raise
        except Exception:  # the layer is down: wait for it
            logger.warning("The channel layer is unavailable; retrying in %.1f s", delay, exc_info=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
            if on_retry is not None:
                with contextlib.suppress(Exception):
                    await on_retry()


class _Membership:
    """The process's channel in one group, and the queues of the subscribers reading it."""

    def __init__(self, layer: Any, group: str) -> None:
        self.layer, self.group = layer, group
        self.queues: set[asyncio.Queue[dict[str, Any]]] = set()
        self.channel = ""
        self.joined_at = 0.0
        #: The join under way or done, which every subscriber arriving meanwhile awaits.
        self.joined: asyncio.Future[None] = asyncio.ensure_future(self.join())
        self.reader: asyncio.Task[None] | None = None

    async def join(self) -> None:
        self.channel = self.channel or await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)
        self.joined_at = asyncio.get_running_loop().time()

    async def read(self) -> None:
        while True:
            # A Redis restart forgets the membership: join again before reading on.
            message = await outlast(lambda: self.layer.receive(self.channel), on_retry=self.join)
            for queue in self.queues:
                queue.put_nowait(message)

    async def leave(self) -> None:
        for task in (self.joined, self.reader):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if self.channel:
            with contextlib.suppress(Exception):
                await self.layer.group_discard(self.group, self.channel)


#: Memberships by event loop, channel layer and group (a test's loop or layer gone, its entries go).
_registry: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, weakref.WeakKeyDictionary[Any, dict[str, _Membership]]] = (
    weakref.WeakKeyDictionary()
)


@contextlib.asynccontextmanager
async def listen(layer: Any, group: str, type_: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
    """The messages of ``type_`` sent to ``group`` from now on, through the process's one membership of it.

    Joining fails as the layer's ``group_add`` does (Redis down), leaving nothing behind.
    """
    groups = _registry.setdefault(asyncio.get_running_loop(), weakref.WeakKeyDictionary()).setdefault(layer, {})
    membership = groups.get(group)
    if membership is None:
        membership = groups[group] = _Membership(layer, group)
    elif membership.joined.done() and asyncio.get_running_loop().time() - membership.joined_at > REFRESH_AFTER:
        membership.joined = asyncio.ensure_future(membership.join())
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    membership.queues.add(queue)
    try:
        await asyncio.shield(membership.joined)  # one subscriber leaving does not cancel the others' join
        if membership.reader is None:
            membership.reader = asyncio.ensure_future(membership.read())
        yield _messages(queue, type_)
    finally:
        membership.queues.discard(queue)
        joined = membership.joined
        failed = joined.done() and not joined.cancelled() and joined.exception() is not None
        if (failed or not membership.queues) and groups.get(group) is membership:
            del groups[group]  # a failed join is not kept: the next subscriber tries again
        if not membership.queues:
            await membership.leave()


async def _messages(queue: asyncio.Queue[dict[str, Any]], type_: str) -> AsyncIterator[dict[str, Any]]:
    while True:
        message = await queue.get()
        if message.get("type") == type_:
            yield message
