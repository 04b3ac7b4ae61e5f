"""Take the README's screenshots from a running ``scripts/develop``.

Logs in as the demo user, opens Home Assistant in headless Chromium (driven
over the DevTools protocol, so nothing beyond aiohttp is needed) and saves a
device page, the demo dashboard's site and stored data views, the first
monitor's noise events in the media browser and the picture of its last event
as PNG files in docs/images/. Let scripts/develop run for a few minutes first,
so that the history graph has something to show. In the language the demo runs
in: with another language than English (MYCIRRUS_LANGUAGE=de scripts/develop)
it saves the device page alone, as device-de.png.

    scripts/screenshots [--ha http://127.0.0.1:8123] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import itertools
import json
from pathlib import Path
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any
from urllib.parse import quote

from aiohttp import ClientError, ClientSession, ClientWebSocketResponse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from develop_onboard import DASHBOARD, log_in

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"


class Page:
    """One browser tab, driven over the Chrome DevTools protocol."""

    def __init__(self, ws: ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command and return its result, skipping events."""
        call_id = next(self._ids)
        await self._ws.send_json({"id": call_id, "method": method, "params": params})
        while True:
            message = await self._ws.receive_json()
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    async def open(self, url: str, settle: float) -> None:
        """Load a page and give the frontend time to render it."""
        await self.call("Page.navigate", url=url)
        await asyncio.sleep(settle)

    async def screenshot(self, path: Path) -> None:
        """Save the visible page as a PNG."""
        shot = await self.call("Page.captureScreenshot", format="png")
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))
        print(f"saved {path.relative_to(ROOT)}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def chromium(executable: str, width: int, height: int, language: str) -> Any:
    """Run headless Chromium with a fresh profile; yield its DevTools port."""
    port = free_port()
    # Chromium's helpers may still write to the profile as it is removed.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(  # noqa: ASYNC220 - started once, before use
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--window-size={width},{height}",
                f"--lang={language}",
                f"--user-data-dir={profile}",
                f"--remote-debugging-port={port}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            yield port
        finally:
            process.terminate()
            process.wait()


async def devtools_page(session: ClientSession, port: int) -> str:
    """Return the websocket URL of Chromium's first tab, once it listens."""
    deadline = time.monotonic() + 20
    while True:
        try:
            async with session.get(f"http://127.0.0.1:{port}/json") as response:
                tabs = await response.json()
            return str(
                next(t for t in tabs if t["type"] == "page")["webSocketDebuggerUrl"]
            )
        except (ClientError, StopIteration):
            if time.monotonic() > deadline:
                sys.exit("Chromium did not start")
            await asyncio.sleep(0.5)


async def device_id(session: ClientSession, url: str, token: str, serial: str) -> str:
    """Return the id of the MyCirrus device of the instrument ``serial``."""
    async with session.ws_connect(f"{url}/api/websocket") as ws:
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": token})
        await ws.receive_json()
        await ws.send_json({"id": 1, "type": "config/device_registry/list"})
        devices = (await ws.receive_json())["result"]
    for device in devices:
        if ["mycirrus", serial] in device["identifiers"]:
            return str(device["id"])
    sys.exit(f"No MyCirrus device of {serial}: is scripts/develop running?")


async def server_language(session: ClientSession, url: str, token: str) -> str:
    """Return the language Home Assistant runs in (scripts/develop sets it)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with session.get(f"{url}/api/config", headers=headers) as response:
        response.raise_for_status()
        return str((await response.json())["language"])


def media_browser_path(serial: str) -> str:
    """Return the frontend's path to an instrument's noise events.

    Each step of the way is "content type,media-source id", URL-encoded.
    """
    root = "media-source://mycirrus"
    steps = [
        f"app,{root}",
        f",{root}/{serial}",
        f",{root}/{serial}/events",
    ]
    return "/media-browser/browser/" + "/".join(quote(step, safe="") for step in steps)


async def picture(session: ClientSession, url: str, token: str, entity: str) -> bytes:
    """Return an image entity's picture, as Home Assistant serves it."""
    async with session.get(
        f"{url}/api/image_proxy/{entity}",
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        response.raise_for_status()
        return await response.read()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ha", default="http://127.0.0.1:8123")
    parser.add_argument("--username", default="demo")
    parser.add_argument("--password", default="demo-mycirrus")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--serial", default="QT100001", help="the device's")
    parser.add_argument("--settle", type=float, default=8.0, help="seconds per page")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    async with ClientSession() as session:
        tokens = await log_in(session, args.ha, args)
        token = tokens["access_token"]
        device = await device_id(session, args.ha, token, args.serial)
        language = await server_language(session, args.ha, token)
        stored = {
            **tokens,
            "hassUrl": args.ha,
            "clientId": f"{args.ha}/",
            "expires": int(time.time() * 1000) + tokens["expires_in"] * 1000,
        }
        async with chromium(args.chromium, 1280, 1500, language) as port:
            tab = await devtools_page(session, port)
            async with session.ws_connect(tab, max_msg_size=0) as ws:
                page = Page(ws)
                await page.call("Page.enable")
                # The frontend keeps its login in local storage, per origin.
                await page.open(f"{args.ha}/auth/authorize", 1)
                # It stores the user's language there too, as a JSON string.
                for key, value in (
                    ("hassTokens", json.dumps(stored)),
                    ("selectedLanguage", json.dumps(language)),
                ):
                    store = f"localStorage.setItem({key!r}, {json.dumps(value)})"
                    await page.call("Runtime.evaluate", expression=store)
                device_page = f"{args.ha}/config/devices/device/{device}"
                await page.open(device_page, args.settle)
                if language != "en":
                    await page.screenshot(OUT / f"device-{language}.png")
                    return
                await page.screenshot(OUT / "device.png")
                await page.open(f"{args.ha}/{DASHBOARD}/site", args.settle)
                await page.screenshot(OUT / "dashboard.png")
                await page.open(f"{args.ha}/{DASHBOARD}/stored-data", args.settle)
                await page.screenshot(OUT / "stored-data.png")
                path = media_browser_path(args.serial)
                await page.open(f"{args.ha}{path}", args.settle)
                await page.screenshot(OUT / "media-browser.png")
        # The picture itself, as a notification attaches it.
        entity = "image.noise_monitor_1_last_noise_event"
        drawn = await picture(session, args.ha, tokens["access_token"], entity)
        await asyncio.to_thread((OUT / "noise-event.png").write_bytes, drawn)
        print(f"saved {(OUT / 'noise-event.png').relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
