"""The picture of a noise event: its time history as a chart, with what it was.

Pure drawing with Pillow (a Home Assistant dependency): no plotting library,
no Home Assistant state. The caller gives the words, already translated and
formatted, and runs ``draw_event`` in the executor: a picture takes tens of
milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
import io
import math
from typing import Final

from PIL import Image, ImageDraw, ImageFont

WIDTH: Final = 800
HEIGHT: Final = 450
# The chart's frame: left, top, right, bottom.
CHART: Final = (72, 140, 780, 400)

BACKGROUND: Final = (255, 255, 255)
TEXT: Final = (33, 33, 33)
MUTED: Final = (117, 117, 117)
GRID: Final = (224, 224, 224)
SERIES: Final = (3, 169, 244)
SPAN: Final = (255, 236, 179)
LEVEL: Final = (230, 81, 0)

_TIME_STEPS: Final = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
_DB_STEPS: Final = (1, 2, 5, 10, 20, 50)

type Font = ImageFont.ImageFont | ImageFont.FreeTypeFont


@dataclass(frozen=True, kw_only=True, slots=True)
class EventPicture:
    """What the picture shows; the words are the caller's, translated.

    ``points`` are (moment, level in dB) in time order, None for a gap; with
    none, ``message`` says why in the chart's place. ``span`` is the event's
    start and end, shaded; ``level`` its level, a dashed line.
    """

    heading: str
    lines: tuple[str, ...] = ()
    series_label: str = ""
    level: float | None = None
    level_label: str = ""
    span: tuple[datetime, datetime] | None = None
    points: Sequence[tuple[datetime, float | None]] = field(default_factory=tuple)
    message: str | None = None
    zone: tzinfo | None = None


def draw_event(picture: EventPicture) -> bytes:
    """Return the picture as PNG."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((24, 16), picture.heading, fill=TEXT, font=_font(28))
    for index, line in enumerate(picture.lines[:3]):
        draw.text((24, 60 + 24 * index), line, fill=TEXT, font=_font(17))
    values = [value for _, value in picture.points if value is not None]
    if values:
        _chart(draw, picture, values)
    else:
        _note(draw, picture.message or "")
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()


def _chart(
    draw: ImageDraw.ImageDraw, picture: EventPicture, values: list[float]
) -> None:
    left, top, right, bottom = CHART
    moments = [moment for moment, _ in picture.points]
    if picture.span is not None:
        moments += list(picture.span)
    first, last = min(moments), max(moments)
    if last - first < timedelta(seconds=2):
        first, last = first - timedelta(seconds=1), last + timedelta(seconds=1)
    seen = [*values, *([picture.level] if picture.level is not None else [])]
    low, high = _db_range(min(seen), max(seen))
    seconds = (last - first).total_seconds()

    def x_of(moment: datetime) -> float:
        return left + (right - left) * (moment - first).total_seconds() / seconds

    def y_of(level: float) -> float:
        return bottom - (bottom - top) * (level - low) / (high - low)

    small = _font(13)
    if picture.span is not None:
        draw.rectangle(
            (
                x_of(picture.span[0]),
                top,
                max(x_of(picture.span[1]), x_of(picture.span[0]) + 1),
                bottom,
            ),
            fill=SPAN,
        )
    step = _step((high - low) / 6, _DB_STEPS)
    level = math.ceil(low / step) * step
    while level <= high:
        y = y_of(level)
        draw.line((left, y, right, y), fill=GRID)
        draw.text((left - 8, y), f"{level:g}", fill=MUTED, font=small, anchor="rm")
        level += step
    tick_step = timedelta(seconds=_step(seconds / 7, _TIME_STEPS))
    tick = _first_tick(first, tick_step)
    while tick <= last:
        x = x_of(tick)
        draw.line((x, top, x, bottom), fill=GRID)
        label = tick.astimezone(picture.zone).strftime("%H:%M:%S")
        draw.text((x, bottom + 8), label, fill=MUTED, font=small, anchor="mt")
        tick += tick_step
    draw.rectangle((left, top, right, bottom), outline=MUTED)
    draw.text((left - 8, top - 12), "dB", fill=MUTED, font=small, anchor="rb")
    if picture.level is not None:
        _dashed(draw, y_of(picture.level), left, right)
        draw.text(
            (right - 4, y_of(picture.level) - 4),
            picture.level_label,
            fill=LEVEL,
            font=small,
            anchor="rb",
        )
    for run in _runs(picture.points):
        line = [(x_of(moment), y_of(value)) for moment, value in run]
        if len(line) == 1:
            x, y = line[0]
            draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=SERIES)
        else:
            draw.line(line, fill=SERIES, width=3, joint="curve")
    draw.text(
        (left + 4, top - 8), picture.series_label, fill=SERIES, font=small, anchor="lb"
    )


def _note(draw: ImageDraw.ImageDraw, message: str) -> None:
    left, top, right, bottom = CHART
    draw.rectangle((left, top, right, bottom), outline=GRID)
    font = _font(17)
    lines = _wrap(draw, message, font, right - left - 40)
    middle = (top + bottom) / 2 - 12 * (len(lines) - 1)
    for index, line in enumerate(lines):
        draw.text(
            ((left + right) / 2, middle + 24 * index),
            line,
            fill=MUTED,
            font=font,
            anchor="mm",
        )


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Font, width: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and draw.textlength(candidate, font=font) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines


def _runs(
    points: Sequence[tuple[datetime, float | None]],
) -> list[list[tuple[datetime, float]]]:
    """Return the stretches of points without a gap (a missing value)."""
    runs: list[list[tuple[datetime, float]]] = [[]]
    for moment, value in points:
        if value is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((moment, value))
    return [run for run in runs if run]


def _db_range(low: float, high: float) -> tuple[float, float]:
    """Return a range of whole 5 dB that holds low and high with some room."""
    bottom = math.floor((low - 2) / 5) * 5
    top = math.ceil((high + 2) / 5) * 5
    return bottom, max(top, bottom + 10)


def _step(rough: float, steps: Sequence[int]) -> int:
    return next((step for step in steps if step >= rough), steps[-1])


def _first_tick(first: datetime, step: timedelta) -> datetime:
    """Return the first whole multiple of ``step`` (on the UTC clock) from ``first``."""
    seconds = step.total_seconds()
    stamp = math.ceil(first.timestamp() / seconds) * seconds
    return datetime.fromtimestamp(stamp, first.tzinfo)


def _dashed(draw: ImageDraw.ImageDraw, y: float, left: float, right: float) -> None:
    x = left
    while x < right:
        draw.line((x, y, min(x + 8, right), y), fill=LEVEL, width=2)
        x += 14


def _font(size: int) -> Font:
    """Return Pillow's own font at ``size`` (its bitmap font without FreeType)."""
    try:
        return ImageFont.load_default(size=size)
    except (OSError, TypeError, ValueError):  # pragma: no cover - no FreeType
        return ImageFont.load_default()
