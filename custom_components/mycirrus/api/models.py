"""The MyCirrus REST API's objects: frozen models, each with one lenient parser."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from ._parse import Fields, as_bool, as_datetime, as_float, as_str, as_str_tuple
from .exceptions import MyCirrusResponseError


class Action(StrEnum):
    """Actions an instrument can be asked to run."""

    IDENTIFY = "Identify"
    CALIBRATION = "Calibration"
    SIC = "SIC"


@dataclass(frozen=True, kw_only=True, slots=True)
class CalibrationResult:
    """The outcome of an instrument's latest acoustic calibration."""

    time: datetime | None
    level: float | None
    offset: float | None
    status: str | None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CalibrationResult:
        """Build the result from an API object, leniently."""
        fields = Fields(data)
        return cls(
            time=as_datetime(fields.get("time")),
            level=as_float(fields.get("level")),
            offset=as_float(fields.get("offset")),
            status=as_str(fields.get("status")),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class SicResult:
    """The outcome of an instrument's latest System Integrity Check."""

    time: datetime | None
    status: str | None
    tone_500hz: float | None = None
    tone_1khz: float | None = None
    tone_8khz: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SicResult:
        """Build the result from an API object, leniently."""
        fields = Fields(data)
        return cls(
            time=as_datetime(fields.get("time")),
            status=as_str(fields.get("status")),
            tone_500hz=as_float(fields.get("_500Hz")),
            tone_1khz=as_float(fields.get("_1KHz")),
            tone_8khz=as_float(fields.get("_8KHz")),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class InstrumentStatus:
    """What an instrument is doing now; ``None`` means the API did not say."""

    online: bool | None
    measuring: bool | None
    calibration_in_progress: bool | None
    sic_in_progress: bool | None
    last_calibration: CalibrationResult | None
    last_sic: SicResult | None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InstrumentStatus:
        """Build the status from an API object, leniently."""
        fields = Fields(data)
        calibration = fields.get("lastCalibration")
        sic = fields.get("lastSic")
        return cls(
            online=as_bool(fields.get("online")),
            measuring=as_bool(fields.get("measuring")),
            calibration_in_progress=as_bool(fields.get("calibrationInProgress")),
            sic_in_progress=as_bool(fields.get("sicInProgress")),
            last_calibration=(
                _something(CalibrationResult.from_dict(calibration))
                if isinstance(calibration, Mapping)
                else None
            ),
            last_sic=(
                _something(SicResult.from_dict(sic))
                if isinstance(sic, Mapping)
                else None
            ),
        )

    def with_flags(
        self,
        *,
        online: bool | None = None,
        measuring: bool | None = None,
        calibration_in_progress: bool | None = None,
        sic_in_progress: bool | None = None,
    ) -> InstrumentStatus:
        """Return the status with the flags that are given (not None) replaced."""
        return replace(
            self,
            online=self.online if online is None else online,
            measuring=self.measuring if measuring is None else measuring,
            calibration_in_progress=(
                self.calibration_in_progress
                if calibration_in_progress is None
                else calibration_in_progress
            ),
            sic_in_progress=(
                self.sic_in_progress if sic_in_progress is None else sic_in_progress
            ),
        )


def _something[ResultT: CalibrationResult | SicResult](
    result: ResultT,
) -> ResultT | None:
    """Return the result, or None where no field of it was usable (``{}``)."""
    return None if all(getattr(result, f) is None for f in result.__slots__) else result


@dataclass(frozen=True, kw_only=True, slots=True)
class Subscription:
    """An instrument's MyCirrus subscription."""

    status: str | None
    tier: str | None
    addons: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Subscription:
        """Build the subscription from an API object, leniently."""
        fields = Fields(data)
        return cls(
            status=as_str(fields.get("status")),
            tier=as_str(fields.get("tier")),
            addons=as_str_tuple(fields.get("addons")),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Instrument:
    """An instrument on the account."""

    serial_number: str
    name: str | None
    model: str | None
    type: str | None
    image: str | None
    subscription: Subscription | None
    latitude: float | None
    longitude: float | None
    features: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Instrument:
        """Build the instrument from an API object, leniently.

        Raises ``MyCirrusResponseError`` when the object has no serial number.
        """
        fields = Fields(data)
        serial = as_str(fields.get("serialNumber"))
        if not serial:
            raise MyCirrusResponseError("Instrument without a serial number")
        subscription = fields.get("subscription")
        position = Fields(fields.get("position"))
        return cls(
            serial_number=serial,
            name=as_str(fields.get("name")),
            model=as_str(fields.get("model")),
            type=as_str(fields.get("type")),
            image=as_str(fields.get("image")),
            subscription=(
                Subscription.from_dict(subscription)
                if isinstance(subscription, Mapping)
                else None
            ),
            latitude=as_float(position.get("latitude", "lat")),
            longitude=as_float(position.get("longitude", "long")),
            features=as_str_tuple(fields.get("feature")),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class ActionResult:
    """The API's answer to an action request."""

    action: str | None
    status: str | None
    # Why the action was refused, where the answer says.
    error: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ActionResult:
        """Build the answer from an API object, leniently."""
        fields = Fields(data)
        return cls(
            action=as_str(fields.get("action")),
            status=as_str(fields.get("status")),
            # Only ``error`` refuses: a ``description`` may merely inform.
            error=as_str(fields.get("error")),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class MonitorHealth:
    """An instrument's own health, from ``/data/monitor/current``."""

    serial_number: str
    cpu: float | None
    memory: float | None
    disk: float | None
    temperature: float | None
    voltage: float | None
    network: float | None
    sim_quota: float | None
    sim_usage: float | None
    uptime: float | None

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], serial: str | None = None
    ) -> MonitorHealth:
        """Build the health from an API object, leniently.

        ``serial`` names the instrument where the object is keyed by it rather
        than naming it; raises ``MyCirrusResponseError`` when neither does.
        """
        fields = Fields(data)
        serial = as_str(fields.get("instrument", "serialNumber", "serial")) or serial
        if not serial:
            raise MyCirrusResponseError("Monitor health without a serial number")
        return cls(
            serial_number=serial,
            cpu=as_float(fields.get("cpu")),
            memory=as_float(fields.get("mem", "memory")),
            disk=as_float(fields.get("disk")),
            temperature=as_float(fields.get("temp", "temperature")),
            voltage=as_float(fields.get("voltage")),
            network=as_float(fields.get("network")),
            sim_quota=as_float(fields.get("simQuota")),
            sim_usage=as_float(fields.get("simUsage")),
            uptime=as_float(fields.get("uptime")),
        )


def parse_monitor_health(body: Any) -> dict[str, MonitorHealth]:
    """Return each reported instrument's health from a monitor answer.

    The answer is a list of objects that name their instrument, or an object
    keyed by serial number; items that cannot be used are left out.
    """
    items: list[tuple[str | None, Any]]
    if isinstance(body, list):
        items = [(None, item) for item in body]
    elif isinstance(body, Mapping):
        items = [(str(key), value) for key, value in body.items()]
    else:
        raise MyCirrusResponseError("The monitor answer is not a list or an object")
    health: dict[str, MonitorHealth] = {}
    for serial, item in items:
        if not isinstance(item, Mapping):
            continue
        try:
            parsed = MonitorHealth.from_dict(item, serial)
        except MyCirrusResponseError:
            continue
        health[parsed.serial_number] = parsed
    return health
