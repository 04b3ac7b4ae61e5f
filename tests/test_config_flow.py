"""The config flow: user, instruments, reauth and reconfigure."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mycirrus.api import MyCirrusClient
from custom_components.mycirrus.const import (
    CONF_API_URL,
    CONF_EXTRA_SERIALS,
    CONF_INSTRUMENTS,
    CONF_SERIAL,
    DOMAIN,
    REAUTH_MISSING_PERMISSION,
    REAUTH_REASON,
    SECTION_ADVANCED,
    SUBENTRY_TYPE_INSTRUMENT,
)
from custom_components.mycirrus.flow_helpers import url_error
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, section
from homeassistant.setup import async_setup_component
from simulator import Simulator

from .conftest import (
    API_KEY,
    CALIBRATING,
    NEVER_CALIBRATED,
    NO_SIC,
    OFFLINE,
    ONLINE,
    OTHER_KEY,
    SetUp,
    instrument_subentry,
)

ALL = [ONLINE, OFFLINE, CALIBRATING, NEVER_CALIBRATED, NO_SIC]


async def start_user_flow(hass: HomeAssistant) -> ConfigFlowResult:
    """Start the user flow."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return result


async def submit(
    hass: HomeAssistant, result: ConfigFlowResult, user_input: dict[str, Any]
) -> ConfigFlowResult:
    return await hass.config_entries.flow.async_configure(result["flow_id"], user_input)


def subentries(result: ConfigFlowResult) -> list[tuple[str, str, str]]:
    return sorted(
        (s.unique_id, s.title, s.data[CONF_SERIAL])
        for s in result["result"].subentries.values()
    )


def suggested(result: ConfigFlowResult, field: str) -> Any:
    """Return the value a form suggests for a field, sections included."""
    schemas = [result["data_schema"].schema]
    while schemas:
        schema = schemas.pop()
        for key, value in schema.items():
            if key == field:
                return (key.description or {}).get("suggested_value")
            if isinstance(value, section):
                schemas.append(value.schema.schema)
    raise KeyError(field)


def collapsed(result: ConfigFlowResult) -> bool:
    """Return whether the form shows the advanced section collapsed."""
    advanced: section = result["data_schema"].schema[SECTION_ADVANCED]
    return bool(advanced.options["collapsed"])


class Frontend:
    """The set-up flow as the frontend drives it: over Home Assistant's HTTP API.

    Every answer is the JSON the frontend gets, its form's schema serialised
    by Home Assistant's own flow view.
    """

    def __init__(self, client: Any) -> None:
        self._client = client

    async def start(self, entry_id: str | None = None) -> dict[str, Any]:
        """Start setting up MyCirrus, or reconfiguring the entry ``entry_id``."""
        start: dict[str, Any] = {"handler": DOMAIN, "show_advanced_options": False}
        if entry_id is not None:
            start["entry_id"] = entry_id
        return await self._post("/api/config/config_entries/flow", start)

    async def submit(
        self, answer: dict[str, Any], data: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._post(
            f"/api/config/config_entries/flow/{answer['flow_id']}", data
        )

    async def _post(self, path: str, data: dict[str, Any]) -> dict[str, Any]:
        response = await self._client.post(path, json=data)
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
        return body


@pytest.fixture
async def frontend(hass: HomeAssistant, hass_client: Any) -> Frontend:
    assert await async_setup_component(hass, "config", {})
    return Frontend(await hass_client())


def form_data(answer: dict[str, Any]) -> dict[str, Any]:
    """Return what the frontend's form starts with, before the user types.

    Read as the frontend's computeInitialHaFormData does: a suggested value,
    else a default, else, for a section, its fields' values (if it is
    required or has any); a required text field without either starts empty.
    """
    return _initial_data(answer["data_schema"])


def json_suggested(answer: dict[str, Any], field: str) -> Any:
    """Return the value a serialised form suggests for a field, sections included."""
    fields = list(answer["data_schema"])
    while fields:
        item = fields.pop()
        if item["name"] == field:
            return (item.get("description") or {}).get("suggested_value")
        fields.extend(item.get("schema", []))
    raise KeyError(field)


def _initial_data(fields: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in fields:
        name = field["name"]
        suggestion = (field.get("description") or {}).get("suggested_value")
        if suggestion is not None:
            data[name] = suggestion
        elif "default" in field:
            data[name] = field["default"]
        elif field.get("type") == "expandable":
            nested = _initial_data(field["schema"])
            if field.get("required") or nested:
                data[name] = nested
        elif field.get("required"):
            data[name] = ""
    return data


def credentials(api_key: str, api_url: str) -> dict[str, Any]:
    return {CONF_API_KEY: api_key, SECTION_ADVANCED: {CONF_API_URL: api_url}}


async def test_full_flow(hass: HomeAssistant, api_url: str) -> None:
    result = await start_user_flow(hass)
    assert set(result["data_schema"].schema) == {CONF_API_KEY, SECTION_ADVANCED}
    result = await submit(hass, result, credentials(f"  {API_KEY} ", api_url + "/"))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "instruments"
    schema = result["data_schema"].schema
    (instruments_key,) = (k for k in schema if k == CONF_INSTRUMENTS)
    assert instruments_key.default() == ALL
    options = schema[instruments_key].config["options"]
    assert options[0] == {"value": ONLINE, "label": "Site gate (QT100001, CR:900)"}

    result = await submit(hass, result, {CONF_INSTRUMENTS: [ONLINE, NO_SIC]})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "MyCirrus"
    assert result["data"] == {CONF_API_KEY: API_KEY, CONF_API_URL: api_url}
    assert subentries(result) == [
        (ONLINE, "Site gate", ONLINE),
        (NO_SIC, "Loading bay", NO_SIC),
    ]
    entry = result["result"]
    assert all(
        s.subentry_type == SUBENTRY_TYPE_INSTRUMENT for s in entry.subentries.values()
    )
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("binary_sensor.site_gate_online").state == "on"


async def test_default_url_when_the_section_stays_closed(
    hass: HomeAssistant, api_url: str, frontend: Frontend
) -> None:
    # The production URL is the default; here it is the simulator's.
    with patch("custom_components.mycirrus.config_flow.DEFAULT_BASE_URL", api_url):
        answer = await frontend.start()
        assert answer["step_id"] == "user"
        assert json_suggested(answer, CONF_API_URL) is None
        assert form_data(answer) == {
            CONF_API_KEY: "",
            SECTION_ADVANCED: {CONF_API_URL: api_url},
        }
        # The user types the key only.
        answer = await frontend.submit(
            answer, {**form_data(answer), CONF_API_KEY: API_KEY}
        )
    assert answer["step_id"] == "instruments"
    answer = await frontend.submit(answer, {CONF_INSTRUMENTS: [ONLINE]})
    assert answer["type"] == "create_entry"
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    assert entry.data[CONF_API_URL] == api_url


@pytest.mark.parametrize(
    ("breakage", "error"),
    [
        (lambda s: s.revoke_key(API_KEY), "invalid_auth"),
        (
            lambda s: s.add_key(API_KEY, scopes={"data.noise:read"}),
            "missing_permission",
        ),
        (lambda s: s.add_fault("rate_limit", retry_after="30"), "rate_limited"),
        (lambda s: s.add_fault("server_error"), "cannot_connect"),
        (lambda s: s.add_fault("not_json"), "cannot_connect"),
        (lambda s: s.add_key(API_KEY, instruments=set()), "no_instruments"),
    ],
)
async def test_user_errors_then_success(
    hass: HomeAssistant,
    api_url: str,
    simulator: Simulator,
    frontend: Frontend,
    breakage: Any,
    error: str,
) -> None:
    breakage(simulator)
    answer = await frontend.start()
    user_input = credentials(API_KEY, api_url)
    answer = await frontend.submit(answer, user_input)
    assert answer["type"] == "form"
    assert answer["errors"] == {"base": error}
    # The form keeps what the user typed.
    assert json_suggested(answer, CONF_API_URL) == api_url
    assert json_suggested(answer, CONF_API_KEY) == API_KEY
    assert form_data(answer) == user_input

    simulator.clear_faults()
    simulator.add_key(API_KEY)
    answer = await frontend.submit(answer, user_input)
    assert answer["step_id"] == "instruments"


async def test_user_cannot_connect(hass: HomeAssistant, api_url: str) -> None:
    result = await start_user_flow(hass)
    result = await submit(hass, result, credentials(API_KEY, "http://127.0.0.1:9/v1"))
    assert result["errors"] == {"base": "cannot_connect"}


async def test_user_unexpected_error(hass: HomeAssistant, api_url: str) -> None:
    result = await start_user_flow(hass)
    with patch.object(MyCirrusClient, "instruments", side_effect=RuntimeError("boom")):
        result = await submit(hass, result, credentials(API_KEY, api_url))
    assert result["errors"] == {"base": "unknown"}


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://x", "invalid_url"),
        ("https://", "invalid_url"),
        ("not a url", "invalid_url"),
        # The key travels in a header: in clear text only to this computer.
        ("http://api.mycirrus.cloud/v1", "insecure_url"),
        ("http://192.168.1.10:8080/v1", "insecure_url"),
        ("http://localhost.example.com/v1", "insecure_url"),
    ],
)
async def test_user_invalid_url(
    hass: HomeAssistant, simulator: Simulator, url: str, error: str
) -> None:
    result = await start_user_flow(hass)
    result = await submit(hass, result, credentials(API_KEY, url))
    assert result["errors"] == {"base": error}
    assert sum(simulator.requests.values()) == 0


async def test_the_url_section_opens_where_the_url_needs_to_be_seen(
    hass: HomeAssistant, api_url: str, simulator: Simulator
) -> None:
    # The production URL is the default; here it is the simulator's.
    with patch("custom_components.mycirrus.config_flow.DEFAULT_BASE_URL", api_url):
        result = await start_user_flow(hass)
        assert collapsed(result)
        # An error of another field: the URL needs no look.
        simulator.revoke_key(API_KEY)
        result = await submit(hass, result, credentials(API_KEY, api_url + "/"))
        assert result["errors"] == {"base": "invalid_auth"}
        assert collapsed(result)
        # The URL is wrong: its field is shown with the error.
        result = await submit(hass, result, credentials(API_KEY, "ftp://x"))
        assert result["errors"] == {"base": "invalid_url"}
        assert not collapsed(result)
        # Another URL than the default stays in sight, error or not.
        result = await submit(
            hass, result, credentials(API_KEY, "http://127.0.0.1:9/v1")
        )
        assert result["errors"] == {"base": "cannot_connect"}
        assert not collapsed(result)


async def test_an_insecure_url_opens_the_url_section(
    hass: HomeAssistant, api_url: str
) -> None:
    with patch("custom_components.mycirrus.config_flow.DEFAULT_BASE_URL", api_url):
        result = await start_user_flow(hass)
        result = await submit(
            hass, result, credentials(API_KEY, "http://api.mycirrus.cloud/v1")
        )
    assert result["errors"] == {"base": "insecure_url"}
    assert not collapsed(result)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.mycirrus.cloud/v1",
        "http://localhost:8080/v1",
        "http://127.0.0.1:8080/v1",
        "http://127.8.9.10/v1",
        "http://[::1]:8080/v1",
    ],
)
def test_urls_that_may_be_used(url: str) -> None:
    assert url_error(url) is None


async def test_same_key_twice(
    hass: HomeAssistant, config_entry: MockConfigEntry, api_url: str
) -> None:
    result = await start_user_flow(hass)
    result = await submit(hass, result, credentials(API_KEY, api_url))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def instruments_step(hass: HomeAssistant, api_url: str) -> ConfigFlowResult:
    result = await start_user_flow(hass)
    return await submit(hass, result, credentials(API_KEY, api_url))


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("QT1?x=1", "invalid_serial"),
        ("QT999999", "unknown_serial"),
        (f"{ONLINE}, QT999999", "unknown_serial"),
    ],
)
async def test_typed_serial_errors_then_success(
    hass: HomeAssistant, api_url: str, typed: str, error: str
) -> None:
    result = await instruments_step(hass, api_url)
    result = await submit(
        hass, result, {CONF_INSTRUMENTS: [], CONF_EXTRA_SERIALS: typed}
    )
    assert result["errors"] == {CONF_EXTRA_SERIALS: error}
    assert (
        result["description_placeholders"]["serial"]
        == typed.rsplit(", ", maxsplit=1)[-1]
    )
    result = await submit(
        hass, result, {CONF_INSTRUMENTS: [], CONF_EXTRA_SERIALS: ONLINE}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert subentries(result) == [(ONLINE, "Site gate", ONLINE)]


async def test_typed_serial_the_key_cannot_see(
    hass: HomeAssistant, api_url: str, simulator: Simulator
) -> None:
    simulator.add_key(API_KEY, instruments={ONLINE})
    result = await instruments_step(hass, api_url)
    result = await submit(hass, result, {CONF_EXTRA_SERIALS: OFFLINE})
    assert result["errors"] == {CONF_EXTRA_SERIALS: "unknown_serial"}


async def test_typed_serial_rate_limited(
    hass: HomeAssistant, api_url: str, simulator: Simulator
) -> None:
    result = await instruments_step(hass, api_url)
    simulator.add_fault("rate_limit", count=1)
    result = await submit(
        hass, result, {CONF_INSTRUMENTS: [], CONF_EXTRA_SERIALS: ONLINE}
    )
    assert result["errors"] == {CONF_EXTRA_SERIALS: "rate_limited"}


async def test_typed_serial_not_in_the_list(
    hass: HomeAssistant, api_url: str, simulator: Simulator
) -> None:
    """An instrument the list leaves out is followed under its details' serial."""
    listed = [simulator.instruments[ONLINE].info()]
    # The list leaves it out both in the flow and at set-up.
    simulator.add_fault("raw", endpoint="instruments", body=listed, count=2)
    result = await instruments_step(hass, api_url)
    result = await submit(
        hass,
        result,
        {CONF_INSTRUMENTS: [ONLINE], CONF_EXTRA_SERIALS: f"{ONLINE}; {NO_SIC}"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # The details of an instrument the list leaves out give its name (and
    # its spelling); the entry fetches them again at set-up.
    assert subentries(result) == [
        (ONLINE, "Site gate", ONLINE),
        (NO_SIC, "Loading bay", NO_SIC),
    ]
    assert simulator.requests["instrument"] == 2


async def test_typed_serials_are_kept_as_mycirrus_spells_them(
    hass: HomeAssistant, api_url: str, simulator: Simulator
) -> None:
    """A serial typed in lower case is followed as MyCirrus spells it."""
    listed = [simulator.instruments[ONLINE].info()]
    simulator.add_fault("raw", endpoint="instruments", body=listed, count=1)
    result = await instruments_step(hass, api_url)
    typed = f"{ONLINE.lower()} {NO_SIC.lower()} {NO_SIC}"
    result = await submit(
        hass, result, {CONF_INSTRUMENTS: [], CONF_EXTRA_SERIALS: typed}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # From the list, and from the details of one the list leaves out; once.
    assert subentries(result) == [
        (ONLINE, "Site gate", ONLINE),
        (NO_SIC, "Loading bay", NO_SIC),
    ]


async def test_nothing_selected(hass: HomeAssistant, api_url: str) -> None:
    result = await instruments_step(hass, api_url)
    result = await submit(hass, result, {CONF_INSTRUMENTS: [], CONF_EXTRA_SERIALS: " "})
    assert result["errors"] == {"base": "no_selection"}


async def test_instruments_followed_elsewhere(
    hass: HomeAssistant, api_url: str, simulator: Simulator
) -> None:
    other = MockConfigEntry(
        domain=DOMAIN,
        data=credentials(OTHER_KEY, api_url),
        subentries_data=[instrument_subentry(ONLINE, "Site gate")],
    )
    other.add_to_hass(hass)
    result = await instruments_step(hass, api_url)
    schema = result["data_schema"].schema
    (instruments_key,) = (k for k in schema if k == CONF_INSTRUMENTS)
    assert ONLINE not in instruments_key.default()
    result = await submit(hass, result, {CONF_EXTRA_SERIALS: ONLINE})
    assert result["errors"] == {CONF_EXTRA_SERIALS: "already_followed"}


async def test_two_flows_choose_the_same_instrument(
    hass: HomeAssistant, api_url: str, simulator: Simulator
) -> None:
    """Of two set-ups open at once, the one that finishes first follows it."""
    simulator.add_key(OTHER_KEY)
    first = await instruments_step(hass, api_url)
    second = await submit(
        hass, await start_user_flow(hass), credentials(OTHER_KEY, api_url)
    )
    assert second["step_id"] == "instruments"
    result = await submit(hass, first, {CONF_INSTRUMENTS: [ONLINE]})
    assert subentries(result) == [(ONLINE, "Site gate", ONLINE)]
    await hass.async_block_till_done()

    # The second form still lists it, ticked: it is refused by name.
    result = await submit(hass, second, {CONF_INSTRUMENTS: [ONLINE, OFFLINE]})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_INSTRUMENTS: "already_followed"}
    assert result["description_placeholders"]["serial"] == ONLINE
    # The form is shown again without it, the other tick kept.
    schema = result["data_schema"].schema
    options = schema[CONF_INSTRUMENTS].config["options"]
    assert ONLINE not in [option["value"] for option in options]
    assert suggested(result, CONF_INSTRUMENTS) == [OFFLINE]
    # Typed, it is refused too.
    result = await submit(hass, result, {CONF_EXTRA_SERIALS: ONLINE})
    assert result["errors"] == {CONF_EXTRA_SERIALS: "already_followed"}
    result = await submit(hass, result, {CONF_INSTRUMENTS: [OFFLINE]})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert subentries(result) == [(OFFLINE, "Roof", OFFLINE)]


# -- reauthentication -------------------------------------------------------


async def test_reauth_for_a_missing_scope(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    entry = await set_up()
    simulator.add_key(OTHER_KEY, scopes={"instruments:action"})
    result = await entry.start_reauth_flow(
        hass, data={REAUTH_REASON: REAUTH_MISSING_PERMISSION}
    )
    assert result["step_id"] == "reauth_permission"
    assert result["description_placeholders"] == {
        "name": "MyCirrus",
        "api_keys_url": "https://mycirrus.cloud/developer-api",
        "serial": "",
    }
    # A key that still lacks the scope is refused with the same words.
    result = await submit(hass, result, {CONF_API_KEY: OTHER_KEY})
    assert result["step_id"] == "reauth_permission"
    assert result["errors"] == {"base": "missing_permission"}
    simulator.add_key(OTHER_KEY)
    result = await submit(hass, result, {CONF_API_KEY: OTHER_KEY})
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_API_KEY] == OTHER_KEY


async def test_reauth(hass: HomeAssistant, set_up: SetUp, simulator: Simulator) -> None:
    entry = await set_up()
    simulator.revoke_key(API_KEY)
    simulator.add_key(OTHER_KEY)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await submit(hass, result, {CONF_API_KEY: API_KEY})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await submit(hass, result, {CONF_API_KEY: OTHER_KEY})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_API_KEY] == OTHER_KEY
    assert entry.state is ConfigEntryState.LOADED
    assert simulator.seen_keys[OTHER_KEY] > 1


async def test_reauth_after_failed_setup(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    """A 401 at set-up starts reauth; the new key sets the entry up."""
    simulator.revoke_key(API_KEY)
    entry = await set_up()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    simulator.add_key(OTHER_KEY)
    result = await submit(hass, flows[0], {CONF_API_KEY: OTHER_KEY})
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reauth_with_the_same_key_reloads(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    entry = await set_up()
    result = await entry.start_reauth_flow(hass)
    before = simulator.requests["instruments"]
    result = await submit(hass, result, {CONF_API_KEY: API_KEY})
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    # Validation listed the instruments once; the reload lists them again.
    assert simulator.requests["instruments"] == before + 2


async def test_reauth_key_that_cannot_see_an_instrument(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    entry = await set_up()
    simulator.add_key(OTHER_KEY, instruments={ONLINE, OFFLINE})
    result = await entry.start_reauth_flow(hass)
    result = await submit(hass, result, {CONF_API_KEY: OTHER_KEY})
    # The form stays, saying which instrument: another key may be tried.
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "instrument_not_visible"}
    assert result["description_placeholders"]["serial"] == CALIBRATING
    assert entry.data[CONF_API_KEY] == API_KEY
    simulator.add_key(OTHER_KEY)
    result = await submit(hass, result, {CONF_API_KEY: OTHER_KEY})
    assert result["reason"] == "reauth_successful"


async def test_reauth_sees_unlisted_instruments(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator
) -> None:
    entry = await set_up()
    simulator.add_key(OTHER_KEY)
    simulator.add_fault("raw", endpoint="instruments", body=[], count=1)
    result = await entry.start_reauth_flow(hass)
    result = await submit(hass, result, {CONF_API_KEY: OTHER_KEY})
    assert result["reason"] == "reauth_successful"


async def test_reauth_with_a_key_another_entry_uses(
    hass: HomeAssistant, set_up: SetUp, api_url: str
) -> None:
    entry = await set_up()
    MockConfigEntry(domain=DOMAIN, data=credentials(OTHER_KEY, api_url)).add_to_hass(
        hass
    )
    result = await entry.start_reauth_flow(hass)
    result = await submit(hass, result, {CONF_API_KEY: OTHER_KEY})
    assert result["reason"] == "already_configured"


# -- reconfigure ------------------------------------------------------------


async def test_reconfigure(
    hass: HomeAssistant, set_up: SetUp, simulator: Simulator, api_url: str
) -> None:
    entry = await set_up()
    simulator.add_key(OTHER_KEY)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await submit(hass, result, credentials(OTHER_KEY, "x"))
    assert result["errors"] == {"base": "invalid_url"}
    simulator.add_fault("server_error", endpoint="instruments", count=1)
    user_input = credentials(OTHER_KEY, api_url)
    result = await submit(hass, result, user_input)
    assert result["errors"] == {"base": "cannot_connect"}
    result = await submit(hass, result, user_input)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data == {CONF_API_KEY: OTHER_KEY, CONF_API_URL: api_url}
    assert entry.state is ConfigEntryState.LOADED
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_reconfigure_keeps_the_url_by_default(
    hass: HomeAssistant,
    set_up: SetUp,
    simulator: Simulator,
    api_url: str,
    frontend: Frontend,
) -> None:
    entry = await set_up()
    simulator.add_key(OTHER_KEY)
    answer = await frontend.start(entry.entry_id)
    assert answer["step_id"] == "reconfigure"
    fields = {item["name"]: item for item in answer["data_schema"]}
    assert set(fields) == {CONF_API_KEY, SECTION_ADVANCED}
    # The form starts with the entry's URL: the user types the new key only.
    assert form_data(answer)[SECTION_ADVANCED] == {CONF_API_URL: api_url}
    # Not the default URL: its section is open, so that it is seen.
    assert fields[SECTION_ADVANCED]["expanded"] is True
    answer = await frontend.submit(
        answer, {**form_data(answer), CONF_API_KEY: OTHER_KEY}
    )
    assert answer["reason"] == "reconfigure_successful"
    assert entry.data[CONF_API_URL] == api_url


async def test_reconfigure_opens_the_url_section_on_a_url_error(
    hass: HomeAssistant, set_up: SetUp, api_url: str
) -> None:
    entry = await set_up()
    with patch("custom_components.mycirrus.config_flow.DEFAULT_BASE_URL", api_url):
        result = await entry.start_reconfigure_flow(hass)
        assert collapsed(result)
        result = await submit(hass, result, credentials(OTHER_KEY, "http://x.example"))
        assert result["errors"] == {"base": "insecure_url"}
        assert not collapsed(result)
