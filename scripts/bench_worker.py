"""Run one benchmark measurement in this process and print its figures as JSON.

``python scripts/bench_worker.py SCENARIO '{"count": 10, ...}'``; scripts/bench.py
starts one such process per Home Assistant instance. The last line on stdout
is the result.
"""

from __future__ import annotations

import asyncio
import json
import sys

# First: it prepares sys.path and Home Assistant's clocks.
from bench_harness import log_warnings  # isort: skip
import bench_data
import bench_limits
import bench_poll
import bench_push

from homeassistant.runner import HassEventLoopPolicy

SCENARIOS = {
    **bench_poll.SCENARIOS,
    **bench_push.SCENARIOS,
    **bench_data.SCENARIOS,
    **bench_limits.SCENARIOS,
}


def main() -> None:
    name, params = sys.argv[1], json.loads(sys.argv[2])
    log_warnings()
    result = asyncio.run(
        SCENARIOS[name](**params),
        # Home Assistant's own loop, as in production.
        loop_factory=HassEventLoopPolicy(debug=False).new_event_loop,
    )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
