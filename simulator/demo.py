"""Scripted changes that make the demo instruments look like a site.

Each hour from the demo's start, on the simulator's clock, the same few things
happen to the first five instruments, as they might on a real site: the fourth
runs its SIC, which fails (its microphone needs an engineer), the third is
calibrated, the second is offline for five minutes and the fifth stops
measuring for ten. Beside the first, a breaker works three times for three
minutes (at 82 dB(A): the demo's noise limit, LAeq,15min 70 dB, is exceeded
each time). The rest of the hour is quiet, so the logbook shows events rather
than a monitor flapping.

Noise events: each instrument has a first one (with audio, where it has the
Audio add-on) moments after Home Assistant first asks for its events, so that
a refresh a minute later finds it; then each of the first five has one an
hour, ten minutes apart, besides those its levels make.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from .app import Simulator

HOUR = timedelta(hours=1)
# When each thing happens, as time into the hour from the demo's start.
SIC_AT = timedelta(minutes=2)
CALIBRATION_AT = timedelta(minutes=6)
OFFLINE = (timedelta(minutes=12), timedelta(minutes=17))
NOT_MEASURING = (timedelta(minutes=25), timedelta(minutes=35))
WORKS = tuple(
    (timedelta(minutes=start), timedelta(minutes=start + 3)) for start in (8, 28, 48)
)
WORKS_LEVEL = 82.0  # dB(A) at the first instrument
# A first event starts this long after its instrument's events are first asked
# for (the instruments a few seconds apart), and lasts EVENT_LENGTH.
FIRST_EVENT_AFTER = timedelta(seconds=10)
EVENT_LENGTH = timedelta(seconds=12)
# The hourly event of the n-th instrument: at EVENTS_AT + n * EVENTS_EVERY.
EVENTS_AT = timedelta(minutes=8)
EVENTS_EVERY = timedelta(minutes=10)


class Demo:
    """The demo's hour, played on the simulator's clock."""

    def __init__(self, simulator: Simulator) -> None:
        """Start the first hour now."""
        self._simulator = simulator
        self._start = simulator.now()
        self._last = timedelta(0)
        # The data requests seen, and the instruments whose events were asked.
        self._requests_seen = 0
        self._asked: set[str] = set()

    def step(self) -> None:
        """Apply what is due at the simulator's time, and publish it.

        An action is started once, by the first step at or after its time, so
        the schedule does not depend on how often ``step`` is called.
        """
        elapsed = self._simulator.now() - self._start
        last, self._last = self._last, elapsed
        into = elapsed % HOUR
        instruments = list(self._simulator.instruments.values())
        if instruments:
            working = any(start <= into < end for start, end in WORKS)
            instruments[0].works = WORKS_LEVEL if working else None
        if len(instruments) > 1:
            instruments[1].online = not OFFLINE[0] <= into < OFFLINE[1]
        if len(instruments) > 2 and _due(CALIBRATION_AT, last, elapsed):
            self._simulator.start_action(instruments[2].serial, "Calibration")
        if len(instruments) > 3 and _due(SIC_AT, last, elapsed):
            instruments[3].next_sic_status = "Failed"
            self._simulator.start_action(instruments[3].serial, "SIC")
        if len(instruments) > 4:
            instruments[4].measuring = not NOT_MEASURING[0] <= into < NOT_MEASURING[1]
        for index, instrument in enumerate(instruments[:5]):
            if _due(EVENTS_AT + index * EVENTS_EVERY, last, elapsed):
                self._event(instrument.serial, index, FIRST_EVENT_AFTER)
        self._first_events()
        self._simulator.publish()

    def _first_events(self) -> None:
        """Give each instrument whose events were just first asked for an event."""
        requests = self._simulator.data_requests
        new = requests[self._requests_seen :]
        self._requests_seen = len(requests)
        serials = list(self._simulator.instruments)
        for endpoint, asked, _, _ in new:
            if endpoint != "events":
                continue
            for serial in asked:
                if serial in self._asked or serial not in self._simulator.instruments:
                    continue
                self._asked.add(serial)
                index = serials.index(serial)
                self._event(
                    serial, index, FIRST_EVENT_AFTER + timedelta(seconds=2 * index)
                )

    def _event(self, serial: str, index: int, after: timedelta) -> None:
        """Add a noise event of ``serial`` starting ``after`` from now."""
        start = self._simulator.now() + after
        instrument = self._simulator.instruments[serial]
        self._simulator.add_event(
            serial,
            start=start,
            end=start + EVENT_LENGTH,
            level=84.0 + 2.5 * (index % 5) + (start.minute % 3),
            audio=instrument.has_audio,
        )


def _due(at: timedelta, last: timedelta, now: timedelta) -> bool:
    """Return whether a time ``at`` into some hour lies in (last, now]."""
    return (now - at) // HOUR > (last - at) // HOUR


async def run_demo(simulator: Simulator, period: float) -> None:
    """Play the demo, a step every ``period`` seconds, forever."""
    demo = Demo(simulator)
    while True:
        demo.step()
        simulator.advance()
        await asyncio.sleep(period)
