"""The automation blueprints: valid on every supported release, and they fire."""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime, timedelta
import logging
from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)

from homeassistant.components import persistent_notification
from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import load_yaml_dict

BLUEPRINTS = Path(__file__).parents[1] / "blueprints" / "automation" / "mycirrus"
SOURCE_URL = (
    "https://github.com/mycirrus-ha/mycirrus/blob/main/blueprints/automation/mycirrus/"
)
AUTOMATION = "automation.blueprint_under_test"
ONLINE = "binary_sensor.site_gate_online"
CALIBRATION = "sensor.site_gate_last_calibration_result"
SIC = "sensor.site_gate_last_sic_result"
DRIFT = "binary_sensor.site_gate_calibration_drift"
LAEQ = "sensor.site_gate_laeq"
NOISE_EVENT = "event.site_gate_noise_event"
LIMIT_EVENT = "event.site_gate_works"
HEADROOM = "sensor.site_gate_works_headroom"

# An action input that hands the blueprint's variables to the test.record service.
DATA = {
    "title": "{{ title }}",
    "message": "{{ message }}",
    "entity": "{{ trigger.entity_id }}",
}
RECORD = [{"action": "test.record", "data": DATA}]
# The fewest inputs each blueprint needs.
REQUIRED_INPUTS: dict[str, dict[str, Any]] = {
    "instrument_offline.yaml": {"online_sensors": [ONLINE]},
    "check_failed.yaml": {"calibration_results": [CALIBRATION]},
    "noise_above_limit.yaml": {"level_sensors": [LAEQ]},
    "noise_event.yaml": {"event_entities": [NOISE_EVENT]},
    "limit_exceeded.yaml": {"limit_entities": [LIMIT_EVENT]},
    "limit_headroom.yaml": {"headroom_sensors": [HEADROOM]},
}
STATES = {
    ONLINE: "on",
    CALIBRATION: "success",
    LAEQ: "60.0",
    NOISE_EVENT: "unknown",
    LIMIT_EVENT: "unknown",
    HEADROOM: "70.0",
}


@pytest.fixture(autouse=True)
def config_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Give hass a config dir of its own: the default one is in site-packages."""
    hass.config.config_dir = str(tmp_path)
    return tmp_path


@pytest.fixture(autouse=True)
def quiet_log(caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Fail a test in which Home Assistant warns or errs (a blueprint that misfits).

    The loader warns of every custom integration it finds, ours included; asyncio
    of "slow" steps when the test moves the clock on.
    """
    yield
    assert not [
        r.getMessage()
        for r in caplog.get_records("call")
        if r.levelno >= logging.WARNING
        and r.name.startswith("homeassistant.")
        and r.name != "homeassistant.loader"
    ]


@pytest.fixture
def calls(hass: HomeAssistant) -> list[ServiceCall]:
    """Return the calls of the test.record service."""
    return async_mock_service(hass, "test", "record")


async def async_set_up_blueprint(
    hass: HomeAssistant, name: str, inputs: dict[str, Any]
) -> None:
    """Set up one automation from a blueprint with these inputs; it must be on."""
    target = Path(hass.config.path("blueprints", "automation", "mycirrus"))
    await hass.async_add_executor_job(
        lambda: shutil.copytree(BLUEPRINTS, target, dirs_exist_ok=True)
    )
    config = {
        "alias": "Blueprint under test",
        "use_blueprint": {"path": f"mycirrus/{name}", "input": inputs},
    }
    assert await async_setup_component(hass, "automation", {"automation": config})
    await hass.async_block_till_done()
    state = hass.states.get(AUTOMATION)
    assert state is not None
    assert state.state == "on"


async def async_advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, minutes: float
) -> None:
    """Move time on and run what falls due.

    State changes are handled first, at the time they were made.
    """
    await hass.async_block_till_done()
    freezer.tick(timedelta(minutes=minutes))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def freeze_local(freezer: FrozenDateTimeFactory, when: str) -> None:
    """Freeze the clock at a time of day in Home Assistant's time zone."""
    local = datetime.fromisoformat(when).replace(tzinfo=dt_util.get_default_time_zone())
    freezer.move_to(dt_util.as_utc(local))


@pytest.mark.parametrize("name", sorted(REQUIRED_INPUTS))
async def test_blueprint_is_valid(hass: HomeAssistant, name: str) -> None:
    """Each blueprint loads, points at itself and becomes a working automation."""
    # HA's own loader, for the `!input` tags; the schema HA checks blueprints with.
    blueprint = Blueprint(
        load_yaml_dict(BLUEPRINTS / name),
        path=name,
        expected_domain="automation",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )

    assert blueprint.validate() is None  # this release meets min_version
    assert blueprint.metadata["homeassistant"]["min_version"] == "2025.4.0"
    assert blueprint.metadata["source_url"] == SOURCE_URL + name
    for key, spec in blueprint.inputs.items():
        for item in spec["selector"].get("entity", {}).get("filter", []):
            assert item["integration"] == "mycirrus", key
    for entity_id, state in STATES.items():
        hass.states.async_set(entity_id, state)
    await async_set_up_blueprint(hass, name, REQUIRED_INPUTS[name])


def test_every_blueprint_is_tested() -> None:
    """A new blueprint file needs its inputs here."""
    assert sorted(p.name for p in BLUEPRINTS.glob("*.yaml")) == sorted(REQUIRED_INPUTS)


async def test_offline_notifies_by_default(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Out of the box, an offline instrument gets a persistent notification."""
    assert await async_setup_component(hass, "persistent_notification", {})
    notes: list[persistent_notification.Notification] = []
    persistent_notification.async_register_callback(
        hass, lambda _kind, changed: notes.extend(changed.values())
    )
    hass.states.async_set(ONLINE, "on", {"friendly_name": "Site gate Online"})
    inputs = {"online_sensors": [ONLINE]}  # the default actions
    await async_set_up_blueprint(hass, "instrument_offline.yaml", inputs)

    hass.states.async_set(ONLINE, "off", {"friendly_name": "Site gate Online"})
    await async_advance(hass, freezer, 10)

    assert [(n["title"], n["message"], n["notification_id"]) for n in notes] == [
        (
            "MyCirrus instrument offline",
            "Site gate Online has been offline for 10 minutes.",
            f"mycirrus_offline_{ONLINE}",
        )
    ]


async def test_offline_names_the_device(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, calls: list[ServiceCall]
) -> None:
    """After N minutes offline the actions run, naming the instrument's device."""
    entry = MockConfigEntry(domain="mycirrus")
    entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={("mycirrus", "QT100001")},
        name="Site gate",
    )
    entity = er.async_get(hass).async_get_or_create(
        "binary_sensor", "mycirrus", "QT100001_online", device_id=device.id
    )
    online = entity.entity_id
    hass.states.async_set(online, "on", {"friendly_name": "Site gate Online"})
    inputs = {"online_sensors": [online], "minutes": 15, "actions": RECORD}
    await async_set_up_blueprint(hass, "instrument_offline.yaml", inputs)

    hass.states.async_set(online, "off", {"friendly_name": "Site gate Online"})
    await async_advance(hass, freezer, 14)
    assert not calls
    await async_advance(hass, freezer, 1)

    assert [c.data for c in calls] == [
        {
            "title": "MyCirrus instrument offline",
            "message": "Site gate has been offline for 15 minutes.",
            "entity": online,
        }
    ]


async def test_offline_not_when_back_in_time(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, calls: list[ServiceCall]
) -> None:
    """An instrument back online within the minutes is not reported."""
    hass.states.async_set(ONLINE, "on")
    inputs = {"online_sensors": [ONLINE], "actions": RECORD}
    await async_set_up_blueprint(hass, "instrument_offline.yaml", inputs)

    hass.states.async_set(ONLINE, "off")
    await async_advance(hass, freezer, 9)
    hass.states.async_set(ONLINE, "on")
    await async_advance(hass, freezer, 60)

    assert not calls


async def async_set_up_check_failed(hass: HomeAssistant) -> None:
    """Set up check_failed on one instrument's three entities."""
    inputs = {
        "calibration_results": [CALIBRATION],
        "sic_results": [SIC],
        "drift_sensors": [DRIFT],
        "actions": RECORD,
    }
    await async_set_up_blueprint(hass, "check_failed.yaml", inputs)


@pytest.mark.parametrize(
    ("entity_id", "old", "new", "title", "message"),
    [
        (CALIBRATION, "success", "failed", "MyCirrus calibration failed",
         "Site gate: the last calibration failed."),
        (CALIBRATION, "in_progress", "other", "MyCirrus calibration failed",
         "Site gate: the last calibration ended with an unexpected result."),
        (SIC, "success", "error", "MyCirrus SIC failed",
         "Site gate: the last System Integrity Check (SIC) ended with an error."),
        (DRIFT, "off", "on", "MyCirrus calibration drift",
         "Site gate: calibration drift detected."),
    ],
)  # fmt: skip
async def test_check_failed_fires(
    hass: HomeAssistant,
    calls: list[ServiceCall],
    entity_id: str,
    old: str,
    new: str,
    title: str,
    message: str,
) -> None:
    """A failed check or drift is reported, saying which check and what happened."""
    await async_set_up_check_failed(hass)
    hass.states.async_set(entity_id, old, {"friendly_name": "Site gate"})
    await hass.async_block_till_done()
    assert not calls

    hass.states.async_set(entity_id, new, {"friendly_name": "Site gate"})
    await hass.async_block_till_done()

    assert [c.data for c in calls] == [
        {"title": title, "message": message, "entity": entity_id}
    ]


@pytest.mark.parametrize(
    ("entity_id", "states"),
    [
        (CALIBRATION, ["failed", "in_progress", "success"]),  # first state: old news
        (CALIBRATION, ["unavailable", "failed"]),
        (SIC, ["unknown", "error"]),
        (DRIFT, ["unavailable", "on", "off"]),
    ],
)
async def test_check_failed_quiet(
    hass: HomeAssistant, calls: list[ServiceCall], entity_id: str, states: list[str]
) -> None:
    """Success, and results that only reappear, are not reported."""
    await async_set_up_check_failed(hass)
    for state in states:
        hass.states.async_set(entity_id, state)
        await hass.async_block_till_done()

    assert not calls


@pytest.mark.parametrize(
    ("when", "weekdays", "later", "fires"),
    [
        ("2026-11-24 10:00", None, "71.4", True),  # a Tuesday morning
        ("2026-11-24 10:00", None, "64.0", False),  # below the limit within 5 min
        ("2026-11-24 06:30", None, "71.4", False),  # before 07:00
        ("2026-11-24 20:00", None, "71.4", False),  # after 19:00
        ("2026-11-29 10:00", ["mon", "tue", "wed", "thu", "fri"], "71.4", False),
    ],
)
async def test_noise_above_limit(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    calls: list[ServiceCall],
    when: str,
    weekdays: list[str] | None,
    later: str,
    fires: bool,
) -> None:
    """A level above the limit for N minutes is reported within the hours only."""
    freeze_local(freezer, when)
    attributes = {"friendly_name": "Site gate LAeq", "unit_of_measurement": "dB"}
    hass.states.async_set(LAEQ, "60.0", attributes)
    inputs: dict[str, Any] = {"level_sensors": [LAEQ], "limit": 65.5, "actions": RECORD}
    if weekdays is not None:  # the last case is a Sunday
        inputs["weekdays"] = weekdays
    await async_set_up_blueprint(hass, "noise_above_limit.yaml", inputs)

    hass.states.async_set(LAEQ, "70.2", attributes)
    await async_advance(hass, freezer, 4)
    hass.states.async_set(LAEQ, later, attributes)
    await async_advance(hass, freezer, 1)

    expected = {
        "title": "MyCirrus noise above 65.5 dB",
        "message": "Site gate LAeq: 71.4 dB, above the limit of 65.5 dB for 5 minutes.",
        "entity": LAEQ,
    }
    assert [c.data for c in calls] == ([expected] if fires else [])


def noise_event(level: float, name: str, *, audio: bool) -> dict[str, Any]:
    """Return the attributes of the event entity when a noise event fired."""
    return {
        "friendly_name": "Site gate Noise event",
        "event_types": ["noise_event"],
        "event_type": "noise_event",
        "name": name,
        "level": level,
        "start": "2026-11-24T10:02:03+00:00",
        "end": "2026-11-24T10:02:15+00:00",
        "duration": 12.0,
        "audio": audio,
    }


async def test_noise_event_above_a_level(
    hass: HomeAssistant, calls: list[ServiceCall]
) -> None:
    """Each event at or above the level is reported; quieter ones are not."""
    hass.states.async_set(NOISE_EVENT, "unknown", {"event_types": ["noise_event"]})
    inputs = {"event_entities": [NOISE_EVENT], "level": 85, "actions": RECORD}
    await async_set_up_blueprint(hass, "noise_event.yaml", inputs)

    for moment, level, name, audio in (
        ("2026-11-24T10:02:20.000+00:00", 92.4, "Pile driver", True),
        ("2026-11-24T10:03:20.000+00:00", 81.0, "Lorry", False),
        ("2026-11-24T10:04:20.000+00:00", 85.0, "Horn", False),
    ):
        hass.states.async_set(
            NOISE_EVENT, moment, noise_event(level, name, audio=audio)
        )
        await hass.async_block_till_done()
    # Unavailable and back (a restart) is no event.
    hass.states.async_set(NOISE_EVENT, "unavailable", {})
    await hass.async_block_till_done()
    hass.states.async_set(
        NOISE_EVENT,
        "2026-11-24T10:04:20.000+00:00",
        noise_event(85.0, "Horn", audio=False),
    )
    await hass.async_block_till_done()

    start = dt_util.as_local(datetime.fromisoformat("2026-11-24T10:02:03+00:00"))
    at = start.strftime("%H:%M:%S")
    assert [c.data for c in calls] == [
        {
            "title": "MyCirrus noise event: Site gate Noise event",
            "message": f"Site gate Noise event: Pile driver at {at}, 92.4 dB for 12 s, "
            "with audio.",
            "entity": NOISE_EVENT,
        },
        {
            "title": "MyCirrus noise event: Site gate Noise event",
            "message": f"Site gate Noise event: Horn at {at}, 85.0 dB for 12 s.",
            "entity": NOISE_EVENT,
        },
    ]


async def test_noise_event_with_its_picture_and_audio(
    hass: HomeAssistant, calls: list[ServiceCall]
) -> None:
    """The notification links the audio and shows the picture of the event."""
    entry = MockConfigEntry(domain="mycirrus")
    entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={("mycirrus", "QT100001")},
        name="Site gate",
    )
    registry = er.async_get(hass)
    event = registry.async_get_or_create(
        "event", "mycirrus", "QT100001_noise_event", device_id=device.id
    ).entity_id
    image = registry.async_get_or_create(
        "image", "mycirrus", "QT100001_last_noise_event", device_id=device.id
    ).entity_id
    hass.states.async_set(
        image,
        "2026-11-24T10:02:03+00:00",
        {"entity_picture": f"/api/image_proxy/{image}?token=abc"},
    )
    hass.states.async_set(event, "unknown", {"event_types": ["noise_event"]})
    data = {
        **DATA,
        "picture": "{{ picture }}",
        "audio_link": "{{ audio_link }}",
        "media_content_id": "{{ media_content_id }}",
    }
    inputs = {
        "event_entities": [event],
        "actions": [{"action": "test.record", "data": data}],
    }
    await async_set_up_blueprint(hass, "noise_event.yaml", inputs)
    link = "/api/mycirrus/audio/QT100001/event/QT100001-1a2b3c4d?authSig=xyz"
    media = "media-source://mycirrus/QT100001/event/QT100001-1a2b3c4d"
    hass.states.async_set(
        event,
        "2026-11-24T10:02:20.000+00:00",
        noise_event(92.4, "Pile driver", audio=True)
        | {"audio_url": link, "media_content_id": media, "time_history_id": "17"},
    )
    await hass.async_block_till_done()

    start = dt_util.as_local(datetime.fromisoformat("2026-11-24T10:02:03+00:00"))
    assert [c.data for c in calls] == [
        {
            "title": "MyCirrus noise event: Site gate",
            "message": f"Site gate: Pile driver at {start:%H:%M:%S}, 92.4 dB for "
            f"12 s, with audio. [Play the audio]({link})\n\n"
            f"![The event's time history](/api/image_proxy/{image}?token=abc)",
            "entity": event,
            "picture": f"/api/image_proxy/{image}",
            "audio_link": link,
            "media_content_id": media,
        }
    ]
