"""The one mapping from the client's exceptions to what Home Assistant shows."""

from __future__ import annotations

import logging

import pytest

from custom_components.mycirrus.api import (
    MyCirrusAuthenticationError,
    MyCirrusBodyShapeError,
    MyCirrusConnectionError,
    MyCirrusError,
    MyCirrusInvalidSerialError,
    MyCirrusNotFoundError,
    MyCirrusPermissionError,
    MyCirrusRateLimitError,
    MyCirrusResponseError,
)
from custom_components.mycirrus.compat import UPDATE_FAILED_HAS_RETRY_AFTER
from custom_components.mycirrus.const import DOMAIN
from custom_components.mycirrus.errors import (
    UNEXPECTED,
    action_error,
    action_failure,
    flow_error,
    meaning,
    outage_error,
    round_error,
    status_reason,
)
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers.update_coordinator import UpdateFailed

PLACES = {"name": "Site gate", "serial": "QT100001", "action": "SIC", "detail": ""}


@pytest.mark.parametrize(
    ("error", "status", "flow", "action", "users"),
    [
        (
            MyCirrusAuthenticationError("x"),
            "invalid_auth",
            "invalid_auth",
            "action_invalid_auth",
            True,
        ),
        (
            MyCirrusPermissionError("x"),
            "forbidden",
            "missing_permission",
            "action_forbidden",
            True,
        ),
        (
            MyCirrusRateLimitError("x"),
            "rate_limited",
            "rate_limited",
            "action_rate_limited",
            False,
        ),
        (
            MyCirrusInvalidSerialError("x"),
            "invalid_serial",
            "invalid_serial",
            "action_failed",
            False,
        ),
        (
            MyCirrusNotFoundError("x"),
            "not_found",
            "unknown_serial",
            "action_not_found",
            True,
        ),
        (
            MyCirrusResponseError("x"),
            "invalid_response",
            "cannot_connect",
            "action_failed",
            False,
        ),
        (
            MyCirrusBodyShapeError("x", excerpt="[]"),
            "invalid_response",
            "cannot_connect",
            "action_failed",
            False,
        ),
        (
            MyCirrusConnectionError("x"),
            "cannot_connect",
            "cannot_connect",
            "action_cannot_connect",
            False,
        ),
        (
            MyCirrusError("x"),
            "cannot_connect",
            "cannot_connect",
            "action_failed",
            False,
        ),
        (RuntimeError("x"), "unknown", "unknown", "action_failed", False),
    ],
)
def test_each_way_of_failing(
    error: Exception, status: str, flow: str, action: str, users: bool
) -> None:
    known = meaning(error)
    assert (known.status, known.flow, known.action, known.users) == (
        status,
        flow,
        action,
        users,
    )
    assert status_reason(error) == status
    assert flow_error(error) == flow


def test_a_bug_in_a_flow_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert flow_error(KeyError("bug")) == "unknown"
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.exc_info is not None
    caplog.clear()
    assert flow_error(MyCirrusConnectionError("down")) == "cannot_connect"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert meaning(KeyError("bug")) is UNEXPECTED


def test_the_users_situation_is_a_validation_error() -> None:
    refused = action_error("action_running", PLACES, users=True)
    assert isinstance(refused, ServiceValidationError)
    failed = action_error("action_failed", PLACES, users=False)
    assert type(failed) is HomeAssistantError
    assert (failed.translation_domain, failed.translation_key) == (
        DOMAIN,
        "action_failed",
    )
    assert failed.translation_placeholders == PLACES
    gone = action_failure(MyCirrusNotFoundError("HTTP 404"), PLACES)
    assert isinstance(gone, ServiceValidationError)
    assert gone.translation_placeholders["detail"] == "HTTP 404"
    down = action_failure(MyCirrusConnectionError("reset"), PLACES)
    assert not isinstance(down, ServiceValidationError)
    assert down.translation_key == "action_cannot_connect"


def test_what_a_failed_round_raises() -> None:
    refused = round_error(MyCirrusAuthenticationError("401"), 0)
    assert isinstance(refused, ConfigEntryAuthFailed)
    assert refused.translation_key == "invalid_auth"
    lacking = round_error(MyCirrusPermissionError("403"), 0)
    assert isinstance(lacking, ConfigEntryAuthFailed)
    assert lacking.translation_key == "missing_permission"
    paused = round_error(MyCirrusRateLimitError("429"), 120.0)
    assert isinstance(paused, UpdateFailed)
    assert paused.translation_key == "rate_limited"
    assert paused.translation_placeholders == {"seconds": "120"}
    if UPDATE_FAILED_HAS_RETRY_AFTER:  # Home Assistant 2025.12 and newer
        assert paused.retry_after == 120.0
    other = round_error(MyCirrusResponseError("500"), 0)
    assert type(other) is UpdateFailed
    assert other.translation_key == "setup_failed"
    outage = outage_error(MyCirrusConnectionError("down"))
    assert outage.translation_placeholders == {"error": "down"}
    assert outage.translation_key == "cannot_connect"
