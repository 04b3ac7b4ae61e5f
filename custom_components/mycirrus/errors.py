"""The one mapping from the client's exceptions to what Home Assistant shows.

Each way a MyCirrus call can fail has one row: the reason an instrument's status
is missing, the error a form shows, the error a button press raises, and whether
that press failed because of the user's situation (a ServiceValidationError,
shown without a traceback) or because of MyCirrus (a HomeAssistantError).
"""

from __future__ import annotations

from dataclasses import dataclass
import logging
from typing import Final

from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers.update_coordinator import UpdateFailed

from .api import (
    MyCirrusAudioTooLargeError,
    MyCirrusAuthenticationError,
    MyCirrusBodyShapeError,
    MyCirrusConnectionError,
    MyCirrusError,
    MyCirrusInvalidSerialError,
    MyCirrusNotAudioError,
    MyCirrusNotFoundError,
    MyCirrusPermissionError,
    MyCirrusRateLimitError,
    MyCirrusResponseError,
)
from .compat import update_failed
from .const import DOMAIN

_LOGGER = logging.getLogger(__package__)


@dataclass(frozen=True, slots=True)
class Meaning:
    """What one way of failing means in each place it can show."""

    status: str  # why an instrument has no current status
    flow: str  # a form's error, a flow's abort reason
    action: str  # a button press's error
    users: bool  # the user's situation rather than a failure of MyCirrus


# The first row whose class the error is an instance of applies.
_MEANINGS: Final[tuple[tuple[type[Exception], Meaning], ...]] = (
    (
        MyCirrusAuthenticationError,
        Meaning("invalid_auth", "invalid_auth", "action_invalid_auth", users=True),
    ),
    (
        MyCirrusPermissionError,
        Meaning("forbidden", "missing_permission", "action_forbidden", users=True),
    ),
    (
        MyCirrusRateLimitError,
        Meaning("rate_limited", "rate_limited", "action_rate_limited", users=False),
    ),
    (
        MyCirrusInvalidSerialError,
        Meaning("invalid_serial", "invalid_serial", "action_failed", users=False),
    ),
    (
        MyCirrusNotFoundError,
        Meaning("not_found", "unknown_serial", "action_not_found", users=True),
    ),
    (
        MyCirrusResponseError,
        Meaning("invalid_response", "cannot_connect", "action_failed", users=False),
    ),
    (
        MyCirrusConnectionError,
        Meaning(
            "cannot_connect", "cannot_connect", "action_cannot_connect", users=False
        ),
    ),
    (
        MyCirrusError,
        Meaning("cannot_connect", "cannot_connect", "action_failed", users=False),
    ),
)
UNEXPECTED: Final = Meaning("unknown", "unknown", "action_failed", users=False)


def meaning(err: BaseException) -> Meaning:
    """Return what ``err`` means; anything but a MyCirrus error is unexpected."""
    for error_class, known in _MEANINGS:
        if isinstance(err, error_class):
            return known
    return UNEXPECTED


def status_reason(err: BaseException) -> str:
    """Return the translation key that names why a status request failed."""
    return meaning(err).status


def flow_error(err: BaseException) -> str:
    """Return a form's error (or abort reason) for a failed call.

    An unexpected error is a bug: its traceback goes to the log.
    """
    known = meaning(err)
    if known is UNEXPECTED:
        _LOGGER.error("Unexpected error talking to MyCirrus", exc_info=err)
    return known.flow


def action_error(
    key: str, placeholders: dict[str, str], *, users: bool
) -> HomeAssistantError:
    """Return the translated error ``key`` of a button press.

    The user's situation (already running, a missing scope, an offline
    instrument) raises ServiceValidationError, which Home Assistant shows
    without logging a traceback; failures of MyCirrus raise HomeAssistantError.
    """
    error_class = ServiceValidationError if users else HomeAssistantError
    return error_class(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def action_failure(
    err: MyCirrusError, placeholders: dict[str, str]
) -> HomeAssistantError:
    """Return what a button press raises when its call failed with ``err``."""
    known = meaning(err)
    return action_error(
        known.action, {**placeholders, "detail": str(err)}, users=known.users
    )


def round_error(err: MyCirrusError, pause: float) -> Exception:
    """Return what a failed polling round raises for Home Assistant.

    ``pause`` is what is left of the key's rate-limit pause, in seconds.
    """
    if isinstance(err, MyCirrusAuthenticationError):
        return ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="invalid_auth",
            translation_placeholders={"error": str(err)},
        )
    if isinstance(err, MyCirrusPermissionError):
        # The instrument list needs instruments:read: the key lacks it.
        return ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="missing_permission",
            translation_placeholders={"error": str(err)},
        )
    if isinstance(err, MyCirrusRateLimitError):
        return update_failed(
            retry_after=pause,
            translation_domain=DOMAIN,
            translation_key="rate_limited",
            translation_placeholders={"seconds": f"{pause:.0f}"},
        )
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key="setup_failed",
        translation_placeholders={"error": str(err)},
    )


def outage_error(err: object) -> UpdateFailed:
    """Return what a round raises when no instrument could be asked."""
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key="cannot_connect",
        translation_placeholders={"error": str(err)},
    )


# A failed media request (audio, a list of events or recordings, a time
# history): the translation key of what it says, and the HTTP status the audio
# view answers with. The first row whose class the error is an instance of
# applies. MyCirrus refusing the key is no failure of the user's login: 502.
_MEDIA: Final[tuple[tuple[type[Exception], str, int], ...]] = (
    (MyCirrusAudioTooLargeError, "audio_too_large", 502),
    (MyCirrusNotAudioError, "audio_not_audio", 502),
    (MyCirrusBodyShapeError, "media_unknown_shape", 502),
    (MyCirrusNotFoundError, "media_not_found", 404),
    (MyCirrusPermissionError, "media_forbidden", 403),
    (MyCirrusAuthenticationError, "media_invalid_auth", 502),
    (MyCirrusRateLimitError, "media_rate_limited", 503),
    (MyCirrusError, "media_cannot_connect", 502),
)


def media_failure(
    err: MyCirrusError, name: str, *, error_class: type[HomeAssistantError]
) -> tuple[HomeAssistantError, int]:
    """Return what a failed media request about instrument ``name`` says.

    The translated error of ``error_class``, and the HTTP status that fits it.
    """
    key, status = next(
        (key, status) for cls, key, status in _MEDIA if isinstance(err, cls)
    )
    limit = getattr(err, "limit", 0)
    return (
        error_class(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={
                "name": name,
                "error": str(err),
                "limit": f"{limit / 1024 / 1024:g}",
            },
        ),
        status,
    )
