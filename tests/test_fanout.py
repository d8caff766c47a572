"""``gql_channels.fanout.listen``: one channel-layer membership per group and process (issue 14's fan-out)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer

from gql_channels import fanout

from .conftest import HUNG


async def next_of(messages: Any) -> dict[str, Any]:
    return await asyncio.wait_for(messages.__anext__(), HUNG)


async def test_subscribers_of_a_group_share_one_membership_and_each_gets_every_message() -> None:
    layer = InMemoryChannelLayer()
    async with fanout.listen(layer, "g", "event") as first, fanout.listen(layer, "g", "event") as second:
        assert len(layer.groups["g"]) == 1
        await layer.group_send("g", {"type": "other", "n": 0})  # another type: not theirs
        await layer.group_send("g", {"type": "event", "n": 1})
        assert [(await next_of(first))["n"], (await next_of(second))["n"]] == [1, 1]
        async with fanout.listen(layer, "h", "event") as third:
            assert len(layer.groups["h"]) == 1 and layer.groups["h"].keys() != layer.groups["g"].keys()
            await layer.group_send("h", {"type": "event", "n": 2})
            assert (await next_of(third))["n"] == 2
        assert "h" not in layer.groups or not layer.groups["h"]
        await layer.group_send("g", {"type": "event", "n": 3})
        assert [(await next_of(first))["n"], (await next_of(second))["n"]] == [3, 3]
    assert not any(layer.groups.values())  # the last to leave discarded the process's channel


async def test_a_failed_join_leaves_nothing_and_the_next_subscriber_joins() -> None:
    layer = InMemoryChannelLayer()
    group_add = layer.group_add
    calls = 0

    async def down_once(group: str, channel: str) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("Redis is down")
        await group_add(group, channel)

    layer.group_add = down_once  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        async with fanout.listen(layer, "g", "event"):
            pass
    assert not any(layer.groups.values())
    async with fanout.listen(layer, "g", "event") as messages:
        await layer.group_send("g", {"type": "event", "n": 1})
        assert (await next_of(messages))["n"] == 1


async def test_a_subscriber_leaving_during_the_join_does_not_cancel_it_for_the_others() -> None:
    layer = InMemoryChannelLayer()
    group_add, release = layer.group_add, asyncio.Event()

    async def slow(group: str, channel: str) -> None:
        await release.wait()
        await group_add(group, channel)

    layer.group_add = slow  # type: ignore[method-assign]

    async def subscriber(leave_early: bool) -> int:
        async with fanout.listen(layer, "g", "event") as messages:
            if leave_early:
                return 0
            return int((await next_of(messages))["n"])

    staying = asyncio.ensure_future(subscriber(False))
    leaving = asyncio.ensure_future(subscriber(True))
    await asyncio.sleep(0.01)
    leaving.cancel()
    release.set()
    await asyncio.gather(leaving, return_exceptions=True)
    while not layer.groups.get("g"):
        await asyncio.sleep(0.01)
    await layer.group_send("g", {"type": "event", "n": 5})
    assert await asyncio.wait_for(staying, HUNG) == 5


async def test_the_membership_outlasts_a_layer_outage_and_joins_again() -> None:
    """A restarted Redis forgets the group: the reader retries and adds the channel again."""
    layer = InMemoryChannelLayer()
    receive, failures = layer.receive, 2

    async def flaky(channel: str) -> Any:
        nonlocal failures
        if failures:
            failures -= 1
            layer.groups.clear()  # what a restarted Redis forgot
            raise ConnectionError("Redis is down")
        return await receive(channel)

    layer.receive = flaky  # type: ignore[method-assign]
    async with fanout.listen(layer, "g", "event") as messages:
        while failures or not layer.groups.get("g"):
            await asyncio.sleep(0.05)
        await layer.group_send("g", {"type": "event", "n": 7})
        assert (await next_of(messages))["n"] == 7
