"""A simulator of the MyCirrus cloud API, for tests, benchmarks and the demo."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import Simulator
    from .instrument import SimInstrument
    from .shape import MeasurementShape
    from .state import ALL_SCOPES, DEFAULT_API_KEY, Fault

__all__ = [
    "ALL_SCOPES",
    "DEFAULT_API_KEY",
    "Fault",
    "MeasurementShape",
    "SimInstrument",
    "Simulator",
]

_MODULES = {
    "ALL_SCOPES": ".state",
    "DEFAULT_API_KEY": ".state",
    "Fault": ".state",
    "MeasurementShape": ".shape",
    "SimInstrument": ".instrument",
    "Simulator": ".app",
}


def __getattr__(name: str) -> Any:
    """Import the public names on first use.

    ``python -m simulator`` imports this package before ``__main__`` can see
    that aiohttp is missing (or the Python too old) and start the project's
    virtualenv instead, so nothing may be imported here up front.
    """
    if name in _MODULES:
        return getattr(import_module(_MODULES[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
