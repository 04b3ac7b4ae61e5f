"""Asynchronous client for the MyCirrus cloud API: REST and the live websocket.

This package depends on aiohttp and the standard library only, so that it can
move into a stand-alone library unchanged.
"""

from .client import (
    API_KEY_HEADER,
    DEFAULT_BASE_URL,
    DEFAULT_REQUEST_TIMEOUT,
    MyCirrusClient,
    validate_serial,
)
from .exceptions import (
    MyCirrusAuthenticationError,
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

__all__ = [
    "API_KEY_HEADER",
    "DEFAULT_BASE_URL",
    "DEFAULT_REQUEST_TIMEOUT",
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
    "MonitorHealth",
    "MyCirrusAuthenticationError",
    "MyCirrusClient",
    "MyCirrusConnectionError",
    "MyCirrusError",
    "MyCirrusInvalidSerialError",
    "MyCirrusNotFoundError",
    "MyCirrusPermissionError",
    "MyCirrusRateLimitError",
    "MyCirrusResponseError",
    "RateLimiter",
    "SicResult",
    "Subscription",
    "parse_message",
    "parse_monitor_health",
    "validate_serial",
]
