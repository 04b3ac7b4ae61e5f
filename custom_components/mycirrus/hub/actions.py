"""A button press: the action sent, and every way it can be refused or fail."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..api import (
    Action,
    MyCirrusAuthenticationError,
    MyCirrusClient,
    MyCirrusError,
    MyCirrusPermissionError,
)
from ..const import SCOPE_ACTION
from ..errors import action_error, action_failure
from ..model import CHECKS, InstrumentRecord, next_stamp
from ..results import action_refused
from ..scopes import KeyScopes
from .checks import CheckFollower
from .push import MyCirrusPush
from .store import InstrumentStore


class ActionSender:
    """Sends actions over an instrument's websocket if open, else over REST."""

    def __init__(
        self,
        client: MyCirrusClient,
        store: InstrumentStore,
        push: MyCirrusPush,
        checks: CheckFollower,
        scopes: KeyScopes,
        *,
        on_auth_failed: Callable[[str | None], None],
    ) -> None:
        """Send through ``push`` or ``client``; follow accepted checks."""
        self._client = client
        self._store = store
        self._push = push
        self._checks = checks
        self._scopes = scopes
        self._on_auth_failed = on_auth_failed

    @property
    def _records(self) -> Mapping[str, InstrumentRecord]:
        return self._store.records

    async def async_press(self, serial: str, action: Action) -> None:
        """Ask the instrument to run ``action``.

        A calibration or SIC shows as running from the moment it is asked for,
        so a second press of the same check is refused until MyCirrus says it
        ended. Raises ServiceValidationError for a refusal that is the user's
        situation (already running, a missing scope, an offline instrument, a
        refused key) and HomeAssistantError when MyCirrus failed.
        """
        record = self._records[serial]
        placeholders = {
            "name": record.name,
            "serial": serial,
            "action": action.value,
            "detail": "",
        }
        if action in CHECKS and record.running(action):
            # Refused here: a second answer could not be told from the first's.
            raise action_error("action_running", placeholders, users=True)
        stamp = next_stamp()
        self._store.async_requested(serial, action, stamp)
        try:
            answer = await self._push.async_action(serial, action)
            if answer is not None:
                status, error = answer.status, answer.error
            else:
                result = await self._client.action(serial, action)
                status, error = result.status, result.error
        except MyCirrusError as err:
            self._store.async_settled(serial, action, stamp)
            if isinstance(err, MyCirrusAuthenticationError):
                self._on_auth_failed(None)
            elif isinstance(err, MyCirrusPermissionError):
                self._scopes.lacking(SCOPE_ACTION)
                placeholders["detail"] = SCOPE_ACTION
                raise action_error(
                    "action_forbidden", placeholders, users=True
                ) from err
            raise action_failure(err, placeholders) from err
        except BaseException:
            self._store.async_settled(serial, action, stamp)
            raise
        if action_refused(status, error):
            self._store.async_settled(serial, action, stamp)
            placeholders["detail"] = error or str(status)
            raise action_error("action_refused", placeholders, users=True)
        self._scopes.granted(SCOPE_ACTION)
        if (accepted := self._records.get(serial)) is not None:
            self._checks.async_accepted(accepted, action)
