"""Which stored data endpoints fail: one line when one fails, one when it is back."""

from __future__ import annotations

import logging

import pytest

from custom_components.mycirrus.api import (
    MyCirrusBodyShapeError,
    MyCirrusConnectionError,
)
from custom_components.mycirrus.hub.stored.failures import EndpointFailures
from homeassistant.helpers.update_coordinator import UpdateFailed

ASKED = {"data.noise:read", "data.events:read", "data.enviro:read"}
DOWN = MyCirrusConnectionError("MyCirrus could not be reached")


def lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    """Return the lines logged, and forget them."""
    said = [(r.levelno, r.getMessage()) for r in caplog.records]
    caplog.clear()
    return said


def test_one_line_when_an_endpoint_fails_and_one_when_it_is_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    failures = EndpointFailures()
    failures.note(ASKED, {"data.enviro:read": DOWN})
    assert failures.failing == {"data.enviro:read"}
    assert lines(caplog) == [
        (
            logging.INFO,
            "MyCirrus stored data needing data.enviro:read could not be fetched: "
            "MyCirrus could not be reached",
        )
    ]
    failures.note(ASKED, {"data.enviro:read": DOWN})
    assert lines(caplog) == []
    failures.note(ASKED, {})
    assert failures.failing == set()
    assert lines(caplog) == [
        (logging.INFO, "MyCirrus stored data needing data.enviro:read is fetched again")
    ]
    failures.note(ASKED, {})
    assert lines(caplog) == []


def test_every_endpoint_failing_fails_the_refresh_said_by_the_coordinator(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    failures = EndpointFailures()
    failures.note(ASKED, {"data.enviro:read": DOWN})
    lines(caplog)
    with pytest.raises(UpdateFailed) as raised:
        failures.note(ASKED, dict.fromkeys(ASKED, DOWN))
    assert raised.value.translation_key == "noise_data_failed"
    assert raised.value.translation_placeholders == {"error": str(DOWN)}
    assert failures.failing == ASKED
    # The coordinator logs the failed refresh and its recovery; an endpoint
    # still failing after it is said again, one answered again is not.
    assert lines(caplog) == []
    failures.note(ASKED, {"data.events:read": DOWN})
    assert lines(caplog) == [
        (
            logging.INFO,
            "MyCirrus stored data needing data.events:read could not be fetched: "
            "MyCirrus could not be reached",
        )
    ]


def test_fewer_endpoints_asked_all_failing_fail_the_refresh() -> None:
    failures = EndpointFailures()
    with pytest.raises(UpdateFailed):
        failures.note({"data.noise:read"}, {"data.noise:read": DOWN})
    failures.note(ASKED, {"data.noise:read": DOWN})
    assert failures.failing == {"data.noise:read"}


def test_a_scope_not_asked_any_more_is_not_said_to_be_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    failures = EndpointFailures()
    failures.note(ASKED, {"data.noise:read": DOWN})
    lines(caplog)
    # Then refused for want of the scope: not asked at the next refresh.
    failures.note(ASKED - {"data.noise:read"}, {})
    assert lines(caplog) == []
    assert failures.failing == set()


def test_an_answer_in_an_unknown_shape_is_not_said_twice(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    failures = EndpointFailures()
    shape = MyCirrusBodyShapeError("unknown shape", excerpt="{}")
    failures.note(ASKED, {"data.noise:read": shape})
    assert failures.failing == {"data.noise:read"}
    assert lines(caplog) == []
    failures.note(ASKED, {})
    assert lines(caplog) == []
