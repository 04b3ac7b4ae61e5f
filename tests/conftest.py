"""Fixtures: a MyCirrus simulator on loopback and config entries that use it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from datetime import UTC, datetime, timedelta
import logging
import re
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
import pytest

# Home Assistant puts its own test config dir first on sys.path before it imports
# `custom_components`; importing ours first makes it the one that is found.
import custom_components.mycirrus  # noqa: F401  # isort: skip

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mycirrus.api import MyCirrusClient
from custom_components.mycirrus.const import (
    CONF_API_URL,
    CONF_SERIAL,
    DOMAIN,
    SUBENTRY_TYPE_INSTRUMENT,
)
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from simulator import SimInstrument, Simulator

from .helpers import async_settle, async_wait_pushing

API_KEY = "mycirrus-123456-AABBCCDD11223344"
OTHER_KEY = "mycirrus-654321-99887766FFEEDDCC"
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

# The instruments of the test account, in the states the entities must show.
ONLINE = "QT100001"  # online, measuring, calibrated, SIC with tone levels
OFFLINE = "QT100002"  # offline, results kept
CALIBRATING = "QT100003"  # calibrating now
NEVER_CALIBRATED = "QT100004"  # never calibrated, SIC failed with an unknown word
NO_SIC = "QT100005"  # no SIC feature, calibration failed, no Audio add-on
# The online instruments: each opens a live connection.
PUSHING = (ONLINE, CALIBRATING, NEVER_CALIBRATED, NO_SIC)


def _calibration(days: int, status: str = "Success") -> dict[str, Any]:
    return {
        "time": (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "level": 93.7,
        "offset": 0.04,
        "status": status,
    }


def _sic(hours: int, status: str = "Success") -> dict[str, Any]:
    return {
        "time": (NOW - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": status,
        "_500Hz": 94.0,
        "_1KHz": 94.1,
        "_8KHz": 93.9,
    }


def populate(simulator: Simulator) -> None:
    """Give the simulator the test account's five instruments."""
    simulator.add_instrument(
        ONLINE,
        "Site gate",
        last_calibration=_calibration(3),
        last_sic=_sic(6),
    )
    simulator.add_instrument(
        OFFLINE,
        "Roof",
        online=False,
        measuring=False,
        last_calibration=_calibration(10),
        last_sic=_sic(30),
    )
    simulator.add_instrument(
        CALIBRATING,
        "Stage left",
        model="CR:915",
        calibration_in_progress=True,
        last_calibration=_calibration(1),
        last_sic={"time": "2026-11-23T21:00:00Z", "status": "Success"},
    )
    simulator.add_instrument(
        NEVER_CALIBRATED,
        "Car park",
        last_sic=_sic(2, "Inconclusive"),
    )
    simulator.add_instrument(
        NO_SIC,
        "Loading bay",
        features=["Modem"],
        addons=[],
        last_calibration=_calibration(5, "Failed"),
    )
    for instrument in simulator.instruments.values():
        instrument.boot_time = NOW - timedelta(days=2, hours=3)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom integrations in every test."""


@pytest.fixture(autouse=True)
async def loop_sees_due_timers() -> None:
    """Let the event loop run a timer due at the frozen clock's very moment.

    Under the test plugin the loop's clock is the frozen UTC timestamp (about
    1.8e9 s), where adding the loop's clock resolution (1e-9 s) changes no
    float: a timer at exactly now (``async_call_later(hass, 0, ...)``) would
    never run, and the loop would turn without rest until time moves on,
    taking the processor from the recorder's thread.
    """
    loop = asyncio.get_running_loop()
    loop._clock_resolution = max(loop._clock_resolution, 1e-6)


@pytest.fixture(autouse=True)
def clean_logs(caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Fail a test whose log shows an API key or a deprecation of ours.

    Home Assistant reports a custom integration's use of deprecated APIs as a
    log line, not a warning, so the log is where to look.
    """
    # Ours down to DEBUG; the rest from INFO. The test plugin's caplog puts
    # every logger at DEBUG: Home Assistant's own DEBUG lines (the recorder's,
    # a few per state written) would cost more than the tests themselves.
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="custom_components.mycirrus")
    caplog.set_level(logging.DEBUG, logger="simulator")
    # The Home Assistant test plugin logs every SQL statement at INFO: captured,
    # formatting them takes most of a recorder test's time. (caplog.set_level
    # would also raise its handler's level, and lose our INFO lines.)
    engine = logging.getLogger("sqlalchemy.engine")
    engine_level = engine.level
    engine.setLevel(logging.WARNING)
    yield
    engine.setLevel(engine_level)
    for record in caplog.get_records("setup") + caplog.get_records("call"):
        text = record.getMessage()
        assert API_KEY not in text
        assert OTHER_KEY not in text
        assert not DEPRECATION.search(text), text


DEPRECATION = re.compile(
    r"(?i)(detected that custom integration 'mycirrus'|mycirrus.*deprecat)"
)


@pytest.fixture
def simulator() -> Simulator:
    """Return the simulated cloud with the test account, on Home Assistant's clock.

    Its clock follows ``freezer`` where a test freezes time. Live data is only
    sent when a test asks (``send_live_data``).
    """
    sim = Simulator(now=dt_util.utcnow, live_period=0)
    sim.add_key(API_KEY)
    populate(sim)
    return sim


@pytest.fixture
def polling_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Open no live websocket, so that the entry polls every instrument."""
    monkeypatch.setattr("custom_components.mycirrus.hub.push.MAX_LIVE_CONNECTIONS", 0)


@pytest.fixture
async def sim_server(
    simulator: Simulator, socket_enabled: None
) -> AsyncGenerator[TestServer]:
    """Serve the simulator on loopback (pytest-socket still allows only loopback)."""
    server = TestServer(simulator.make_app(), host="127.0.0.1")
    # No access log: aiohttp's formats local time, which a frozen clock breaks
    # on newer aiohttp (a logged traceback per request, none of ours).
    await server.start_server(access_log=None)
    yield server
    await server.close()


@pytest.fixture
def api_url(sim_server: TestServer) -> str:
    """Return the simulator's API base URL."""
    return str(sim_server.make_url("/v1"))


@pytest.fixture
async def client(api_url: str) -> AsyncGenerator[MyCirrusClient]:
    """Return a client of the simulator on its own session."""
    async with ClientSession() as session:
        yield MyCirrusClient(session, API_KEY, base_url=api_url, request_timeout=2)


def instrument_subentry(serial: str, title: str) -> ConfigSubentryData:
    """Return the subentry data that follows one instrument."""
    return ConfigSubentryData(
        data={CONF_SERIAL: serial},
        subentry_type=SUBENTRY_TYPE_INSTRUMENT,
        title=title,
        unique_id=serial,
    )


@pytest.fixture
def followed(simulator: Simulator) -> list[SimInstrument]:
    """Return the instruments the config entry follows: all of them."""
    return list(simulator.instruments.values())


@pytest.fixture
def config_entry(
    hass: HomeAssistant, api_url: str, followed: list[SimInstrument]
) -> MockConfigEntry:
    """Return a MyCirrus config entry against the simulator, added to hass."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="MyCirrus",
        data={CONF_API_KEY: API_KEY, CONF_API_URL: api_url},
        subentries_data=[instrument_subentry(i.serial, i.name) for i in followed],
    )
    entry.add_to_hass(hass)
    return entry


type SetUp = Callable[[], Awaitable[MockConfigEntry]]


async def set_up_pushing(set_up: SetUp) -> MockConfigEntry:
    """Set the entry up and wait until every online instrument pushes."""
    entry = await set_up()
    await async_wait_pushing(entry, *PUSHING)
    return entry


@pytest.fixture
def set_up(hass: HomeAssistant, config_entry: MockConfigEntry) -> SetUp:
    """Return a function that sets the config entry up."""

    async def _set_up() -> MockConfigEntry:
        await hass.config_entries.async_setup(config_entry.entry_id)
        await async_settle(hass)
        return config_entry

    return _set_up
