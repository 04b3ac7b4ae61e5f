"""Repair issues about followed instruments and the key's scopes."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.translation import async_get_cached_translations
from homeassistant.util import dt as dt_util

from .const import (
    DOMAIN,
    ISSUE_CALIBRATION_FAILED,
    ISSUE_INSTRUMENT_GONE,
    ISSUE_LIMIT_ORPHANED,
    ISSUE_MISSING_SCOPE,
    ISSUE_SIC_FAILED,
    ISSUE_STATISTICS_KEPT,
    ISSUE_UNKNOWN_ANSWER,
)
from .model import InstrumentRecord
from .results import RESULTS_FAILED, result_state


def issue_id(kind: str, entry_id: str, subject: str) -> str:
    """Return the id of a repair issue about an instrument or a scope of an entry."""
    return f"{kind}_{entry_id}_{subject}"


@callback
def async_raise_instrument_issue(
    hass: HomeAssistant,
    entry: ConfigEntry,
    kind: str,
    record: InstrumentRecord,
    **placeholders: str,
) -> None:
    """Raise (or update) a repair issue about one followed instrument."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(kind, entry.entry_id, record.serial),
        data={
            "entry_id": entry.entry_id,
            "subentry_id": record.subentry_id,
            "serial": record.serial,
        },
        is_fixable=kind == ISSUE_INSTRUMENT_GONE,
        severity=ir.IssueSeverity.WARNING,
        translation_key=kind,
        translation_placeholders={
            "serial": record.serial,
            "name": record.name,
            **placeholders,
        },
    )


@callback
def async_clear_instrument_issue(
    hass: HomeAssistant, entry: ConfigEntry, kind: str, serial: str
) -> None:
    """Withdraw a repair issue about one instrument, if it is raised."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry.entry_id, serial))


@callback
def async_raise_scope_issue(
    hass: HomeAssistant, entry: ConfigEntry, scope: str
) -> None:
    """Raise a repair issue saying which scope the entry's key lacks."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(ISSUE_MISSING_SCOPE, entry.entry_id, scope),
        data={"entry_id": entry.entry_id, "scope": scope},
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_MISSING_SCOPE,
        translation_placeholders={"scope": scope, "entry": entry.title},
    )


@callback
def async_clear_scope_issue(
    hass: HomeAssistant, entry: ConfigEntry, scope: str
) -> None:
    """Withdraw the repair issue about a scope."""
    ir.async_delete_issue(
        hass, DOMAIN, issue_id(ISSUE_MISSING_SCOPE, entry.entry_id, scope)
    )


@callback
def async_raise_answer_issue(
    hass: HomeAssistant, entry: ConfigEntry, excerpt: str
) -> None:
    """Ask the user to report an answer of MyCirrus in a shape not known."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(ISSUE_UNKNOWN_ANSWER, entry.entry_id, "measurements"),
        data={"entry_id": entry.entry_id},
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_UNKNOWN_ANSWER,
        translation_placeholders={"entry": entry.title, "excerpt": excerpt},
    )


@callback
def async_clear_answer_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Withdraw the report request once MyCirrus answers in a known shape."""
    ir.async_delete_issue(
        hass, DOMAIN, issue_id(ISSUE_UNKNOWN_ANSWER, entry.entry_id, "measurements")
    )


@callback
def async_raise_limit_issue(
    hass: HomeAssistant, entry: ConfigEntry, subentry_id: str, name: str, serial: str
) -> None:
    """Say a noise limit's instrument is no longer followed; offer to delete it.

    Its data names the limit, not a serial: it outlives the instrument.
    """
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(ISSUE_LIMIT_ORPHANED, entry.entry_id, subentry_id),
        data={"entry_id": entry.entry_id, "limit_subentry_id": subentry_id},
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_LIMIT_ORPHANED,
        translation_placeholders={"limit": name, "serial": serial},
    )


@callback
def async_prune_limit_issues(
    hass: HomeAssistant, entry: ConfigEntry, orphaned: set[str]
) -> None:
    """Withdraw the entry's limit issues but those of the ``orphaned`` limits."""
    for issue in list(ir.async_get(hass).issues.values()):
        data = issue.data or {}
        if (
            issue.domain == DOMAIN
            and data.get("entry_id") == entry.entry_id
            and "limit_subentry_id" in data
            and data["limit_subentry_id"] not in orphaned
        ):
            ir.async_delete_issue(hass, DOMAIN, issue.issue_id)


@callback
def async_raise_statistics_issue(hass: HomeAssistant, serial: str, name: str) -> None:
    """Offer to delete the statistics an instrument no longer followed left.

    Not an issue of the entry: it stays when the entry is deleted, as the
    statistics do.
    """
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"{ISSUE_STATISTICS_KEPT}_{serial}",
        data={"kept_serial": serial},
        is_fixable=True,
        is_persistent=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_STATISTICS_KEPT,
        translation_placeholders={"name": name, "serial": serial},
    )


@callback
def async_clear_statistics_issue(hass: HomeAssistant, serial: str) -> None:
    """Withdraw the offer: the instrument is followed again, its history goes on."""
    ir.async_delete_issue(hass, DOMAIN, f"{ISSUE_STATISTICS_KEPT}_{serial}")


@callback
def async_prune_issues(
    hass: HomeAssistant, entry_id: str, followed: set[str] | None
) -> None:
    """Delete the entry's instrument issues about serials it no longer follows.

    ``followed`` None deletes every issue of the entry, scopes included.
    Issues of other entries are left alone.
    """
    for issue in list(ir.async_get(hass).issues.values()):
        data = issue.data or {}
        if issue.domain != DOMAIN or data.get("entry_id") != entry_id:
            continue
        if followed is None or ("serial" in data and data["serial"] not in followed):
            ir.async_delete_issue(hass, DOMAIN, issue.issue_id)


@callback
def async_check_results(
    hass: HomeAssistant, entry: ConfigEntry, record: InstrumentRecord
) -> None:
    """Raise an issue for a failed last calibration or SIC; withdraw it on success.

    A result still in progress, or a word MyCirrus has not documented, leaves
    the issue as it is.
    """
    status = record.status
    if status is None:
        return
    for kind, sensor, result in (
        (ISSUE_CALIBRATION_FAILED, "last_calibration_result", status.last_calibration),
        (ISSUE_SIC_FAILED, "last_sic_result", status.last_sic),
    ):
        state = result_state(result.status) if result else None
        if result is not None and state in RESULTS_FAILED:
            # In the user's own time zone, as the rest of the frontend shows times.
            when = (
                dt_util.as_local(result.time).strftime("%Y-%m-%d %H:%M %Z")
                if result.time
                else "?"
            )
            named = _result_name(hass, sensor, state) or str(result.status)
            async_raise_instrument_issue(
                hass, entry, kind, record, result=named, time=when
            )
        elif state == "success":
            async_clear_instrument_issue(hass, entry, kind, record.serial)


def _result_name(hass: HomeAssistant, sensor: str, state: str | None) -> str | None:
    """Name a result as its sensor shows it, in Home Assistant's language.

    The repair's text is in the user's language; MyCirrus's own word for the
    result is English (or an undocumented variant of it).
    """
    names = async_get_cached_translations(hass, hass.config.language, "entity", DOMAIN)
    return names.get(f"component.{DOMAIN}.entity.sensor.{sensor}.state.{state}")
