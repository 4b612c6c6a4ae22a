"""End-to-end poll pipeline throughput: fetch → parse → normalize → dedupe → match → route
(outbox rows), with the real `newsbot run` worker processes on PostgreSQL and SQLite.

Run from the repository root: `.venv/bin/python bench/pipeline.py [--feeds 200]
[--workers 1,2,4] [--watchlist 500] [--parse fast,feedparser] [--postgres URL] [--no-sqlite]
[--no-profile]`. Prints figures, asserts nothing; it is not part of the test run. Builds its
feeds from ../shared/corpus (or NEWSBOT_SHARED/corpus) when present and says so, else from
synthetic text (bench/pipeline_feeds.py). Results and conditions: bench/scale.md.

A loopback feed server in its own process serves K feeds of 50 entries each, German and
English, RSS and Atom, gzip, on 20 loopback hosts; most with ETag/Last-Modified (a repeat gets
304), a third without validators (a repeat sends identical bytes), 1 in 20 failing (500 or
404). Each configuration (1, 2, 4 `--role poller` processes on PostgreSQL; one `--role all`
process on SQLite; each with NEWSBOT_FAST_PARSE true and false) starts on a reset schema and a
small first generation (5 entries per feed, the baseline, not measured). Then every feed is
made due and the workers run until the database shows each polled once: "new" (50 new
entries per feed, all matched, most routed), "changed" (3 new of 50, one worker only) and
"unchanged" (the same bodies again, `--repeat` times). CPU seconds are the workers' own from
/proc/PID/stat (start-up excluded, idle ticks included) and, on PostgreSQL, those of the
server backends serving them; peak RSS comes from os.wait4 when they are stopped.

Then the same three passes run in-process (`build_app`, `poll_due_feeds(force=True)`) under
cProfile with the thread's CPU clock, attributed to stages (bench/pipeline_stages.py), and
the worker figures are extrapolated to 10,000 feeds at a 10-minute interval on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import logging
import math
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml

from bench.pipeline_feeds import (
    Entry,
    FeedSpec,
    corpus_pool,
    feed_specs,
    render_feed,
    start_server,
    synthetic_pool,
)
from bench.pipeline_stages import STAGES, attribute, top_functions
from bench.pipeline_workers import (
    Db,
    Pass,
    Run,
    backend_cpu,
    cpu_s,
    run_workers,
    set_generation,
)
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]
ENTRIES = 50
CHANGED_NEW = 3
# the assumed mix of polls at a 10-minute interval for the extrapolation
MIX_CHANGED = 0.25


def _shared() -> Path:
    env = os.environ.get("NEWSBOT_SHARED")
    return Path(env) if env else ROOT.parent / "shared"


# --- configuration -----------------------------------------------------------------------------


def watchlist(corpus: Path, size: int) -> dict[str, Any]:
    """~`size` entries: tickers as bench/match.py loads them (pytickersymbols and the SEC
    list, names cleaned the product's way), plus three AI keywords."""
    import re

    from bench.match import load_tickers
    from bot.core.models import SYMBOL_PATTERN

    keywords = [{"key": "AI", "terms": ["AI", "KI", "künstliche Intelligenz",
                                        "artificial intelligence"]},
                {"key": "DEEPSEEK", "terms": ["DeepSeek"]}, {"key": "OPENAI", "terms": ["OpenAI"]}]
    tickers: list[dict[str, Any]] = []
    if (corpus / "tickers").is_dir():
        valid = re.compile(SYMBOL_PATTERN)
        for t in load_tickers(corpus / "tickers"):
            if valid.match(t.symbol) and t.symbol.upper() not in {x["symbol"] for x in tickers}:
                tickers.append({"symbol": t.symbol.upper(), "names": list(t.names or ())})
            if len(tickers) >= size - len(keywords):
                break
    else:
        names = ("Nvidia", "Apple", "Microsoft", "SAP", "Siemens", "Allianz", "BASF", "Tesla",
                 "Amazon", "Alphabet", "Infineon", "Volkswagen", "Snowflake", "Oracle", "Intel")
        tickers = [{"symbol": name[:4].upper(), "names": [name]} for name in names]
    return {"name": "bench", "tickers": tickers, "keywords": keywords}


def write_config(folder: Path, urls: Sequence[str], wl: dict[str, Any]) -> Path:
    # a digest time 12 hours away: nothing is delivered during the run
    later = (datetime.now(UTC) + timedelta(hours=12)).strftime("%H:%M")
    channels = [
        {"adapter": "console", "id": "markets-de", "lang": "de", "timezone": "UTC",
         "mode": "digest", "schedule": [later], "subscribe": ["watchlist:bench"]},
        {"adapter": "console", "id": "markets-en", "lang": "en", "timezone": "UTC",
         "mode": "digest", "schedule": [later], "subscribe": ["watchlist:bench"]},
        {"adapter": "console", "id": "ai", "lang": "en", "timezone": "UTC", "mode": "digest",
         "schedule": [later], "subscribe": ["AI", "DEEPSEEK", "OPENAI"]},
    ]
    path = folder / "newsbot.yaml"
    doc = {"feeds": [{"url": u, "interval": "1h"} for u in urls], "watchlists": [wl],
           "channels": channels}
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# --- in-process: the same passes under the profiler ---------------------------------------------


@dataclass
class Profiled:
    stages: dict[str, float]
    top: list[tuple[str, float, str]]
    main_thread: float  # CPU seconds of the profiled (event loop) thread
    other_threads: float  # e.g. aiosqlite's thread: not seen by cProfile


async def in_process(url: str, config: Path, bases: Sequence[str], server_pid: int, *,
                     fast: bool) -> tuple[dict[str, Pass], dict[str, Profiled]]:
    from bot.app import build_app, sync_config
    from bot.config import load_config_file

    logging.getLogger("bot").setLevel(logging.ERROR)  # the failing feeds' warnings

    db = Db(url)
    db.reset()
    overrides: dict[str, Any] = {"database_url": url, "fetch_allow_networks": ["127.0.0.0/8"],
                                 "adapters": []}
    if "fast_parse" in Settings.model_fields:
        overrides["fast_parse"] = fast
    app = await build_app(Settings(**overrides), adapters={})
    passes: dict[str, Pass] = {}
    profiles: dict[str, Profiled] = {}

    async def one(gen: int, profile: cProfile.Profile | None = None) -> Pass:
        await asyncio.to_thread(set_generation, bases, gen)
        entries0, routed0 = db.rows()
        backends0, server0 = backend_cpu(db), cpu_s(server_pid)
        cpu0, began = time.process_time(), time.perf_counter()
        if profile is not None:
            profile.enable()
        outcomes = await app.service.poll_due_feeds(force=True)
        if profile is not None:
            profile.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - began
        backends1 = backend_cpu(db)
        entries, routed = db.rows()
        return Pass(wall, len(outcomes), entries - entries0, routed - routed0, cpu,
                    sum(v - backends0.get(pid, 0.0) for pid, v in backends1.items()),
                    cpu_s(server_pid) - server0)

    try:
        await sync_config(app.store, load_config_file(config), app.clock)
        await one(0)  # the baseline, not measured
        # (windows 3 and 4: the same steps as the workers' 1 and 2, on entries not seen yet)
        for name, gen in (("new", 3), ("changed", 4), ("unchanged", 4)):
            profile = cProfile.Profile(time.thread_time)
            thread0, process0 = time.thread_time(), time.process_time()
            passes[name] = await one(gen, profile)
            main = time.thread_time() - thread0
            stats = pstats.Stats(profile)
            profiles[name] = Profiled(attribute(stats), top_functions(stats), main,
                                      max(0.0, time.process_time() - process0 - main))
    finally:
        await app.close()
        db.close()
    return passes, profiles


# --- report ------------------------------------------------------------------------------------


def _row(run: Run) -> str:
    if run.error or not run.passes:
        return f"{run.label:<28} failed: {run.error}"
    new, same = run.passes["new"], run.passes["unchanged"]
    changed = run.passes.get("changed")
    db = run.db == "PostgreSQL"
    per_k = new.cpu / new.new_entries * 1000 if new.new_entries else float("nan")
    per_k_db = (new.cpu + new.db_cpu) / new.new_entries * 1000 if new.new_entries else per_k
    rate_cpu = new.new_entries / new.cpu if new.cpu else float("nan")
    rate_cpu_db = new.new_entries / (new.cpu + new.db_cpu) if new.cpu else float("nan")
    both = (lambda a, b: f"{a:>6.2f} / {b:<6.2f}") if db else (lambda a, b: f"{a:>6.2f} / {'-':<6}")
    rates = f"{rate_cpu:>7.0f} / " + (f"{rate_cpu_db:<7.0f}" if db else f"{'-':<7}")
    moved = (both(changed.per_feed_ms(), changed.per_feed_ms(True)) if changed
             else f"{'-':^15}")
    return (f"{run.label:<28} {new.feeds / new.wall:>7.0f} {new.new_entries / new.wall:>7.0f} "
            f"{both(per_k, per_k_db)} {rates} {moved} "
            f"{both(same.per_feed_ms(), same.per_feed_ms(True))} "
            f"{max(run.rss_mb):>6.0f} ({new.new_entries:.0f} new, {new.routed:.0f} routed)")


HEADER = (f"{'configuration':<28} {'feeds/s':>7} {'new/s':>7} {'CPU s/1k new':>15} "
          f"{'new per CPU-s':>16} {'changed ms/feed':>15} {'unchanged ms/feed':>17} "
          f"{'RSS MB':>6}\n{'':<28} {'(wall)':>7} {'(wall)':>7} {'worker / +DB':>15} "
          f"{'worker / +DB':>16} {'worker / +DB':>15} {'worker / +DB':>17} {'peak':>6}")


def _configs(runs: Sequence[Run]) -> dict[tuple[str, int, bool], list[Run]]:
    """The finished runs by configuration (database, workers, fast path)."""
    out: dict[tuple[str, int, bool], list[Run]] = {}
    for run in runs:
        if run.passes:
            out.setdefault((run.db, run.workers, run.fast), []).append(run)
    return out


def _median(runs: Sequence[Run], value: Callable[[Run], float]) -> float:
    return statistics.median(value(r) for r in runs)


def _new_rate(run: Run, *, with_db: bool = False) -> float:
    new = run.passes["new"]
    return new.new_entries / (new.cpu + (new.db_cpu if with_db else 0.0))


def report_ratios(runs: Sequence[Run]) -> list[tuple[str, float, float]]:
    """fast / feedparser-only new-entry rates per configuration (medians of its runs)."""
    out = []
    configs = _configs(runs)
    for (dbname, workers, fast), mine in configs.items():
        slow = configs.get((dbname, workers, False))
        if not fast or not slow:
            continue

        def wall(r: Run) -> float:
            return r.passes["new"].new_entries / r.passes["new"].wall

        out.append((f"{dbname} {workers} worker(s)", _median(mine, wall) / _median(slow, wall),
                    _median(mine, lambda r: _new_rate(r, with_db=True))
                    / _median(slow, lambda r: _new_rate(r, with_db=True))))
    return out


def print_profile(name: str, prof: Profiled, run: Pass) -> None:
    total = sum(prof.stages.values()) or 1.0
    parts = ", ".join(f"{stage} {prof.stages[stage] / total * 100:.0f}%" for stage in STAGES)
    print(f"  {name} ({run.feeds:.0f} feeds, {run.new_entries:.0f} new entries; "
          f"{run.per_feed_ms():.1f} ms CPU per feed under the profiler, other threads "
          f"{prof.other_threads:.2f} s not profiled):\n    {parts}")
    for label, seconds, stage in prof.top[:8]:
        print(f"      {seconds / total * 100:>5.1f}%  {stage:<11} {label[:90]}")


def feedparser_alone(specs: Sequence[FeedSpec], pools: dict[str, list[Entry]]) -> None:
    """The reference the issue names: `feedparser.parse` with its defaults (sanitizer and
    URI resolver on) on the same all-new bodies, nothing else, in this process."""
    import feedparser

    base = datetime.now(UTC).replace(microsecond=0)
    bodies = [render_feed(s, 1, pools[s.lang], base) for s in specs if s.kind in ("etag", "plain")]
    began = time.process_time()
    entries = sum(len(feedparser.parse(io.BytesIO(body)).entries) for body in bodies)
    cpu = time.process_time() - began
    print(f"feedparser.parse alone (its defaults, no fetch, no normalizing, no storage) on the "
          f"{len(bodies)} all-new bodies: {entries / cpu:,.0f} entries per CPU second")


def print_stage_costs(prof: Profiled, run: Run) -> None:
    """A new entry's measured worker CPU (no profiler) split by the profile's shares."""
    new = run.passes["new"]
    per_entry = new.cpu / new.new_entries * 1e6
    total = sum(prof.stages.values()) or 1.0
    parts = ", ".join(f"{stage} {prof.stages[stage] / total * per_entry:.0f}"
                      for stage in STAGES)
    print(f"  per new entry, µs of worker CPU ({per_entry:.0f} µs measured in {run.label}, "
          f"split by the shares above): {parts}")


def extrapolate(run: Run) -> None:
    """10,000 feeds every 10 minutes on one 2-core machine, from a run's per-poll CPU."""
    changed, same = run.passes["changed"], run.passes["unchanged"]
    polls_s = 10_000 / 600
    print(f"\n10,000 feeds at a 10-minute interval = {polls_s:.1f} polls/s; assumed mix: "
          f"{MIX_CHANGED:.0%} of polls find a changed feed ({CHANGED_NEW} new of {ENTRIES} "
          f"entries, the whole body parsed), {1 - MIX_CHANGED:.0%} an unchanged one (as "
          f"served here: 2/3 answer 304, 1/3 resend identical bytes); from {run.label}:")
    cores: dict[bool, float] = {}
    for with_db, what in ((False, "worker processes only"), (True, "workers + PostgreSQL")):
        if with_db and run.db != "PostgreSQL":
            continue
        c, u = changed.per_feed_ms(with_db) / 1000, same.per_feed_ms(with_db) / 1000
        mixed = MIX_CHANGED * c + (1 - MIX_CHANGED) * u
        cores[with_db] = mixed * polls_s
        print(f"  {what}: changed {c * 1000:.2f} ms, unchanged {u * 1000:.2f} ms, mix "
              f"{mixed * 1000:.2f} ms per poll → {cores[with_db]:.2f} cores = "
              f"{cores[with_db] / 2:.0%} of 2 cores; all unchanged {u * polls_s / 2:.0%}, "
              f"all changed {c * polls_s / 2:.0%}")
    needed = max(1, math.ceil(cores[False]))  # worker processes busy enough to need a core
    rss = needed * max(run.rss_mb)
    print(f"  memory: {max(run.rss_mb):.0f} MB peak RSS per worker (it holds a batch of feeds "
          f"and the compiled watchlist, not the feed list); {needed} worker(s) → "
          f"≈ {rss:.0f} MB, PostgreSQL's own memory not counted")
    share = max(cores.values()) / 2
    print(f"  target (< 50% of 2 cores, < 500 MB RSS): {share:.0%} and {rss:.0f} MB: "
          f"{'met' if share < 0.5 and rss < 500 else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--hosts", type=int, default=20, help="loopback hosts the feeds use")
    parser.add_argument("--watchlist", type=int, default=500, help="entries")
    parser.add_argument("--workers", default="1,2,4", help="PostgreSQL worker counts")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test_e")
    parser.add_argument("--parse", default="fast,feedparser",
                        help="parse paths to measure: fast (NEWSBOT_FAST_PARSE=true), feedparser")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--repeat", type=int, default=2, help="unchanged passes per run")
    parser.add_argument("--tick", type=float, default=0.2, help="NEWSBOT_POLL_TICK_S")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per pass")
    parser.add_argument("--runs", type=int, default=1,
                        help="runs per configuration; targets and ratios use their medians")
    args = parser.parse_args()
    began = time.perf_counter()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on "
          f"{os.cpu_count()} CPUs at start")

    corpus = _shared() / "corpus"
    if (corpus / "items").is_dir():
        pools, source = corpus_pool(corpus), f"corpus at {corpus}"
    else:
        pools, source = synthetic_pool(), f"no corpus at {corpus}: synthetic text"
    wl = watchlist(corpus, args.watchlist)
    fast_known = "fast_parse" in Settings.model_fields
    help_text = subprocess.run([sys.executable, "-m", "bot", "run", "--help"], cwd=ROOT,
                               capture_output=True, text=True).stdout
    role = "poller" if "--role" in help_text else "all"
    postgres: str | None = args.postgres
    try:
        Db(args.postgres).reset()
    except Exception as exc:  # no server: the SQLite runs still tell something
        print(f"PostgreSQL at {args.postgres} unusable ({type(exc).__name__}): skipped")
        postgres = None

    specs: list[FeedSpec] = feed_specs(args.feeds, args.hosts)
    feedparser_alone(specs, pools)
    server, bases = start_server(specs, pools, args.hosts)
    urls = [f"{bases[s.host]}/feed/{s.n}.xml" for s in specs]
    size = set_generation(bases, 1)
    kinds = {k: sum(s.kind == k for s in specs) for k in ("etag", "plain", "e500", "e404")}
    print(f"{source}: {sum(map(len, pools.values())):,} items ({len(pools['de']):,} de, "
          f"{len(pools['en']):,} en); {len(wl['tickers']) + len(wl['keywords'])} watchlist "
          f"entries; {args.feeds} feeds × {ENTRIES} entries on {args.hosts} loopback hosts, "
          f"mean {size / args.feeds / 1024:.0f} KiB per body (gzip on the wire); "
          f"{kinds['etag']} with validators, {kinds['plain']} without, "
          f"{kinds['e500'] + kinds['e404']} failing")
    print(f"workers: `python -m bot run --role {role}`" + (
        "" if role == "poller" else " (no --role option yet)") + f", poll tick {args.tick:g} s")
    if not fast_known:
        print("note: Settings has no fast_parse field yet: NEWSBOT_FAST_PARSE=false changes "
              "nothing, the 'feedparser' runs are the same code")
    print()

    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-") as tmp:
        folder = Path(tmp)
        config = write_config(folder, urls, wl)
        plans: list[tuple[str, str, int, str]] = []
        if postgres:
            plans += [("PostgreSQL", postgres, int(n), role) for n in args.workers.split(",")]
        if not args.no_sqlite:
            plans.append(("SQLite", f"sqlite:///{folder}/bench.db", 1, "all"))
        print(HEADER)
        # each fast run next to its feedparser-only twin, round after round: this machine's
        # speed drifts by 10-25 % over minutes, and the ratios should not measure the drift
        for k in range(args.runs):
            for dbname, url, count, how in plans:
                for fast in [mode == "fast" for mode in args.parse.split(",")]:
                    label = f"{dbname} {count}× {'fast' if fast else 'feedparser'}" + (
                        f" #{k + 1}" if args.runs > 1 else "")
                    run = run_workers(label, url, count, fast=fast, role=how, config=config,
                                      bases=bases, server_pid=server.pid, args=args,
                                      folder=folder)
                    runs.append(run)
                    print(_row(run), flush=True)
        idle = max((r.idle for r in runs if r.passes), default=0.0)
        print("\n(new: 50 new entries per feed, all matched and routed; changed: 3 new of 50; "
              "unchanged: 304 or identical bytes. +DB adds the PostgreSQL backends' CPU. "
              f"Workers' CPU includes their idle ticks: up to {idle:.1%} of a core per worker "
              f"at a {args.tick:g} s tick, measured before the passes.)")
        ratios = report_ratios(runs)
        if ratios:
            print("\nfast / feedparser-only, new entries: " + "; ".join(
                f"{name}: {wall:.2f}x per wall second, {cpu:.2f}x per CPU second"
                for name, wall, cpu in ratios))
        targets(runs, ratios)
        reference = next((r for r in runs if r.fast and "changed" in r.passes), None)
        if reference is not None:
            extrapolate(reference)
        if not args.no_profile:
            url = postgres or f"sqlite:///{folder}/profile.db"
            for fast in [mode == "fast" for mode in args.parse.split(",")]:
                path = "fast path" if fast else "feedparser only"
                print(f"\nstage breakdown: one process in-process, {path}, "
                      f"{url.split(':')[0]}, poll_due_feeds(force=True) under cProfile on the "
                      "thread's CPU clock (it inflates Python calls: shares, not times):")
                passes, profiles = asyncio.run(in_process(url, config, bases, server.pid,
                                                          fast=fast))
                for name, prof in profiles.items():
                    print_profile(name, prof, passes[name])
                measured = next((r for r in runs if r.fast == fast and r.workers == 1
                                 and "new" in r.passes), None)
                if measured is not None and "new" in profiles:
                    print_stage_costs(profiles["new"], measured)
    server.kill()
    print(f"\ntotal {time.perf_counter() - began:.0f} s; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")


def targets(runs: Sequence[Run], ratios: Sequence[tuple[str, float, float]]) -> None:
    """The issue's targets from the medians of each fast-path configuration's runs."""
    done = {key: mine for key, mine in _configs(runs).items() if key[2]}
    if not done:
        return
    best = max(_median(mine, _new_rate) for mine in done.values())
    best_db = max((_median(mine, lambda r: _new_rate(r, with_db=True))
                   for (db, _, _), mine in done.items() if db == "PostgreSQL"),
                  default=float("nan"))

    def unchanged(r: Run) -> float:
        return r.passes["unchanged"].per_feed_ms()

    worst_same = max(_median(mine, unchanged) for mine in done.values())
    same = ", ".join(f"{db} {workers}×: {_median(mine, unchanged):.2f} ms"
                     for (db, workers, _), mine in done.items())
    ratio = min((cpu for _, _, cpu in ratios), default=float("nan"))

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    versus = (f"{ratio:.2f}x at worst ({verdict(ratio >= 5)})" if ratios
              else "not measured (no feedparser-only run)")
    print(f"\ntargets: fast ≥ 5x feedparser-only per CPU second: {versus}; "
          f"≥ 5,000 new entries/s per core: {best:,.0f} (workers "
          f"only), {best_db:,.0f} (+DB) ({verdict(best >= 5000)}); unchanged < 1 ms CPU "
          f"(workers): {same} ({verdict(worst_same < 1)})")


if __name__ == "__main__":
    main()
