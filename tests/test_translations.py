"""Every language says what en.json says, in a shape Home Assistant accepts.

``test_every_language_matches_en`` fails when a language lacks a key of
en.json, has one en.json lacks, changes a string's placeholders, links, code or
units, or keeps a string whose English changed since it was translated
(``translated_from_en.json`` is the en.json the translations were made from);
its message lists them per language: the work order of a translation pass.
After the pass, en.json is copied to ``translated_from_en.json``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
import json
from pathlib import Path
import re
import string
from typing import Any

import pytest
from voluptuous.humanize import humanize_error

import custom_components.mycirrus
from custom_components.mycirrus.compat import vol
from custom_components.mycirrus.const import DOMAIN
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, async_get_hass
from homeassistant.exceptions import ServiceValidationError
from homeassistant.generated.languages import LANGUAGES as HOME_ASSISTANT_LANGUAGES
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.translation import async_get_translations

from .conftest import SetUp
from .translation_schema import STRINGS_SCHEMA

TRANSLATIONS = Path(custom_components.mycirrus.__file__).parent / "translations"
README = Path(__file__).resolve().parent.parent / "README.md"
SOURCE = Path(__file__).resolve().parent / "translated_from_en.json"
LANGUAGES = sorted(path.stem for path in TRANSLATIONS.glob("*.json"))
# What the README promises.
OFFERED = {"en", "de", "es", "fr", "it", "nl"}

# Written the same in every language: acoustic quantities and units, the API's
# scope names, the product's names, URL schemes.
TERMS = re.compile(
    r"\bL[ACZ][A-Za-z0-9]*\b|\bLn\d+\b|\bLden\b|\bLeq\b|\bSIC\b"
    r"|\bdB(?:\(A\))?|\bk?Hz\b|\bm/s\b|\bMB\b"
    r"|\b[a-z]+(?:\.[a-z]+)?:(?:read|action)\b|https?://|\blocalhost\b"
    r"|\bmycirrus\.cloud\b|\bMyCirrus\b|\bHome Assistant\b"
)
LINK_TARGET = re.compile(r"\]\(([^)]*)\)")
CODE = re.compile(r"`[^`]*`")


def load(language: str, path: Path | None = None) -> dict[str, Any]:
    path = path or TRANSLATIONS / f"{language}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def flatten(node: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield each string's dotted key and value (a non-string value as it is)."""
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from flatten(value, f"{path}.")
        else:
            yield path, value


def placeholders(text: str) -> Counter[str]:
    """Return the {placeholders} of a string, as Home Assistant formats it."""
    try:
        return Counter(
            field for _, field, _, _ in string.Formatter().parse(text) if field
        )
    except ValueError:  # unbalanced braces: reported as such
        return Counter({"<unbalanced braces>": 1})


def show(names: Counter[str]) -> str:
    return " ".join(f"{{{name}}}" for name in sorted(names.elements())) or "none"


def string_differences(key: str, english: str, text: Any) -> Iterator[str]:
    """Yield what a translated string changed that it must keep."""
    if not isinstance(text, str):
        yield f"{key}: not a string ({type(text).__name__})"
        return
    if placeholders(text) != placeholders(english):
        yield (
            f"{key}: placeholders {show(placeholders(text))}, "
            f"en.json has {show(placeholders(english))}"
        )
    if LINK_TARGET.findall(text) != LINK_TARGET.findall(english):
        targets = LINK_TARGET.findall(english)
        yield f"{key}: link targets differ from en.json's {targets}"
    if sorted(CODE.findall(text)) != sorted(CODE.findall(english)):
        yield f"{key}: code spans differ from en.json's {CODE.findall(english)}"
    lost = sorted(set(TERMS.findall(english)) - set(TERMS.findall(text)))
    if lost:
        yield f"{key}: lacks {', '.join(lost)}, written as in en.json"
    if " " in english and text == english:
        yield f"{key}: the same as en.json (not translated?)"


def differences(
    english: dict[str, Any],
    language: dict[str, Any],
    source: dict[str, Any] | None = None,
) -> list[str]:
    """Return the work order that makes ``language`` say what en.json says.

    ``source`` is the en.json the language was translated from: a string whose
    English has changed since then is to be translated again.
    """
    now = dict(flatten(english))
    was = dict(flatten(source if source is not None else english))
    target = dict(flatten(language))
    work = [f"{key}: missing (en: {now[key]!r})" for key in now if key not in target]
    work += [f"{key}: not in en.json, remove it" for key in target if key not in now]
    for key, text in target.items():
        if key not in now:
            continue
        if key in was and was[key] != now[key]:
            work.append(f"{key}: en.json now says {now[key]!r}, was {was[key]!r}")
        work.extend(string_differences(key, now[key], text))
    return work


def work_order(
    english: dict[str, Any],
    languages: dict[str, Any],
    source: dict[str, Any] | None = None,
) -> str:
    """Return, per language, what differs from en.json; empty when nothing does."""
    report = {
        language: work
        for language, strings in languages.items()
        if (work := differences(english, strings, source))
    }
    return "".join(
        f"\n{language}.json ({len(work)}):\n" + "".join(f"  {line}\n" for line in work)
        for language, work in report.items()
    )


def test_every_language_matches_en() -> None:
    """Keys and placeholders are en.json's; the message is the translators' list."""
    others = {language: load(language) for language in LANGUAGES if language != "en"}
    order = work_order(load("en"), others, load("en", SOURCE))
    assert not order, f"Translations differ from en.json:\n{order}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_hassfest_accepts(language: str) -> None:
    """Each file passes the schema hassfest holds translations to."""
    strings = load(language)
    try:
        STRINGS_SCHEMA(strings)
    except vol.Invalid as err:
        pytest.fail(f"{language}.json: {humanize_error(strings, err)}")


def test_the_offered_languages_are_there_and_in_the_readme() -> None:
    """Each file has a language code Home Assistant knows; the README lists it."""
    readme = README.read_text(encoding="utf-8")
    assert set(LANGUAGES) >= OFFERED
    for language in LANGUAGES:
        assert language in HOME_ASSISTANT_LANGUAGES, f"{language}.json"
        assert f"`translations/{language}.json`" in readme, language


def test_the_work_order_names_what_differs() -> None:
    """A key to add or remove, and each placeholder, link, code or term changed."""
    english = {
        "common": {"a": "Seen by {name}.", "b": "Level in dB at [MyCirrus]({url})."},
        "issues": {"x": {"title": "Check `{excerpt}` again"}},
    }
    good = {
        "common": {
            "a": "Von {name} gesehen.",
            "b": "Pegel in dB bei [MyCirrus]({url}).",
        },
        "issues": {"x": {"title": "Prüfe `{excerpt}` erneut"}},
    }
    bad = {
        "common": {"b": "Pegel in Dezibel bei [MyCirrus](https://x).", "c": "Neu"},
        "issues": {"x": {"title": "Check `{excerpt}` again"}, "d": {"title": 5}},
    }
    assert work_order(english, {"de": good, "fr": good}) == ""
    assert work_order(english, {"de": good, "fr": bad}) == (
        "\nfr.json (7):\n"
        "  common.a: missing (en: 'Seen by {name}.')\n"
        "  common.c: not in en.json, remove it\n"
        "  issues.d.title: not in en.json, remove it\n"
        "  common.b: placeholders none, en.json has {url}\n"
        "  common.b: link targets differ from en.json's ['{url}']\n"
        "  common.b: lacks dB, written as in en.json\n"
        "  issues.x.title: the same as en.json (not translated?)\n"
    )
    assert list(string_differences("k", "x", 5)) == ["k: not a string (int)"]
    reworded = {
        **english,
        "common": {**english["common"], "a": "Seen by {name} today."},
    }
    assert work_order(reworded, {"de": good}, english) == (
        "\nde.json (1):\n"
        "  common.a: en.json now says 'Seen by {name} today.', was 'Seen by {name}.'\n"
    )
    assert list(string_differences("k", "LAeq", "LAeq")) == []  # one word may stay
    assert list(string_differences("k", "`{a}` {b}", "{a} {b}")) == [
        "k: code spans differ from en.json's ['`{a}`']"
    ]
    assert list(string_differences("k", "{a}", "{a")) == [
        "k: placeholders {<unbalanced braces>}, en.json has {a}"
    ]


@pytest.mark.parametrize(
    ("strings", "complaint"),
    [
        ({"entity": {"sensor": {"x": {"name": "<b>X</b>"}}}}, "HTML"),
        ({"entity": {"sensor": {"x": {"name": "See https://example.com"}}}}, "URL"),
        ({"entity": {"sensor": {"x": {"name": " X"}}}}, "leading or trailing"),
        ({"entity": {"sensor": {"x": {"name": ""}}}}, "empty"),
        ({"entity": {"sensor": {"x": {"name": 5}}}}, "expected a string"),
        ({"entity": {"sensor": {"x": {"state": {"a": "{n}"}}}}}, "not supported"),
        ({"entity": {"sensor": {"Bad_Key": {"name": "X"}}}}, "translation key"),
        ({"exceptions": {"x": {"message": "'{name}' failed"}}}, "single quotes"),
        ({"exceptions": {"x": {"message": "{0} failed"}}}, "identifiers"),
        ({"common": {"x": "[%key:common::state::on%]"}}, "shown as written"),
        ({"exceptions": {"x": {"message": "Historique de l'{name}"}}}, "apostrophe"),
        ({"services": {"x": {"name": "X"}}}, "description"),
        ({"sevices": {}}, "sevices"),  # a section hassfest does not know
        ({"issues": {"x": {"title": "X"}}}, "at least one"),
        (
            {"config": {"step": {"user": {"data_description": {"key": "X"}}}}},
            "not in data",
        ),
        ({"config": {"title": "X", "step": {}}}, "title"),
    ],
)
def test_the_schema_refuses_what_hassfest_refuses(
    strings: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(vol.Invalid) as raised:
        STRINGS_SCHEMA(strings)
    assert complaint in humanize_error(strings, raised.value)


@pytest.mark.usefixtures("polling_only")
async def test_a_german_home_assistant_speaks_german(
    hass: HomeAssistant, set_up: SetUp
) -> None:
    """Names and entity ids come from de.json, and so do the texts the code fills.

    Home Assistant names entities in its own language; the frontend translates
    repairs and errors into the user's from the keys and placeholders it gets.
    """
    hass.config.language = "de"
    entry = await set_up()
    level = hass.states.get("sensor.site_gate_kalibrierpegel")
    assert level is not None
    assert level.name == "Site gate Kalibrierpegel"
    assert hass.states.get("binary_sensor.site_gate_messung").state == "on"
    run_sic = {ATTR_ENTITY_ID: "button.site_gate_sic_ausfuhren"}
    await hass.services.async_call("button", "press", run_sic, blocking=True)
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call("button", "press", run_sic, blocking=True)
    issue = next(
        issue
        for issue in ir.async_get(hass).issues.values()
        if issue.domain == DOMAIN and issue.translation_key == "calibration_failed"
    )
    assert await german("exceptions", refused.value) == (
        "SIC läuft auf Site gate bereits. Warte, bis der Vorgang beendet ist."
    )
    title = await german("issues", issue)
    assert title == "Kalibrierung von Loading bay fehlgeschlagen"
    assert issue.translation_placeholders["result"] == "Fehlgeschlagen"
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    assert flow["description_placeholders"]["scopes"].startswith(
        "Dieser API-Schlüssel hat nachweislich: instruments:read"
    )


async def german(category: str, source: Any) -> str:
    """Return the German text of an error's or issue's key, with its placeholders."""
    hass = async_get_hass()
    kind = "message" if category == "exceptions" else "title"
    key = f"component.{DOMAIN}.{category}.{source.translation_key}.{kind}"
    text = (await async_get_translations(hass, "de", category, {DOMAIN}))[key]
    return text.format(**source.translation_placeholders)
