"""The demo as a new user meets it: its options, its dashboard, its first events."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
import sys
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest

from custom_components.mycirrus.const import CONF_DATA_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from simulator import Simulator
from simulator.demo import Demo

from .conftest import API_KEY, SetUp
from .helpers import async_advance

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))

from develop_onboard import DEMO_OPTIONS, FLEET, Rows, dashboard, limit_card

pytestmark = pytest.mark.usefixtures("polling_only")

MONITOR = [f"noise_monitor_{n}" for n in range(1, len(FLEET) + 1)]


@pytest.fixture
def simulator() -> Simulator:
    """The demo's simulator: its five monitors, on Home Assistant's clock."""
    sim = Simulator(now=dt_util.utcnow, live_period=0)
    sim.add_key(API_KEY)
    sim.add_demo_instruments(len(FLEET))
    for instrument in sim.instruments.values():
        instrument.event_trigger = None  # only the demo's own events
    return sim


def entity_ids(config: Any) -> set[str]:
    """Return every entity id a dashboard's cards name."""
    found: set[str] = set()
    if isinstance(config, dict):
        for key, value in config.items():
            if key in ("entity", "entity_id") and isinstance(value, str):
                if ":" not in value:  # not a statistic
                    found.add(value)
            else:
                found |= entity_ids(value)
    elif isinstance(config, list):
        for item in config:
            if isinstance(item, str) and "." in item and ":" not in item:
                found.add(item)
            else:
                found |= entity_ids(item)
    return found


async def test_every_monitor_fires_an_event_with_audio_within_two_minutes(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await set_up()
    started = dt_util.utcnow()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], DEMO_OPTIONS
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_DATA_INTERVAL] == 1
    demo = Demo(simulator)
    fired: dict[str, str] = {}
    # The demo steps every 20 s, as scripts/develop runs it.
    while dt_util.utcnow() - started < timedelta(minutes=2):
        demo.step()
        await async_advance(hass, freezer, 20)
        for monitor in MONITOR:
            state = hass.states.get(f"event.{monitor}_noise_event")
            if state is not None and state.attributes.get("event_type"):
                fired.setdefault(monitor, state.attributes["media_content_id"])
    assert sorted(fired) == MONITOR
    assert all(fired[m].startswith("media-source://mycirrus/QT10000") for m in MONITOR)
    for monitor in MONITOR:
        image = hass.states.get(f"image.{monitor}_last_noise_event")
        assert image is not None
        assert image.state not in ("unknown", "unavailable")

    # Every entity the dashboard shows exists (but the limit's: none here).
    registry = er.async_get(hass)
    ids = {
        item.unique_id: item.entity_id
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
    }
    limit = "no_limit"
    shown = entity_ids(dashboard(ids, "en", limit)) - entity_ids(
        limit_card(Rows(ids, "en"), limit)
    )
    assert {f"image.{m}_last_noise_event" for m in MONITOR} <= shown
    assert {f"event.{m}_noise_event" for m in MONITOR} <= shown
    missing = [e for e in sorted(shown) if hass.states.get(e) is None]
    # The weather of the first monitor comes with its first readings.
    assert missing == []
