"""Stored periods in Home Assistant's long-term statistics, with a real recorder."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
import logging
import math
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    RecorderInstanceGenerator,
)

from custom_components.mycirrus.api import (
    Measurement,
    MyCirrusClient,
    MyCirrusConnectionError,
)
from custom_components.mycirrus.const import (
    CONF_API_URL,
    CONF_BACKFILL_DAYS,
    CONF_DAY_START,
    DOMAIN,
)
from custom_components.mycirrus.hub.stored.gaps import GapTracker
from custom_components.mycirrus.hub.stored.periods import PeriodKeeper
from homeassistant.components.recorder import Recorder, get_instance
from homeassistant.components.recorder.statistics import (
    get_metadata,
    statistics_during_period,
)
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from simulator import ALL_SCOPES, SimInstrument, Simulator

from .conftest import API_KEY, CALIBRATING, NOW, ONLINE, SetUp, instrument_subentry
from .helpers import async_advance, async_settle

pytestmark = pytest.mark.usefixtures("polling_only", "recorder_mock")

HOUR = timedelta(hours=1)
LAEQ = "mycirrus:qt100001_laeq"
LAFMAX = "mycirrus:qt100001_lafmax"
QUARTER_LAEQ = "mycirrus:qt100003_laeq"


@pytest.fixture
async def mock_recorder_before_hass(
    async_setup_recorder_instance: RecorderInstanceGenerator,
) -> None:
    """Make the recorder's database before Home Assistant starts."""


@pytest.fixture
def followed(simulator: Simulator) -> list[SimInstrument]:
    """Two noise monitors: one stores 5-minute periods, the other 15-minute."""
    simulator.instruments[CALIBRATING].measurement_period = 15
    return [simulator.instruments[ONLINE], simulator.instruments[CALIBRATING]]


async def hourly(
    hass: HomeAssistant, ids: list[str], start: datetime, end: datetime
) -> dict[str, list[dict[str, Any]]]:
    await async_wait_recording_done(hass)
    found: dict[str, list[dict[str, Any]]] = await get_instance(
        hass
    ).async_add_executor_job(
        statistics_during_period,
        hass,
        start,
        end,
        set(ids),
        "hour",
        None,
        {"mean", "min", "max"},
    )
    return found


async def periods_of(
    client: MyCirrusClient, serial: str, hour: datetime, value: str
) -> list[float]:
    """Return what MyCirrus stores of an hour, asked as any client would."""
    answer = await client.measurements([serial], hour, hour + HOUR, values=[value])
    return [m.values[value] for m in answer]


def energetic(levels: list[float]) -> float:
    return 10 * math.log10(sum(10 ** (level / 10) for level in levels) / len(levels))


async def set_up_at_now(
    set_up: SetUp, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    freezer.move_to(NOW)
    return await set_up()


async def test_a_week_of_hourly_statistics(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    set_up: SetUp,
    simulator: Simulator,
    client: MyCirrusClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up_at_now(set_up, freezer)
    asked = [r for r in simulator.data_requests if r[0] == "measurements"]
    week = NOW - timedelta(days=7)
    rows = await hourly(hass, [LAEQ, LAFMAX, QUARTER_LAEQ], week, NOW)
    # Every hour of the week that has ended, once; none invented after it.
    assert [row["start"] for row in rows[LAEQ]] == [
        (week + i * HOUR).timestamp() for i in range(7 * 24)
    ]
    assert len(rows[QUARTER_LAEQ]) == 7 * 24
    for index in (0, 50, 167):
        hour = week + index * HOUR
        laeq = await periods_of(client, ONLINE, hour, "LAeq")
        assert len(laeq) == 12
        row = rows[LAEQ][index]
        # The energetic mean, not the arithmetic one.
        assert row["mean"] == pytest.approx(energetic(laeq))
        assert row["mean"] > sum(laeq) / 12 or len(set(laeq)) == 1
        assert (row["min"], row["max"]) == (min(laeq), max(laeq))
        lafmax = await periods_of(client, ONLINE, hour, "LAFMax")
        assert rows[LAFMAX][index]["max"] == max(lafmax)
        quarter = await periods_of(client, CALIBRATING, hour, "LAeq")
        assert len(quarter) == 4
        assert rows[QUARTER_LAEQ][index]["mean"] == pytest.approx(energetic(quarter))
    metadata = await get_instance(hass).async_add_executor_job(
        partial(get_metadata, hass, statistic_ids={LAEQ})
    )
    assert metadata[LAEQ][1]["name"] == "Site gate LAeq"
    assert metadata[LAEQ][1]["unit_of_measurement"] == "dB"
    assert metadata[LAEQ][1]["source"] == "mycirrus"
    # One request for both instruments each time, none over 31 days.
    assert {serials for _, serials, _, _ in asked} == {(ONLINE, CALIBRATING)}
    assert all(end - start <= timedelta(days=31) for _, _, start, end in asked)
    # The last two days at set-up, then the rest of the week in one request.
    assert len(asked) == 2


async def test_late_uploads_fill_the_hours_they_belong_to(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    set_up: SetUp,
    simulator: Simulator,
    client: MyCirrusClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up_at_now(set_up, freezer)
    # The site gate's modem goes down: its periods wait on the instrument.
    simulator.stop_uploads(ONLINE)
    for _ in range(3 * 12):
        await async_advance(hass, freezer, 300)
    later = NOW + 3 * HOUR
    rows = await hourly(hass, [LAEQ, QUARTER_LAEQ], NOW, later)
    assert LAEQ not in rows  # nothing invented for the hours without periods
    assert len(rows[QUARTER_LAEQ]) == 3
    simulator.resume_uploads(ONLINE)
    # The next hourly re-read finds the buffered periods.
    for _ in range(12):
        await async_advance(hass, freezer, 300)
    rows = await hourly(hass, [LAEQ], NOW, later)
    assert [row["start"] for row in rows[LAEQ]] == [
        (NOW + i * HOUR).timestamp() for i in range(3)
    ]
    laeq = await periods_of(client, ONLINE, NOW + HOUR, "LAeq")
    assert rows[LAEQ][1]["mean"] == pytest.approx(energetic(laeq))


async def test_resume_from_the_last_imported_hour(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_at_now(set_up, freezer)
    await hass.config_entries.async_unload(entry.entry_id)
    # Home Assistant is down for three days.
    freezer.tick(timedelta(days=3))
    simulator.data_requests.clear()
    await hass.config_entries.async_setup(entry.entry_id)
    await async_settle(hass)
    rows = await hourly(hass, [LAEQ], NOW - HOUR, NOW + timedelta(days=3))
    assert [row["start"] for row in rows[LAEQ]] == [
        (NOW + i * HOUR).timestamp() for i in range(-1, 3 * 24)
    ]
    starts = sorted(
        start for kind, _, start, _ in simulator.data_requests if kind == "measurements"
    )
    # From where the last run read to (09:00), not a week back.
    assert starts[0] == NOW


async def test_the_backfill_reaches_as_far_as_the_options_say(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    set_up: SetUp,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_BACKFILL_DAYS: 3}
    )
    await set_up_at_now(set_up, freezer)
    rows = await hourly(hass, [LAEQ], NOW - timedelta(days=10), NOW)
    assert rows[LAEQ][0]["start"] == (NOW - timedelta(days=3)).timestamp()


def kept(hass: HomeAssistant) -> list[ir.IssueEntry]:
    return [
        issue
        for issue in ir.async_get(hass).issues.values()
        if issue.domain == DOMAIN and issue.translation_key == "statistics_kept"
    ]


async def test_statistics_stay_when_an_instrument_goes(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
    hass_admin_user: MockUser,
) -> None:
    entry = await set_up_at_now(set_up, freezer)
    subentry = entry.subentries[entry.runtime_data.records[ONLINE].subentry_id]
    hass.config_entries.async_remove_subentry(entry, subentry.subentry_id)
    await async_settle(hass)
    rows = await hourly(hass, [LAEQ], NOW - timedelta(days=1), NOW)
    assert len(rows[LAEQ]) == 24
    # A repair offers to delete them; followed again, the offer goes.
    (issue,) = kept(hass)
    assert issue.translation_placeholders == {"name": "Site gate", "serial": ONLINE}
    assert issue.is_fixable
    hass.config_entries.async_add_subentry(entry, subentry)
    await async_settle(hass)
    assert kept(hass) == []
    hass.config_entries.async_remove_subentry(entry, subentry.subentry_id)
    await async_settle(hass)
    # Accepted: they go, the other instrument's stay.
    assert await async_setup_component(hass, "repairs", {})
    # A token of this (frozen) moment: one made before it would not be valid yet.
    refresh = await hass.auth.async_create_refresh_token(
        hass_admin_user, "https://example.com/app"
    )
    http = await hass_client(hass.auth.async_create_access_token(refresh))
    response = await http.post(
        "/api/repairs/issues/fix",
        json={"handler": DOMAIN, "issue_id": kept(hass)[0].issue_id},
    )
    flow = await response.json()
    assert flow["step_id"] == "confirm"
    response = await http.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert (await response.json())["type"] == "create_entry"
    rows = await hourly(hass, [LAEQ, QUARTER_LAEQ], NOW - timedelta(days=1), NOW)
    assert LAEQ not in rows
    assert len(rows[QUARTER_LAEQ]) == 24
    assert kept(hass) == []


async def repairs_http(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, user: MockUser
) -> TestClient:
    """Return a client of Home Assistant's API, for the repairs' fix flows."""
    assert await async_setup_component(hass, "repairs", {})
    # A token of this (frozen) moment: one made before it would not be valid yet.
    refresh = await hass.auth.async_create_refresh_token(
        user, "https://example.com/app"
    )
    return await hass_client(hass.auth.async_create_access_token(refresh))


async def test_no_history_of_an_instrument_followed_again_is_deleted(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    set_up: SetUp,
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
    hass_admin_user: MockUser,
) -> None:
    entry = await set_up_at_now(set_up, freezer)
    subentry = entry.subentries[entry.runtime_data.records[ONLINE].subentry_id]
    hass.config_entries.async_remove_subentry(entry, subentry.subentry_id)
    await async_settle(hass)
    http = await repairs_http(hass, hass_client, hass_admin_user)
    response = await http.post(
        "/api/repairs/issues/fix",
        json={"handler": DOMAIN, "issue_id": kept(hass)[0].issue_id},
    )
    flow = await response.json()
    # Followed again while the confirmation is open: submitting deletes nothing.
    hass.config_entries.async_add_subentry(entry, subentry)
    await async_settle(hass)
    response = await http.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    result = await response.json()
    assert (result["type"], result["reason"]) == ("abort", "followed_again")
    rows = await hourly(hass, [LAEQ], NOW - timedelta(days=1), NOW)
    assert len(rows[LAEQ]) == 24


async def test_a_new_entry_withdraws_the_offer_to_delete(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    set_up: SetUp,
    api_url: str,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_at_now(set_up, freezer)
    await hass.config_entries.async_remove(entry.entry_id)
    await async_settle(hass)
    assert len(kept(hass)) == 2
    again = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_API_KEY: API_KEY, CONF_API_URL: api_url},
        subentries_data=[instrument_subentry(ONLINE, "Site gate")],
    )
    again.add_to_hass(hass)
    await hass.config_entries.async_setup(again.entry_id)
    await async_settle(hass)
    assert [issue.data["kept_serial"] for issue in kept(hass)] == [CALIBRATING]


async def test_history_deleted_and_followed_again_is_read_anew(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    set_up: SetUp,
    freezer: FrozenDateTimeFactory,
    hass_client: ClientSessionGenerator,
    hass_admin_user: MockUser,
) -> None:
    entry = await set_up_at_now(set_up, freezer)
    subentry = entry.subentries[entry.runtime_data.records[ONLINE].subentry_id]
    hass.config_entries.async_remove_subentry(entry, subentry.subentry_id)
    await async_settle(hass)
    http = await repairs_http(hass, hass_client, hass_admin_user)
    response = await http.post(
        "/api/repairs/issues/fix",
        json={"handler": DOMAIN, "issue_id": kept(hass)[0].issue_id},
    )
    flow = await response.json()
    await http.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert await hourly(hass, [LAEQ], NOW - timedelta(days=7), NOW) == {}
    # Followed again in the same run: the whole week comes back, the last
    # two days included.
    hass.config_entries.async_add_subentry(entry, subentry)
    await async_settle(hass)
    rows = await hourly(hass, [LAEQ], NOW - timedelta(days=7), NOW)
    assert len(rows[LAEQ]) == 7 * 24


async def test_deleting_the_entry_keeps_every_instruments_statistics(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    set_up: SetUp,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up_at_now(set_up, freezer)
    await hass.config_entries.async_remove(entry.entry_id)
    await async_settle(hass)
    assert sorted(issue.data["kept_serial"] for issue in kept(hass)) == [
        ONLINE,
        CALIBRATING,
    ]
    rows = await hourly(hass, [LAEQ], NOW - timedelta(days=1), NOW)
    assert len(rows[LAEQ]) == 24


async def test_a_key_without_the_noise_scope_imports_nothing(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.add_key(API_KEY, scopes=ALL_SCOPES - {"data.noise:read"})
    await set_up_at_now(set_up, freezer)
    for _ in range(3):
        await async_advance(hass, freezer, 300)
    assert await hourly(hass, [LAEQ], NOW - timedelta(days=8), NOW) == {}
    assert simulator.requests["measurements"] == 1  # asked once per set-up
    assert hass.states.get("sensor.site_gate_laeq_period") is None


@pytest.mark.parametrize(
    ("fault", "extra"),
    [
        ("rate_limit", {"retry_after": "120"}),
        ("server_error", {}),
        ("not_json", {}),
    ],
)
async def test_the_backfill_goes_on_after_a_failure(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    fault: str,
    extra: dict[str, Any],
) -> None:
    # The first request (the last two days) is answered; the backfill's fails.
    simulator.add_fault("slow", endpoint="measurements", count=1)
    simulator.add_fault(fault, endpoint="measurements", count=1, **extra)  # type: ignore[arg-type]
    entry = await set_up_at_now(set_up, freezer)
    assert entry.runtime_data.stored.backfill.requests == 1
    rows = await hourly(hass, [LAEQ], NOW - timedelta(days=7), NOW)
    assert len(rows[LAEQ]) == 50  # the last two days only, so far
    # The next refresh starts it again, from where it stopped.
    await async_advance(hass, freezer, 300)
    rows = await hourly(hass, [LAEQ], NOW - timedelta(days=7), NOW)
    assert len(rows[LAEQ]) == 7 * 24
    assert entry.runtime_data.stored.backfill.requests == 2


@pytest.mark.parametrize("fault", ["server_error", "rate_limit"])
async def test_the_backfill_waits_for_a_first_answer(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    fault: str,
) -> None:
    """Home Assistant starts before the network, or MyCirrus fails at first."""
    simulator.add_fault(fault, endpoint="measurements", count=1, retry_after="120")  # type: ignore[arg-type]
    entry = await set_up_at_now(set_up, freezer)
    assert await hourly(hass, [LAEQ], NOW - timedelta(days=7), NOW) == {}
    assert entry.runtime_data.stored.backfill.requests == 0
    for _ in range(2):
        await async_advance(hass, freezer, 300)
    rows = await hourly(hass, [LAEQ], NOW - timedelta(days=7), NOW)
    assert len(rows[LAEQ]) == 7 * 24


@pytest.mark.parametrize("change", ["reload", "options"])
async def test_a_reload_or_new_options_lose_no_backfill(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    change: str,
) -> None:
    simulator.add_fault("slow", endpoint="measurements", count=1)
    simulator.add_fault("server_error", endpoint="measurements", count=1)
    entry = await set_up_at_now(set_up, freezer)
    rows = await hourly(hass, [LAEQ], NOW - timedelta(days=7), NOW)
    assert len(rows[LAEQ]) == 50
    asked = len(simulator.data_requests)
    if change == "reload":
        await hass.config_entries.async_reload(entry.entry_id)
    else:
        hass.config_entries.async_update_entry(entry, options={CONF_DAY_START: 6})
    await async_settle(hass)
    # It goes on from where it stopped: a week back, as at set-up.
    starts = [
        s for e, _, s, _ in simulator.data_requests[asked:] if e == "measurements"
    ]
    assert min(starts) == NOW - timedelta(days=7)
    rows = await hourly(hass, [LAEQ], NOW - timedelta(days=7), NOW)
    assert len(rows[LAEQ]) == 7 * 24


async def test_a_short_backfill_still_reads_the_last_two_days(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    set_up: SetUp,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_BACKFILL_DAYS: 1}
    )
    await set_up_at_now(set_up, freezer)
    for _ in range(12):
        await async_advance(hass, freezer, 300)
    # The rating levels' two days at set-up; then from the hour before last:
    # complete hours are not read again.
    starts = [s for e, _, s, _ in simulator.data_requests if e == "measurements"]
    assert starts[0] == NOW - 50 * HOUR
    assert set(starts[1:]) == {NOW - HOUR, NOW}
    rows = await hourly(hass, [LAEQ], NOW - timedelta(days=7), NOW + HOUR)
    assert len(rows[LAEQ]) == 51


async def test_the_backfill_stops_for_a_refused_key(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.add_fault("slow", endpoint="measurements", count=1)
    simulator.add_fault(
        "raw", endpoint="measurements", status=401, body={"error": "TokenExpired"}
    )
    entry = await set_up_at_now(set_up, freezer)
    assert entry.runtime_data.store.auth_failed
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    await async_advance(hass, freezer, 300)
    assert entry.runtime_data.stored.backfill.requests == 1


async def test_the_backfill_goes_on_after_a_long_pause(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.add_fault("slow", endpoint="measurements", count=1)
    simulator.add_fault(
        "rate_limit", endpoint="measurements", count=1, retry_after="600"
    )
    entry = await set_up_at_now(set_up, freezer)
    # Refreshes inside the pause ask nothing and start no backfill.
    await async_advance(hass, freezer, 300)
    assert entry.runtime_data.stored.backfill.requests == 1
    for _ in range(2):
        await async_advance(hass, freezer, 300)
    rows = await hourly(hass, [LAEQ], NOW - timedelta(days=7), NOW)
    assert len(rows[LAEQ]) == 7 * 24
    assert entry.runtime_data.stored.backfill.requests == 2


async def test_no_history_comes_back_for_an_instrument_removed_meanwhile(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(NOW)
    release = simulator.hold(endpoint="measurements")
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await simulator.wait_until(lambda: simulator.requests["measurements"] == 1)
    # Removed while the first answer, which holds its periods, is on its way.
    subentry_id = config_entry.runtime_data.records[ONLINE].subentry_id
    hass.config_entries.async_remove_subentry(config_entry, subentry_id)
    await hass.async_block_till_done()
    release.set()
    await async_settle(hass)
    rows = await hourly(hass, [LAEQ, QUARTER_LAEQ], NOW - timedelta(days=7), NOW)
    assert LAEQ not in rows
    assert len(rows[QUARTER_LAEQ]) == 7 * 24


async def test_the_backfill_asks_for_less_after_a_time_out_and_says_so_once(
    hass: HomeAssistant,
    recorder_mock: Recorder,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components.mycirrus")
    original = MyCirrusClient.measurements
    calls = 0

    async def measurements(client: MyCirrusClient, *args: Any, **kwargs: Any) -> Any:
        # The refreshes' requests are answered, two of the backfill's time out.
        nonlocal calls
        calls += 1
        if calls in (2, 5):
            raise MyCirrusConnectionError("Timed out")
        return await original(client, *args, **kwargs)

    def stops() -> list[int]:
        return [r.levelno for r in caplog.records if "older stored" in r.getMessage()]

    with patch.object(MyCirrusClient, "measurements", measurements):
        entry = await set_up_at_now(set_up, freezer)
        backfill = entry.runtime_data.stored.backfill
        assert backfill.requests == 1
        assert backfill.shrink == 2
        assert stops() == [logging.INFO]
        # The periods themselves fail: no backfill is tried from the last window.
        simulator.add_fault("server_error", endpoint="measurements")
        await async_advance(hass, freezer, 300)
        assert backfill.requests == 1
        simulator.clear_faults()
        # Timed out again: said at debug only, and asked in smaller pieces.
        await async_advance(hass, freezer, 300)
        assert backfill.requests == 2
        assert backfill.shrink == 4
        assert stops() == [logging.INFO, logging.DEBUG]
        await async_advance(hass, freezer, 300)
    rows = await hourly(hass, [LAEQ], NOW - timedelta(days=7), NOW)
    assert len(rows[LAEQ]) == 7 * 24
    # Answered: requests grow back.
    assert backfill.shrink == 2


async def test_no_rows_for_an_instrument_removed_while_they_were_made(
    hass: HomeAssistant,
) -> None:
    # Both followed when the answer is read; one removed while it was.
    looks = iter([["QT100001", "QT100002"], ["QT100001"]])
    keeper = PeriodKeeper(hass, GapTracker(hass, "entry"), lambda: next(looks))
    measurements = [
        Measurement(
            instrument=serial,
            start=NOW + timedelta(minutes=5 * n),
            period=timedelta(minutes=5),
            values={"LAeq": 55.0},
        )
        for serial in ("QT100001", "QT100002")
        for n in range(12)
    ]
    taken = await keeper.async_take(
        measurements,
        ["QT100001", "QT100002"],
        (NOW, NOW + timedelta(hours=1)),
        ("LAeq",),
    )
    assert {serial for serial, _ in taken.rows} == {"QT100001"}
    assert len(taken.rows[("QT100001", "LAeq")]) == 1
    assert set(keeper.latest) == set(keeper.lengths) == {"QT100001"}
    assert keeper.gaps.incomplete("QT100002") == set()
