"""The layout of the measurements answer, which the API leaves undocumented.

A shape is written as comma-separated words (``python -m simulator
--measurement-shape list,wrap=data,pascal``):

- ``flat`` (default): ``{"time", "instrument", "LAeq": 55.1, ...}``;
  ``list``: ``{"time", "instrument", "values": [{"name", "value"}, ...]}``;
  ``object``: ``{"time", "instrument", "values": {"LAeq": 55.1, ...}}``.
- ``wrap`` or ``wrap=KEY``: the list inside an object, under ``measurements``
  or KEY.
- ``camel`` (default), ``pascal`` or ``lower``: the letter case of every key
  (and, in ``lower``, of the value names too).
- ``period``: each record also says its period (``"period": "PT5M"``).
- ``unknown``: a shape no client knows, ``{"noise": {serial: {time: values}}}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args

from .periods import MOVING_TYPES
from .stored import Row, iso_at

type Layout = Literal["flat", "list", "object"]
type Case = Literal["camel", "pascal", "lower"]

_CASES: dict[str, Callable[[str], str]] = {
    "camel": str,
    "pascal": lambda key: key[:1].upper() + key[1:],
    "lower": str.lower,
}


def iso_duration(seconds: int) -> str:
    """Return a whole number of seconds as an ISO 8601 duration ("PT5M", "P1D")."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    clock = "".join(
        f"{amount}{unit}"
        for amount, unit in ((hours, "H"), (minutes, "M"), (rest, "S"))
        if amount
    )
    return "P" + (f"{days}D" if days else "") + (f"T{clock}" if clock else "")


@dataclass(frozen=True, slots=True)
class MeasurementShape:
    """The layout of the measurements answer; see the module's docstring."""

    layout: Layout = "flat"
    wrap: str | None = None
    case: Case = "camel"
    period: bool = False
    unknown: bool = False

    @classmethod
    def parse(cls, text: str) -> MeasurementShape:
        """Return the shape comma-separated words describe; ValueError if unknown."""
        layout: str = "flat"
        case: str = "camel"
        wrap: str | None = None
        period = unknown = False
        for word in filter(None, (part.strip() for part in text.split(","))):
            name, _, argument = word.partition("=")
            if name in get_args(Layout.__value__):
                layout = name
            elif name in _CASES:
                case = name
            elif name == "wrap":
                wrap = argument or "measurements"
            elif word == "period":
                period = True
            elif word == "unknown":
                unknown = True
            else:
                raise ValueError(f"Unknown measurement shape word {word!r}")
        return cls(layout, wrap, case, period, unknown)  # type: ignore[arg-type]

    def render(self, rows: list[Row], names: list[str]) -> Any:
        """Return the answer's JSON body for ``rows`` of the values ``names``."""
        if self.unknown:
            nested: dict[str, dict[str, dict[str, float]]] = {}
            for serial, start, _, values in rows:
                nested.setdefault(serial, {})[iso_at(start)] = values
            return {"noise": nested}
        key = _CASES[self.case]
        extras = {
            key(field): text for n, (field, text) in MOVING_TYPES.items() if n in names
        }
        if self.layout == "flat" and self.case == "camel" and not self.period:
            # The default, kept lean: it answers a month of 50 instruments.
            records: list[dict[str, Any]] = [
                {"time": iso_at(start), "instrument": serial, **values, **extras}
                for serial, start, _, values in rows
            ]
        else:
            records = [self._record(row, key, extras) for row in rows]
        return {key(self.wrap): records} if self.wrap else records

    def _record(
        self, row: Row, key: Callable[[str], str], extras: dict[str, str]
    ) -> dict[str, Any]:
        serial, start, length, values = row
        record: dict[str, Any] = {key("time"): iso_at(start), key("instrument"): serial}
        named = {key(name): value for name, value in values.items()}
        if self.layout == "flat":
            record.update(named)
        elif self.layout == "list":
            record[key("values")] = [
                {key("name"): name, key("value"): value}
                for name, value in named.items()
            ]
        else:
            record[key("values")] = named
        record.update(extras)
        if self.period:
            record[key("period")] = iso_duration(length)
        return record
