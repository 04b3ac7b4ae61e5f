"""Which instruments have audio: the Audio add-on, the key's scope, MyCirrus's word.

Audio needs the instrument's subscription add-on ``Audio`` and a key with
``data.audio:read``. The scope is asked once the entry starts, with a list of
the last hour's recordings of the instruments that have the add-on, and again
hourly while the key was seen to lack it. A 403 on one instrument's audio says
only that this instrument has none (its add-on may have lapsed): it is asked
again after an hour, and the key's scope is not blamed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
import logging
import time

from homeassistant.util import dt as dt_util

from ...api import (
    MyCirrusAuthenticationError,
    MyCirrusClient,
    MyCirrusError,
    MyCirrusRateLimitError,
)
from ...const import ADDON_AUDIO, SCOPE_AUDIO, SCOPE_RECHECK_INTERVAL
from ...model import InstrumentRecord
from ...scopes import DataScopes

_LOGGER = logging.getLogger(__package__)

PROBE_SPAN = timedelta(hours=1)


def has_audio_addon(record: InstrumentRecord) -> bool:
    """Return whether MyCirrus says the instrument's subscription has the add-on."""
    subscription = record.details.subscription if record.details else None
    return subscription is not None and any(
        addon.casefold() == ADDON_AUDIO.casefold() for addon in subscription.addons
    )


class AudioAccess:
    """Says which instruments have audio, and asks the key's scope."""

    def __init__(
        self,
        client: MyCirrusClient,
        records: Callable[[], Mapping[str, InstrumentRecord]],
        scopes: Callable[[], DataScopes],
        *,
        on_auth_failed: Callable[[str | None], None],
    ) -> None:
        """Know of no refusal yet; ``scopes`` gives the stored data's scopes."""
        self._client = client
        self._records = records
        self._scopes = scopes
        self._on_auth_failed = on_auth_failed
        # Monotonic time MyCirrus refused each instrument's audio (403).
        self._refused: dict[str, float] = {}

    def with_addon(self) -> list[str]:
        """Return the followed instruments whose subscription has the add-on."""
        return [
            serial
            for serial, record in self._records().items()
            if record.measures_noise and has_audio_addon(record)
        ]

    def scope_missing(self) -> bool:
        """Return whether the key was seen to lack data.audio:read."""
        return self._scopes().missing(SCOPE_AUDIO)

    def refused(self, serial: str) -> bool:
        """Return whether MyCirrus refused the instrument's audio within the hour."""
        at = self._refused.get(serial)
        if at is None:
            return False
        if time.monotonic() - at >= SCOPE_RECHECK_INTERVAL.total_seconds():
            del self._refused[serial]
            return False
        return True

    def available(self, serial: str) -> bool:
        """Return whether the instrument's audio can be played."""
        record = self._records().get(serial)
        return (
            record is not None
            and has_audio_addon(record)
            and not self.scope_missing()
            and not self.refused(serial)
        )

    def note_refused(self, serial: str) -> None:
        """Note a 403 on the instrument's audio: none for it for an hour."""
        if serial not in self._refused:
            _LOGGER.info(
                "MyCirrus gives no audio for %s; asking again in an hour", serial
            )
        self._refused[serial] = time.monotonic()

    def note_served(self, serial: str) -> None:
        """Note that MyCirrus gave the instrument's audio."""
        self._refused.pop(serial, None)

    def as_dict(self) -> dict[str, object]:
        """Return what is known, for diagnostics."""
        return {
            "scope": self._scopes().scopes.state(SCOPE_AUDIO).value,
            "with_addon": self.with_addon(),
            "refused": sorted(s for s in list(self._refused) if self.refused(s)),
        }

    async def async_check_scope(self) -> None:
        """Ask whether the key has data.audio:read, where it is due.

        Once while nothing is known, then hourly while it was seen missing;
        a key seen to have it is not asked again.
        """
        scopes = self._scopes()
        if scopes.granted(SCOPE_AUDIO) or not scopes.may_ask(SCOPE_AUDIO):
            return
        if not (serials := self.with_addon()):
            return
        now = dt_util.utcnow()
        try:
            await scopes.async_ask(
                SCOPE_AUDIO,
                serials,
                lambda s: self._client.recordings(s, now - PROBE_SPAN, now),
            )
        except MyCirrusAuthenticationError:
            self._on_auth_failed(None)
        except MyCirrusRateLimitError:
            pass  # the status coordinator says so; the next hour asks again
        except MyCirrusError as err:
            _LOGGER.debug("Could not ask MyCirrus for recordings: %s", err)
