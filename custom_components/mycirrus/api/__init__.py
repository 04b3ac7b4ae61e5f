"""Asynchronous client for the MyCirrus cloud API: REST and the live websocket.

This package depends on aiohttp and the standard library only, so that it can
move into a stand-alone library unchanged.
"""

from .client import (
    API_KEY_HEADER,
    DEFAULT_BASE_URL,
    DEFAULT_REQUEST_TIMEOUT,
    MyCirrusClient,
)
from .data import (
    DEFAULT_MEASUREMENT_VALUES,
    MAX_DATA_SPAN,
    MEASUREMENT_VALUES,
    Measurement,
    NoiseEvent,
    WeatherRecord,
    canonical_value_name,
    parse_events,
    parse_measurements,
    parse_weather,
)
from .exceptions import (
    MyCirrusAuthenticationError,
    MyCirrusBodyShapeError,
    MyCirrusConnectionError,
    MyCirrusError,
    MyCirrusInvalidSerialError,
    MyCirrusNotFoundError,
    MyCirrusPermissionError,
    MyCirrusRateLimitError,
    MyCirrusResponseError,
)
from .limiter import RateLimiter
from .live import LiveConnection
from .messages import (
    ActionStatus,
    KeepAlive,
    LiveData,
    LiveError,
    LiveMessage,
    LiveStatus,
    parse_message,
)
from .models import (
    Action,
    ActionResult,
    CalibrationResult,
    Instrument,
    InstrumentStatus,
    MonitorHealth,
    SicResult,
    Subscription,
    parse_monitor_health,
)
from .serial import validate_serial

__all__ = [
    "API_KEY_HEADER",
    "DEFAULT_BASE_URL",
    "DEFAULT_MEASUREMENT_VALUES",
    "DEFAULT_REQUEST_TIMEOUT",
    "MAX_DATA_SPAN",
    "MEASUREMENT_VALUES",
    "Action",
    "ActionResult",
    "ActionStatus",
    "CalibrationResult",
    "Instrument",
    "InstrumentStatus",
    "KeepAlive",
    "LiveConnection",
    "LiveData",
    "LiveError",
    "LiveMessage",
    "LiveStatus",
    "Measurement",
    "MonitorHealth",
    "MyCirrusAuthenticationError",
    "MyCirrusBodyShapeError",
    "MyCirrusClient",
    "MyCirrusConnectionError",
    "MyCirrusError",
    "MyCirrusInvalidSerialError",
    "MyCirrusNotFoundError",
    "MyCirrusPermissionError",
    "MyCirrusRateLimitError",
    "MyCirrusResponseError",
    "NoiseEvent",
    "RateLimiter",
    "SicResult",
    "Subscription",
    "WeatherRecord",
    "canonical_value_name",
    "parse_events",
    "parse_measurements",
    "parse_message",
    "parse_monitor_health",
    "parse_weather",
    "validate_serial",
]
