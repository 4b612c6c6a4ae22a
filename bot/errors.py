"""One error hierarchy. Foreign exceptions are wrapped once, at the boundary that met them.

`TransientError` means "try again later" (network blips, 5xx, a locked database);
`PermanentError` means retrying will not help (404, 410, bad input, a revoked token).
"""

from __future__ import annotations


class NewsbotError(Exception):
    """Base of every error newsbot raises on purpose."""


class TransientError(NewsbotError):
    pass


class PermanentError(NewsbotError):
    pass


class RateLimited(TransientError):
    """The platform said "slow down" (HTTP 429): nothing to that channel before
    `retry_after_s` has passed. Never re-POST blindly: the outbox re-sends in time."""

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ChannelUnavailable(PermanentError):
    """The channel cannot be posted to (deleted, archived, the bot removed or without
    access): its deliveries pause until someone uses the bot there again."""


class FetchError(NewsbotError):
    """A feed could not be fetched. `status` is the HTTP status when there was one."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.status = status
        self.retry_after_s = retry_after_s


class ParseError(PermanentError):
    """Bytes that are not a feed (or nothing could be recovered from them)."""


class InputError(PermanentError):
    """Bad user input: a file, a line, a value. `location` is "file:line" when known."""

    def __init__(self, message: str, *, location: str | None = None) -> None:
        super().__init__(message)
        self.location = location

    def __str__(self) -> str:
        base = super().__str__()
        return f"{self.location}: {base}" if self.location else base


class StoreError(TransientError):
    """The database failed (locked, unavailable); the current tick aborts and retries later."""
