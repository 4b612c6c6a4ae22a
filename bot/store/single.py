"""One scheduler per SQLite file (DESIGN §6): a second `newsbot run` on the same file
refuses to start instead of polling and posting everything twice.

An advisory lock (`flock`) on `<database>.lock` is held for the life of the process, so it
vanishes with the process however that ends, SIGKILL included: no stale lock files to clean
up. PostgreSQL needs none (workers share the work by leases), nor does an in-memory
database. Where `fcntl` does not exist (Windows) the check is skipped.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from sqlalchemy.engine import make_url

from bot.errors import PermanentError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class AlreadyRunning(PermanentError):
    """Another scheduler holds this SQLite database."""


def sqlite_path(database_url: str) -> Path | None:
    """The file behind a SQLite URL, or None (other databases, in-memory SQLite)."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite"):
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        return None
    return Path(database)


class SchedulerLock:
    """Held while a scheduler runs on a SQLite file; `with SchedulerLock(url=…):`."""

    def __init__(self, *, database_url: str) -> None:
        self._path = sqlite_path(database_url)
        self._fd: int | None = None

    def __enter__(self) -> SchedulerLock:
        if self._path is None or fcntl is None:
            return self
        lock_path = self._path.with_name(self._path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise AlreadyRunning(
                f"another newsbot scheduler (pid {holder}) is running on {self._path}; "
                "stop it first, or use PostgreSQL to run several workers"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None
