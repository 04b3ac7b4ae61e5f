"""Prepare a fresh Home Assistant for the demo through its public HTTP API.

Waits for Home Assistant, creates the onboarding user (scripts/develop marks the
other onboarding steps done) or logs in as that user, sets the language of Home
Assistant and of that user, adds MyCirrus against the simulator through the
integration's own config flow, unless an entry exists, with the stored data
refreshed every minute (the demo's first noise events come within two minutes),
a noise limit on the first instrument through its subentry flow, unless one
exists, and saves a small "Noise monitors" dashboard (live level, its history,
the instrument's state and buttons, the limit, the stored data, and every
monitor's last noise events with their pictures) in that language.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from aiohttp import ClientError, ClientSession, ClientWebSocketResponse
from develop_labels import MONITOR, label


async def wait_for(session: ClientSession, url: str, seconds: float = 600) -> None:
    """Wait until Home Assistant answers (the first run installs the frontend)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        try:
            # 404 once onboarding is complete: any answer means it is up.
            async with session.get(f"{url}/api/onboarding") as response:
                if response.status < 500:
                    return
        except ClientError:
            pass
        if loop.time() > deadline:
            sys.exit(f"Home Assistant did not start within {seconds:.0f} s")
        await asyncio.sleep(2)


async def tokens(session: ClientSession, url: str, code: str) -> dict[str, Any]:
    """Exchange an authorisation code for access and refresh tokens."""
    async with session.post(
        f"{url}/auth/token",
        data={"grant_type": "authorization_code", "code": code, "client_id": f"{url}/"},
    ) as response:
        response.raise_for_status()
        body: dict[str, Any] = await response.json()
        return body


async def log_in(
    session: ClientSession, url: str, args: argparse.Namespace, language: str = "en"
) -> dict[str, Any]:
    """Create the user during onboarding, or log in as that user; return tokens."""
    client_id = f"{url}/"
    async with session.get(f"{url}/api/onboarding") as response:
        steps = await response.json() if response.status == 200 else []
    if any(step["step"] == "user" and not step["done"] for step in steps):
        async with session.post(
            f"{url}/api/onboarding/users",
            json={
                "client_id": client_id,
                "name": "Demo",
                "username": args.username,
                "password": args.password,
                "language": language,
            },
        ) as response:
            response.raise_for_status()
            return await tokens(session, url, (await response.json())["auth_code"])
    async with session.post(
        f"{url}/auth/login_flow",
        json={
            "client_id": client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": client_id,
        },
    ) as response:
        flow_id = (await response.json())["flow_id"]
    async with session.post(
        f"{url}/auth/login_flow/{flow_id}",
        json={
            "username": args.username,
            "password": args.password,
            "client_id": client_id,
        },
    ) as response:
        result = await response.json()
    if "result" not in result:
        sys.exit(f"Could not log in as {args.username}: {result.get('errors')}")
    return await tokens(session, url, result["result"])


async def mycirrus_entries(
    session: ClientSession, url: str, headers: dict[str, str]
) -> list[dict[str, Any]]:
    """Return Home Assistant's MyCirrus config entries."""
    async with session.get(
        f"{url}/api/config/config_entries/entry",
        params={"domain": "mycirrus"},
        headers=headers,
    ) as response:
        response.raise_for_status()
        entries: list[dict[str, Any]] = await response.json()
        return entries


async def add_mycirrus(
    session: ClientSession, url: str, headers: dict[str, str], args: argparse.Namespace
) -> str:
    """Add MyCirrus with every simulated instrument, through its config flow.

    Return the id of the entry, new or found.
    """
    if entries := await mycirrus_entries(session, url, headers):
        entry_id: str = entries[0]["entry_id"]
        return entry_id
    base = f"{url}/api/config/config_entries/flow"
    async with session.post(
        base, json={"handler": "mycirrus"}, headers=headers
    ) as response:
        response.raise_for_status()
        flow_id = (await response.json())["flow_id"]
    steps: list[dict[str, Any]] = [
        {"api_key": args.api_key, "advanced": {"api_url": args.api_url}},
        {},  # every instrument of the account, the form's default
    ]
    for user_input in steps:
        async with session.post(
            f"{base}/{flow_id}", json=user_input, headers=headers
        ) as response:
            result = await response.json()
            if result.get("errors"):
                sys.exit(f"MyCirrus could not be added: {result['errors']}")
    if result.get("type") != "create_entry":
        sys.exit(f"MyCirrus could not be added: {result}")
    created: str = result["result"]["entry_id"]
    return created


async def set_demo_options(
    session: ClientSession, url: str, headers: dict[str, str], entry_id: str
) -> None:
    """Refresh the stored data every minute: the demo's events show at once.

    Through the options flow, at every start; every other option keeps its
    value (the form's defaults are the entry's options).
    """
    base = f"{url}/api/config/config_entries/options/flow"
    async with session.post(
        base, json={"handler": entry_id}, headers=headers
    ) as response:
        response.raise_for_status()
        flow_id = (await response.json())["flow_id"]
    async with session.post(
        f"{base}/{flow_id}", json=DEMO_OPTIONS, headers=headers
    ) as response:
        result = await response.json()
    if result.get("type") != "create_entry":
        sys.exit(f"The demo's MyCirrus options could not be set: {result}")


# The options form's input: the stored data every minute, the rest as it is.
DEMO_OPTIONS: dict[str, Any] = {"noise_data": {"data_interval": 1}}


DASHBOARD = "noise-monitors"
FIRST = "QT100001"  # the instrument the dashboard shows, with the Weather feature
FLEET = [f"QT10000{n}" for n in range(1, 6)]


# The demo's noise limit: the simulator's works beside the first instrument
# (82 dB(A), three times an hour for three minutes) exceed it each time.
DEMO_LIMIT: dict[str, Any] = {
    "name": "Site works",
    "instrument": "QT100001",
    "value": "LAeq",
    "window": 15,
    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    "start": "00:00",
    "end": "00:00",
    "level": 70,
    "margin": 3,
}
# The keys of a limit's entities (unique id {serial}_limit_{subentry}_{key}).
LIMIT_KEYS = ("level", "headroom", "exceeded", "warning", "exceedances_today", "limit")


class WebSocketApi:
    """Home Assistant's websocket API, logged in."""

    def __init__(self, ws: ClientWebSocketResponse) -> None:
        self._ws = ws
        self._id = 0

    @classmethod
    async def open(cls, ws: ClientWebSocketResponse, token: str) -> WebSocketApi:
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": token})
        if (await ws.receive_json())["type"] != "auth_ok":
            sys.exit("Could not open Home Assistant's websocket API")
        return cls(ws)

    async def call(self, kind: str, **fields: Any) -> Any:
        """Send a command; return its result, or stop the script if it failed."""
        self._id += 1
        await self._ws.send_json({"id": self._id, "type": kind, **fields})
        while (answer := await self._ws.receive_json()).get("id") != self._id:
            pass
        if not answer["success"]:
            sys.exit(f"Home Assistant refused {kind}: {answer.get('error')}")
        return answer["result"]


async def add_limit(
    api: WebSocketApi,
    session: ClientSession,
    url: str,
    headers: dict[str, str],
    language: str,
) -> str:
    """Add the demo's noise limit through its subentry flow, unless one exists.

    Returns its subentry id.
    """
    (entry,) = await mycirrus_entries(session, url, headers)
    subentries = await api.call(
        "config_entries/subentries/list", entry_id=entry["entry_id"]
    )
    for item in subentries:
        if item["subentry_type"] == "limit":
            return str(item["subentry_id"])
    base = f"{url}/api/config/config_entries/subentries/flow"
    async with session.post(
        base, json={"handler": [entry["entry_id"], "limit"]}, headers=headers
    ) as response:
        response.raise_for_status()
        flow_id = (await response.json())["flow_id"]
    limit = {**DEMO_LIMIT, "name": label(language, DEMO_LIMIT["name"])}
    async with session.post(
        f"{base}/{flow_id}", json=limit, headers=headers
    ) as response:
        result = await response.json()
    if result.get("type") != "create_entry":
        sys.exit(f"The demo's noise limit could not be added: {result}")
    subentries = await api.call(
        "config_entries/subentries/list", entry_id=entry["entry_id"]
    )
    return next(
        str(item["subentry_id"])
        for item in subentries
        if item["subentry_type"] == "limit"
    )


async def set_language(api: WebSocketApi, language: str) -> bool:
    """Make ``language`` Home Assistant's and the demo user's; say if it changed.

    Home Assistant names entities in its own language (and makes the entity ids
    of new ones from those names); the frontend shows the user's.
    """
    changed = (await api.call("get_config"))["language"] != language
    if changed:
        await api.call("config/core/update", language=language)
    await api.call(
        "frontend/set_user_data",
        key="language",
        value={
            "language": language,
            "number_format": "language",
            "time_format": "language",
            "date_format": "language",
            "time_zone": "local",
            "first_weekday": "language",
        },
    )
    return changed


async def retitle_map(api: WebSocketApi, language: str) -> None:
    """Title Home Assistant's map dashboard in ``language``.

    Home Assistant titles it when onboarding ends, in its language at that
    moment: English, as the language is set after the demo user logs in.
    """
    translations = await api.call(
        "frontend/get_translations",
        language=language,
        category="dashboard",
        integration=["onboarding"],
    )
    title = translations["resources"].get("component.onboarding.dashboard.map.title")
    for item in await api.call("lovelace/dashboards/list"):
        if item["url_path"] == "map" and title and item["title"] != title:
            await api.call(
                "lovelace/dashboards/update", dashboard_id=item["id"], title=title
            )


async def reload_mycirrus(
    session: ClientSession, url: str, headers: dict[str, str]
) -> None:
    """Reload MyCirrus, so that its entities take Home Assistant's new language."""
    for entry in await mycirrus_entries(session, url, headers):
        async with session.post(
            f"{url}/api/config/config_entries/entry/{entry['entry_id']}/reload",
            headers=headers,
        ) as response:
            response.raise_for_status()


async def entity_ids(
    api: WebSocketApi, wanted: set[str], seconds: float = 120
) -> dict[str, str]:
    """Return the entity id of each wanted MyCirrus unique id ("serial_key").

    Entity ids are made from the names in Home Assistant's language, so they
    are looked up; one still missing when time is up gets its English id.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        found = {
            entry["unique_id"]: entry["entity_id"]
            for entry in await api.call("config/entity_registry/list")
            if entry["platform"] == "mycirrus" and entry["unique_id"] in wanted
        }
        if len(found) == len(wanted) or loop.time() > deadline:
            break
        await asyncio.sleep(1)
    for unique_id in sorted(wanted - set(found)):
        print(f"develop_onboard: no entity {unique_id} yet; the dashboard guesses")
    return found


def dashboard(ids: dict[str, str], language: str, limit: str) -> dict[str, Any]:
    """Return a small dashboard of the first demo instrument and the fleet.

    A second view shows the stored data: a week of hourly statistics, the
    rating levels, the noise events and the weather beside the instrument; a
    third every monitor's last noise events, and the picture of each one's
    last.
    """
    rows = Rows(ids, language)
    return {
        "title": label(language, "Noise monitors"),
        "views": [
            {
                "title": label(language, "Site"),
                "path": "site",
                "cards": [
                    {
                        "type": "gauge",
                        "entity": rows.entity_id("sensor", "laeq"),
                        "name": label(language, "LAeq now"),
                        "min": 30,
                        "max": 100,
                        "needle": True,
                        "severity": {"green": 0, "yellow": 65, "red": 75},
                    },
                    {
                        "type": "history-graph",
                        "title": label(language, "Noise levels"),
                        "hours_to_show": 0.5,
                        "entities": [
                            rows.row("sensor", "laeq", "LAeq"),
                            rows.row("sensor", "lcpeak", "LCPeak"),
                        ],
                    },
                    {
                        "type": "entities",
                        "title": MONITOR[language].format(n=1),
                        "entities": [
                            rows.row("binary_sensor", "online", "Online"),
                            rows.row("binary_sensor", "measuring", "Measuring"),
                            rows.row("binary_sensor", "calibration_drift", "Drift"),
                            rows.row("sensor", "calibration_offset", "Offset"),
                            rows.row("sensor", "last_sic_result", "Last SIC"),
                            rows.row("button", "identify", "Identify"),
                            rows.row("button", "run_sic", "Run SIC"),
                        ],
                    },
                    {
                        "type": "entities",
                        "title": label(language, "Fleet"),
                        "entities": [
                            {
                                "entity": rows.entity_id(
                                    "binary_sensor", "online", serial
                                ),
                                "name": label(language, "Monitor {n}").format(n=n),
                            }
                            for n, serial in enumerate(FLEET, start=1)
                        ],
                    },
                    limit_card(rows, limit),
                ],
            },
            stored_data_view(rows),
            noise_events_view(rows),
        ],
    }


def noise_events_view(rows: Rows) -> dict[str, Any]:
    """Return the view of every monitor's noise events and last event's picture."""
    language = rows.language
    return {
        "title": label(language, "Noise events"),
        "path": "noise-events",
        "cards": [
            {
                "type": "logbook",
                "title": label(language, "Noise events of every monitor"),
                "hours_to_show": 24,
                "target": {
                    "entity_id": [
                        rows.entity_id("event", "noise_event", serial)
                        for serial in FLEET
                    ]
                },
            },
            *(
                {
                    "type": "picture-entity",
                    "entity": rows.entity_id("image", "last_noise_event", serial),
                    "name": label(language, "Monitor {n}: last noise event").format(
                        n=n
                    ),
                    "show_state": False,
                    "show_name": True,
                }
                for n, serial in enumerate(FLEET, start=1)
            ),
        ],
    }


class Rows:
    """The dashboard's rows: entity ids looked up, names in the language."""

    def __init__(self, ids: dict[str, str], language: str) -> None:
        self.ids = ids
        self.language = language

    def entity_id(self, domain: str, key: str, serial: str = FIRST) -> str:
        english = MONITOR["en"].format(n=FLEET.index(serial) + 1)
        guess = f"{domain}.{english.lower().replace(' ', '_')}_{key}"
        return self.ids.get(f"{serial}_{key}", guess)

    def row(self, domain: str, key: str, name: str) -> dict[str, str]:
        return {
            "entity": self.entity_id(domain, key),
            "name": label(self.language, name),
        }


def limit_card(rows: Rows, limit: str) -> dict[str, Any]:
    """Return the card group of a noise limit: level, headroom, exceeded, count."""
    language = rows.language

    def row(domain: str, key: str, name: str) -> dict[str, str]:
        return {
            "entity": rows.entity_id(domain, f"limit_{limit}_{key}"),
            "name": label(language, name),
        }

    return {
        "type": "vertical-stack",
        "cards": [
            {
                "type": "entities",
                "title": label(language, "Noise limit: LAeq,15min 70 dB"),
                "entities": [
                    row("sensor", "level", "LAeq so far"),
                    row("sensor", "headroom", "Headroom"),
                    row("binary_sensor", "exceeded", "Exceeded"),
                    row("binary_sensor", "warning", "Warning"),
                    row("sensor", "exceedances_today", "Exceedances today"),
                ],
            },
            {
                "type": "history-graph",
                "title": label(language, "This window and the next"),
                "hours_to_show": 1,
                "entities": [
                    row("sensor", "level", "LAeq so far"),
                    row("sensor", "headroom", "Headroom"),
                ],
            },
            {
                "type": "logbook",
                "title": label(language, "Exceedances and windows"),
                "hours_to_show": 24,
                "target": {
                    "entity_id": [rows.entity_id("event", f"limit_{limit}_limit")]
                },
            },
        ],
    }


def wanted_unique_ids(limit: str) -> set[str]:
    """Return the unique ids of the entities the dashboard shows."""
    first = {
        "laeq",
        "lcpeak",
        "online",
        "measuring",
        "calibration_drift",
        "calibration_offset",
        "last_sic_result",
        "identify",
        "run_sic",
        "laeq_day",
        "laeq_evening",
        "laeq_night",
        "lden",
        "laeq_period",
        "noise_event",
        "measurement_conditions",
        "wind_speed",
        "wind_direction",
        "precipitation_intensity",
        "temperature",
    }
    first |= {f"limit_{limit}_{key}" for key in LIMIT_KEYS}
    fleet = {
        f"{serial}_{key}"
        for serial in FLEET
        for key in ("online", "noise_event", "last_noise_event")
    }
    return {f"{FIRST}_{key}" for key in first} | fleet


def stored_data_view(rows: Rows) -> dict[str, Any]:
    """Return the view of an instrument's stored data."""
    statistic = f"mycirrus:{FIRST.lower()}"
    language = rows.language

    def week(title: str, value: str, stat: str) -> dict[str, Any]:
        return {
            "type": "statistics-graph",
            "title": label(language, title),
            "entities": [{"entity": f"{statistic}_{value.lower()}", "name": value}],
            "days_to_show": 7,
            "period": "hour",
            "stat_types": [stat],
            "chart_type": "line",
        }

    return {
        "title": label(language, "Stored data"),
        "path": "stored-data",
        "cards": [
            week("LAeq, hourly (energetic mean)", "LAeq", "mean"),
            week("LAFMax, hourly (maximum)", "LAFMax", "max"),
            {
                "type": "entities",
                "title": label(language, "Rating levels"),
                "entities": [
                    rows.row("sensor", "laeq_day", "LAeq day (07-19)"),
                    rows.row("sensor", "laeq_evening", "LAeq evening (19-23)"),
                    rows.row("sensor", "laeq_night", "LAeq night (23-07)"),
                    rows.row("sensor", "lden", "Lden"),
                    rows.row("sensor", "laeq_period", "LAeq, last period"),
                ],
            },
            {
                "type": "logbook",
                "title": label(language, "Noise events"),
                "hours_to_show": 24,
                "target": {"entity_id": [rows.entity_id("event", "noise_event")]},
            },
            {
                "type": "entities",
                "title": label(language, "Weather"),
                "entities": [
                    rows.row("binary_sensor", "measurement_conditions", "Conditions"),
                    rows.row("sensor", "wind_speed", "Wind"),
                    rows.row("sensor", "wind_direction", "Wind direction"),
                    rows.row("sensor", "precipitation_intensity", "Rain"),
                    rows.row("sensor", "temperature", "Temperature"),
                ],
            },
        ],
    }


async def add_dashboard(api: WebSocketApi, language: str, limit: str) -> None:
    """Create the demo dashboard, or retitle it; save its views anew."""
    title = label(language, "Noise monitors")
    listed = await api.call("lovelace/dashboards/list")
    existing = next((item for item in listed if item["url_path"] == DASHBOARD), None)
    if existing is None:
        await api.call(
            "lovelace/dashboards/create",
            url_path=DASHBOARD,
            title=title,
            icon="mdi:waveform",
            show_in_sidebar=True,
            require_admin=False,
            mode="storage",
        )
    elif existing["title"] != title:
        await api.call(
            "lovelace/dashboards/update", dashboard_id=existing["id"], title=title
        )
    ids = await entity_ids(api, wanted_unique_ids(limit))
    await api.call(
        "lovelace/config/save",
        url_path=DASHBOARD,
        config=dashboard(ids, language, limit),
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ha", required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--language", default="en", choices=sorted(MONITOR))
    args = parser.parse_args()
    async with ClientSession() as session:
        await wait_for(session, args.ha)
        tokens = await log_in(session, args.ha, args, args.language)
        access_token = tokens["access_token"]
        headers = {"Authorization": f"Bearer {access_token}"}
        async with session.ws_connect(f"{args.ha}/api/websocket") as ws:
            api = await WebSocketApi.open(ws, access_token)
            if await set_language(api, args.language):
                await reload_mycirrus(session, args.ha, headers)
            await retitle_map(api, args.language)
            entry_id = await add_mycirrus(session, args.ha, headers, args)
            await set_demo_options(session, args.ha, headers, entry_id)
            limit = await add_limit(api, session, args.ha, headers, args.language)
            await add_dashboard(api, args.language, limit)


if __name__ == "__main__":
    asyncio.run(main())
