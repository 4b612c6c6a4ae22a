"""Real `newsbot run` processes for the crash and multi-worker tests (RELIABILITY rows 21, 22).

A `Worker` is `python -m bot run` as a subprocess whose settings come from the environment
(`worker_env`: the database, a YAML config, the fake platform's URLs, short ticks and leases)
and whose output goes to a log file (DEBUG output would fill a pipe nobody reads). Tests
kill workers with SIGKILL — no cleanup code in the bot runs — and look at the database with
`query` to see who holds which claim (the lease owner is `host:pid`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
import yaml

from tests.support.fake_discord import TOKEN as DISCORD_TOKEN
from tests.support.fake_discord import FakeDiscord
from tests.support.fake_slack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def write_config(path: Path, *, feeds: list[dict[str, Any]],
                 watchlists: list[dict[str, Any]] | None = None,
                 channels: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump({"feeds": feeds, "watchlists": watchlists or [],
                                    "channels": channels}, sort_keys=False), encoding="utf-8")
    return path


def worker_env(*, database_url: str, config: Path, slack: FakeSlack | None = None,
               discord: FakeDiscord | None = None, **settings: str | float) -> dict[str, str]:
    """The environment of one worker: nothing of the developer's NEWSBOT_* settings, the
    platforms the fakes stand in for, feeds on loopback allowed; `settings` are further
    NEWSBOT_* values by lower-case name (`poll_tick_s=0.2`)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NEWSBOT_", "SLACK_", "DISCORD_"))}
    adapters = []
    env.update({
        "NEWSBOT_DATABASE_URL": database_url,
        "NEWSBOT_CONFIG": str(config),
        "NEWSBOT_FETCH_ALLOW_NETWORKS": "127.0.0.0/8",
        "NEWSBOT_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(REPO),
    })
    if slack is not None:
        adapters.append("slack")
        env.update({"NEWSBOT_SLACK_BOT_TOKEN": BOT_TOKEN,
                    "NEWSBOT_SLACK_APP_TOKEN": APP_TOKEN,
                    "NEWSBOT_SLACK_SIGNING_SECRET": SIGNING_SECRET,
                    "NEWSBOT_SLACK_MODE": "socket",
                    "NEWSBOT_SLACK_API_URL": slack.api_url})
    if discord is not None:
        adapters.append("discord")
        env.update({"NEWSBOT_DISCORD_TOKEN": DISCORD_TOKEN,
                    "NEWSBOT_DISCORD_API_BASE": discord.api_base,
                    "NEWSBOT_DISCORD_GATEWAY_URL": discord.gateway_url})
    env["NEWSBOT_ADAPTERS"] = ",".join(adapters)
    env.update({f"NEWSBOT_{name.upper()}": str(value) for name, value in settings.items()})
    return env


@dataclass(eq=False)  # identity: a worker is a process
class Worker:
    proc: asyncio.subprocess.Process
    log: Path
    name: str

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def owner_suffix(self) -> str:
        """How this worker's leases end in the database (`host:pid`)."""
        return f":{self.pid}"

    def output(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines: int = 30) -> str:
        """The end of the output, without APScheduler's notes on ticks skipped while the
        previous one still runs (expected with the short ticks of the tests)."""
        kept = [line for line in self.output().splitlines()
                if "maximum number of running instances" not in line]
        return "\n".join(kept[-lines:])

    async def kill(self) -> None:
        """SIGKILL: the worker gets no chance to release anything."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self, within_s: float = 20.0) -> int:
        """SIGTERM and wait for a clean exit; killed after `within_s`."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(within_s):
                return await self.proc.wait()
        except TimeoutError:
            await self.kill()
            raise AssertionError(f"{self.name} did not stop on SIGTERM:\n"
                                 f"{self.output()[-3000:]}") from None


async def start_worker(env: dict[str, str], *, cwd: Path, name: str = "worker",
                       args: tuple[str, ...] = ()) -> Worker:
    log = cwd / f"{name}.log"
    with log.open("ab") as out:  # the child keeps its own descriptor
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--no-interactive", *args,
            cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out)
    return Worker(proc=proc, log=log, name=name)


@contextlib.asynccontextmanager
async def running(*workers: Worker) -> AsyncIterator[list[Worker]]:
    """Kill whatever is still running on the way out (a failed test leaves no process)."""
    fleet = list(workers)
    try:
        yield fleet
    finally:
        for worker in fleet:
            await worker.kill()


async def wait_until(check: Callable[[], T], *, within_s: float, every_s: float = 0.05,
                     what: str | Callable[[], str] = "condition",
                     workers: list[Worker] | None = None) -> T:
    """Poll `check` until it is truthy; on timeout fail with `what` (a callable: computed
    then) and the workers' recent output."""
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        result = check()
        if result:
            return result
        for worker in workers or []:
            if worker.proc.returncode is not None:
                raise AssertionError(f"{worker.name} exited with {worker.proc.returncode} "
                                     f"while waiting for {_say(what)}:\n{worker.tail()}")
        if asyncio.get_running_loop().time() > deadline:
            tails = "\n".join(f"--- {w.name}\n{w.tail()}" for w in workers or [])
            raise AssertionError(f"timed out after {within_s}s waiting for {_say(what)}\n"
                                 f"{tails}")
        await asyncio.sleep(every_s)


def _say(what: str | Callable[[], str]) -> str:
    return what if isinstance(what, str) else what()


class Db:
    """Read-only looks at the workers' database, to see who holds which claim."""

    def __init__(self, url: str) -> None:
        self._engine = sa.create_engine(url)

    def close(self) -> None:
        self._engine.dispose()

    def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        with self._engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(sql), params)]

    def delivery_statuses(self) -> dict[str, int]:
        rows = self.rows("SELECT status, count(*) FROM deliveries GROUP BY status")
        return {str(status): int(n) for status, n in rows}
