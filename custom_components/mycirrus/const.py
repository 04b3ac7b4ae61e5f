"""Constants for the MyCirrus integration."""

from datetime import timedelta
from typing import Final

DOMAIN: Final = "mycirrus"

CONF_API_URL: Final = "api_url"
CONF_SERIAL: Final = "serial"
CONF_INSTRUMENTS: Final = "instruments"
CONF_EXTRA_SERIALS: Final = "extra_serials"
SECTION_ADVANCED: Final = "advanced"

SUBENTRY_TYPE_INSTRUMENT: Final = "instrument"

MANUFACTURER: Final = "Cirrus Research"
CONFIGURATION_URL: Final = "https://mycirrus.cloud"
API_KEYS_URL: Final = "https://mycirrus.cloud/developer-api"

UPDATE_INTERVAL: Final = timedelta(seconds=60)
METADATA_INTERVAL: Final = timedelta(hours=1)
MAX_BACKOFF: Final = timedelta(minutes=15)
MAX_REQUESTS_IN_FLIGHT: Final = 8
# Rounds of 404 on an instrument's status before it is reported as gone.
NOT_FOUND_ROUNDS: Final = 3

ISSUE_INSTRUMENT_GONE: Final = "instrument_gone"
ISSUE_INSTRUMENT_FORBIDDEN: Final = "instrument_forbidden"
