"""Late data lands where it belongs: backlogs of any age, in any order."""

from __future__ import annotations

from datetime import datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    RecorderInstanceGenerator,
)

from custom_components.mycirrus.api import MyCirrusClient
from custom_components.mycirrus.diagnostics import async_get_config_entry_diagnostics
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from simulator import SimInstrument, Simulator

from .conftest import CALIBRATING, NOW, ONLINE, SetUp
from .helpers import async_advance, async_settle
from .test_statistics import LAEQ, energetic, hourly, periods_of

pytestmark = pytest.mark.usefixtures("polling_only", "recorder_mock")

HOUR = timedelta(hours=1)
PERIOD = "sensor.site_gate_laeq_period"


@pytest.fixture
async def mock_recorder_before_hass(
    async_setup_recorder_instance: RecorderInstanceGenerator,
) -> None:
    """Make the recorder's database before Home Assistant starts."""


@pytest.fixture
def followed(simulator: Simulator) -> list[SimInstrument]:
    """Two noise monitors, no events computed from the levels."""
    for instrument in simulator.instruments.values():
        instrument.event_trigger = None
    return [simulator.instruments[ONLINE], simulator.instruments[CALIBRATING]]


async def set_up_at_now(
    set_up: SetUp, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    freezer.move_to(NOW)
    return await set_up()


def measurement_requests(simulator: Simulator) -> list[tuple]:
    return [r for r in simulator.data_requests if r[0] == "measurements"]


async def assert_hours_stored(
    hass: HomeAssistant, client: MyCirrusClient, start: datetime, end: datetime
) -> None:
    """Every hour from start to end is a row, the energetic mean of its periods."""
    rows = await hourly(hass, [LAEQ], start, end)
    hours = int((end - start) / HOUR)
    assert [row["start"] for row in rows.get(LAEQ, [])] == [
        (start + i * HOUR).timestamp() for i in range(hours)
    ]
    for index in (0, hours // 2, hours - 1):
        laeq = await periods_of(client, ONLINE, start + index * HOUR, "LAeq")
        assert len(laeq) == 12
        assert rows[LAEQ][index]["mean"] == pytest.approx(energetic(laeq))


async def test_a_backlog_of_three_days_lands_newest_first(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    client: MyCirrusClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Back after 72 hours, newest periods first: the backlog lands in 15 minutes."""
    entry = await set_up_at_now(set_up, freezer)
    # The modem goes down; it sends its last hour first, the rest 10 min later.
    simulator.instruments[ONLINE].backlog_delay = 600
    simulator.update(ONLINE, online=False)
    for _ in range(12):  # 72 hours; Home Assistant reads on the 5-minute cadence
        await async_advance(hass, freezer, 6 * 3600)
    back = NOW + 72 * HOUR
    rows = await hourly(hass, [LAEQ], NOW, back)
    assert LAEQ not in rows  # nothing invented for the hours without periods
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    # The whole outage is listed as incomplete, hour by hour.
    (outage,) = diagnostics["instruments"][ONLINE]["stored_data"]["incomplete_hours"]
    assert outage[0] == NOW
    assert outage[1] >= back - HOUR
    simulator.data_requests.clear()
    simulator.update(ONLINE, online=True)
    for _ in range(15):
        await async_advance(hass, freezer, 60)
    # Every hour of the backlog is in the statistics, with every period.
    await assert_hours_stored(hass, client, NOW, back)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["instruments"][ONLINE]["stored_data"]["incomplete_hours"] == []
    # The re-reads asked for the instrument with gaps alone, over its gaps.
    rereads = [r for r in measurement_requests(simulator) if r[1] == (ONLINE,)]
    assert rereads
    assert all(r[2] >= NOW and r[3] - r[2] <= timedelta(days=31) for r in rereads)


async def test_late_hours_fill_at_an_update(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    client: MyCirrusClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Hours uploaded late are read at homeassistant.update_entity, at once."""
    await set_up_at_now(set_up, freezer)
    assert await async_setup_component(hass, "homeassistant", {})
    # Online and measuring, but its periods do not reach MyCirrus for 3 hours.
    simulator.stop_uploads(ONLINE)
    for _ in range(3 * 12):
        await async_advance(hass, freezer, 300)
    simulator.resume_uploads(ONLINE)
    await hass.services.async_call(
        "homeassistant", "update_entity", {"entity_id": PERIOD}, blocking=True
    )
    await async_settle(hass)
    await assert_hours_stored(hass, client, NOW, NOW + 3 * HOUR)


async def test_a_read_point_passes_no_hour_unheard(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    client: MyCirrusClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An instrument that sent nothing for longer than any window is read again."""
    await set_up_at_now(set_up, freezer)
    simulator.stop_uploads(ONLINE)
    for _ in range(5):  # five days: older than the rating levels' two
        await async_advance(hass, freezer, 24 * 3600)
    simulator.resume_uploads(ONLINE)
    # No status change, no update: the periods flow again, the backlog is read.
    for _ in range(3):
        await async_advance(hass, freezer, 300)
    await assert_hours_stored(hass, client, NOW, NOW + 5 * 24 * HOUR)


async def test_gaps_are_read_at_most_hourly_beside_the_cadence(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A gap that never fills costs one request an hour, over its own span."""
    await set_up_at_now(set_up, freezer)
    simulator.stop_uploads(ONLINE)  # never comes
    for _ in range(12):
        await async_advance(hass, freezer, 300)
    simulator.data_requests.clear()
    for _ in range(3 * 12):
        await async_advance(hass, freezer, 300)
    asked = measurement_requests(simulator)
    refreshes = [r for r in asked if r[1] == (ONLINE, CALIBRATING)]
    rereads = [r for r in asked if r[1] == (ONLINE,)]
    assert len(refreshes) == 36
    assert len(rereads) == 3
    assert all(r[2] >= NOW for r in rereads)


async def test_a_stale_last_period_is_unavailable(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up_at_now(set_up, freezer)
    assert hass.states.get(PERIOD).state != STATE_UNAVAILABLE
    simulator.stop_uploads(ONLINE)
    for _ in range(2 * 12):
        await async_advance(hass, freezer, 300)
    # Its newest period ended two hours ago: still shown.
    assert hass.states.get(PERIOD).state != STATE_UNAVAILABLE
    await async_advance(hass, freezer, 300)
    assert hass.states.get(PERIOD).state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.stage_left_laeq_period").state != (STATE_UNAVAILABLE)
    simulator.resume_uploads(ONLINE)
    await async_advance(hass, freezer, 300)
    assert hass.states.get(PERIOD).state != STATE_UNAVAILABLE


async def test_hours_not_measuring_are_complete_when_empty(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
) -> None:
    entry = await set_up_at_now(set_up, freezer)
    simulator.update(ONLINE, measuring=False)
    await async_advance(hass, freezer, 60)  # the next status says so
    simulator.stop_uploads(ONLINE)  # nothing stored while it does not measure
    for _ in range(3 * 12):
        await async_advance(hass, freezer, 300)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["instruments"][ONLINE]["stored_data"]["incomplete_hours"] == []
    simulator.data_requests.clear()
    for _ in range(12):
        await async_advance(hass, freezer, 300)
    # Nothing to read again.
    assert [r for r in measurement_requests(simulator) if r[1] == (ONLINE,)] == []


@pytest.mark.parametrize("fault", ["server_error", "rate_limit"])
async def test_a_failed_re_read_loses_nothing(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    client: MyCirrusClient,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    await set_up_at_now(set_up, freezer)
    simulator.update(ONLINE, online=False)
    for _ in range(2 * 12):
        await async_advance(hass, freezer, 300)
    # The re-read when it comes back fails; the next ones read the hours.
    simulator.add_fault(fault, endpoint="measurements", count=1)  # type: ignore[arg-type]
    simulator.data_requests.clear()
    simulator.update(ONLINE, online=True)
    await async_advance(hass, freezer, 60)
    assert measurement_requests(simulator) == []  # the one asked failed
    if fault == "server_error":
        assert "Reading the incomplete hours of QT100001 again failed" in caplog.text
    for _ in range(6):
        await async_advance(hass, freezer, 300)
    await assert_hours_stored(hass, client, NOW, NOW + 2 * HOUR)
