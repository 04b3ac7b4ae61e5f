"""What runs while an entry is loaded, and how its parts are wired together."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import aiohttp

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback

from ..api import MyCirrusClient
from ..const import DOMAIN, REAUTH_REASON, SCOPE_LIVE
from ..issues import async_prune_issues
from ..model import followed_subentries, new_record
from ..scopes import KeyScopes, ScopeState
from .actions import ActionSender
from .changes import EntryChanges
from .checks import CheckFollower
from .health import MyCirrusHealthCoordinator
from .limits import LimitsManager
from .link import PushHooks
from .media import EventMedia
from .options import EntryOptions
from .push import MyCirrusPush
from .signals import async_tell_each, health_signal, stored_signal
from .status import MyCirrusCoordinator
from .store import InstrumentStore, StoreHooks
from .stored import StoredData


class MyCirrusHub(EntryChanges):
    """Everything a loaded entry runs: one client, its pollers and its push.

    The followed instruments and the options apply while it runs: an added
    instrument gets its device and entities, a removed one loses them, and only
    a new key or API URL needs a reload.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: MyCirrusClient,
        *,
        session_factory: Callable[[], aiohttp.ClientSession],
    ) -> None:
        """Wire the parts; nothing is asked of MyCirrus yet."""
        self.hass = hass
        self.entry = entry
        self.client = client
        self.scopes = KeyScopes()
        # What the entry runs with; a change of the data needs a reload.
        self.data = dict(entry.data)
        self.options = EntryOptions.from_options(entry.options)
        self.followed = followed_subentries(entry)
        self.store = InstrumentStore(
            hass,
            entry,
            {serial: new_record(entry, serial) for serial in self.followed},
            # Lambdas: the push and the checks are made after the store.
            StoreHooks(
                online=lambda: self.push.async_sync(),  # noqa: PLW0108
                ended=lambda rec, actions: self.checks.async_ended(rec, actions),  # noqa: PLW0108
                status=lambda b, a: self.stored.async_status_changed(b, a),  # noqa: PLW0108
            ),
        )
        self.coordinator = MyCirrusCoordinator(
            hass, entry, client, self.store, on_auth_failed=self.async_auth_failed
        )
        self.checks = CheckFollower(
            hass,
            entry,
            self.store.records,
            fetch=self.coordinator.async_schedule_fetch,
            settle=self.store.async_settled,
        )
        self.limits = LimitsManager(
            hass,
            entry,
            followed=lambda: self.store.records,
            # The stored data is made after the limits.
            period_seconds=lambda serial: self.stored.period_seconds(serial),  # noqa: PLW0108
            changed=self._async_limits_changed,
        )
        self.push = MyCirrusPush(
            hass,
            entry,
            client,
            self.scopes,
            records=self.store.records,
            hooks=PushHooks(
                status=self.store.async_pushed,
                link=self.store.async_linked,
                auth_failed=self.async_auth_failed,
                levels=self.limits.async_take_live,
            ),
            session_factory=session_factory,
            live_types=self.options.live_types,
        )
        self.health = MyCirrusHealthCoordinator(
            hass,
            entry,
            client,
            self.scopes,
            lambda: list(self.store.records),
            on_auth_failed=self.async_auth_failed,
        )
        self.stored = StoredData(
            hass,
            entry,
            client,
            self.store,
            self.scopes,
            options=lambda: self.options,
            check_statuses=self.coordinator.async_check_now,
            on_auth_failed=self.async_auth_failed,
        )
        self.media = EventMedia(self)
        self.actions = ActionSender(
            client,
            self.store,
            self.push,
            self.checks,
            self.scopes,
            on_auth_failed=self.async_auth_failed,
        )
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._stop_listener: CALLBACK_TYPE | None = None

    # -- life ---------------------------------------------------------------

    async def async_setup(self) -> None:
        """Read what the last run kept; ask for every status once (raises if not)."""
        async_prune_issues(self.hass, self.entry.entry_id, set(self.followed))
        await self.stored.async_load(self.followed)
        await self.coordinator.async_config_entry_first_refresh()
        # Before the platforms, which add the limits' entities; before push,
        # which asks for the live levels they follow.
        self.limits.async_start()
        self.push.live_types = self.live_types()
        self._unsubscribe += [
            self.stored.async_add_periods_listener(self.limits.async_take_periods),
            self.coordinator.async_add_listener(self._async_look_for_entities),
            self.health.async_add_listener(partial(self._async_tell, health_signal)),
            self.scopes.add_listener(self._async_scope_changed),
        ]
        self.push.async_live_issue()

    @callback
    def async_start(self) -> None:
        """Start push, health and the live level interval, in the background."""
        self.push.async_start()
        self.entry.async_create_background_task(
            self.hass, self.health.async_refresh(), f"{DOMAIN} first health"
        )
        self._unsubscribe.append(
            self.stored.async_start(partial(self._async_tell, stored_signal))
        )
        self._unsubscribe.append(self.media.async_start())

        async def stop(_event: Event) -> None:
            # A listener that fired is gone: it is not to be removed again.
            self._stop_listener = None
            await self.async_stop()

        self._stop_listener = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, stop
        )

    async def async_stop(self) -> None:
        """Stop everything; the websockets close within about a second."""
        self.store.async_close()
        self.checks.close()
        self.limits.async_stop()
        while self._unsubscribe:
            self._unsubscribe.pop()()
        if self._stop_listener is not None:
            self._stop_listener()
            self._stop_listener = None
        await self.stored.async_stop()
        await self.push.async_stop()

    @callback
    def async_auth_failed(self, reason: str | None) -> None:
        """MyCirrus refused the key: nothing is current, and reauth starts."""
        if self.store.closed or self.store.auth_failed:
            return
        self.store.async_auth_failed()
        self.push.async_halt()
        self.entry.async_start_reauth(
            self.hass, data={REAUTH_REASON: reason} if reason else None
        )

    # -- what entities ask ----------------------------------------------------

    def status_available(self, serial: str) -> bool:
        """Return whether the instrument's status is current."""
        return self.store.current(serial)

    def reachable(self, serial: str) -> bool:
        """Return whether the instrument may be asked to act or report health.

        Not while the key is refused, nor while it is known to be offline.
        """
        record = self.records.get(serial)
        return (
            not self.store.auth_failed
            and record is not None
            and not record.known_offline
        )

    def live_available(self, serial: str) -> bool:
        """Return whether the instrument's live levels can be current."""
        return not self.store.auth_failed and self.push.live_available(serial)

    # -- telling the entities -------------------------------------------------

    @callback
    def _async_tell(self, signal: Callable[[str, str], str]) -> None:
        """Tell the entities of a refresh (health, stored data); some may appear."""
        self._async_look_for_entities()
        async_tell_each(self.hass, self.entry, self.records, signal)

    @callback
    def _async_scope_changed(self, scope: str, state: ScopeState) -> None:
        if scope == SCOPE_LIVE:
            self.push.async_live_issue()
        self.store.async_dispatch_all()
