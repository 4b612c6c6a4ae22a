"""The worker side of `bench/pipeline.py`: `newsbot run` processes started with a config,
passes measured from outside (the database says when every feed has been polled; /proc says
what each process spent), peak RSS from os.wait4."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import Engine

from bot.store.migrate import sync_url
from bot.store.schema import DeliveryRow, EntryRow, FeedRow

ROOT = Path(__file__).resolve().parents[1]
CLK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far, all its threads (0 when gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


# --- the database, seen from outside -----------------------------------------------------------


class Db:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(sync_url(url))

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def reset(self) -> None:
        if self.postgres:
            with self.engine.begin() as c:
                c.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                c.execute(text("CREATE SCHEMA public"))
        else:
            self.engine.dispose()
            database = self.engine.url.database or ""
            for suffix in ("", "-wal", "-shm", ".lock"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(database + suffix)

    def make_due(self) -> int:
        """Every enabled feed due now; returns how many."""
        with self.engine.begin() as c:
            due = update(FeedRow).where(FeedRow.disabled_reason.is_(None))
            result = c.execute(due.values(next_poll_at=datetime.now(UTC) - timedelta(seconds=1)))
            return int(result.rowcount)

    def polled_since(self, since: datetime) -> int:
        with self.engine.connect() as c:
            query = select(func.count()).select_from(FeedRow).where(
                FeedRow.last_polled_at >= since)
            return int(c.execute(query).scalar_one())

    def rows(self) -> tuple[int, int]:
        """(entries, outbox rows)"""
        with self.engine.connect() as c:
            entries = c.execute(select(func.count()).select_from(EntryRow)).scalar_one()
            routed = c.execute(select(func.count()).select_from(DeliveryRow)).scalar_one()
            return int(entries), int(routed)

    def unpolled(self, since: datetime) -> list[dict[str, Any]]:
        """What the database says about feeds a pass has not polled (for the report)."""
        with self.engine.connect() as c:
            rows = c.execute(select(FeedRow.url, FeedRow.next_poll_at, FeedRow.lease_owner,
                                    FeedRow.last_polled_at, FeedRow.last_error,
                                    FeedRow.disabled_reason)
                             .where((FeedRow.last_polled_at < since)
                                    | FeedRow.last_polled_at.is_(None)).limit(5))
            return [dict(r._mapping) for r in rows]

    def backend_pids(self) -> list[int]:
        if not self.postgres:
            return []
        with self.engine.connect() as c:
            rows = c.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = "
                                  "current_database() AND pid <> pg_backend_pid()"))
            return [int(r[0]) for r in rows]

    def close(self) -> None:
        self.engine.dispose()


def backend_cpu(db: Db) -> dict[int, float]:
    return {pid: cpu_s(pid) for pid in db.backend_pids()}


def set_generation(bases: Sequence[str], gen: int) -> int:
    """Serve generation `gen` from now on; returns its bodies' total size (bytes)."""
    with urllib.request.urlopen(f"{bases[0]}/_gen/{gen}", timeout=60) as resp:
        return int(resp.read())


# --- worker runs -------------------------------------------------------------------------------


@dataclass
class Pass:
    wall: float
    feeds: int
    new_entries: int
    routed: int
    cpu: float  # workers
    db_cpu: float  # PostgreSQL backends (0 on SQLite)
    server_cpu: float  # the feed server, for the record

    def per_feed_ms(self, with_db: bool = False) -> float:
        return (self.cpu + (self.db_cpu if with_db else 0)) / self.feeds * 1000


@dataclass
class Run:
    label: str
    db: str
    workers: int
    fast: bool
    passes: dict[str, Pass] = field(default_factory=dict)
    rss_mb: list[float] = field(default_factory=list)
    idle: float = 0.0  # share of a core one idle worker uses (its ticks)
    error: str | None = None


class Workers:
    def __init__(self, count: int, *, env: dict[str, str], role: str, logs: Path) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.rusage: dict[int, Any] = {}
        self.logs = logs
        cmd = [sys.executable, "-m", "bot", "run", "--role", role, "--no-interactive"]
        for i in range(count):
            log = (logs / f"worker{i}.log").open("wb")
            self.procs.append(subprocess.Popen(cmd, env=env, cwd=logs, stdout=log,
                                               stderr=subprocess.STDOUT,
                                               stdin=subprocess.DEVNULL))

    def cpu(self) -> float:
        return sum(cpu_s(p.pid) for p in self.procs)

    def dead(self) -> str | None:
        for i, p in enumerate(self.procs):
            if p.pid in self.rusage:
                continue
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                self.rusage[p.pid] = usage
                p.returncode = os.waitstatus_to_exitcode(status)
                tail = (self.logs / f"worker{i}.log").read_text(errors="replace")[-800:]
                return f"worker {i} exited with {p.returncode}: {tail}"
        return None

    def log_tails(self, size: int = 600) -> str:
        tails = []
        for i in range(len(self.procs)):
            lines = (self.logs / f"worker{i}.log").read_text(errors="replace").splitlines()
            # the failing feeds the server serves on purpose warn every pass: not news
            text = "\n".join(ln for ln in lines if " failed: HTTP " not in ln)
            tails.append(f"worker {i} log: {text[-size:] or '(empty)'}")
        return "; ".join(tails)

    def wait_idle(self, *, window: float = 0.5, limit: float = 0.2, timeout: float = 60
                  ) -> float:
        """Until every worker used under `limit` of a core over two windows in a row:
        started, config synced, first pass done (their startup stays out of the figures).
        Returns the share of a core an idle worker used then (its ticks)."""
        calm, idle = 0, 0.0
        deadline = time.monotonic() + timeout
        while calm < 2 and time.monotonic() < deadline:
            before = [cpu_s(p.pid) for p in self.procs]
            time.sleep(window)
            used = [cpu_s(p.pid) - b for p, b in zip(self.procs, before, strict=True)]
            calm = calm + 1 if max(used) < limit * window else 0
            idle = sum(used) / len(used) / window
        return idle

    def stop(self) -> list[float]:
        """SIGTERM, reap with wait4; peak RSS (MB) per worker."""
        for p in self.procs:
            if p.pid not in self.rusage:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            if p.pid not in self.rusage:
                _, status, usage = os.wait4(p.pid, 0)
                self.rusage[p.pid] = usage
                p.returncode = os.waitstatus_to_exitcode(status)
        return [self.rusage[p.pid].ru_maxrss / 1024 for p in self.procs]  # KiB on Linux


def measure_pass(db: Db, workers: Workers, server_pid: int, *, timeout: float) -> Pass:
    entries0, routed0 = db.rows()
    since = datetime.now(UTC)
    cpu0, backends0, server0 = workers.cpu(), backend_cpu(db), cpu_s(server_pid)
    began = time.perf_counter()
    expected = db.make_due()
    while db.polled_since(since) < expected:
        if (problem := workers.dead()) is not None:
            raise RuntimeError(problem)
        if time.perf_counter() - began > timeout:
            raise RuntimeError(f"only {db.polled_since(since)} of {expected} feeds polled "
                               f"after {timeout:g} s; not polled: {db.unpolled(since)}; "
                               f"{workers.log_tails()}")
        time.sleep(0.02)
    wall = time.perf_counter() - began
    cpu, backends1, server = workers.cpu() - cpu0, backend_cpu(db), cpu_s(server_pid) - server0
    db_cpu = sum(v - backends0.get(pid, 0.0) for pid, v in backends1.items())
    entries, routed = db.rows()
    return Pass(wall, expected, entries - entries0, routed - routed0, cpu, db_cpu, server)


def run_workers(label: str, url: str, count: int, *, fast: bool, role: str, config: Path,
                bases: Sequence[str], server_pid: int, args: argparse.Namespace,
                folder: Path) -> Run:
    run = Run(label, "PostgreSQL" if url.startswith("postgres") else "SQLite", count, fast)
    db = Db(url)
    db.reset()
    set_generation(bases, 0)
    env = {**os.environ, "NEWSBOT_DATABASE_URL": url, "NEWSBOT_CONFIG": str(config),
           "NEWSBOT_FETCH_ALLOW_NETWORKS": "127.0.0.0/8", "NEWSBOT_ADAPTERS": "console",
           "NEWSBOT_POLL_TICK_S": str(args.tick), "NEWSBOT_FAST_PARSE": str(fast).lower(),
           "NEWSBOT_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    logs = folder / label.replace(" ", "_").replace(",", "")
    logs.mkdir()
    workers = Workers(count, env=env, role=role, logs=logs)
    try:
        started = time.monotonic()
        while not _first_pass_done(db, args.feeds):
            if (problem := workers.dead()) is not None:
                raise RuntimeError(problem)
            if time.monotonic() - started > args.timeout * 2:
                raise RuntimeError(f"start-up and the first (baseline) pass took over "
                                   f"{args.timeout * 2:g} s")
            time.sleep(0.1)
        run.idle = workers.wait_idle()
        # the changed pass only where the extrapolation needs it: one worker
        plan = [("new", 1, 1), ("changed", 2, 1)] if count == 1 else [("new", 1, 1)]
        for name, gen, repeat in [*plan, ("unchanged", plan[-1][1], args.repeat)]:
            set_generation(bases, gen)
            results = [measure_pass(db, workers, server_pid, timeout=args.timeout)
                       for _ in range(repeat)]
            run.passes[name] = _mean(results)
    except RuntimeError as exc:
        run.error = str(exc)
    finally:
        run.rss_mb = workers.stop()
        db.close()
    return run


def _first_pass_done(db: Db, feeds: int) -> bool:
    try:
        with db.engine.connect() as c:
            polled = c.execute(select(func.count()).select_from(FeedRow)
                               .where(FeedRow.last_polled_at.is_not(None))).scalar_one()
    except Exception:  # the schema is not there yet: the workers are still migrating
        return False
    return int(polled) >= feeds


def _mean(passes: Sequence[Pass]) -> Pass:
    n = len(passes)
    return Pass(*(sum(getattr(p, f) for p in passes) / n for f in (
        "wall", "feeds", "new_entries", "routed", "cpu", "db_cpu", "server_cpu")))
