"""A simulated instrument: what the API shows of it, and its health."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def iso(moment: datetime) -> str:
    """Format a moment the way the API does: ISO 8601 UTC with Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def default_health() -> dict[str, float]:
    """Return the health of a Quantum instrument that is doing fine."""
    return {
        "cpu": 12.5,
        "mem": 41.0,
        "disk": 23.4,
        "temp": 31.2,
        "voltage": 12.31,
        "network": 14.8,
        "simQuota": 1024.0,
        "simUsage": 212.4,
    }


@dataclass
class SimInstrument:
    """One simulated instrument and its state."""

    serial: str
    name: str
    model: str = "CR:900"
    type: str = "Noise"
    features: list[str] = field(default_factory=lambda: ["SIC", "Modem"])
    # Subscription add-ons: with "Audio", events record audio (see media.py).
    addons: list[str] = field(default_factory=lambda: ["Audio"])
    online: bool = True
    measuring: bool = True
    calibration_in_progress: bool = False
    sic_in_progress: bool = False
    last_calibration: dict[str, Any] | None = None
    last_sic: dict[str, Any] | None = None
    # What the next calibration or SIC will report, and when each one ends.
    next_calibration_status: str = "Success"
    next_sic_status: str = "Success"
    calibration_ends: datetime | None = None
    sic_ends: datetime | None = None
    latitude: float | None = 51.97
    longitude: float | None = -0.25
    # None: the monitor endpoint leaves the instrument out, as for a non-Quantum one.
    health: dict[str, float] | None = field(default_factory=default_health)
    # Uptime counts from here on the simulator's clock; move it to "reboot".
    boot_time: datetime | None = None
    # Stored data: the measurement period in minutes (periods align to it on
    # the UTC clock); the LAFMax over which a period holds a noise event (None:
    # no events but those added); weather values that replace the computed ones.
    measurement_period: int = 5
    event_trigger: float | None = 80.0
    weather_override: dict[str, Any] = field(default_factory=dict)
    # Stored values that replace the computed ones (and what the live levels
    # sent) in the period starting at a POSIX second: the record a test wants.
    period_values: dict[int, dict[str, float]] = field(default_factory=dict)
    # Site works beside the instrument: a steady source of this many dB(A)
    # added to its live levels while set (the demo's noise limit crosses it).
    works: float | None = None
    # Data that ends after ``uploads_stopped`` has not reached the cloud yet.
    # The simulator sets it when it sees the instrument offline (or
    # ``uploads_held``) and clears it when it sees it online again.
    uploads_stopped: datetime | None = None
    uploads_held: bool = False
    # Seconds after its uploads resume until the backlog appears: a real
    # monitor sends its newest periods first (the last hour here), then what
    # it buffered. 0: all of it at once.
    backlog_delay: float = 0.0
    # The backlog still on its way: from, to (POSIX s), and when it appears.
    backlog: tuple[float, float, float] | None = None

    def __post_init__(self) -> None:
        """Refuse a measurement period that does not divide a day into minutes."""
        if not 1 <= self.measurement_period <= 1440 or 1440 % self.measurement_period:
            raise ValueError("measurement_period: minutes that divide a day")

    def info(self) -> dict[str, Any]:
        """Return the instrument as the API's Instrument object."""
        position: dict[str, float] = {}
        if self.latitude is not None and self.longitude is not None:
            position = {"latitude": self.latitude, "longitude": self.longitude}
        return {
            "type": self.type,
            "serialNumber": self.serial,
            "model": self.model,
            "name": self.name,
            "image": f"https://mycirrus.cloud/images/{self.model.replace(':', '')}.png",
            "subscription": {
                "status": "Active",
                "tier": "Pro",
                "addons": list(self.addons),
            },
            "position": position,
            "feature": list(self.features),
        }

    @property
    def has_audio(self) -> bool:
        """Return whether the subscription has the Audio add-on."""
        return "Audio" in self.addons

    def status(self) -> dict[str, Any]:
        """Return the instrument's Status object."""
        return {
            "online": self.online,
            "measuring": self.measuring,
            "calibrationInProgress": self.calibration_in_progress,
            "sicInProgress": self.sic_in_progress,
            "lastCalibration": self.last_calibration,
            "lastSic": self.last_sic,
        }

    def flags(self) -> tuple[bool, bool, bool, bool]:
        """Return the four status flags the live websocket pushes."""
        return (
            self.online,
            self.measuring,
            self.calibration_in_progress,
            self.sic_in_progress,
        )

    def uptime(self, now: datetime) -> int:
        """Return the seconds since the instrument booted."""
        if self.boot_time is None:
            return 0
        return max(0, int((now - self.boot_time).total_seconds()))

    def health_report(self, now: datetime) -> dict[str, Any] | None:
        """Return the monitor endpoint's object for this instrument, if any."""
        if self.health is None:
            return None
        report: dict[str, Any] = {"instrument": self.serial, **self.health}
        # A test may force any field, uptime included, through ``health``.
        report.setdefault("uptime", self.uptime(now))
        return report


def demo_health(index: int) -> dict[str, float]:
    """Return a plausible, slightly different health for each demo instrument."""
    step = index % 5
    return {
        "cpu": round(8.0 + 4.5 * step, 1),
        "mem": round(35.0 + 3.0 * step, 1),
        "disk": round(15.0 + 11.0 * (index % 7), 1),
        "temp": round(24.0 + 2.5 * step, 1),
        "voltage": round(12.6 - 0.12 * step, 2),
        "network": round(10.0 + 2.2 * (index % 6), 1),
        "simQuota": 1024.0,
        "simUsage": round(120.0 + 95.0 * (index % 9), 1),
    }


class Instruments(dict[str, SimInstrument]):
    """The cloud's instruments by serial, found in any letter case.

    MyCirrus takes a serial however it is typed and answers with its own
    spelling; the keys keep that spelling.
    """

    def _key(self, serial: object) -> object:
        if isinstance(serial, str) and not super().__contains__(serial):
            folded = serial.casefold()
            for key in self.keys():
                if key.casefold() == folded:
                    return key
        return serial

    def __getitem__(self, serial: str) -> SimInstrument:
        """Return the instrument of ``serial`` in any letter case."""
        return super().__getitem__(self._key(serial))  # type: ignore[index]

    def __contains__(self, serial: object) -> bool:
        """Return whether there is an instrument of ``serial`` in any letter case."""
        return super().__contains__(self._key(serial))

    def get(self, serial: str, default: Any = None) -> Any:  # type: ignore[override]
        """Return the instrument of ``serial`` in any letter case, else default."""
        return super().get(self._key(serial), default)  # type: ignore[call-overload]

    def pop(self, serial: str, *default: Any) -> Any:  # type: ignore[override]
        """Remove and return the instrument of ``serial`` in any letter case."""
        return super().pop(self._key(serial), *default)  # type: ignore[call-overload]
