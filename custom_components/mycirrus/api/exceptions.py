"""Every way a MyCirrus call can fail, one class each."""

from __future__ import annotations


class MyCirrusError(Exception):
    """Base class for every way a MyCirrus call can fail.

    ``code`` and ``description`` carry the API's own error body when it had one.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        description: str | None = None,
    ) -> None:
        """Initialise the error with the API's error code and description."""
        super().__init__(message)
        self.code = code
        self.description = description


class MyCirrusAuthenticationError(MyCirrusError):
    """The API key is invalid, revoked or expired (HTTP 401)."""


class MyCirrusPermissionError(MyCirrusError):
    """The key lacks a scope, or the instrument is not on the account (HTTP 403)."""


class MyCirrusNotFoundError(MyCirrusError):
    """The instrument (or another resource) does not exist (HTTP 404).

    The live websocket also answers this way for an instrument that is offline.
    """


class MyCirrusRateLimitError(MyCirrusError):
    """Too many requests (HTTP 429), or a pause MyCirrus asked for still runs.

    ``retry_after`` is the delay the server asked for, in seconds, when it said;
    ``sent`` is False when the request was not sent because of a running pause.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        sent: bool = True,
        code: str | None = None,
        description: str | None = None,
    ) -> None:
        """Initialise the error with the server's requested delay."""
        super().__init__(message, code=code, description=description)
        self.retry_after = retry_after
        self.sent = sent


class MyCirrusConnectionError(MyCirrusError):
    """The API could not be reached: DNS, refused, reset or timed out."""


class MyCirrusResponseError(MyCirrusError):
    """The API answered with a server error or a body that cannot be used."""


class MyCirrusInvalidSerialError(MyCirrusError, ValueError):
    """A serial number is malformed; no request was made."""


class MyCirrusBodyShapeError(MyCirrusResponseError):
    """A 200 answer whose body is in none of the shapes the client knows.

    ``excerpt`` is the start of the body as received (at most 200 characters,
    the API key blanked out), for a log line or a bug report.
    """

    def __init__(
        self,
        message: str,
        *,
        excerpt: str,
        code: str | None = None,
        description: str | None = None,
    ) -> None:
        """Initialise the error with an excerpt of the body."""
        super().__init__(message, code=code, description=description)
        self.excerpt = excerpt


class MyCirrusNotAudioError(MyCirrusBodyShapeError):
    """An audio answer whose body is no audio format the client knows."""


class MyCirrusAudioTooLargeError(MyCirrusResponseError):
    """An audio answer longer than the client reads (``limit`` bytes)."""

    def __init__(
        self,
        message: str,
        *,
        limit: int,
        code: str | None = None,
        description: str | None = None,
    ) -> None:
        """Initialise the error with the limit it passed."""
        super().__init__(message, code=code, description=description)
        self.limit = limit
