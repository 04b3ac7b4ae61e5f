"""The layout: no import cycle, no class or module grown past its limit."""

from __future__ import annotations

from pathlib import Path
import subprocess
import sys

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "structure.py"


def test_no_import_cycle_and_nothing_oversized() -> None:
    result = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert ", 0 import cycles, 0 classes or modules" in result.stdout
