"""What the integration knows of each followed instrument, and its runtime data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

from .api import Instrument, InstrumentStatus, MyCirrusClient
from .const import CONF_SERIAL, SUBENTRY_TYPE_INSTRUMENT

if TYPE_CHECKING:
    from .coordinator import MyCirrusCoordinator
    from .health import MyCirrusHealthCoordinator
    from .live import MyCirrusLive
    from .scopes import KeyScopes

type MyCirrusConfigEntry = ConfigEntry[MyCirrusRuntimeData]


@dataclass(kw_only=True, slots=True)
class MyCirrusRuntimeData:
    """Everything a loaded entry runs: one client, its pollers and push."""

    client: MyCirrusClient
    coordinator: MyCirrusCoordinator
    health: MyCirrusHealthCoordinator
    live: MyCirrusLive
    scopes: KeyScopes


class LinkState(StrEnum):
    """Where an instrument's live websocket stands."""

    IDLE = "idle"  # not wanted: offline, not seen online yet, or over the cap
    CONNECTING = "connecting"
    CONNECTED = "connected"
    WAITING = "waiting"  # backing off before the next attempt


@dataclass(kw_only=True, slots=True)
class InstrumentRecord:
    """One followed instrument: details, status, failures and its live link."""

    serial: str
    subentry_id: str
    title: str
    details: Instrument | None = None
    status: InstrumentStatus | None = None
    # Why the last status request failed (a translation key), None if it worked.
    error: str | None = None
    not_found_rounds: int = 0
    # Monotonic times of the last status answer over REST, and of the last
    # pushed status: a REST answer asked for before a push is older than it.
    polled_at: float | None = None
    pushed_at: float | None = None
    link: LinkState = LinkState.IDLE
    last_message: datetime | None = None
    connects: int = 0
    live_values: dict[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """Return the name MyCirrus gives the instrument, else the subentry's."""
        return (self.details and self.details.name) or self.title

    @property
    def pushing(self) -> bool:
        """Return whether the live websocket is open."""
        return self.link is LinkState.CONNECTED

    @property
    def available(self) -> bool:
        """Return whether the instrument's status is known and current."""
        return self.status is not None and (self.error is None or self.pushing)

    @property
    def supports_sic(self) -> bool:
        """Return whether the instrument can run a System Integrity Check."""
        return (self.status is not None and self.status.last_sic is not None) or (
            self.details is not None and "SIC" in self.details.features
        )

    @property
    def measures_noise(self) -> bool:
        """Return whether the instrument is a noise monitor (or not known not to be)."""
        kind = self.details.type if self.details else None
        return kind is None or kind.lower() == "noise"


def followed_subentries(entry: ConfigEntry) -> dict[str, str]:
    """Return the subentry id of each instrument the entry follows, by serial."""
    return {
        subentry.data[CONF_SERIAL]: subentry.subentry_id
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_TYPE_INSTRUMENT
    }


def followed_records(entry: ConfigEntry) -> dict[str, InstrumentRecord]:
    """Return a fresh record of each instrument the entry follows, by serial."""
    return {
        serial: InstrumentRecord(
            serial=serial,
            subentry_id=subentry_id,
            title=entry.subentries[subentry_id].title,
        )
        for serial, subentry_id in followed_subentries(entry).items()
    }


RESULT_OTHER = "other"
RESULT_OPTIONS = ["success", "failed", "error", "in_progress", RESULT_OTHER]
RESULTS_FAILED = frozenset({"failed", "error"})
_RESULTS = {
    "success": "success",
    "successful": "success",
    "passed": "success",
    "pass": "success",
    "failed": "failed",
    "fail": "failed",
    "failure": "failed",
    "error": "error",
    "inprogress": "in_progress",
}


def result_state(status: str | None) -> str | None:
    """Map the API's free-text result to a state; unknown words become "other"."""
    if status is None:
        return None
    normalized = status.replace("_", "").replace(" ", "").lower()
    return _RESULTS.get(normalized, RESULT_OTHER)
