"""What the entry's API key turned out to be allowed to do.

MyCirrus has no call that lists a key's scopes: a 403 on a call, or an error
on the live websocket, is how a missing one shows. This is the one place that
remembers it, so that optional features stop asking and diagnostics and the
options form can say why.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
import logging
import time

from .api import MyCirrusPermissionError
from .const import SCOPE_RECHECK_INTERVAL

_LOGGER = logging.getLogger(__package__)


class ScopeState(StrEnum):
    """What is known of one scope."""

    UNKNOWN = "unknown"
    GRANTED = "granted"
    MISSING = "missing"


@dataclass(slots=True)
class _Seen:
    state: ScopeState
    at: float


class KeyScopes:
    """The scopes one key was seen to have or lack; reset when the entry reloads."""

    def __init__(self, *, clock: Callable[[], float] | None = None) -> None:
        """Start knowing nothing; ``clock`` defaults to ``time.monotonic``."""
        self._clock = clock or _monotonic
        self._seen: dict[str, _Seen] = {}
        self._listeners: list[Callable[[str, ScopeState], None]] = []

    def state(self, scope: str) -> ScopeState:
        """Return what is known of ``scope``."""
        seen = self._seen.get(scope)
        return seen.state if seen else ScopeState.UNKNOWN

    def missing(self, scope: str) -> bool:
        """Return whether the key was seen to lack ``scope``."""
        return self.state(scope) is ScopeState.MISSING

    def may_try(self, scope: str) -> bool:
        """Return whether a call needing ``scope`` may be made now.

        A scope seen missing is tried again at most once an hour.
        """
        seen = self._seen.get(scope)
        return (
            seen is None
            or seen.state is not ScopeState.MISSING
            or self._clock() - seen.at >= SCOPE_RECHECK_INTERVAL.total_seconds()
        )

    def granted(self, scope: str) -> None:
        """Note that a call needing ``scope`` worked."""
        # Every live message says so: nothing to do when it is known.
        seen = self._seen.get(scope)
        if seen is None or seen.state is not ScopeState.GRANTED:
            self._set(scope, ScopeState.GRANTED)

    def lacking(self, scope: str) -> None:
        """Note that MyCirrus refused a call for want of ``scope``."""
        self._set(scope, ScopeState.MISSING)

    def as_dict(self) -> dict[str, str]:
        """Return each scope seen, with what is known of it."""
        return {scope: seen.state.value for scope, seen in sorted(self._seen.items())}

    def missing_scopes(self) -> list[str]:
        """Return the scopes the key was seen to lack, sorted."""
        return [
            s
            for s, seen in sorted(self._seen.items())
            if seen.state is ScopeState.MISSING
        ]

    def add_listener(
        self, listener: Callable[[str, ScopeState], None]
    ) -> Callable[[], None]:
        """Call ``listener`` when a scope changes state; return its remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _set(self, scope: str, state: ScopeState) -> None:
        previous = self.state(scope)
        self._seen[scope] = _Seen(state, self._clock())
        if state is not previous:
            for listener in list(self._listeners):
                listener(scope, state)


@dataclass(slots=True)
class DataScopes:
    """The scopes of the stored data, asked for every instrument at once.

    A key seen to lack one is asked again at most hourly, as the others. One
    request asks for many instruments, and a 403 also means that one of them
    is not on the account: ``still_ours`` asks their statuses and returns
    those still on it and those of them whose status answered, or None when
    none has gone and not every status answered (then nothing is known yet,
    and the request failed).
    """

    scopes: KeyScopes
    still_ours: Callable[[list[str]], Awaitable[tuple[list[str], set[str]] | None]]
    # Instruments this refresh found still ours: a second 403 asks no statuses.
    _ours: set[str] = field(default_factory=set)

    def new_refresh(self) -> None:
        """Forget what the last refresh found of the instruments."""
        self._ours = set()

    def may_ask(self, scope: str) -> bool:
        """Return whether a call needing ``scope`` may be made now."""
        return self.scopes.may_try(scope)

    def missing(self, scope: str) -> bool:
        """Return whether the key was seen to lack ``scope``."""
        return self.scopes.missing(scope)

    def granted(self, scope: str) -> bool:
        """Return whether MyCirrus answered a call needing ``scope``."""
        return self.scopes.state(scope) is ScopeState.GRANTED

    async def async_ask[T](
        self, scope: str, serials: list[str], call: Callable[[list[str]], Awaitable[T]]
    ) -> tuple[list[str], T] | None:
        """Return the serials asked and ``call``'s answer for them.

        None if MyCirrus refused it for want of ``scope``: a 403 is the
        scope's only when every instrument asked for answered its status;
        without those that are not ours, the request is made again. Raises
        the 403 while a status did not answer.
        """
        while True:
            try:
                answer = await call(serials)
            except MyCirrusPermissionError:
                if set(serials) <= self._ours:
                    left = serials
                else:
                    found = await self.still_ours(serials)
                    if found is None:
                        raise
                    left, answered = found
                    # Only an answered status says an instrument is ours: a
                    # 403 for those asked again is the scope's only then.
                    self._ours.update(answered.intersection(left))
                if left and len(left) < len(serials):
                    serials = left
                    continue
                if left:
                    self._refuse(scope)
                return None
            self.scopes.granted(scope)
            return serials, answer

    def _refuse(self, scope: str) -> None:
        if not self.scopes.missing(scope):
            _LOGGER.info("The MyCirrus API key lacks the %s scope", scope)
        self.scopes.lacking(scope)


def _monotonic() -> float:
    # Looked up at each reading, so that a patched clock (tests) is seen.
    return time.monotonic()
