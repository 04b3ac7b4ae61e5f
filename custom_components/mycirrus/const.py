"""Constants for the MyCirrus integration."""

from datetime import timedelta
from typing import Final

DOMAIN: Final = "mycirrus"

CONF_API_URL: Final = "api_url"
CONF_SERIAL: Final = "serial"
CONF_INSTRUMENTS: Final = "instruments"
CONF_EXTRA_SERIALS: Final = "extra_serials"
CONF_LIVE_VALUES: Final = "live_values"
CONF_LIVE_INTERVAL: Final = "live_interval"
CONF_DRIFT_THRESHOLD: Final = "drift_threshold"
CONF_STORED_VALUES: Final = "stored_values"
CONF_BACKFILL_DAYS: Final = "backfill_days"
CONF_DATA_INTERVAL: Final = "data_interval"
CONF_DAY_START: Final = "day_start"
CONF_EVENING_START: Final = "evening_start"
CONF_NIGHT_START: Final = "night_start"
CONF_WIND_LIMIT: Final = "wind_limit"
SECTION_NOISE_DATA: Final = "noise_data"
SECTION_ADVANCED: Final = "advanced"

SUBENTRY_TYPE_INSTRUMENT: Final = "instrument"
SUBENTRY_TYPE_LIMIT: Final = "limit"

# The noise limit form, in its order (the name is homeassistant.const.CONF_NAME).
CONF_INSTRUMENT: Final = "instrument"
CONF_VALUE: Final = "value"
CONF_WINDOW: Final = "window"
CONF_DAYS: Final = "days"
CONF_START: Final = "start"
CONF_END: Final = "end"
CONF_LEVEL: Final = "level"
CONF_MARGIN: Final = "margin"

MANUFACTURER: Final = "Cirrus Research"
CONFIGURATION_URL: Final = "https://mycirrus.cloud"
API_KEYS_URL: Final = "https://mycirrus.cloud/developer-api"

UPDATE_INTERVAL: Final = timedelta(seconds=60)
# A status answered over REST is current for this long (2.5 polling intervals):
# after it, without a newer answer or an open live connection, it is stale.
STALE_AFTER: Final = UPDATE_INTERVAL * 2.5
DETAILS_INTERVAL: Final = timedelta(hours=1)
HEALTH_INTERVAL: Final = timedelta(minutes=5)
# A key that lacks a scope is asked again this often, not on every refresh.
SCOPE_RECHECK_INTERVAL: Final = timedelta(hours=1)
MAX_REQUESTS_IN_FLIGHT: Final = 8
# Rounds of 404 in a row on an instrument's status before it is reported as gone.
NOT_FOUND_ROUNDS: Final = 3

# While an instrument's live connection is healthy, its REST status is only a
# consistency check this often.
PUSH_CHECK_INTERVAL: Final = timedelta(minutes=20)
# After an action, or when a pushed status says a check ended, how often and
# how long an instrument is asked for its new result. With push, while the
# check runs, it is asked only every CHECK_POLL_PUSHING (the push says more).
CHECK_POLL_INTERVAL: Final = timedelta(seconds=10)
CHECK_POLL_PUSHING: Final = timedelta(seconds=60)
CHECK_POLL_LIMIT: Final = timedelta(minutes=15)
CHECK_RESULT_LIMIT: Final = timedelta(minutes=2)
# An accepted check that MyCirrus has not shown running, nor ended with a new
# result, within this long is no longer shown as running.
CHECK_CONFIRM_LIMIT: Final = timedelta(minutes=2)

# The live websocket.
KEEP_ALIVE_INTERVAL: Final = 30.0
# No frame at all for this long, despite keep-alives, means the socket is dead.
LIVE_SILENCE_LIMIT: Final = 75.0
RECONNECT_MIN: Final = 5.0
RECONNECT_MAX: Final = 300.0
# A connection up this long was healthy: the back-off starts over after it.
STABLE_CONNECTION: Final = 60.0
MAX_CONCURRENT_HANDSHAKES: Final = 10
# Websockets per entry; instruments beyond it are polled.
MAX_LIVE_CONNECTIONS: Final = 250
# How long an action sent over the live websocket waits for its first answer.
ACTION_ANSWER_TIMEOUT: Final = 10.0

# Stored noise data: how often it is fetched, how far back a new entry reads
# (and how far back late periods are taken: MyCirrus keeps 31 days a request),
# and how far back the periods of the rating levels go (the last ended rating
# day starts at most 49 hours ago).
DEFAULT_DATA_INTERVAL: Final = 5  # minutes
DEFAULT_BACKFILL_DAYS: Final = 7
MAX_BACKFILL_DAYS: Final = 31
RATED_WINDOW: Final = timedelta(hours=50)
# A backfill request asks for about this many periods at most.
RECORDS_PER_REQUEST: Final = 20_000
DEFAULT_WIND_LIMIT: Final = 5.0  # m/s

DEFAULT_LIVE_VALUES: Final = ("LAeq", "LAF", "LCPeak")
DEFAULT_LIVE_INTERVAL: Final = 5
DEFAULT_DRIFT_THRESHOLD: Final = 0.5

SCOPE_READ: Final = "instruments:read"
SCOPE_ACTION: Final = "instruments:action"
SCOPE_LIVE: Final = "data.live:read"
SCOPE_SYSTEM: Final = "data.system:read"
SCOPE_NOISE: Final = "data.noise:read"
SCOPE_EVENTS: Final = "data.events:read"
SCOPE_ENVIRO: Final = "data.enviro:read"
SCOPE_AUDIO: Final = "data.audio:read"

# Event audio: the subscription add-on that records it, and how long a link to
# it that Home Assistant signs (for a notification) stays valid.
ADDON_AUDIO: Final = "Audio"
AUDIO_LINK_VALIDITY: Final = timedelta(days=7)

# Data a reauth flow is started with, naming why the key needs replacing.
REAUTH_REASON: Final = "reauth_reason"
REAUTH_MISSING_PERMISSION: Final = "missing_permission"

ISSUE_INSTRUMENT_GONE: Final = "instrument_gone"
ISSUE_INSTRUMENT_FORBIDDEN: Final = "instrument_forbidden"
ISSUE_CALIBRATION_FAILED: Final = "calibration_failed"
ISSUE_SIC_FAILED: Final = "sic_failed"
ISSUE_MISSING_SCOPE: Final = "missing_scope"
ISSUE_UNKNOWN_ANSWER: Final = "unknown_answer"
ISSUE_STATISTICS_KEPT: Final = "statistics_kept"
ISSUE_LIMIT_ORPHANED: Final = "limit_orphaned"

EVENT_NOISE: Final = "noise_event"
EVENT_EXCEEDED: Final = "exceeded"
EVENT_WINDOW_CLOSED: Final = "window_closed"
