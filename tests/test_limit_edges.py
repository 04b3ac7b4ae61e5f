"""Noise limits at the edges: unusable data, a refused key, the clocks going back."""

from __future__ import annotations

from datetime import UTC, datetime, time
import logging
import math
from types import MappingProxyType

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mycirrus.const import SUBENTRY_TYPE_LIMIT
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from simulator import SimInstrument, Simulator

from .conftest import API_KEY, ONLINE, SetUp
from .helpers import async_settle, async_wait_pushing
from .limit_helpers import (
    FORM,
    MORNING,
    ZONE,
    async_add_limit,
    async_pause,
    async_send,
    limit_entities,
)
from .test_limit_runner import Harness, at, limit


@pytest.fixture
def followed(simulator: Simulator) -> list[SimInstrument]:
    """Follow the online instrument only."""
    return [simulator.instruments[ONLINE]]


async def test_unusable_limit_data_is_skipped(
    hass: HomeAssistant,
    set_up: SetUp,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A limit sub-entry the form could not have made is said once, and left out."""
    hass.config_entries.async_add_subentry(
        config_entry,
        ConfigSubentry(
            data=MappingProxyType({**FORM, "instrument": ONLINE, "start": "25:99"}),
            subentry_type=SUBENTRY_TYPE_LIMIT,
            title="Broken",
            unique_id=None,
        ),
    )
    freezer.move_to(MORNING)
    entry = await set_up()
    assert entry.runtime_data.limits.runners == {}
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name.startswith("custom_components")
    ]
    assert warnings == [
        "Noise limit Broken is unusable: a limit without a usable schedule or value"
    ]


async def test_a_refused_key_makes_the_limits_unavailable(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """While MyCirrus refuses the key, a limit's entities are unavailable."""
    await hass.config.async_set_time_zone(ZONE)
    freezer.move_to(MORNING)
    entry = await set_up()
    await async_wait_pushing(entry, ONLINE)
    subentry_id = await async_add_limit(hass, entry, ONLINE)
    ids = limit_entities(hass, ONLINE, subentry_id)
    await async_send(hass, freezer, simulator, entry, ONLINE, {"LAeq": 60.0})
    entry.runtime_data.async_auth_failed(None)
    await async_settle(hass)
    assert all(hass.states.get(i).state == STATE_UNAVAILABLE for i in ids.values())
    simulator.add_key(API_KEY)


def test_a_night_when_the_clocks_go_back() -> None:
    """LAeq over the whole night, 23:00-07:00 on 24-25 October 2026: nine hours.

    Its budget is 9·3600·10^5.5; at its start the headroom is the limit.
    Half an hour at 60 dB then leaves 10·log10((32400·10^5.5 - 1800·10^6)
    / (32400 - 1800)).
    """
    config = limit(window=0, start=time(23), end=time(7), level=55.0)
    h = Harness(config, at("2026-10-24 23:00"))
    state = h.runner.state
    assert state.window is not None
    assert state.window.seconds == 9 * 3600
    assert state.headroom == pytest.approx(55.0)
    h.live_for(60.0, 1800)
    h.clock.to(h.clock.now + 3)
    h.runner.tick()
    by_hand = 10 * math.log10((32400 * 10**5.5 - 1800 * 10**6) / (32400 - 1803))
    assert h.runner.state.headroom == pytest.approx(by_hand)
    # The window ends at 07:00 GMT, nine hours on.
    h.clock.to(datetime(2026, 10, 25, 7, 0, tzinfo=UTC).timestamp())
    assert h.runner.state.window is None
    assert h.runner.state.next_start == at("2026-10-25 23:00")


async def test_messages_without_the_level_or_with_no_measurement(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A message without LAeq, or with a "no data" value, counts for nothing."""
    await hass.config.async_set_time_zone(ZONE)
    freezer.move_to(MORNING)
    entry = await set_up()
    await async_wait_pushing(entry, ONLINE)
    subentry_id = await async_add_limit(hass, entry, ONLINE)
    runner = entry.runtime_data.limits.runners[subentry_id]
    for values in ({"LAeq": 61.0}, {"LAF": 90.0}, {"LAeq": 99999.0}, {"LAeq": 63.0}):
        await async_send(hass, freezer, simulator, entry, ONLINE, values)
    await async_pause(hass, freezer)  # the limits have every message
    assert runner.current is not None
    assert runner.current.covered == 2.0
    assert runner.current.highest == 63.0
