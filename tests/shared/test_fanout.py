"""Catalog and floor changes told to every process through the real Redis pub/sub: two Fanouts
here stand for two server processes, each with its own catalog, board bus and Redis clients."""

from __future__ import annotations

import asyncio

import pytest

from loket.services.catalog import Catalog
from loket.services.fanout import publisher_for
from loket.settings import Settings, get_settings
from loket.store.database import Database

from .conftest import Process, closed_port_url

OFFICE = "JKT-SEL"


async def _told(condition, within_s: float = 1.0) -> bool:  # type: ignore[no-untyped-def]
    """True once `condition()` holds, polled until `within_s` (the promised delay) has passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while not condition():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def test_a_catalog_change_reaches_the_other_process(
    demo: Database, pair: tuple[Process, Process]
) -> None:
    first, second = pair
    office = (await first.catalog.offices(demo))[0].code
    await first.catalog.get(demo, office)
    ctx = await second.catalog.get(demo, office)
    ctx.mark_full(("day", "09:00", "regular"), 3600)
    first.catalog.forget_alternatives(office)
    assert await _told(lambda: not ctx.full_until)  # the other's 'session full' memory is gone
    first.catalog.forget(office)
    assert await _told(lambda: office not in second.catalog._entries)
    assert office not in first.catalog._entries
    assert (await second.catalog.get(demo, office)) is not ctx  # reloaded from the database


async def test_a_call_wakes_the_boards_of_the_other_process(pair: tuple[Process, Process]) -> None:
    first, second = pair
    seen = second.bus.version(OFFICE)
    waiting = asyncio.create_task(second.bus.wait(OFFICE, seen, timeout=1.0))
    await asyncio.sleep(0)
    first.bus.notify(OFFICE)
    await waiting
    assert second.bus.version(OFFICE) == seen + 1
    assert first.bus.version(OFFICE) == 1  # its own boards woke too, and only once
    await asyncio.sleep(0.05)
    assert first.bus.version(OFFICE) == 1  # its own message came back and was skipped


async def test_redis_down_changes_stay_local_and_nothing_fails() -> None:
    settings = get_settings(redis_url=closed_port_url(), redis_prefix="loket-test:down:")
    process = Process(settings)
    task = asyncio.create_task(process.fanout.run())
    process.bus.notify(OFFICE)  # publishing fails quietly; the local boards still wake
    process.catalog.forget(OFFICE)
    await asyncio.sleep(0.1)
    assert process.bus.version(OFFICE) == 1
    assert not process.fanout.connected.is_set() and not task.done()  # still retrying, not crashed
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_command_s_change_reaches_a_serving_process(
    demo: Database, pair: tuple[Process, Process], shared_settings: Settings
) -> None:
    # What `loket quota set` does through cli/runner.py: a publish-only catalog of its own.
    _first, serving = pair
    office = (await serving.catalog.offices(demo))[0].code
    await serving.catalog.get(demo, office)
    command = Catalog(ttl=0)
    publisher = publisher_for(shared_settings, command)
    assert publisher is not None
    command.forget(office)
    await publisher.close()  # waits for the publish, as the runner does before the command exits
    assert await _told(lambda: office not in serving.catalog._entries)
    assert publisher_for(get_settings(redis_url=""), Catalog(ttl=0)) is None  # no Redis: nothing


async def test_a_command_with_redis_down_still_finishes() -> None:
    settings = get_settings(redis_url=closed_port_url(), redis_prefix="loket-test:down:")
    command = Catalog(ttl=0)
    publisher = publisher_for(settings, command)
    assert publisher is not None
    command.forget(OFFICE)  # the publish fails quietly
    await asyncio.wait_for(publisher.close(), 3)
