"""An entry whose every instrument pushes: rounds that ask nothing."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
import pytest

from custom_components.mycirrus.const import KEEP_ALIVE_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from simulator import SimInstrument, Simulator

from .conftest import OFFLINE, SetUp
from .helpers import async_advance, async_wait_pushing, until


@pytest.fixture
def followed(simulator: Simulator) -> list[SimInstrument]:
    """Follow the online instruments only: all of them push."""
    return [i for s, i in simulator.instruments.items() if s != OFFLINE]


async def test_rounds_that_ask_nothing_do_not_reset_the_backoff(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    await async_wait_pushing(
        entry, *(i.serial for i in entry.runtime_data.records.values())
    )
    records = entry.runtime_data.records
    limiter = entry.runtime_data.client.limiter

    async def step() -> None:
        """Move on to the next keep-alive and wait for every answer to it."""
        await async_advance(hass, freezer, KEEP_ALIVE_INTERVAL)
        now = dt_util.utcnow()
        links = entry.runtime_data.push.links.values()
        await until(
            lambda: all(link.last_message == now for link in links),
            "every keep-alive answered",
        )

    simulator.add_fault("rate_limit", endpoint="monitor", count=2)
    health = simulator.requests["monitor"]
    while simulator.requests["monitor"] == health:  # the health refresh: 429
        await step()
    first = limiter.remaining()
    assert first > 0
    sent = simulator.requests["status"]
    health = simulator.requests["monitor"]
    while simulator.requests["monitor"] == health:  # the next one: 429 again
        # Status rounds with nothing due ask nothing, and answer nothing.
        await step()
    assert simulator.requests["status"] == sent
    assert all(r.pushing for r in records.values())
    assert sum(simulator.ws_connects.values()) == len(records)
    # Nothing was answered in between: the pause doubles.
    assert limiter.remaining() == pytest.approx(2 * first, abs=KEEP_ALIVE_INTERVAL)
