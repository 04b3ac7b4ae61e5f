"""Prepare a fresh Home Assistant for the demo through its public HTTP API.

Waits for Home Assistant, creates the onboarding user (scripts/develop marks the
other onboarding steps done) or logs in as that user, adds MyCirrus against the
simulator through the integration's own config flow, unless an entry exists,
with the stored data refreshed every minute (the demo's first noise events come
within two minutes), and a small "Noise monitors" dashboard (live level, its
history, the instrument's state and buttons, the stored data, and every
monitor's last noise events with their pictures), saved anew each time.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from aiohttp import ClientError, ClientSession


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
    session: ClientSession, url: str, args: argparse.Namespace
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
                "language": "en",
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


async def add_mycirrus(
    session: ClientSession, url: str, headers: dict[str, str], args: argparse.Namespace
) -> str:
    """Add MyCirrus with every simulated instrument, through its config flow.

    Return the id of the entry, new or found.
    """
    async with session.get(
        f"{url}/api/config/config_entries/entry",
        params={"domain": "mycirrus"},
        headers=headers,
    ) as response:
        response.raise_for_status()
        if entries := await response.json():
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
MONITORS = 5


def dashboard(prefix: str, serial: str) -> dict[str, Any]:
    """Return a small dashboard of the first demo instrument and the fleet.

    A second view shows the stored data: a week of hourly statistics, the
    rating levels, the noise events and the weather beside the instrument; a
    third every monitor's last noise events, and the picture of each one's
    last.
    """

    def row(entity_id: str, name: str) -> dict[str, str]:
        return {"entity": entity_id, "name": name}

    return {
        "title": "Noise monitors",
        "views": [
            {
                "title": "Site",
                "path": "site",
                "cards": [
                    {
                        "type": "gauge",
                        "entity": f"sensor.{prefix}_laeq",
                        "name": "LAeq now",
                        "min": 30,
                        "max": 100,
                        "needle": True,
                        "severity": {"green": 0, "yellow": 65, "red": 75},
                    },
                    {
                        "type": "history-graph",
                        "title": "Noise levels",
                        "hours_to_show": 0.5,
                        "entities": [
                            row(f"sensor.{prefix}_laeq", "LAeq"),
                            row(f"sensor.{prefix}_lcpeak", "LCPeak"),
                        ],
                    },
                    {
                        "type": "entities",
                        "title": "Noise monitor 1",
                        "entities": [
                            row(f"binary_sensor.{prefix}_online", "Online"),
                            row(f"binary_sensor.{prefix}_measuring", "Measuring"),
                            row(f"binary_sensor.{prefix}_calibration_drift", "Drift"),
                            row(f"sensor.{prefix}_calibration_offset", "Offset"),
                            row(f"sensor.{prefix}_last_sic_result", "Last SIC"),
                            row(f"button.{prefix}_identify", "Identify"),
                            row(f"button.{prefix}_run_sic", "Run SIC"),
                        ],
                    },
                    {
                        "type": "entities",
                        "title": "Fleet",
                        "entities": [
                            row(
                                f"binary_sensor.noise_monitor_{n}_online",
                                f"Monitor {n}",
                            )
                            for n in range(1, MONITORS + 1)
                        ],
                    },
                ],
            },
            stored_data_view(prefix, serial),
            noise_events_view(),
        ],
    }


def noise_events_view() -> dict[str, Any]:
    """Return the view of every monitor's noise events and last event's picture."""
    monitors = [f"noise_monitor_{n}" for n in range(1, MONITORS + 1)]
    return {
        "title": "Noise events",
        "path": "noise-events",
        "cards": [
            {
                "type": "logbook",
                "title": "Noise events of every monitor",
                "hours_to_show": 24,
                "target": {
                    "entity_id": [
                        f"event.{monitor}_noise_event" for monitor in monitors
                    ]
                },
            },
            *(
                {
                    "type": "picture-entity",
                    "entity": f"image.{monitor}_last_noise_event",
                    "name": f"Noise monitor {n}: last noise event",
                    "show_state": True,
                    "show_name": True,
                }
                for n, monitor in enumerate(monitors, start=1)
            ),
        ],
    }


def stored_data_view(prefix: str, serial: str) -> dict[str, Any]:
    """Return the view of an instrument's stored data."""
    statistic = f"mycirrus:{serial.lower()}"

    def row(entity_id: str, name: str) -> dict[str, str]:
        return {"entity": entity_id, "name": name}

    def week(title: str, value: str, stat: str) -> dict[str, Any]:
        return {
            "type": "statistics-graph",
            "title": title,
            "entities": [{"entity": f"{statistic}_{value.lower()}", "name": value}],
            "days_to_show": 7,
            "period": "hour",
            "stat_types": [stat],
            "chart_type": "line",
        }

    return {
        "title": "Stored data",
        "path": "stored-data",
        "cards": [
            week("LAeq, hourly (energetic mean)", "LAeq", "mean"),
            week("LAFMax, hourly (maximum)", "LAFMax", "max"),
            {
                "type": "entities",
                "title": "Yesterday",
                "entities": [
                    row(f"sensor.{prefix}_laeq_day", "LAeq day (07-19)"),
                    row(f"sensor.{prefix}_laeq_evening", "LAeq evening (19-23)"),
                    row(f"sensor.{prefix}_laeq_night", "LAeq night (23-07)"),
                    row(f"sensor.{prefix}_lden", "Lden"),
                    row(f"sensor.{prefix}_laeq_period", "LAeq, last period"),
                ],
            },
            {
                "type": "logbook",
                "title": "Noise events",
                "hours_to_show": 24,
                "target": {"entity_id": [f"event.{prefix}_noise_event"]},
            },
            {
                "type": "entities",
                "title": "Weather",
                "entities": [
                    row(f"binary_sensor.{prefix}_measurement_conditions", "Conditions"),
                    row(f"sensor.{prefix}_wind_speed", "Wind"),
                    row(f"sensor.{prefix}_wind_direction", "Wind direction"),
                    row(f"sensor.{prefix}_precipitation_intensity", "Rain"),
                    row(f"sensor.{prefix}_temperature", "Temperature"),
                ],
            },
        ],
    }


async def add_dashboard(session: ClientSession, url: str, access_token: str) -> None:
    """Create the demo dashboard over the websocket API; save its views anew."""
    async with session.ws_connect(f"{url}/api/websocket") as ws:
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": access_token})
        if (await ws.receive_json())["type"] != "auth_ok":
            sys.exit("Could not open Home Assistant's websocket API")
        await ws.send_json({"id": 1, "type": "lovelace/dashboards/list"})
        listed = (await ws.receive_json())["result"]
        if not any(item["url_path"] == DASHBOARD for item in listed):
            await ws.send_json(
                {
                    "id": 2,
                    "type": "lovelace/dashboards/create",
                    "url_path": DASHBOARD,
                    "title": "Noise monitors",
                    "icon": "mdi:waveform",
                    "show_in_sidebar": True,
                    "require_admin": False,
                    "mode": "storage",
                }
            )
            if not (await ws.receive_json())["success"]:
                sys.exit("Could not create the demo dashboard")
        await ws.send_json(
            {
                "id": 3,
                "type": "lovelace/config/save",
                "url_path": DASHBOARD,
                "config": dashboard("noise_monitor_1", "QT100001"),
            }
        )
        if not (await ws.receive_json())["success"]:
            sys.exit("Could not save the demo dashboard")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ha", required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    async with ClientSession() as session:
        await wait_for(session, args.ha)
        access_token = (await log_in(session, args.ha, args))["access_token"]
        headers = {"Authorization": f"Bearer {access_token}"}
        entry_id = await add_mycirrus(session, args.ha, headers, args)
        await set_demo_options(session, args.ha, headers, entry_id)
        await add_dashboard(session, args.ha, access_token)


if __name__ == "__main__":
    asyncio.run(main())
