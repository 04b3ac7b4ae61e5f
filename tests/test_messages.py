"""The live websocket's messages, parsed leniently."""

from __future__ import annotations

from datetime import UTC, datetime
import json
from typing import Any

import pytest

from custom_components.mycirrus.api import (
    ActionStatus,
    KeepAlive,
    LiveData,
    LiveError,
    LiveStatus,
    parse_message,
)

TIME = "2026-11-24T09:00:00Z"
WHEN = datetime(2026, 11, 24, 9, tzinfo=UTC)


def parse(data: Any) -> object:
    return parse_message(json.dumps(data))


def test_status() -> None:
    assert parse(
        {
            "type": "InstrumentStatus",
            "time": TIME,
            "online": True,
            "measuring": False,
            "calibrationInProgress": False,
            "sicInProgress": True,
            "extra": "ignored",
        }
    ) == LiveStatus(
        time=WHEN,
        online=True,
        measuring=False,
        calibration_in_progress=False,
        sic_in_progress=True,
    )


def test_status_with_some_fields_of_the_wrong_type() -> None:
    message = parse({"type": "InstrumentStatus", "online": "maybe", "measuring": True})
    assert message == LiveStatus(
        time=None,
        online=None,
        measuring=True,
        calibration_in_progress=None,
        sic_in_progress=None,
    )


def test_live_data() -> None:
    message = parse(
        {
            "type": "LiveData",
            "time": TIME,
            "values": [
                {"name": "LAeq", "value": 57.3},
                {"Name": "LAF", "Value": "61"},
                {"name": 5, "value": "x"},
                {"name": "LCPeak", "value": None},
                "garbage",
            ],
        }
    )
    assert message == LiveData(time=WHEN, values={"LAeq": 57.3, "LAF": 61.0})


def test_live_data_as_an_object() -> None:
    assert parse({"type": "livedata", "values": {"LAeq": 50, "LAF": True}}) == (
        LiveData(time=None, values={"LAeq": 50.0})
    )


def test_action_status_and_error() -> None:
    assert parse(
        {
            "type": "ActionStatus",
            "time": TIME,
            "action": "SIC",
            "status": "InProgress",
            "error": None,
            "data": {"anything": 1},
        }
    ) == ActionStatus(time=WHEN, action="SIC", status="InProgress", error=None)
    assert parse(
        {"type": "Error", "error": "AccessDenied", "description": "No scope"}
    ) == LiveError(time=None, code="AccessDenied", description="No scope")
    # A structured error is kept as short text, not dropped.
    assert parse({"type": "ActionStatus", "status": "Failed", "error": {"c": 1}}) == (
        ActionStatus(time=None, action=None, status="Failed", error='{"c":1}')
    )


def test_a_time_before_year_one_is_no_time() -> None:
    message = parse({"type": "KeepAlive", "time": "0001-01-01T00:00:00+01:00"})
    assert message == KeepAlive(time=None)


@pytest.mark.parametrize(
    "data",
    [
        {"action": "KeepAlive"},  # the vendor's Node.js example's view
        {"type": "KeepAlive", "time": TIME},
        {"type": "KeepAlive", "action": "KeepAlive", "time": TIME},
    ],
)
def test_keep_alive_by_type_or_action(data: dict[str, Any]) -> None:
    assert isinstance(parse(data), KeepAlive)


@pytest.mark.parametrize(
    "text",
    [
        "not json{",
        "[1, 2]",
        '"text"',
        "null",
        '{"hello": 1}',
        '{"type": "Surprise"}',
        '{"type": 5}',
        '{"type": "InstrumentStatus", "online": "maybe", "measuring": 3}',
        '{"type": "LiveData", "values": "loud"}',
        '{"type": "LiveData", "values": [{"name": 5, "value": "x"}]}',
        '{"type": "LiveData", "values": [{"name": "LAeq", "value": NaN}]}',
        '{"type": "LiveData", "values": [{"name": "LAeq", "value": Infinity}]}',
        # An integer of 400 digits, and nesting beyond reason.
        '{"type": "LiveData", "values": [{"name": "LAeq", "value": 1'
        + "0" * 400
        + "}]}",
        "[" * 100_000,
    ],
)
def test_frames_without_a_usable_message(text: str) -> None:
    assert parse_message(text) is None
