"""Where a profiled poll pass spends its CPU, by pipeline stage (for `bench/pipeline.py`).

Every function's own time (cProfile's tottime, measured with the thread's CPU clock) goes to
the stage of its module: aiohttp and our fetcher are fetch/HTTP, feedparser, lxml and our
parse modules are XML parse, `bot.core.text` and `bot.feeds.normalize` are normalize, … A
function of no stage (builtins, `re`, `hashlib`, the standard library) is charged to its
callers in proportion to what each call cost, up the call graph until a caller has a stage:
`re.sub` called from `bot.core.text` is normalize, from feedparser XML parse. What reaches
the asyncio loop or nobody with a stage is "other".
"""

from __future__ import annotations

import pstats
from collections import defaultdict
from collections.abc import Mapping

STAGES = ("fetch/HTTP", "XML parse", "normalize", "dedupe", "match/route", "store/SQL",
          "other")

# (path fragment, stage): the first that occurs in a function's file name wins
_RULES: tuple[tuple[str, str], ...] = (
    ("/bot/feeds/fetch", "fetch/HTTP"), ("/bot/feeds/guard", "fetch/HTTP"),
    ("/bot/feeds/dispatch", "fetch/HTTP"), ("/aiohttp/", "fetch/HTTP"),
    ("/yarl/", "fetch/HTTP"), ("/multidict/", "fetch/HTTP"), ("/aiohappyeyeballs/", "fetch/HTTP"),
    ("/propcache/", "fetch/HTTP"), ("/http/cookies", "fetch/HTTP"),
    ("/bot/feeds/normalize", "normalize"), ("/bot/core/text", "normalize"),
    ("/bot/feeds/", "XML parse"), ("/feedparser/", "XML parse"), ("/sgmllib", "XML parse"),
    ("/lxml/", "XML parse"), ("/xml/", "XML parse"), ("/gzip.py", "fetch/HTTP"),
    ("/bot/core/dedupe", "dedupe"),
    ("/bot/core/matching", "match/route"), ("/bot/core/automaton", "match/route"),
    ("/bot/core/term_patterns", "match/route"), ("/bot/core/match_specs", "match/route"),
    ("/bot/core/scan_keys", "match/route"), ("/bot/core/lexicon", "match/route"),
    ("/bot/core/aliases", "match/route"), ("/bot/core/regex_terms", "match/route"),
    ("/bot/core/resolve", "match/route"), ("/bot/core/routing", "match/route"),
    ("/bot/store/", "store/SQL"), ("/sqlalchemy/", "store/SQL"), ("/psycopg", "store/SQL"),
    ("/aiosqlite/", "store/SQL"), ("/sqlite3/", "store/SQL"), ("/greenlet/", "store/SQL"),
    ("/asyncio/", "other"), ("/bot/", "other"),
)
# C functions cProfile names "~": charged to callers like stdlib code, except these
_BUILTIN_RULES: tuple[tuple[str, str], ...] = (
    ("lxml.", "XML parse"), ("pyexpat", "XML parse"), ("xmlparser", "XML parse"),
    ("psycopg", "store/SQL"), ("sqlite3", "store/SQL"), ("greenlet", "store/SQL"),
    ("select.epoll", "other"), ("zlib", "fetch/HTTP"),
)

Func = tuple[str, int, str]


def stage_of(func: Func) -> str | None:
    filename, _, name = func
    if filename == "~":
        return next((stage for key, stage in _BUILTIN_RULES if key in name), None)
    path = filename.replace("\\", "/")
    return next((stage for key, stage in _RULES if key in path), None)


def attribute(stats: pstats.Stats) -> dict[str, float]:
    """Seconds per stage; their sum is the profile's total own time."""
    table: Mapping[Func, tuple[int, int, float, float, Mapping[Func, tuple[int, int, float,
                                                                          float]]]]
    table = stats.stats  # type: ignore[attr-defined]
    memo: dict[Func, dict[str, float]] = {}
    busy: set[Func] = set()

    def split(func: Func, index: int) -> dict[str, float]:
        """Shares of the stages over `func`'s callers, weighted by their own-time (index 2)
        or cumulative-time (index 3) part of it."""
        callers = table.get(func, (0, 0, 0.0, 0.0, {}))[4]
        weight = sum(c[index] for caller, c in callers.items() if caller != func)
        if weight <= 0:
            return {"other": 1.0}
        shares: dict[str, float] = defaultdict(float)
        for caller, c in callers.items():
            if caller != func and c[index] > 0:
                for stage, part in context(caller).items():
                    shares[stage] += part * c[index] / weight
        return shares

    def context(func: Func) -> dict[str, float]:
        """The stages a call of `func` works for."""
        stage = stage_of(func)
        if stage is not None:
            return {stage: 1.0}
        if func in memo:
            return memo[func]
        if func in busy:  # recursion through unclassified code
            return {"other": 1.0}
        busy.add(func)
        memo[func] = split(func, 3)
        busy.discard(func)
        return memo[func]

    totals: dict[str, float] = defaultdict(float)
    for func, (_, _, tottime, _, _) in table.items():
        if tottime <= 0:
            continue
        shares = context(func) if stage_of(func) is not None else split(func, 2)
        for stage, part in shares.items():
            totals[stage] += tottime * part
    return {stage: totals.get(stage, 0.0) for stage in STAGES}


def top_functions(stats: pstats.Stats, count: int = 12) -> list[tuple[str, float, str]]:
    """The functions with the most own time: (label, seconds, stage or "?")."""
    table = stats.stats  # type: ignore[attr-defined]
    rows = sorted(table.items(), key=lambda kv: -kv[1][2])[:count]
    out = []
    for (filename, line, name), (_, _, tottime, _, _) in rows:
        short = filename.rsplit("site-packages/", 1)[-1].rsplit("/main/", 1)[-1]
        label = name if filename == "~" else f"{short}:{line} {name}"
        out.append((label, tottime, stage_of((filename, line, name)) or "?"))
    return out
