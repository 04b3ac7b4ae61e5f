"""Start the simulator with a Python that can run it.

The README says ``python -m simulator``; a system ``python`` usually lacks
aiohttp (or is older than the project's 3.13), while the project's ``.venv``
(made by ``scripts/setup``) has both. Only the standard library may be
imported here, in syntax old Pythons still read.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parent.parent
MINIMUM_PYTHON = (3, 13)
SETUP_HINT = (
    "python -m simulator needs Python 3.13 or newer with aiohttp: run "
    "scripts/setup first, then run the same command again"
)


def this_python_will_do() -> bool:
    """Return whether this Python is new enough and has aiohttp."""
    return (
        sys.version_info >= MINIMUM_PYTHON
        and importlib.util.find_spec("aiohttp") is not None
    )


def relaunch_command(
    argv: list[str], *, usable: bool, venv: Path, prefix: Path
) -> list[str] | None:
    """Return the command that runs the simulator in ``venv``.

    None: this Python will do. Raise SystemExit when none will.
    """
    if usable:
        return None
    python = venv / "bin" / "python"
    # Already that virtualenv's Python: starting it again would loop for ever.
    if not python.exists() or prefix.resolve() == venv.resolve():
        raise SystemExit(SETUP_HINT)
    return [str(python), "-m", "simulator", *argv]


def ensure_aiohttp() -> None:
    """Replace this process by the virtualenv's Python if this one will not do."""
    command = relaunch_command(
        sys.argv[1:],
        usable=this_python_will_do(),
        venv=ROOT / ".venv",
        prefix=Path(sys.prefix),
    )
    if command is not None:
        os.execv(command[0], command)  # noqa: S606 - our own venv's python
