"""Where a stored period ends, when its answer does not say."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from custom_components.mycirrus.api import Measurement
from custom_components.mycirrus.hub.stored.gaps import GapTracker
from custom_components.mycirrus.hub.stored.periods import PeriodKeeper
from homeassistant.core import HomeAssistant

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


async def test_the_end_of_a_period(hass: HomeAssistant) -> None:
    keeper = PeriodKeeper(hass, GapTracker(hass, "entry"), lambda: ["QT100001"])
    own = Measurement(
        instrument="QT100001",
        start=START,
        period=timedelta(minutes=5),
        values={"LAeq": 55.0},
    )
    bare = replace(own, period=None)
    assert keeper.end_of(None) is None
    assert keeper.end_of(own) == START + timedelta(minutes=5)
    # A period without a length of its own: its instrument's, once known.
    assert keeper.end_of(bare) is None
    keeper.lengths["QT100001"] = 900.0
    assert keeper.end_of(bare) == START + timedelta(minutes=15)
    assert keeper.end_of(own) == START + timedelta(minutes=5)
