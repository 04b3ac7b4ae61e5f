"""Imported long-term statistics, with a real recorder, on every supported release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import RecorderInstanceGenerator

from custom_components.mycirrus.compat import (
    STATISTICS_HAVE_UNIT_CLASS,
    external_statistic_metadata,
)
from homeassistant.components.recorder import Recorder, get_instance
from homeassistant.components.recorder.models import StatisticData, StatisticMeanType
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
    get_metadata,
    statistics_during_period,
)
from homeassistant.const import UnitOfSoundPressure
from homeassistant.core import HomeAssistant

STATISTIC_ID = "mycirrus:qt100001_laeq"
START = datetime(2026, 11, 23, 6, tzinfo=UTC)


@pytest.fixture
async def mock_recorder_before_hass(
    async_setup_recorder_instance: RecorderInstanceGenerator,
) -> None:
    """Make the recorder's database before Home Assistant starts.

    The ``hass`` fixture asks for this one, and conftest's autouse fixtures ask
    for ``hass`` before a test's own fixtures; the database URL must be made
    before ``hass``, so ``recorder_mock`` alone would come too late.
    """


def rows(means: list[float], first: datetime = START) -> list[StatisticData]:
    return [
        StatisticData(
            start=first + timedelta(hours=i), mean=mean, min=mean - 8, max=mean + 15
        )
        for i, mean in enumerate(means)
    ]


async def import_rows(hass: HomeAssistant, statistics: list[StatisticData]) -> None:
    metadata = external_statistic_metadata(
        statistic_id=STATISTIC_ID,
        name="Site gate LAeq",
        unit=UnitOfSoundPressure.DECIBEL,
    )
    async_add_external_statistics(hass, metadata, statistics)
    await async_wait_recording_done(hass)


async def stored(hass: HomeAssistant) -> list[dict[str, Any]]:
    result = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        START - timedelta(days=1),
        None,
        {STATISTIC_ID},
        "hour",
        None,
        {"mean", "min", "max"},
    )
    return [
        {key: row[key] for key in ("start", "mean", "min", "max")}  # type: ignore[literal-required]
        for row in result.get(STATISTIC_ID, [])
    ]


async def last_start(hass: HomeAssistant) -> datetime | None:
    """Return the start of the last imported hour: where an import resumes."""
    result = await get_instance(hass).async_add_executor_job(
        get_last_statistics, hass, 1, STATISTIC_ID, False, {"mean"}
    )
    if not (last := result.get(STATISTIC_ID)):
        return None
    return datetime.fromtimestamp(last[0]["start"], UTC)


async def test_import_read_back_and_replace(
    hass: HomeAssistant, recorder_mock: Recorder
) -> None:
    assert await last_start(hass) is None
    await import_rows(hass, rows([55.5, 61.25, 58.0]))

    expected = [
        {
            "start": (START + timedelta(hours=i)).timestamp(),
            "mean": m,
            "min": m - 8,
            "max": m + 15,
        }
        for i, m in enumerate([55.5, 61.25, 58.0])
    ]
    assert await stored(hass) == expected
    assert await last_start(hass) == START + timedelta(hours=2)

    # Late periods changed the second hour: importing it again replaces it.
    await import_rows(hass, rows([63.0], START + timedelta(hours=1)))
    expected[1] = {**expected[1], "mean": 63.0, "min": 55.0, "max": 78.0}
    assert await stored(hass) == expected
    assert await last_start(hass) == START + timedelta(hours=2)

    metadata = await get_instance(hass).async_add_executor_job(
        lambda: get_metadata(hass, statistic_ids={STATISTIC_ID})
    )
    _, meta = metadata[STATISTIC_ID]
    assert meta["source"] == "mycirrus"
    assert meta["name"] == "Site gate LAeq"
    assert meta["unit_of_measurement"] == "dB"
    assert meta["mean_type"] is StatisticMeanType.ARITHMETIC
    assert meta["has_sum"] is False
    if STATISTICS_HAVE_UNIT_CLASS:
        assert meta["unit_class"] is None


async def test_a_week_of_hours(hass: HomeAssistant, recorder_mock: Recorder) -> None:
    means = [50.0 + (hour % 24) / 2 for hour in range(24 * 7)]
    await import_rows(hass, rows(means))
    assert len(await stored(hass)) == 24 * 7
    assert await last_start(hass) == START + timedelta(hours=24 * 7 - 1)
