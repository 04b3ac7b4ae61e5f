"""A simulator of the MyCirrus cloud API, for tests, benchmarks and the demo."""

from .app import ALL_SCOPES, DEFAULT_API_KEY, Fault, SimInstrument, Simulator

__all__ = ["ALL_SCOPES", "DEFAULT_API_KEY", "Fault", "SimInstrument", "Simulator"]
