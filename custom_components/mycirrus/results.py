"""The free-text results MyCirrus reports, as the states entities show."""

from __future__ import annotations

from typing import Final

RESULT_OTHER: Final = "other"
RESULT_OPTIONS: Final = ["success", "failed", "error", "in_progress", RESULT_OTHER]
RESULTS_FAILED: Final = frozenset({"failed", "error"})
_RESULT_WORDS: Final = {
    "success": "success",
    "successful": "success",
    "passed": "success",
    "pass": "success",
    "failed": "failed",
    "fail": "failed",
    "failure": "failed",
    "error": "error",
    "inprogress": "in_progress",
}


def result_state(status: str | None) -> str | None:
    """Map the API's free-text result to a state; unknown words become "other"."""
    if status is None:
        return None
    normalized = status.replace("_", "").replace(" ", "").lower()
    return _RESULT_WORDS.get(normalized, RESULT_OTHER)


def action_refused(status: str | None, error: str | None) -> bool:
    """Return whether an action's answer refuses it.

    An answer that carries an error refuses, whatever its status says (null
    included); so does a failed status.
    """
    return bool(error) or result_state(status) in RESULTS_FAILED
