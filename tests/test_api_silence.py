"""The live websocket's silence watch: one timer for a stream of reads."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.mycirrus.api.silence import SilenceWatch


class Reads:
    """A watch and the reads it watches, each waiting on a future of the test's."""

    def __init__(self, limit: float = 3600.0) -> None:
        self.loop = asyncio.get_running_loop()
        self.watch = SilenceWatch(limit)
        self.frame: asyncio.Future[str] = self.loop.create_future()

    def start(self) -> asyncio.Task[str]:
        self.frame = self.loop.create_future()
        return asyncio.create_task(self.watch.read(lambda: self.frame))

    def fire(self) -> None:
        """Run the watch's timer now, as if its moment had come."""
        handle = self.watch._handle
        assert handle is not None
        handle.cancel()
        self.watch._fire(self.loop)


async def test_a_read_that_waits_past_the_limit_is_silence() -> None:
    reads = Reads()
    read = reads.start()
    await asyncio.sleep(0)  # the read waits
    reads.fire()
    with pytest.raises(TimeoutError):
        await read
    assert reads.watch._handle is None


async def test_reads_that_keep_coming_move_the_watch_on() -> None:
    reads = Reads()
    for frame in ("one", "two"):
        read = reads.start()
        await asyncio.sleep(0)
        reads.frame.set_result(frame)
        assert await read == frame
    read = reads.start()
    await asyncio.sleep(0)
    # Set for the first read: two came since, so it waits from the newest.
    reads.fire()
    assert not read.done()
    assert reads.watch._handle is not None
    assert reads.watch._handle.when() == pytest.approx(reads.watch._deadline)
    reads.fire()
    with pytest.raises(TimeoutError):
        await read


async def test_a_timer_between_reads_waits_for_the_next_read() -> None:
    reads = Reads()
    read = reads.start()
    await asyncio.sleep(0)
    reads.frame.set_result("frame")
    await read
    reads.fire()  # nothing is read: nothing to end
    assert reads.watch._handle is None
    read = reads.start()
    await asyncio.sleep(0)
    assert reads.watch._handle is not None  # set again
    reads.frame.set_result("next")
    assert await read == "next"
    reads.watch.cancel()
    assert reads.watch._handle is None


async def test_a_cancelled_read_stays_cancelled() -> None:
    """Cancelling the reader is not silence, even when the timer fires with it."""
    reads = Reads()
    read = reads.start()
    await asyncio.sleep(0)
    read.cancel()
    with pytest.raises(asyncio.CancelledError):
        await read
    read = reads.start()
    await asyncio.sleep(0)
    read.cancel()
    reads.fire()
    with pytest.raises(asyncio.CancelledError):
        await read
    reads.watch.cancel()


async def test_a_real_silence_on_the_loop_clock() -> None:
    reads = Reads(limit=0.01)
    with pytest.raises(TimeoutError):
        await reads.start()
