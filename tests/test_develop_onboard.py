"""The demo's set-up script: its noise limit and card group, through HA's own APIs."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from aiohttp.test_utils import TestClient
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from simulator import SimInstrument, Simulator

from .conftest import ONLINE, SetUp
from .helpers import async_settle

SCRIPT = Path(__file__).parents[1] / "scripts" / "develop_onboard.py"


def load_script(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Load the script as `python scripts/develop_onboard.py` does: with its labels."""
    monkeypatch.syspath_prepend(str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("develop_onboard", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def followed(simulator: Simulator) -> list[SimInstrument]:
    """The demo's limit watches QT100001: the tests' site gate."""
    return [simulator.instruments[ONLINE]]


type Admin = tuple[MockConfigEntry, TestClient, str, dict[str, str], str]


@pytest.fixture
async def admin(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_admin_user: MockUser,
    set_up: SetUp,
) -> Admin:
    """MyCirrus set up, then Home Assistant's APIs as its admin.

    The entry first: its audio view must be registered before the HTTP
    client freezes the routes.
    """
    entry = await set_up()
    assert await async_setup_component(hass, "config", {})
    assert await async_setup_component(hass, "websocket_api", {})
    refresh = await hass.auth.async_create_refresh_token(
        hass_admin_user, "https://example.com/app"
    )
    token = hass.auth.async_create_access_token(refresh)
    client = await hass_client(token)
    url = str(client.make_url("")).rstrip("/")
    return entry, client, url, {"Authorization": f"Bearer {token}"}, token


def card_entities(card: dict[str, Any]) -> set[str]:
    """Return every entity id a card (or a stack of cards) names."""
    found: set[str] = set()
    for inner in card.get("cards", []):
        found |= card_entities(inner)
    for row in card.get("entities", []):
        found.add(row["entity"])
    found.update(card.get("target", {}).get("entity_id", []))
    return found


async def test_the_demo_limit_and_its_cards(
    hass: HomeAssistant,
    admin: Admin,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The limit is added once, by its subentry flow; the cards name its entities."""
    onboard = load_script(monkeypatch)
    entry, client, url, headers, token = admin
    async with client.ws_connect("/api/websocket") as ws:
        api = await onboard.WebSocketApi.open(ws, token)
        for _ in range(2):  # the second run finds it
            subentry_id = await onboard.add_limit(
                api, client.session, url, headers, "en"
            )
            await async_settle(hass)
            limits = [
                s for s in entry.subentries.values() if s.subentry_type == "limit"
            ]
            assert [s.title for s in limits] == ["Site works"]
            assert subentry_id == limits[0].subentry_id
        ids = await onboard.entity_ids(
            api, onboard.wanted_unique_ids(subentry_id), seconds=0
        )
    assert dict(limits[0].data) == {
        **onboard.DEMO_LIMIT,
        "window": 15,
        "level": 70.0,
        "margin": 3.0,
    }
    card = onboard.limit_card(onboard.Rows(ids, "en"), subentry_id)
    shown = card_entities(card)
    assert shown == {
        "sensor.site_gate_site_works_level",
        "sensor.site_gate_site_works_headroom",
        "binary_sensor.site_gate_site_works_exceeded",
        "binary_sensor.site_gate_site_works_warning",
        "sensor.site_gate_site_works_exceedances_today",
        "event.site_gate_site_works",
    }
    assert all(hass.states.get(entity_id) is not None for entity_id in shown)
    view = onboard.dashboard(ids, "en", subentry_id)["views"][0]
    assert card in view["cards"]


async def test_the_demo_limit_is_named_in_the_language(
    hass: HomeAssistant,
    admin: Admin,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In German the limit and its card are named in German."""
    onboard = load_script(monkeypatch)
    entry, client, url, headers, token = admin
    async with client.ws_connect("/api/websocket") as ws:
        api = await onboard.WebSocketApi.open(ws, token)
        subentry_id = await onboard.add_limit(api, client.session, url, headers, "de")
    await async_settle(hass)
    assert entry.subentries[subentry_id].title == onboard.label("de", "Site works")
    card = onboard.limit_card(onboard.Rows({}, "de"), subentry_id)
    titles = [inner.get("title") for inner in card["cards"]]
    assert all(
        title and title == onboard.label("de", title_en)
        for title, title_en in zip(
            titles,
            (
                "Noise limit: LAeq,15min 70 dB",
                "This window and the next",
                "Exceedances and windows",
            ),
            strict=True,
        )
    )
    assert onboard.label("de", "Site works") != "Site works"
