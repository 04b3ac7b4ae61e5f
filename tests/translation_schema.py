"""The schema hassfest checks an integration's translations against.

Home Assistant's ``hassfest`` (``script/hassfest/translations.py`` in the
home-assistant/core repository) is not shipped with Home Assistant, and for a
custom integration it checks ``translations/en.json`` only. This module mirrors
its ``gen_strings_schema``, ``gen_data_entry_schema``, ``gen_issues_schema``,
``translation_key_validator`` and ``validate_translation_value`` (as of core
commit 00a70521db04), so that the
tests hold every language to it: the allowed sections and keys, strings only,
no HTML, no URLs (they go in placeholders), placeholders that are identifiers
and not in single quotes, none in entity states and attribute names, no leading
or trailing spaces, snake_case keys where hassfest wants them, and every
``data_description`` beside a field of its step.

A few rules are stricter than hassfest's, which lets them pass or only warns
for a custom integration: every value is a non-empty string (also the field
and attribute names hassfest takes as any string), no ``title`` in a config or
subentry flow (moved to the top level in Home Assistant 0.109), no
``[%key:...%]`` reference at all (Home Assistant resolves them when it builds
its own integrations' translations; in a custom integration's they would be
shown as written), and no apostrophe right before a brace (the frontend's ICU
message format would take it for a quote, as in French ``l'{name}``).
"""

from __future__ import annotations

from collections.abc import Callable
import re
import string
from typing import Any

from custom_components.mycirrus.compat import vol
import homeassistant.helpers.config_validation as cv

# The same expressions as hassfest's.
RE_TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
RE_PLACEHOLDER_IN_SINGLE_QUOTES = re.compile(r"'{\w+}'")
RE_URL = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5):\/\/|www\.)"
    r"[a-z0-9]+([\-\.]{1}[a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(\/.*)?)",
    re.IGNORECASE,
)
RE_REFERENCE = re.compile(r"\[%key:[^%]*%\]")
# The frontend formats texts as ICU messages, where an apostrophe right before
# a brace quotes it: "l'{name}" would show "{name}" as written.
RE_QUOTING_APOSTROPHE = re.compile(r"'[{}]")

Validator = Callable[[Any], Any]


def translation_key(value: Any) -> str:
    """Accept a key of lower-case letters, digits, - and _ (hassfest's rule)."""
    if not isinstance(value, str) or RE_TRANSLATION_KEY.match(value) is None:
        raise vol.Invalid(
            f"invalid translation key {value!r}: use [a-z0-9-_], not starting or "
            "ending with - or _, and no -- or __"
        )
    return value


def underscore_slug(value: Any) -> str:
    """Accept a slug, or one after a single leading underscore."""
    text = str(value)
    if text.startswith("_"):
        return f"_{cv.slug(text[1:])}"
    return str(cv.slug(text))


def translation_value(*, allow_placeholders: bool = True) -> Validator:
    """Return hassfest's check of one translated string."""

    def validate(value: Any) -> str:
        if not isinstance(value, str):
            raise vol.Invalid(f"expected a string, not {type(value).__name__}")
        text = str(cv.string_with_no_html(value))
        if not text:
            raise vol.Invalid("the string should not be empty")
        if RE_PLACEHOLDER_IN_SINGLE_QUOTES.search(text):
            raise vol.Invalid(
                "the string should not contain placeholders inside single quotes"
            )
        try:
            fields = [field for _, field, _, _ in string.Formatter().parse(text)]
        except ValueError as err:
            raise vol.Invalid(f"unbalanced braces: {err}") from None
        for field in filter(None, fields):
            if not allow_placeholders:
                raise vol.Invalid("placeholders are not supported in this value")
            if not field.isidentifier():
                raise vol.Invalid(
                    "placeholders must be valid identifiers ([a-zA-Z_][a-zA-Z0-9_]*)"
                )
        if RE_QUOTING_APOSTROPHE.search(text):
            raise vol.Invalid(
                "an apostrophe right before a brace hides the placeholder from the "
                "frontend: write a typographic one (U+2019) there"
            )
        if RE_REFERENCE.search(text):
            raise vol.Invalid(
                "a custom integration's [%key:...%] reference is shown as written"
            )
        if text != text.strip():
            raise vol.Invalid(
                "the string should not contain leading or trailing spaces"
            )
        if RE_URL.search(text):
            raise vol.Invalid(
                "the string should not contain URLs, please use description "
                "placeholders instead"
            )
        return text

    return validate


TEXT = translation_value()
PLAIN = translation_value(allow_placeholders=False)


def _data_descriptions_describe_fields(value: dict[str, Any]) -> dict[str, Any]:
    """Each step's data_description names a field of the step's data."""
    for step_id, step in value["step"].items():
        for key in step.get("data_description", {}):
            if key not in step.get("data", {}):
                raise vol.Invalid(
                    f"step {step_id}: data_description {key} is not in data"
                )
    return value


def data_entry_flow(*, subentry: bool = False) -> Validator:
    """Return the schema of a config, options, subentry or repair flow."""
    fields = {str: TEXT}
    schema: dict[Any, Any] = {
        vol.Optional("flow_title"): TEXT,
        vol.Required("step"): {
            str: {
                vol.Optional("title"): TEXT,
                vol.Optional("description"): TEXT,
                vol.Optional("data"): fields,
                vol.Optional("data_description"): fields,
                vol.Optional("menu_options"): fields,
                vol.Optional("menu_option_descriptions"): fields,
                vol.Optional("submit"): TEXT,
                vol.Optional("sections"): {
                    str: {
                        vol.Optional("data"): fields,
                        vol.Optional("data_description"): fields,
                        vol.Optional("description"): TEXT,
                        vol.Optional("name"): TEXT,
                    }
                },
            }
        },
        vol.Optional("error"): fields,
        vol.Optional("abort"): fields,
        vol.Optional("progress"): fields,
        vol.Optional("create_entry"): fields,
    }
    if subentry:
        schema[vol.Required("entry_type")] = TEXT
        schema[vol.Required("initiate_flow")] = {vol.Required("user"): TEXT, str: TEXT}
    else:
        schema[vol.Optional("initiate_flow")] = {vol.Required("user"): TEXT}
    return vol.All(vol.Schema(schema), _data_descriptions_describe_fields)


def _slug_keys(value_schema: Any, key: Validator = translation_key) -> Validator:
    result: Validator = cv.schema_with_slug_keys(value_schema, slug_validator=key)
    return result


STATES = _slug_keys(PLAIN)
ISSUES = {
    str: vol.All(
        cv.has_at_least_one_key("description", "fix_flow"),
        vol.Schema(
            {
                vol.Required("title"): TEXT,
                vol.Exclusive("description", "fixable"): TEXT,
                vol.Exclusive("fix_flow", "fixable"): data_entry_flow(),
            }
        ),
    )
}
FIELDS = _slug_keys(
    {
        vol.Required("name"): TEXT,
        vol.Required("description"): TEXT,
        vol.Optional("example"): TEXT,
    }
)
NAMED = {vol.Required("name"): TEXT, vol.Required("description"): TEXT}

STRINGS_SCHEMA = vol.Schema(
    {
        vol.Optional("title"): TEXT,
        vol.Optional("config"): data_entry_flow(),
        vol.Optional("config_subentries"): _slug_keys(
            data_entry_flow(subentry=True), vol.Any("_", cv.slug)
        ),
        vol.Optional("options"): data_entry_flow(),
        vol.Optional("preview_features"): _slug_keys(
            {
                **NAMED,
                vol.Optional("enable_confirmation"): TEXT,
                vol.Optional("disable_confirmation"): TEXT,
            }
        ),
        vol.Optional("selector"): _slug_keys(
            {
                vol.Optional("choices"): _slug_keys(TEXT),
                vol.Optional("options"): _slug_keys(TEXT),
                vol.Optional("unit_of_measurement"): _slug_keys(TEXT),
                vol.Optional("fields"): vol.Any(
                    _slug_keys(TEXT, cv.slug),
                    _slug_keys(NAMED),
                ),
            },
            vol.Any("_", cv.slug),
        ),
        vol.Optional("device_automation"): {
            vol.Optional(section): {str: TEXT}
            for section in (
                "action_type",
                "condition_type",
                "trigger_type",
                "trigger_subtype",
                "extra_fields",
                "extra_fields_descriptions",
            )
        },
        vol.Optional("system_health"): {vol.Optional("info"): _slug_keys(TEXT)},
        vol.Optional("config_panel"): vol.Schema(
            vol.Any({vol.Any(translation_key, "_"): vol.Self}, TEXT)
        ),
        vol.Optional("application_credentials"): {vol.Optional("description"): TEXT},
        vol.Optional("issues"): ISSUES,
        vol.Optional("entity_component"): _slug_keys(
            {
                vol.Optional("name"): TEXT,
                vol.Optional("state"): STATES,
                vol.Optional("state_attributes"): _slug_keys(
                    {vol.Optional("name"): TEXT, vol.Optional("state"): STATES}
                ),
            },
            vol.Any("_", cv.slug),
        ),
        vol.Optional("device"): _slug_keys({vol.Optional("name"): TEXT}),
        vol.Optional("entity"): _slug_keys(
            _slug_keys(
                {
                    vol.Optional("name"): TEXT,
                    vol.Optional("state"): STATES,
                    vol.Optional("state_attributes"): _slug_keys(
                        {vol.Optional("name"): PLAIN, vol.Optional("state"): STATES}
                    ),
                    vol.Optional("unit_of_measurement"): PLAIN,
                }
            ),
            cv.slug,
        ),
        vol.Optional("exceptions"): _slug_keys(
            {vol.Optional("message"): TEXT}, cv.slug
        ),
        vol.Optional("services"): _slug_keys(
            {
                **NAMED,
                vol.Optional("fields"): FIELDS,
                vol.Optional("sections"): _slug_keys(
                    {vol.Required("name"): TEXT, vol.Optional("description"): TEXT}
                ),
            }
        ),
        vol.Optional("conditions"): _slug_keys(
            {**NAMED, vol.Optional("fields"): FIELDS}, underscore_slug
        ),
        vol.Optional("triggers"): _slug_keys(
            {**NAMED, vol.Optional("fields"): FIELDS}, underscore_slug
        ),
        vol.Optional("conversation"): {
            vol.Required("agent"): {vol.Required("done"): TEXT}
        },
        vol.Optional("common"): vol.Schema({cv.slug: TEXT}),
    }
)
