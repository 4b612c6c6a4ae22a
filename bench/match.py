"""Matcher throughput at 100, 1,000 and 10,000 watchlist entries, against one big `re`.

Run from the repository root: `.venv/bin/python bench/match.py [--articles N]
[--sizes 100,1000,10000] [--re-budget SECONDS]`. Prints figures, asserts nothing; it is not
part of the test run. Reads ../shared/corpus (or NEWSBOT_SHARED/corpus) and exits 0 with a
message when that is absent.

Articles: every news item of corpus/items (finanzen.net RSS headlines, Bloomberg/CNBC/
Investing.com/SEC RSS items with descriptions, 2020 CNBC/MarketWatch/Nasdaq/… RSS items),
HTML stripped, deduplicated, tagged "de" or "en" with `detect_lang`. Items are short (a
headline, often a sentence or two of description), so an article is an item plus, as further
paragraphs "Title. Description", the next items of the same language from a shuffled cycle
of that language's items, until title and text hold at least --article-bytes UTF-8 bytes.
The two languages get articles in proportion to their share of the corpus bytes.

Watchlists: real ticker symbols with their company names, legal suffixes roughly stripped
("NVIDIA CORP" → "Nvidia", "Daimler Truck Holding AG" → "Daimler Truck") and then passed
through the product's own `short_names` (as reference names are: everyday words such as
"Target" or "News" are not names on their own), alternating
pytickersymbols (European and US index members, with their aliases) and the SEC list
(largest first), deduplicated by symbol; a name already taken by an earlier entry is left
out. The first N-3 of them, plus three keyword entries (AI/KI/künstliche Intelligenz,
DeepSeek, OpenAI), make the watchlist of N entries.

Baseline: the same terms (every symbol, name and keyword term) in one case-insensitive
`\\b(?:term1|term2|…)\\b`, longest first, applied with `findall` to title and text. It only
finds strings; ours also checks case, compounds, excludes, common words… so hit counts differ.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.aliases import short_names
from bot.core.matching import Matcher, compile_matcher
from bot.core.models import KeywordEntry, TickerEntry
from bot.core.term_patterns import term_pattern
from bot.core.text import detect_lang, html_to_text

KEYWORDS = (
    KeywordEntry(key="AI", terms=("AI", "KI", "künstliche Intelligenz")),
    KeywordEntry(key="DEEPSEEK", terms=("DeepSeek",)),
    KeywordEntry(key="OPENAI", terms=("OpenAI",)),
)
_TEXT_FIELDS = ("content", "description", "text", "summary")
MB = 1_000_000


def _shared() -> Path:
    env = os.environ.get("NEWSBOT_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


# --- articles ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    title: str
    text: str
    lang: str


@dataclass(frozen=True, slots=True)
class Article:
    title: str
    text: str
    lang: str
    size: int  # UTF-8 bytes of title + text


def _records(path: Path) -> Iterator[dict[str, Any]]:
    """Every dict with a string title, wherever it sits in a .json/.jsonc/.jsonl file."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        docs: list[Any] = [json.loads(line) for line in raw.splitlines() if line.strip()]
    else:
        docs = [json.loads(raw)]
    stack = docs[::-1]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("title"), str):
                yield node
            else:
                stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))


def load_items(folder: Path) -> list[Item]:
    seen: set[tuple[str, str]] = set()
    items: list[Item] = []
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".json", ".jsonc", ".jsonl"))
    for path in files:
        for rec in _records(path):
            title = html_to_text(rec["title"]).strip()
            texts = [html_to_text(v) for f in _TEXT_FIELDS if isinstance(v := rec.get(f), str)]
            text = max(texts, key=len, default="").strip()
            if not title or (title, text) in seen:
                continue
            seen.add((title, text))
            source = str(rec.get("source", ""))
            hint = "de" if "finanzen.net" in source or "German" in source else None
            lang = detect_lang(f"{title}\n{text}", hint=hint) or "en"
            items.append(Item(title=title, text=text, lang=lang))
    return items


def _paragraph(item: Item) -> str:
    if not item.text:
        return item.title
    stop = "" if item.title[-1:] in ".!?:" else "."
    return f"{item.title}{stop} {item.text}"


def build_articles(items: Sequence[Item], count: int, target: int) -> list[Article]:
    rng = random.Random(20250621)
    pools: dict[str, list[Item]] = {}
    for item in items:
        pools.setdefault(item.lang, []).append(item)
    weight = {lang: sum(len(_paragraph(i).encode()) for i in pool) for lang, pool in pools.items()}
    total = sum(weight.values())
    articles: list[Article] = []
    langs = sorted(pools)
    for n, lang in enumerate(langs):
        pool = pools[lang][:]
        rng.shuffle(pool)
        share = (
            count - len(articles) if n == len(langs) - 1 else round(count * weight[lang] / total)
        )
        cursor = 0
        for _ in range(share):
            first = pool[cursor % len(pool)]
            cursor += 1
            paragraphs = [first.text] if first.text else []
            size = len(first.title.encode()) + len(first.text.encode())
            while size < target:
                nxt = _paragraph(pool[cursor % len(pool)])
                cursor += 1
                size += len(nxt.encode()) + (2 if paragraphs else 0)  # "\n\n" between
                paragraphs.append(nxt)
            text = "\n\n".join(paragraphs)
            articles.append(
                Article(first.title, text, lang, len(first.title.encode()) + len(text.encode()))
            )
    rng.shuffle(articles)
    return articles


# --- watchlists -------------------------------------------------------------------------------

_LEGAL_WORDS = """inc incorporated corp corporation co cos company companies ltd limited plc
ag se sa s.a nv n.v bv b.v gmbh kgaa kg & llc l.l.c lp l.p holding holdings hldgs group adr ads
tbk asa ab oyj spa s.p.a sab de cv c.v the com new st vz"""  # st/vz: German share classes
_LEGAL = frozenset(_LEGAL_WORDS.split())
_SEC_TAG = re.compile(r"\s*/[A-Za-z .]+/?\s*$")  # "/DE/", "/ADR", "/NEW/"
_BRACKETS = re.compile(r"\s*\([^)]*\)")


def clean_name(raw: str, *, soften: bool = False) -> str:
    """Roughly the name people write: legal suffixes and SEC tags off; with `soften`, an
    all-caps name (as the SEC writes most) in title case but for short words ("IBM")."""
    name = _BRACKETS.sub("", _SEC_TAG.sub("", raw)).replace(",", " ")
    words = name.split()
    while len(words) > 1 and words[-1].lower().rstrip(".") in _LEGAL:
        words.pop()
    if len(words) > 1 and words[0].lower() == "the":
        words.pop(0)
    if soften and all(w.isupper() for w in words if any(c.isalpha() for c in w)):
        words = [w.capitalize() if len(w) > 3 and w.isalpha() else w for w in words]
    cleaned = " ".join(words)
    return "" if cleaned.lower().rstrip(".") in _LEGAL else cleaned


def _split(value: str) -> list[str]:
    return [v for v in value.split("|") if v.strip()]


def load_tickers(folder: Path) -> list[TickerEntry]:
    with (folder / "pytickersymbols_stocks_yaml_flat.csv").open(encoding="utf-8") as f:
        pts = [
            (r["symbol"].strip(), [r["name"], *_split(r["akas"])], False)
            for r in csv.DictReader(f)
            if r["symbol"].strip()
        ]
    sec_rows = json.loads((folder / "sec_company_tickers_2025-08.json").read_text("utf-8"))
    sec = [(str(r["ticker"]).strip(), [str(r["title"])], True) for r in sec_rows.values()]
    # alternate the two lists: a small watchlist then has DAX and S&P names alike
    interleaved: list[tuple[str, list[str], bool]] = []
    for i in range(max(len(pts), len(sec))):
        interleaved.extend(src[i] for src in (pts, sec) if i < len(src))
    symbols: set[str] = set()
    names_taken: set[str] = set()
    tickers: list[TickerEntry] = []
    for symbol, raw_names, soften in interleaved:
        if not symbol or symbol in symbols:
            continue
        symbols.add(symbol)
        names: list[str] = []
        for raw in raw_names:
            # the product's own rule for reference names (legal forms off, everyday words
            # refused); the SEC's all-caps names are softened first
            for name in short_names(clean_name(raw, soften=soften)):
                if len(name) >= 2 and name.lower() not in names_taken:
                    names_taken.add(name.lower())
                    names.append(name)
        tickers.append(TickerEntry(symbol=symbol, names=tuple(names)))
    return tickers


def baseline_terms(tickers: Sequence[TickerEntry], keywords: Sequence[KeywordEntry]) -> list[str]:
    terms: dict[str, str] = {}
    for t in tickers:
        for term in (t.symbol, *(t.names or ())):
            terms.setdefault(term.lower(), term)
    for k in keywords:
        for term in k.terms:
            terms.setdefault(term.lower(), term)
    return sorted(terms.values(), key=lambda t: (-len(t), t))


# --- runs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    compile_s: float
    seconds: float  # for `done` articles
    done: int
    size: int  # bytes of those articles
    hits: int  # over those articles
    hits_per_article: list[int]

    def rate(self) -> float:
        return self.done / self.seconds

    def mb_s(self) -> float:
        return self.size / MB / self.seconds


def run_ours(
    tickers: Sequence[TickerEntry], keywords: Sequence[KeywordEntry], articles: Sequence[Article]
) -> Run:
    re.purge()
    term_pattern.cache_clear()  # cold compile, not the patterns of the previous size
    began = time.perf_counter()
    matcher: Matcher = compile_matcher(tickers=tickers, keywords=keywords)
    compiled = time.perf_counter() - began
    match = matcher.match
    per_article: list[int] = []
    began = time.perf_counter()
    for a in articles:
        per_article.append(len(match(title=a.title, text=a.text, lang=a.lang)))
    seconds = time.perf_counter() - began
    size = sum(a.size for a in articles)
    return Run(compiled, seconds, len(articles), size, sum(per_article), per_article)


def run_re(terms: Sequence[str], articles: Sequence[Article], budget: float) -> Run:
    re.purge()
    began = time.perf_counter()
    rx = re.compile(r"\b(?:" + "|".join(map(re.escape, terms)) + r")\b", re.IGNORECASE)
    compiled = time.perf_counter() - began
    findall = rx.findall
    per_article: list[int] = []
    size = 0
    began = time.perf_counter()
    for a in articles:
        per_article.append(len(findall(a.title)) + len(findall(a.text)))
        size += a.size
        if time.perf_counter() - began > budget:
            break
    seconds = time.perf_counter() - began
    return Run(compiled, seconds, len(per_article), size, sum(per_article), per_article)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--article-bytes", type=int, default=2_000, help="minimum per article")
    parser.add_argument("--sizes", default="100,1000,10000", help="watchlist entries")
    parser.add_argument(
        "--re-budget", type=float, default=15.0, help="seconds of re matching per size"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    corpus = _shared() / "corpus"
    if not (corpus / "items").is_dir() or not (corpus / "tickers").is_dir():
        print(f"no corpus at {corpus} (set NEWSBOT_SHARED): nothing to measure")
        return

    began = time.perf_counter()
    items = load_items(corpus / "items")
    articles = build_articles(items, args.articles, args.article_bytes)
    all_tickers = load_tickers(corpus / "tickers")
    total = sum(a.size for a in articles)
    by_lang = {lang: sum(a.lang == lang for a in articles) for lang in sorted({"de", "en"})}
    print(
        f"{len(items):,} corpus items → {len(articles):,} articles "
        f"({', '.join(f'{n:,} {lang}' for lang, n in by_lang.items())}), "
        f"{total / MB:.1f} MB, mean {total / len(articles):,.0f} B/article "
        f"(min {min(a.size for a in articles):,}, max {max(a.size for a in articles):,}); "
        f"{len(all_tickers):,} tickers available; loaded in {time.perf_counter() - began:.1f} s"
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"one core, one process; MB = 10^6 UTF-8 bytes of title + text; "
        f"load average {load:.2f} on {os.cpu_count()} CPUs at start\n"
    )

    header = (
        f"{'entries':>8} {'terms':>6} | {'ours: compile':>13} {'art/s':>9} {'MB/s':>7} "
        f"{'hits':>8} | {'re: compile':>11} {'art/s':>9} {'MB/s':>7} {'hits':>8} "
        f"{'(timed on)':>11} | {'ours/re':>8}"
    )
    print(header)
    print("-" * len(header))
    results: list[tuple[int, Run, Run]] = []
    for size in sizes:
        if size - len(KEYWORDS) > len(all_tickers):
            print(f"{size:>8}: only {len(all_tickers)} tickers available, skipped")
            continue
        keywords = KEYWORDS[: min(len(KEYWORDS), size)]
        tickers = all_tickers[: size - len(keywords)]
        terms = baseline_terms(tickers, keywords)
        ours = run_ours(tickers, keywords, articles)
        base = run_re(terms, articles, args.re_budget)
        results.append((size, ours, base))
        timed_on = f"{base.done:,}" + ("*" if base.done < len(articles) else "")
        print(
            f"{size:>8,} {len(terms):>6,} | {ours.compile_s * 1000:>10,.0f} ms "
            f"{ours.rate():>9,.0f} {ours.mb_s():>7.2f} {ours.hits:>8,} | "
            f"{base.compile_s * 1000:>8,.0f} ms {base.rate():>9,.1f} {base.mb_s():>7.3f} "
            f"{base.hits:>8,} {timed_on:>11} | {ours.rate() / base.rate():>7.1f}x"
        )
    print()
    for size, ours, base in results:
        if base.done < len(articles):
            same = sum(ours.hits_per_article[: base.done])
            print(
                f"* {size:,} entries: re stopped after its {args.re_budget:g} s budget at "
                f"{base.done:,} of {len(articles):,} articles; its rate is extrapolated from "
                f"those; hits there: re {base.hits:,}, ours {same:,} "
                f"(re over all ≈ {base.hits * len(articles) / base.done:,.0f})"
            )
    if len(results) >= 2:
        (small, ours_s, base_s), (large, ours_l, base_l) = results[0], results[-1]
        factor = large / small
        print(
            f"\nrate at {large:,} / rate at {small:,} entries ({factor:g}x the entries): "
            f"ours {ours_l.rate() / ours_s.rate():.2f}, re {base_l.rate() / base_s.rate():.3f}"
        )
        flat = ours_l.rate() / ours_s.rate() >= 0.5
        print(
            "ours is roughly flat (loses less than half its rate)"
            if flat
            else "ours is NOT flat: it loses more than half its rate"
        )
        per_match = [
            (ours.seconds / ours.done * 1e6, ours.hits / ours.done) for _, ours, _ in results
        ]
        (us_s, m_s), (us_l, m_l) = per_match[0], per_match[-1]
        if m_l > m_s:
            print(
                f"per article: {us_s:.0f} µs with {m_s:.1f} matches at {small:,} entries, "
                f"{us_l:.0f} µs with {m_l:.1f} at {large:,}: ≈ {(us_l - us_s) / (m_l - m_s):.1f} "
                f"µs per extra match"
            )
    if results:
        _control(results[0][0], all_tickers, articles)


def _control(size: int, all_tickers: Sequence[TickerEntry], articles: Sequence[Article]) -> None:
    """The cost of entries alone: the smallest watchlist plus filler entries that never
    occur in news, up to 10,000, so the matches stay the same and only the size grows."""
    keywords = KEYWORDS[: min(len(KEYWORDS), size)]
    real = list(all_tickers[: size - len(keywords)])
    rng = random.Random(7)
    letters = "bcdfghjklmnpqrstvwxz"
    filler: list[TickerEntry] = []
    while len(real) + len(filler) + len(keywords) < 10_000:
        word = "".join(rng.choice(letters) for _ in range(rng.randint(5, 9))).title()
        symbol = "".join(rng.choice(letters.upper()) for _ in range(4)) + str(len(filler))
        filler.append(TickerEntry(symbol=symbol, names=(f"{word} Qvx", word)))
    small = run_ours(real, keywords, articles)
    large = run_ours([*real, *filler], keywords, articles)
    print(
        f"\ncontrol: {size:,} real entries {small.mb_s():.2f} MB/s ({small.hits:,} hits); "
        f"the same plus {len(filler):,} entries that never match {large.mb_s():.2f} MB/s "
        f"({large.hits:,} hits): ratio {large.rate() / small.rate():.2f}"
    )


if __name__ == "__main__":
    main()
