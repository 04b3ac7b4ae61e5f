"""A 403 for many instruments: the scope's, or an instrument's that left."""

from __future__ import annotations

import pytest

from custom_components.mycirrus.api import MyCirrusPermissionError
from custom_components.mycirrus.scopes import DataScopes, KeyScopes

SCOPE = "data.noise:read"


class Account:
    """What a key's data requests may see, and what the statuses say."""

    def __init__(
        self,
        visible: set[str],
        *,
        listed: set[str] | None = None,
        answering: set[str] | None = None,
    ) -> None:
        self.visible = visible  # what a data request is answered for
        self.listed = visible if listed is None else listed  # statuses say ours
        self.answering = answering  # statuses that answer (None: every one)
        self.checked: list[list[str]] = []
        self.asked: list[list[str]] = []

    async def call(self, serials: list[str]) -> str:
        self.asked.append(serials)
        if not set(serials) <= self.visible:
            raise MyCirrusPermissionError("HTTP 403")
        return "answer"

    async def still_ours(self, serials: list[str]) -> tuple[list[str], set[str]] | None:
        self.checked.append(serials)
        answered = set(serials) if self.answering is None else self.answering
        left = [serial for serial in serials if serial in self.listed]
        if len(left) == len(serials) and not answered.issuperset(serials):
            return None
        return left, answered


async def test_one_that_left_is_left_out_and_the_rest_asked_again() -> None:
    account = Account({"A", "C"})
    scopes = DataScopes(KeyScopes(), account.still_ours)
    assert await scopes.async_ask(SCOPE, ["A", "B", "C"], account.call) == (
        ["A", "C"],
        "answer",
    )
    assert account.asked == [["A", "B", "C"], ["A", "C"]]
    assert scopes.granted(SCOPE)


async def test_a_second_403_for_those_known_ours_is_the_scopes() -> None:
    account = Account({"A", "C"})
    scopes = DataScopes(KeyScopes(), account.still_ours)
    await scopes.async_ask(SCOPE, ["A", "B", "C"], account.call)
    account.visible = set()  # the key loses the scope: every request is refused
    assert await scopes.async_ask(SCOPE, ["A", "C"], account.call) is None
    # No status asked again: both answered theirs in this refresh.
    assert account.checked == [["A", "B", "C"]]
    assert scopes.missing(SCOPE)


async def test_a_403_for_one_not_known_ours_asks_its_status() -> None:
    account = Account({"A", "C"})
    scopes = DataScopes(KeyScopes(), account.still_ours)
    await scopes.async_ask(SCOPE, ["A", "B", "C"], account.call)
    account.visible = set()
    account.listed = {"A", "C", "D"}
    assert await scopes.async_ask(SCOPE, ["A", "C", "D"], account.call) is None
    assert account.checked == [["A", "B", "C"], ["A", "C", "D"]]
    # A new refresh knows nothing of the last one's statuses.
    scopes.new_refresh()
    assert await scopes.async_ask(SCOPE, ["A", "C"], account.call) is None
    assert account.checked[-1] == ["A", "C"]


async def test_a_403_while_a_status_is_unknown_is_raised() -> None:
    account = Account({"A"}, listed={"A", "B"}, answering={"A"})
    scopes = DataScopes(KeyScopes(), account.still_ours)
    with pytest.raises(MyCirrusPermissionError):
        await scopes.async_ask(SCOPE, ["A", "B"], account.call)
    assert not scopes.missing(SCOPE)


async def test_after_one_left_only_answered_statuses_count_as_ours() -> None:
    # C left (its status says so); B left too, but its status did not answer.
    account = Account({"A"}, listed={"A", "B"}, answering={"A", "C"})
    scopes = DataScopes(KeyScopes(), account.still_ours)
    with pytest.raises(MyCirrusPermissionError):
        await scopes.async_ask(SCOPE, ["A", "B", "C"], account.call)
    assert account.asked == [["A", "B", "C"], ["A", "B"]]
    assert account.checked == [["A", "B", "C"], ["A", "B"]]
    assert not scopes.missing(SCOPE)


async def test_every_one_gone_is_no_missing_scope() -> None:
    account = Account(set(), listed=set())
    scopes = DataScopes(KeyScopes(), account.still_ours)
    assert await scopes.async_ask(SCOPE, ["A", "B"], account.call) is None
    assert account.asked == [["A", "B"]]
    assert not scopes.missing(SCOPE)
