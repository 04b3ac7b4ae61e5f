"""Weather readings of instruments with the Weather feature: one a minute.

Like the measurement periods, a reading is a function of the serial and the
minute: a daily temperature swing, wind that changes hour by hour (above
5 m/s in about a third of the hours), and a shower in about one hour of twelve.
"""

from __future__ import annotations

from functools import lru_cache
import math

from .periods import Site, mix, units

WEATHER_FIELDS = (
    "windSpeed",
    "windDirection",
    "temperature",
    "pressure",
    "humidity",
    "precipitation",
)


@lru_cache(maxsize=8192)
def _daily(seed: int, day: int) -> tuple[float, float, float, float]:
    return units(mix(seed ^ (day << 24) ^ 0xDA7))


@lru_cache(maxsize=8192)
def _hourly(seed: int, hour: int) -> tuple[float, float, float, float]:
    return units(mix(seed ^ (hour << 20) ^ 0x3E47))


def reading(site: Site, minute: int) -> dict[str, float]:
    """Return the weather of the minute that starts at ``minute`` (POSIX seconds)."""
    hour = minute // 3600
    warm, high, _, _ = _daily(site.seed, minute // 86400)
    breeze, heading, shower, heavy = _hourly(site.seed, hour)
    breeze_next, heading_next, _, _ = _hourly(site.seed, hour + 1)
    gust, veer, drops, jitter = units(mix(site.seed ^ minute ^ 0x77))
    share = (minute % 3600) / 3600.0
    base = 9.0 * (breeze**1.6 * (1.0 - share) + breeze_next**1.6 * share)
    turn = (360.0 * (heading_next - heading) + 180.0) % 360.0 - 180.0
    direction = (360.0 * heading + turn * share + 15.0 * (veer - 0.5)) % 360.0
    rain = (0.2 + 6.0 * heavy * heavy) * (0.7 + 0.6 * drops) if shower < 0.08 else 0.0
    day_hour = (minute % 86400) / 3600.0
    temperature = (
        9.0
        + 8.0 * (warm - 0.5)
        + 5.5 * math.sin(2.0 * math.pi * (day_hour - 9.0) / 24.0)
        - (2.0 if rain else 0.0)
        + 0.3 * (jitter - 0.5)
    )
    humidity = 78.0 - 2.2 * (temperature - 9.0) + (15.0 if rain else 0.0)
    humidity += 3.0 * (gust - 0.5)
    pressure = 1.013 + 0.02 * (high - 0.5)
    pressure += 0.002 * math.sin(2.0 * math.pi * minute / 43200.0)
    return {
        "windSpeed": round(max(0.0, base * (0.8 + 0.4 * gust)), 1),
        "windDirection": round(direction) % 360,
        "temperature": round(temperature, 1),
        "pressure": round(pressure, 4),
        "humidity": round(min(100.0, max(20.0, humidity)), 1),
        "precipitation": round(rain, 1),
    }
