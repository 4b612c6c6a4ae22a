"""RELIABILITY row 23: a second scheduler on the same SQLite file refuses to start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.store.single import AlreadyRunning, SchedulerLock, sqlite_path
from tests.test_cli import assert_clean_error, newsbot


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///./newsbot.db", Path("./newsbot.db")),
        ("sqlite+aiosqlite:////tmp/x.db", Path("/tmp/x.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql+psycopg://postgres@127.0.0.1:5432/test", None),
    ],
    ids=["relative", "absolute-async", "memory-empty", "memory", "postgres"],
)
def test_sqlite_path(url: str, expected: Path | None) -> None:
    assert sqlite_path(url) == expected


def test_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    with SchedulerLock(database_url=url):
        with pytest.raises(AlreadyRunning, match=f"pid {os.getpid()}"):
            SchedulerLock(database_url=url).__enter__()
        with SchedulerLock(database_url=f"sqlite:///{tmp_path / 'b.db'}"):
            pass  # another file is another lock
    with SchedulerLock(database_url=url):
        pass  # released on exit


def test_second_scheduler_refuses_to_start(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    env = {**os.environ, "NEWSBOT_DATABASE_URL": f"sqlite:///{db}"}
    first = subprocess.Popen([sys.executable, "-m", "bot", "run", "--no-interactive"],
                             env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    try:
        lock = db.with_name("bot.db.lock")
        deadline = time.monotonic() + 60
        while not (lock.exists() and lock.read_text().strip() == str(first.pid)):
            assert first.poll() is None, first.stderr.read() if first.stderr else ""
            assert time.monotonic() < deadline, "the first scheduler did not start"
            time.sleep(0.1)
        second = newsbot("run", "--once", env={"NEWSBOT_DATABASE_URL": f"sqlite:///{db}"})
        assert_clean_error(second, 1, "another newsbot scheduler", f"pid {first.pid}")
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=30)
    # the lock died with the process: the next one starts
    assert newsbot("run", "--once", env={"NEWSBOT_DATABASE_URL": f"sqlite:///{db}"}).returncode == 0
