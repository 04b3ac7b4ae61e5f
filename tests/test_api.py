"""Tests of the MyCirrus client against the simulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
import socket
from typing import Any
from unittest.mock import patch

from aiohttp import ClientSession
import pytest

from custom_components.mycirrus.api import (
    Action,
    CalibrationResult,
    Instrument,
    InstrumentStatus,
    MyCirrusAuthenticationError,
    MyCirrusClient,
    MyCirrusConnectionError,
    MyCirrusError,
    MyCirrusInvalidSerialError,
    MyCirrusNotFoundError,
    MyCirrusPermissionError,
    MyCirrusRateLimitError,
    MyCirrusResponseError,
    RateLimiter,
    SicResult,
    validate_serial,
)
from custom_components.mycirrus.api.client import _parse_retry_after
from simulator import Simulator

from .conftest import API_KEY, NEVER_CALIBRATED, NO_SIC, OFFLINE, ONLINE


async def test_instruments(client: MyCirrusClient, simulator: Simulator) -> None:
    instruments = await client.instruments()
    assert [i.serial_number for i in instruments] == list(simulator.instruments)
    first = instruments[0]
    assert first.name == "Site gate"
    assert first.model == "CR:900"
    assert first.type == "Noise"
    assert first.features == ("SIC", "Modem")
    assert first.latitude == pytest.approx(51.97)
    assert first.longitude == pytest.approx(-0.25)
    assert first.subscription is not None
    assert first.subscription.tier == "Pro"
    assert first.subscription.addons == ("Audio",)
    assert simulator.seen_keys[API_KEY] == 1


async def test_instrument_and_status(client: MyCirrusClient) -> None:
    instrument = await client.instrument(ONLINE)
    assert instrument.serial_number == ONLINE
    status = await client.status(ONLINE)
    assert status.online is True
    assert status.measuring is True
    assert status.calibration_in_progress is False
    assert status.last_calibration == CalibrationResult(
        time=datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
        level=93.7,
        offset=0.04,
        status="Success",
    )
    assert status.last_sic == SicResult(
        time=datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
        status="Success",
        tone_500hz=94.0,
        tone_1khz=94.1,
        tone_8khz=93.9,
    )
    # Equal payloads give equal models: the coordinator skips unchanged updates.
    assert await client.status(ONLINE) == status


async def test_status_of_offline_and_never_calibrated(client: MyCirrusClient) -> None:
    offline = await client.status(OFFLINE)
    assert offline.online is False
    assert offline.measuring is False
    never = await client.status(NEVER_CALIBRATED)
    assert never.last_calibration is None
    no_sic = await client.status(NO_SIC)
    assert no_sic.last_sic is None


async def test_calibration(client: MyCirrusClient) -> None:
    calibration = await client.calibration(ONLINE)
    assert calibration.level == 93.7
    with pytest.raises(MyCirrusNotFoundError) as err:
        await client.calibration(NEVER_CALIBRATED)
    assert err.value.code == "NotFound"
    assert err.value.description == "The instrument has never been calibrated"


async def test_actions(client: MyCirrusClient, simulator: Simulator) -> None:
    identify = await client.action(ONLINE, Action.IDENTIFY)
    assert (identify.action, identify.status) == ("Identify", "Success")
    sic = await client.action(ONLINE, Action.SIC)
    assert sic.status == "InProgress"
    assert (await client.status(ONLINE)).sic_in_progress is True
    calibration = await client.action(ONLINE, Action.CALIBRATION)
    assert calibration.status == "InProgress"
    assert (await client.status(ONLINE)).calibration_in_progress is True
    # An offline instrument, or one without the SIC feature, fails at once.
    assert (await client.action(OFFLINE, Action.SIC)).status == "Failed"
    assert (await client.action(NO_SIC, Action.SIC)).status == "Failed"
    assert simulator.requests["action"] == 5


async def test_actions_finish(client: MyCirrusClient, simulator: Simulator) -> None:
    clock = [datetime(2026, 11, 24, 9, 0, tzinfo=UTC)]
    simulator._now = lambda: clock[0]
    simulator.instruments[ONLINE].next_sic_status = "Failed"
    await client.action(ONLINE, Action.SIC)
    await client.action(NEVER_CALIBRATED, Action.CALIBRATION)
    clock[0] += timedelta(minutes=5)
    status = await client.status(ONLINE)
    assert status.sic_in_progress is False
    assert status.last_sic is not None
    assert status.last_sic.status == "Failed"
    assert status.last_sic.time == clock[0]
    calibrated = await client.status(NEVER_CALIBRATED)
    assert calibrated.calibration_in_progress is False
    assert calibrated.last_calibration is not None
    assert calibrated.last_calibration.level == 93.8


@pytest.mark.parametrize(
    ("setup", "error", "code"),
    [
        (lambda s: s.revoke_key(API_KEY), MyCirrusAuthenticationError, "TokenExpired"),
        (
            lambda s: s.add_key(API_KEY, scopes={"webhooks:read"}),
            MyCirrusPermissionError,
            "AccessDenied",
        ),
        (lambda s: s.add_fault("forbidden"), MyCirrusPermissionError, "AccessDenied"),
        (lambda s: s.add_fault("not_found"), MyCirrusNotFoundError, "NotFound"),
        (lambda s: s.add_fault("server_error"), MyCirrusResponseError, "InternalError"),
        (
            lambda s: s.add_fault("rate_limit"),
            MyCirrusRateLimitError,
            "TooManyRequests",
        ),
        (lambda s: s.add_fault("not_json"), MyCirrusResponseError, None),
        (lambda s: s.add_fault("wrong_shape"), MyCirrusResponseError, None),
        (lambda s: s.remove_instrument(ONLINE), MyCirrusNotFoundError, "NotFound"),
        (
            lambda s: s.add_key(API_KEY, instruments={OFFLINE}),
            MyCirrusPermissionError,
            "AccessDenied",
        ),
    ],
)
async def test_status_errors(
    client: MyCirrusClient,
    simulator: Simulator,
    setup: object,
    error: type[MyCirrusError],
    code: str | None,
) -> None:
    setup(simulator)  # type: ignore[operator]
    with pytest.raises(error) as raised:
        await client.status(ONLINE)
    assert raised.value.code == code
    assert API_KEY not in str(raised.value)
    assert API_KEY not in repr(raised.value)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("120", 120.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        ("soon", None),
        ("inf", None),
        # No rate limit lasts a year: a broken header, not a pause.
        ("604800", 604800.0),
        ("604801", None),
        ("31536000", None),
        ("1e14", None),
    ],
)
async def test_retry_after(
    client: MyCirrusClient,
    simulator: Simulator,
    header: str | None,
    expected: float | None,
) -> None:
    simulator.add_fault("rate_limit", retry_after=header, count=1)
    with pytest.raises(MyCirrusRateLimitError) as raised:
        await client.instruments()
    assert raised.value.retry_after == expected
    assert raised.value.sent
    # The key is paused: the next call is not sent at all.
    with pytest.raises(MyCirrusRateLimitError) as raised:
        await client.status(ONLINE)
    assert not raised.value.sent
    assert simulator.requests == {"instruments": 1}
    # The fault was used up: after the pause the next call succeeds.
    client.limiter = RateLimiter()
    assert await client.instruments()


@pytest.mark.parametrize(("offset", "low", "high"), [(90, 80, 91), (-90, 0, 0)])
async def test_retry_after_http_date(
    client: MyCirrusClient, simulator: Simulator, offset: int, low: int, high: int
) -> None:
    when = datetime.now(UTC) + timedelta(seconds=offset)
    simulator.add_fault("rate_limit", retry_after=format_datetime(when, usegmt=True))
    with pytest.raises(MyCirrusRateLimitError) as raised:
        await client.status(ONLINE)
    assert raised.value.retry_after is not None
    assert low <= raised.value.retry_after <= high


async def test_http_date_without_zone_is_utc() -> None:
    when = datetime.now(UTC) + timedelta(seconds=100)
    value = _parse_retry_after(when.strftime("%a, %d %b %Y %H:%M:%S -0000"))
    assert value is not None
    assert 90 <= value <= 101


async def test_timeout(client: MyCirrusClient, simulator: Simulator) -> None:
    client.request_timeout = 0.05
    simulator.add_fault("slow", delay=0.5, count=1)
    with pytest.raises(MyCirrusConnectionError, match="Timed out"):
        await client.status(ONLINE)


async def test_connection_reset(client: MyCirrusClient, simulator: Simulator) -> None:
    # Every answer is dropped: aiohttp may retry a GET once on its own.
    simulator.add_fault("reset")
    with pytest.raises(MyCirrusConnectionError, match="Could not reach MyCirrus"):
        await client.status(ONLINE)
    simulator.clear_faults()
    assert (await client.status(ONLINE)).online is True


async def test_slow_but_in_time(client: MyCirrusClient, simulator: Simulator) -> None:
    simulator.add_fault("slow", delay=0.01, serial=ONLINE)
    assert (await client.status(ONLINE)).online is True


async def test_connection_refused(socket_enabled: None) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with ClientSession() as session:
        client = MyCirrusClient(
            session, API_KEY, base_url=f"http://127.0.0.1:{port}/v1"
        )
        with pytest.raises(MyCirrusConnectionError) as raised:
            await client.instruments()
    assert API_KEY not in str(raised.value)


async def test_missing_and_wrong_fields_are_unknown(
    client: MyCirrusClient, simulator: Simulator
) -> None:
    simulator.add_fault("missing_fields", count=1)
    assert await client.status(ONLINE) == InstrumentStatus(
        online=True,
        measuring=None,
        calibration_in_progress=None,
        sic_in_progress=None,
        last_calibration=None,
        last_sic=None,
    )
    simulator.add_fault("wrong_types", count=1)
    assert await client.status(ONLINE) == InstrumentStatus(
        online=None,
        measuring=None,
        calibration_in_progress=None,
        sic_in_progress=None,
        last_calibration=None,
        # {"time": 12, "status": 5}: nothing usable is no result at all.
        last_sic=None,
    )


def test_lenient_parsing() -> None:
    status = InstrumentStatus.from_dict(
        {
            "Online": "true",
            "Measuring": "FALSE",
            "extra": {"ignored": True},
            "LastCalibration": {
                "Time": "2026-01-02T03:04:05",
                "Level": "94.0",
                "Offset": "n/a",
                "Status": "",
            },
            "LastSic": {"Time": "2026-01-02T03:04:05+01:00", "_1KHz": 94},
        }
    )
    assert status.online is True
    assert status.measuring is False
    assert status.last_calibration == CalibrationResult(
        time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        level=94.0,
        offset=None,
        status=None,
    )
    assert status.last_sic is not None
    assert status.last_sic.time == datetime(2026, 1, 2, 2, 4, 5, tzinfo=UTC)
    assert status.last_sic.tone_1khz == 94.0
    bad_time = CalibrationResult.from_dict({"time": "not a time", "level": True})
    assert bad_time.time is None
    assert bad_time.level is None


def test_instrument_parsing() -> None:
    instrument = Instrument.from_dict(
        {
            "SerialNumber": "QT1",
            "position": {"lat": 1.5, "long": "2.5"},
            "feature": ["SIC", 3],
            "subscription": None,
        }
    )
    assert instrument.latitude == 1.5
    assert instrument.longitude == 2.5
    assert instrument.features == ("SIC",)
    assert instrument.subscription is None
    empty = Instrument.from_dict(
        {"serialNumber": "QT2", "position": {}, "feature": "x"}
    )
    assert empty.latitude is None
    assert empty.features == ()
    with pytest.raises(MyCirrusResponseError):
        Instrument.from_dict({"name": "no serial"})


async def test_list_skips_unusable_items(
    client: MyCirrusClient, simulator: Simulator
) -> None:
    good = simulator.instruments[ONLINE].info()
    simulator.add_fault(
        "raw", endpoint="instruments", body=[good, "junk", {"name": "no serial"}]
    )
    instruments = await client.instruments()
    assert [i.serial_number for i in instruments] == [ONLINE]


async def test_list_must_be_an_array(
    client: MyCirrusClient, simulator: Simulator
) -> None:
    simulator.add_fault("missing_fields", endpoint="instruments")
    with pytest.raises(MyCirrusResponseError, match="not a JSON array"):
        await client.instruments()


@pytest.mark.parametrize(
    "serial", ["", "../webhooks", "QT1?x=1", "QT 1", "Q" * 33, "QT1/status", "ü"]
)
async def test_malformed_serials_never_reach_the_network(
    client: MyCirrusClient, simulator: Simulator, serial: str
) -> None:
    for call in (client.status, client.instrument, client.calibration):
        with pytest.raises(MyCirrusInvalidSerialError):
            await call(serial)
    with pytest.raises(MyCirrusInvalidSerialError):
        await client.action(serial, Action.IDENTIFY)
    assert sum(simulator.requests.values()) == 0


def test_validate_serial() -> None:
    assert validate_serial("QT-12_ab") == "QT-12_ab"
    assert validate_serial("Q" * 32) == "Q" * 32
    with pytest.raises(ValueError, match="serial number"):
        validate_serial(12)  # type: ignore[arg-type]


async def test_repr_hides_the_key(client: MyCirrusClient) -> None:
    assert API_KEY not in repr(client)
    assert "base_url" in repr(client)


async def test_bad_request(client: MyCirrusClient, simulator: Simulator) -> None:
    simulator.add_fault(
        "raw", status=400, body={"error": "MissingParam", "description": "serial"}
    )
    with pytest.raises(MyCirrusResponseError) as raised:
        await client.status(ONLINE)
    assert raised.value.code == "MissingParam"
    assert str(raised.value) == "MyCirrus answered HTTP 400 MissingParam: serial"


async def test_400_not_found(client: MyCirrusClient, simulator: Simulator) -> None:
    simulator.add_fault("raw", status=400, body={"error": "NotFound"})
    with pytest.raises(MyCirrusNotFoundError) as raised:
        await client.status(ONLINE)
    assert raised.value.description is None


async def test_error_without_body(client: MyCirrusClient, simulator: Simulator) -> None:
    simulator.add_fault("raw", status=502)
    with pytest.raises(MyCirrusResponseError) as raised:
        await client.status(ONLINE)
    assert str(raised.value) == "MyCirrus answered HTTP 502"
    assert raised.value.code is None


async def test_empty_body(client: MyCirrusClient, simulator: Simulator) -> None:
    simulator.add_fault("raw", status=200)
    with pytest.raises(MyCirrusResponseError, match="not a JSON object"):
        await client.status(ONLINE)


async def test_unknown_endpoint(client: MyCirrusClient) -> None:
    with pytest.raises(MyCirrusNotFoundError):
        await client._request("unknown", "GET", "/control/unknown")


class FakeResponse:
    """An answer with a given status, headers and raw body."""

    def __init__(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.status = status
        self.headers = headers
        self._body = body

    async def read(self) -> bytes:
        return self._body

    async def __aenter__(self) -> FakeResponse:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None


class FakeSession:
    """Records what each request sent, and answers with one canned response."""

    def __init__(self, response: FakeResponse) -> None:
        self.response = response
        self.sent: list[dict[str, Any]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> FakeResponse:
        self.sent.append({"method": method, "url": url, **kwargs})
        return self.response


async def test_request_headers_ask_for_json() -> None:
    session = FakeSession(FakeResponse(200, b"[]", {}))
    client = MyCirrusClient(session, API_KEY)  # type: ignore[arg-type]
    assert await client.instruments() == []
    (sent,) = session.sent
    assert sent["headers"] == {"X-Api-Key": API_KEY, "Accept": "application/json"}
    assert sent["url"] == "https://api.mycirrus.cloud/v1/control/instruments"


async def test_error_body_that_is_not_utf8() -> None:
    session = FakeSession(FakeResponse(500, b'{"error": "Bad\xff"}', {}))
    client = MyCirrusClient(session, API_KEY)  # type: ignore[arg-type]
    with pytest.raises(MyCirrusResponseError, match="HTTP 500"):
        await client.status(ONLINE)


async def test_live_during_a_pause_is_not_attempted(
    client: MyCirrusClient, simulator: Simulator
) -> None:
    client.limiter.pause(300)
    with pytest.raises(MyCirrusRateLimitError) as raised:
        await client.live(ONLINE)
    assert not raised.value.sent
    assert simulator.ws_connects == {}
    assert client.request_counts["live"] == 0


def test_retry_after_http_date_with_an_offset() -> None:
    # 10:00 at +01:00 is 09:00 UTC: an hour from 08:00 UTC, not two.
    with patch(
        "custom_components.mycirrus.api.client.datetime", wraps=datetime
    ) as clock:
        clock.now.return_value = datetime(2026, 11, 24, 8, tzinfo=UTC)
        assert _parse_retry_after("Tue, 24 Nov 2026 10:00:00 +0100") == 3600
