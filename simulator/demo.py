"""Scripted changes that make the demo instruments look alive."""

from __future__ import annotations

import asyncio

from .app import Simulator


def demo_step(simulator: Simulator, step: int) -> None:
    """Apply the changes of one demo step to the first five instruments.

    The second instrument drops offline now and then, the third calibrates,
    the fourth fails its SIC and the fifth stops measuring for a while.
    """
    instruments = list(simulator.instruments.values())
    if len(instruments) > 1:
        instruments[1].online = step % 10 not in (7, 8)
    if len(instruments) > 2 and step % 8 == 2:
        simulator.start_action(instruments[2].serial, "Calibration")
    if len(instruments) > 3 and step % 6 == 3:
        instruments[3].next_sic_status = "Failed"
        simulator.start_action(instruments[3].serial, "SIC")
    if len(instruments) > 4:
        instruments[4].measuring = step % 12 < 9
    simulator.publish()


async def run_demo(simulator: Simulator, period: float) -> None:
    """Run a demo step every ``period`` seconds, forever."""
    step = 0
    while True:
        demo_step(simulator, step)
        simulator.advance()
        step += 1
        await asyncio.sleep(period)
