"""The stored noise data's entities: periods, rating levels, events and weather."""

from __future__ import annotations

from datetime import datetime, timedelta
import logging
import math

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mycirrus.api import MyCirrusClient
from custom_components.mycirrus.const import (
    CONF_DAY_START,
    CONF_EVENING_START,
    CONF_NIGHT_START,
    CONF_WIND_LIMIT,
    DOMAIN,
)
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from simulator import ALL_SCOPES, MeasurementShape, Simulator

from .conftest import API_KEY, CALIBRATING, NOW, OFFLINE, ONLINE, SetUp
from .helpers import async_advance, async_settle

pytestmark = pytest.mark.usefixtures("polling_only")

PERIOD = "sensor.site_gate_laeq_period"
EVENT = "event.site_gate_noise_event"
FIVE_MINUTES = 300


@pytest.fixture(autouse=True)
def no_computed_events(simulator: Simulator) -> None:
    """Only the events a test adds: none computed from the levels."""
    for instrument in simulator.instruments.values():
        instrument.event_trigger = None


async def set_up_at_now(
    set_up: SetUp, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    freezer.move_to(NOW)
    return await set_up()


def energetic(levels: list[float]) -> float:
    return 10 * math.log10(sum(10 ** (level / 10) for level in levels) / len(levels))


def local(day: datetime, hour: int) -> datetime:
    return day.replace(hour=hour)


async def laeq_between(
    client: MyCirrusClient, start: datetime, end: datetime
) -> list[float]:
    answer = await client.measurements([ONLINE], start, end, values=["LAeq"])
    return [m.values["LAeq"] for m in answer]


# -- the last period ---------------------------------------------------------


async def test_the_last_period(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    client: MyCirrusClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.instruments[CALIBRATING].measurement_period = 15
    await set_up_at_now(set_up, freezer)
    state = hass.states.get(PERIOD)
    (last,) = await client.measurements(
        [ONLINE], NOW - timedelta(minutes=5), NOW, values=["LAeq"]
    )
    assert float(state.state) == last.values["LAeq"]
    assert state.attributes["start"] == (NOW - timedelta(minutes=5)).isoformat()
    assert state.attributes["end"] == NOW.isoformat()
    assert state.attributes["unit_of_measurement"] == "dB"
    # No arithmetic statistics of an equivalent level beside the energetic
    # hourly ones; a maximum of maxima is right.
    assert "state_class" not in state.attributes
    assert state.attributes["device_class"] == "sound_pressure"
    for value in ("lafmax", "lcpeak", "laf90"):
        attributes = hass.states.get(f"sensor.site_gate_{value}_period").attributes
        assert attributes["state_class"] == "measurement"
    quarter = hass.states.get("sensor.stage_left_laeq_period")
    assert quarter.attributes["start"] == (NOW - timedelta(minutes=15)).isoformat()
    for value in ("lafmax", "lcpeak", "laf90"):
        assert hass.states.get(f"sensor.site_gate_{value}_period").state != (
            STATE_UNKNOWN
        )
    await async_advance(hass, freezer, FIVE_MINUTES)
    assert hass.states.get(PERIOD).attributes["start"] == NOW.isoformat()


async def test_one_request_per_endpoint_for_every_instrument(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.instruments[CALIBRATING].features.append("Weather")
    await set_up_at_now(set_up, freezer)
    simulator.data_requests.clear()
    await async_advance(hass, freezer, FIVE_MINUTES)
    asked = {endpoint: serials for endpoint, serials, _, _ in simulator.data_requests}
    assert len(simulator.data_requests) == 3
    assert asked["measurements"] == asked["events"] == tuple(simulator.instruments)
    assert asked["weather"] == (CALIBRATING,)
    # homeassistant.update_entity asks at once.
    assert await async_setup_component(hass, "homeassistant", {})
    await hass.services.async_call(
        "homeassistant", "update_entity", {"entity_id": PERIOD}, blocking=True
    )
    await async_settle(hass)
    assert len(simulator.data_requests) == 6


# -- rating levels -------------------------------------------------------------


def window(start: datetime, end: datetime) -> tuple[str, str]:
    return start.isoformat(), end.isoformat()


async def test_the_last_ended_rating_levels(
    hass: HomeAssistant,
    set_up: SetUp,
    client: MyCirrusClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up_at_now(set_up, freezer)
    # Home Assistant's time zone in the tests: US/Pacific. Now is 01:00 there:
    # yesterday's day and evening have ended, last night has not.
    yesterday = dt_util.start_of_local_day(dt_util.as_local(NOW)) - timedelta(days=1)
    before = yesterday - timedelta(days=1)
    spans = {
        "laeq_day": (local(yesterday, 7), local(yesterday, 19)),
        "laeq_evening": (local(yesterday, 19), local(yesterday, 23)),
        # The night that ended last: from 23:00 the day before to 07:00.
        "laeq_night": (local(before, 23), local(yesterday, 7)),
    }
    levels = {
        key: energetic(await laeq_between(client, *span)) for key, span in spans.items()
    }
    # Lden is of the last rating day that has ended: the day before's, 07 to 07.
    ld = energetic(await laeq_between(client, local(before, 7), local(before, 19)))
    le = energetic(await laeq_between(client, local(before, 19), local(before, 23)))
    ln = levels["laeq_night"]
    levels["lden"] = 10 * math.log10(
        (12 * 10 ** (ld / 10) + 4 * 10 ** ((le + 5) / 10) + 8 * 10 ** ((ln + 10) / 10))
        / 24
    )
    spans["lden"] = (local(before, 7), local(yesterday, 7))
    days = {"laeq_day": yesterday, "laeq_evening": yesterday}
    for key, level in levels.items():
        state = hass.states.get(f"sensor.site_gate_{key}")
        assert float(state.state) == pytest.approx(level), key
        assert "state_class" not in state.attributes
        attributes = state.attributes
        assert (attributes["start"], attributes["end"]) == window(*spans[key])
        assert attributes["day"] == days.get(key, before).date().isoformat()
        assert attributes["coverage"] == 100.0


async def test_the_night_is_the_last_whole_night(
    hass: HomeAssistant,
    set_up: SetUp,
    client: MyCirrusClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Past 07:00, the night is from 23:00 last evening to 07:00 this morning."""
    await set_up_at_now(set_up, freezer)
    today = dt_util.start_of_local_day(dt_util.as_local(NOW))
    night = (local(today - timedelta(days=1), 23), local(today, 7))
    # Home Assistant sleeps through the night; at 07:05 the stored data comes.
    freezer.move_to(local(today, 7) + timedelta(minutes=4))
    await async_advance(hass, freezer, 60)
    state = hass.states.get("sensor.site_gate_laeq_night")
    assert (state.attributes["start"], state.attributes["end"]) == window(*night)
    assert float(state.state) == pytest.approx(
        energetic(await laeq_between(client, *night))
    )
    assert state.attributes["coverage"] == 100.0


async def test_too_little_of_a_window_is_unknown(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    midnight = dt_util.start_of_local_day(dt_util.as_local(NOW)) - timedelta(days=1)
    # The modem went down yesterday at 10:00: 3 of the day's 12 hours came.
    simulator.stop_uploads(ONLINE, since=local(midnight, 10))
    await set_up_at_now(set_up, freezer)
    state = hass.states.get("sensor.site_gate_laeq_day")
    assert state.state == STATE_UNKNOWN
    assert state.attributes["coverage"] == 25.0
    assert hass.states.get("sensor.site_gate_laeq_evening").state == STATE_UNKNOWN
    # The last rating day that ended, the day before's, was whole.
    assert hass.states.get("sensor.site_gate_lden").state != STATE_UNKNOWN
    # Another instrument's day is whole.
    assert hass.states.get("sensor.stage_left_laeq_day").state != STATE_UNKNOWN


async def test_day_and_night_only_has_no_lden(
    hass: HomeAssistant,
    set_up: SetUp,
    config_entry: MockConfigEntry,
    client: MyCirrusClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The UK's LAeq,16h (07-23) and LAeq,8h (23-07): no evening."""
    hass.config_entries.async_update_entry(
        config_entry,
        options={CONF_DAY_START: 7, CONF_EVENING_START: 23, CONF_NIGHT_START: 23},
    )
    await set_up_at_now(set_up, freezer)
    midnight = dt_util.start_of_local_day(dt_util.as_local(NOW)) - timedelta(days=1)
    day = await laeq_between(client, local(midnight, 7), local(midnight, 23))
    assert float(hass.states.get("sensor.site_gate_laeq_day").state) == (
        pytest.approx(energetic(day))
    )
    assert hass.states.get("sensor.site_gate_laeq_evening").state == STATE_UNKNOWN
    assert hass.states.get("sensor.site_gate_lden").state == STATE_UNKNOWN


# -- weather ---------------------------------------------------------------------


async def test_weather_and_measurement_conditions(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    gate = simulator.instruments[ONLINE]
    gate.features.append("Weather")
    gate.weather_override = {
        "windSpeed": 7.5,
        "windDirection": 225.0,
        "temperature": 11.5,
        "pressure": 1.012,
        "humidity": 81.0,
        "precipitation": 0.0,
    }
    await set_up_at_now(set_up, freezer)
    expected = {
        "wind_speed": ("7.5", "m/s", "wind_speed"),
        "wind_direction": ("225.0", "°", "wind_direction"),
        "temperature": ("11.5", "°C", "temperature"),
        "pressure": ("1.012", "bar", "pressure"),
        "humidity": ("81.0", "%", "humidity"),
        "precipitation_intensity": ("0.0", "mm/h", "precipitation_intensity"),
    }
    for key, (value, unit, device_class) in expected.items():
        state = hass.states.get(f"sensor.site_gate_{key}")
        assert (state.state, state.attributes["unit_of_measurement"]) == (value, unit)
        assert state.attributes["device_class"] == device_class
    conditions = "binary_sensor.site_gate_measurement_conditions"
    assert hass.states.get(conditions).state == "on"  # wind over 5 m/s
    assert hass.states.get(conditions).attributes["device_class"] == "problem"
    # No weather entities for an instrument without the feature.
    assert hass.states.get("sensor.stage_left_wind_speed") is None
    assert hass.states.get("binary_sensor.stage_left_measurement_conditions") is None
    hass.config_entries.async_update_entry(config_entry, options={CONF_WIND_LIMIT: 8.0})
    await async_settle(hass)
    assert hass.states.get(conditions).state == "off"
    gate.weather_override = {**gate.weather_override, "precipitation": 1.2}
    await async_advance(hass, freezer, FIVE_MINUTES)
    assert hass.states.get(conditions).state == "on"  # rain


# -- scopes, pauses, failures ------------------------------------------------------


async def test_a_key_without_the_data_scopes(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.instruments[ONLINE].features.append("Weather")
    simulator.add_key(
        API_KEY,
        scopes=ALL_SCOPES - {"data.noise:read", "data.events:read", "data.enviro:read"},
    )
    entry = await set_up_at_now(set_up, freezer)
    for _ in range(3):
        await async_advance(hass, freezer, FIVE_MINUTES)
    # Asked once per set-up, then never again.
    assert [simulator.requests[e] for e in ("measurements", "events", "weather")] == [
        1,
        1,
        1,
    ]
    for entity_id in (
        PERIOD,
        EVENT,
        "sensor.site_gate_laeq_day",
        "sensor.site_gate_wind_speed",
    ):
        assert hass.states.get(entity_id) is None
    scopes = entry.runtime_data.scopes.as_dict()
    assert scopes["data.noise:read"] == scopes["data.events:read"] == "missing"
    assert scopes["data.enviro:read"] == "missing"


async def test_a_pause_loses_nothing(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up_at_now(set_up, freezer)
    simulator.add_fault(
        "rate_limit", endpoint="measurements", retry_after="1800", count=1
    )
    await async_advance(hass, freezer, FIVE_MINUTES)
    status = simulator.requests["status"]
    data = len(simulator.data_requests)
    for _ in range(5):  # 25 minutes into the pause: nothing is asked at all
        await async_advance(hass, freezer, FIVE_MINUTES)
    assert simulator.requests["status"] == status
    assert len(simulator.data_requests) == data
    for _ in range(2):
        await async_advance(hass, freezer, FIVE_MINUTES)
    latest = hass.states.get(PERIOD).attributes["start"]
    assert latest == (NOW + timedelta(minutes=35)).isoformat()
    # The first request after the pause reached back to before it.
    (start,) = {
        s for e, _, s, _ in simulator.data_requests[data:] if e == "measurements"
    }
    assert start <= NOW


async def test_an_answer_in_an_unknown_shape(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await set_up_at_now(set_up, freezer)
    shape = simulator.measurement_shape
    simulator.measurement_shape = MeasurementShape.parse("unknown")
    for _ in range(2):
        await async_advance(hass, freezer, FIVE_MINUTES)
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name.startswith("custom_components")
    ]
    assert len(warnings) == 1
    assert '{"noise"' in warnings[0]
    assert API_KEY not in warnings[0]

    def answer_issues() -> list[ir.IssueEntry]:
        return [
            i
            for i in ir.async_get(hass).issues.values()
            if i.domain == DOMAIN and i.translation_key == "unknown_answer"
        ]

    (issue,) = answer_issues()
    assert issue.translation_placeholders["excerpt"].startswith('{"noise"')
    assert hass.states.get(PERIOD).state == STATE_UNAVAILABLE
    simulator.measurement_shape = shape
    await async_advance(hass, freezer, FIVE_MINUTES)
    assert hass.states.get(PERIOD).state != STATE_UNAVAILABLE
    assert answer_issues() == []


async def test_an_outage_makes_the_data_unavailable(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await set_up_at_now(set_up, freezer)
    for endpoint in ("measurements", "events"):
        simulator.add_fault("server_error", endpoint=endpoint)
    caplog.clear()
    await async_advance(hass, freezer, FIVE_MINUTES)
    assert hass.states.get(PERIOD).state == STATE_UNAVAILABLE
    assert hass.states.get(EVENT).state == STATE_UNAVAILABLE
    # Every endpoint asked failed: the refresh failed, said in one line.
    assert not entry.runtime_data.stored.coordinator.last_update_success
    (line,) = [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name != "asyncio"
    ]
    assert line.getMessage().startswith(
        "Error fetching mycirrus noise data: Could not fetch the stored noise data"
    )
    simulator.clear_faults()
    await async_advance(hass, freezer, FIVE_MINUTES)
    assert (
        hass.states.get(PERIOD).attributes["start"]
        == (NOW + timedelta(minutes=5)).isoformat()
    )
    assert hass.states.get(EVENT).state != STATE_UNAVAILABLE
    # The offline instrument's stored data is still shown: it is history.
    assert hass.states.get("sensor.roof_laeq_period") is not None
    assert OFFLINE in simulator.instruments


async def test_one_endpoint_fails_alone(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    simulator.instruments[ONLINE].features.append("Weather")
    await set_up_at_now(set_up, freezer)
    simulator.add_fault("server_error", endpoint="weather")
    simulator.data_requests.clear()
    for _ in range(3):
        await async_advance(hass, freezer, FIVE_MINUTES)
    assert hass.states.get("sensor.site_gate_wind_speed").state == STATE_UNAVAILABLE
    assert hass.states.get(PERIOD).attributes["start"] == (
        (NOW + timedelta(minutes=10)).isoformat()
    )
    assert hass.states.get(EVENT).state != STATE_UNAVAILABLE
    # What was answered is not asked again: the periods since the hour before last.
    starts = {s for e, _, s, _ in simulator.data_requests if e != "weather"}
    assert starts == {NOW - timedelta(hours=1)}
    lines = [
        r.getMessage() for r in caplog.records if "data.enviro:read" in r.getMessage()
    ]
    assert len(lines) == 1
    assert lines[0].startswith(
        "MyCirrus stored data needing data.enviro:read could not"
    )
    simulator.clear_faults()
    await async_advance(hass, freezer, FIVE_MINUTES)
    assert hass.states.get("sensor.site_gate_wind_speed").state != STATE_UNAVAILABLE
    lines = [
        r.getMessage() for r in caplog.records if "data.enviro:read" in r.getMessage()
    ]
    assert lines[-1] == "MyCirrus stored data needing data.enviro:read is fetched again"


async def test_an_instrument_leaving_the_account_is_no_missing_scope(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_at_now(set_up, freezer)
    # The site gate moves to another account: one request for all answers 403.
    simulator.add_key(API_KEY, instruments=set(simulator.instruments) - {ONLINE})
    simulator.data_requests.clear()
    await async_advance(hass, freezer, FIVE_MINUTES)
    asked = [
        serials for e, serials, _, _ in simulator.data_requests if e == "measurements"
    ]
    assert ONLINE not in asked[-1]
    scopes = entry.runtime_data.scopes.as_dict()
    assert scopes["data.noise:read"] == scopes["data.events:read"] == "granted"
    assert hass.states.get("sensor.stage_left_laeq_period").attributes["start"] == (
        NOW.isoformat()
    )
    assert hass.states.get("binary_sensor.site_gate_online").state == STATE_UNAVAILABLE


async def test_a_403_is_no_missing_scope_while_a_status_is_unknown(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_at_now(set_up, freezer)
    simulator.add_key(API_KEY, instruments=set(simulator.instruments) - {ONLINE})
    simulator.add_fault("server_error", serial=ONLINE, endpoint="status")
    await async_advance(hass, freezer, FIVE_MINUTES)
    # The site gate's status does not answer: the 403 may be its, not the key's.
    scopes = entry.runtime_data.scopes.as_dict()
    assert scopes["data.noise:read"] == scopes["data.events:read"] == "granted"
    assert hass.states.get("sensor.stage_left_laeq_period").state == STATE_UNAVAILABLE
    simulator.clear_faults()
    for _ in range(2):
        await async_advance(hass, freezer, FIVE_MINUTES)
    assert hass.states.get("sensor.stage_left_laeq_period").attributes["start"] == (
        (NOW + timedelta(minutes=10)).isoformat()
    )
    # The site gate left the account: its stored data is shown no more.
    assert hass.states.get(PERIOD).state == STATE_UNAVAILABLE


async def test_a_403_is_no_missing_scope_while_the_status_of_one_left_is_unknown(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_at_now(set_up, freezer)
    # Two instruments leave the account: the site gate's status says so, the
    # stage left's does not answer.
    simulator.add_key(
        API_KEY, instruments=set(simulator.instruments) - {ONLINE, CALIBRATING}
    )
    simulator.add_fault("server_error", serial=CALIBRATING, endpoint="status")
    await async_advance(hass, freezer, FIVE_MINUTES)
    # Asked again without the site gate, the 403 may still be the stage left's.
    scopes = entry.runtime_data.scopes.as_dict()
    assert scopes["data.noise:read"] == scopes["data.events:read"] == "granted"
    simulator.clear_faults()
    for _ in range(2):
        await async_advance(hass, freezer, FIVE_MINUTES)
    scopes = entry.runtime_data.scopes.as_dict()
    assert scopes["data.noise:read"] == scopes["data.events:read"] == "granted"
    assert hass.states.get("sensor.roof_laeq_period").attributes["start"] == (
        (NOW + timedelta(minutes=10)).isoformat()
    )
