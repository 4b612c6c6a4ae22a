"""Parse throughput: the feedparser path against the fast path (lxml), on the corpus feeds.

Run from the repository root: `.venv/bin/python bench/parse.py [--repeat N] [--source URL]
[--content-type TYPE]`. Prints figures, asserts nothing; not part of the test run. Reads
../shared/corpus (or NEWSBOT_SHARED/corpus) and exits 0 with a message when that is absent.

Both paths run in the same process, interleaved, `--repeat` times; each figure is the best
run in CPU time of this process (other work on the machine shifts wall time, not that).
The normalization (HTML to text, language, hashes) is shared code and got faster with the
fast path; "before #9" is the feedparser path with the normalization as it was before
(`normalization_before`): the pipeline this issue started from.
Entries/s counts the articles produced, MB/s the feed bytes read (10^6). "all feeds" is the
corpus as it is: the feeds the fast path declines take the feedparser path inside
`parse_feed(fast=True)` too, and cost what they cost there. "accepted feeds" is the part the
fast path takes.

Stages, fast path: decoding (the charset decision and UTF-8 bytes, as feedparser would), XML
parse (lxml), field extraction (feedparser's rules replayed over the tree), normalization.
feedparser path: feedparser.parse (its XML parse and extraction in one), normalization.
Normalization is shared code; its parts are timed alone on the same entries: html_to_text,
detect_lang, content_hash, uid (entry_uid), the rest (choices, links, dates, Article).

Then, per corpus (feeds, the real-world tricky set, feedparser's own test suite), how many
documents the fast path accepts and declines and why, and whether each accepted one equals
the feedparser path (tests/feeds/test_fastparse.py holds that to 0 differences).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from itertools import islice
from pathlib import Path
from typing import Any

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import feedparser_suite, real_world
from bot.core import dedupe, text
from bot.core.dedupe import entry_uid
from bot.core.models import ParsedFeed
from bot.core.text import content_hash, detect_lang, html_to_text
from bot.errors import ParseError
from bot.feeds import fastparse, normalize
from bot.feeds.fastparse import Declined, try_parse_fast
from bot.feeds.fastparse_values import Decline
from bot.feeds.fastparse_walk import FeedWalk
from bot.feeds.normalize import RawEntry, build_feed
from bot.feeds.parse import parse_feed, response_headers

MB = 1_000_000


def _shared() -> Path:
    env = os.environ.get("NEWSBOT_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


def corpus_feeds(folder: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix != ".tsv"]


# --- equivalence and declines (the test uses these too) --------------------------------------


@dataclass
class Tally:
    accepted: int = 0
    declined: collections.Counter[str] = field(default_factory=collections.Counter)
    details: collections.Counter[str] = field(default_factory=collections.Counter)
    entries: int = 0  # in accepted documents
    differences: list[str] = field(default_factory=list)

    @property
    def tried(self) -> int:
        return self.accepted + sum(self.declined.values())


def compare(files: Iterable[tuple[str, bytes]], *, source: str = "corpus.xml",
            content_type: str | None = None) -> Tally:
    """Each document through the fast path; where it accepts, the feedparser path too, and
    every field of the two results compared."""
    tally = Tally()
    for name, data in files:
        fast = try_parse_fast(data, source=source, content_type=content_type)
        if isinstance(fast, Declined):
            tally.declined[fast.reason] += 1
            if fast.detail:
                tally.details[f"{fast.reason}: {fast.detail[:50]}"] += 1
            continue
        tally.accepted += 1
        tally.entries += len(fast.articles)
        try:
            reference = parse_feed(data, source=source, content_type=content_type, fast=False)
        except ParseError as exc:
            tally.differences.append(f"{name}: feedparser path failed: {exc}")
            continue
        difference = first_difference(reference, fast)
        if difference:
            tally.differences.append(f"{name}: {difference}")
    return tally


def first_difference(reference: ParsedFeed, fast: ParsedFeed) -> str | None:
    for name in ("title", "link", "lang", "warning"):
        if getattr(reference, name) != getattr(fast, name):
            return f"feed {name}: {getattr(reference, name)!r} != {getattr(fast, name)!r}"
    if len(reference.articles) != len(fast.articles):
        return f"{len(reference.articles)} entries != {len(fast.articles)}"
    for number, (want, got) in enumerate(zip(reference.articles, fast.articles, strict=True)):
        for item in fields(want):
            a, b = getattr(want, item.name), getattr(got, item.name)
            if a != b:
                return f"entry {number} {item.name}: {str(a)[:80]!r} != {str(b)[:80]!r}"
    return None


def report_tally(title: str, tally: Tally) -> None:
    declined = sum(tally.declined.values())
    print(f"{title}: {tally.tried:,} documents, fast path accepted {tally.accepted:,} "
          f"({tally.entries:,} entries), declined {declined:,}; differences from the "
          f"feedparser path: {len(tally.differences)}")
    for reason, count in tally.declined.most_common():
        print(f"    {count:>5}  {reason}")
    for difference in tally.differences[:5]:
        print(f"    DIFFERENT {difference}")


# --- throughput -----------------------------------------------------------------------------


def _scores_plain(value: str) -> tuple[float, float]:
    de = en = 0.0
    words = text._WORD.finditer(text._EN_NAMES.sub(" ", value.lower()))
    for word in (found.group() for found in islice(words, text._MAX_WORDS)):
        word_de, word_en = text._word_score(word)
        de += word_de
        en += word_en
        if "ß" in word or any(c in "äöü" for c in word):
            de += 1
    return de, en


def _clean_plain(value: str) -> str:
    return text._INVISIBLE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


@contextlib.contextmanager
def normalization_before() -> Iterator[None]:
    """The normalization as it was before the fast path (issue #9): HTMLParser for every
    fragment with a tag, language scores word by word, clean_text by regex and once more
    after html_to_text. Same results (tests/core/test_text_fast.py), the old cost."""
    saved = (text._feed_simple, text._scores, text.clean_text, normalize.html_to_text,
             normalize.clean_text, dedupe.clean_text)
    text._feed_simple = lambda collector, html: False
    text._scores = _scores_plain
    text.clean_text = normalize.clean_text = dedupe.clean_text = _clean_plain
    normalize.html_to_text = lambda value: _clean_plain(text.html_to_text(value))
    try:
        yield
    finally:
        (text._feed_simple, text._scores, text.clean_text, normalize.html_to_text,
         normalize.clean_text, dedupe.clean_text) = saved


def _parse_before(docs: list[bytes], *, source: str, content_type: str | None) -> int:
    with normalization_before():
        return _parse_all(docs, fast=False, source=source, content_type=content_type)


def best_of(repeat: int, runs: dict[str, Callable[[], Any]]) -> dict[str, float]:
    """CPU seconds of the best of `repeat` rounds for each run, the runs interleaved."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, run in runs.items():
            began = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - began)
    return best


def _parse_all(docs: list[bytes], *, fast: bool, source: str, content_type: str | None) -> int:
    count = 0
    for data in docs:
        with contextlib.suppress(ParseError):
            count += len(parse_feed(data, source=source, content_type=content_type,
                                    fast=fast).articles)
    return count


def throughput(label: str, docs: list[bytes], *, repeat: int, source: str,
               content_type: str | None) -> None:
    entries = _parse_all(docs, fast=False, source=source, content_type=content_type)
    size = sum(map(len, docs))
    options = {"source": source, "content_type": content_type}
    best = best_of(repeat, {
        "feedparser path": lambda: _parse_all(docs, fast=False, **options),
        "fast path": lambda: _parse_all(docs, fast=True, **options),
        "before #9": lambda: _parse_before(docs, **options)})
    print(f"{label}: {len(docs)} feeds, {entries:,} entries, {size / MB:.2f} MB")
    for path, seconds in best.items():
        print(f"    {path:<16} {entries / seconds:>9,.0f} entries/s {size / MB / seconds:>7.2f} "
              f"MB/s  ({seconds * 1000:,.1f} ms)")
    fast = best["fast path"]
    print(f"    ratio            {best['feedparser path'] / fast:>9.2f}x the feedparser path, "
          f"{best['before #9'] / fast:.2f}x the pipeline before #9")


# --- stages ---------------------------------------------------------------------------------


def _walks(docs: list[bytes], *, source: str, content_type: str | None
           ) -> Iterator[tuple[bytes, bytes, FeedWalk]]:
    is_http = source.lower().startswith(("http://", "https://"))
    for data in docs:
        try:
            document = fastparse.to_utf8(data, content_type=content_type, is_http=is_http)
            prefixes, rebound = fastparse.declared_prefixes(document)
            walk = FeedWalk(prefixes=prefixes, rebound=rebound, base=source if is_http else "")
            walk.element(fastparse.parse_xml(document), 1)
        except Decline:
            continue
        yield data, document, walk


def stages(docs: list[bytes], *, repeat: int, source: str, content_type: str | None) -> None:
    """Where the time goes, on the documents the fast path accepts."""
    accepted = [data for data, _, _ in _walks(docs, source=source, content_type=content_type)]
    is_http = source.lower().startswith(("http://", "https://"))
    documents = [fastparse.to_utf8(d, content_type=content_type, is_http=is_http)
                 for d in accepted]
    roots = [fastparse.parse_xml(d) for d in documents]
    walks = [walk for _, _, walk in _walks(accepted, source=source, content_type=content_type)]
    raw: list[RawEntry] = [entry for walk in walks for entry in walk.raw_entries()]
    texts = [t for e in raw for t in (e.title, e.summary, *e.contents) if t]
    built = [a for walk in walks for a in _build(walk).articles]
    headers = response_headers(source, content_type)

    def extract() -> None:
        for document, root in zip(documents, roots, strict=True):
            prefixes, rebound = fastparse.declared_prefixes(document)
            FeedWalk(prefixes=prefixes, rebound=rebound,
                     base=source if is_http else "").element(root, 1)

    runs: dict[str, Callable[[], Any]] = {
        "decoding": lambda: [fastparse.to_utf8(d, content_type=content_type, is_http=is_http)
                             for d in accepted],
        "XML parse (lxml)": lambda: [fastparse.parse_xml(d) for d in documents],
        "field extraction": extract,
        "normalization": lambda: [_build(walk) for walk in walks],
        "  html_to_text": lambda: [html_to_text(t) for t in texts],
        "  detect_lang": lambda: [detect_lang(f"{a.title}\n{a.text}") for a in built],
        "  content_hash": lambda: [content_hash(a.title, a.text) for a in built],
        "  uid": lambda: [entry_uid(guid=e.guid or None, link=e.link.strip() or None,
                                    title=a.title, text=a.text)
                          for e, a in zip(raw, built, strict=True)],
        "feedparser.parse": lambda: [feedparser.parse(
            io.BytesIO(d), response_headers=headers, sanitize_html=False,
            resolve_relative_uris=False) for d in accepted],
    }
    best = best_of(repeat, runs)
    parts = ("  html_to_text", "  detect_lang", "  content_hash", "  uid")
    best["  the rest"] = best["normalization"] - sum(best[p] for p in parts)
    entries = len(raw)
    fast_total = sum(best[s] for s in ("decoding", "XML parse (lxml)", "field extraction",
                                       "normalization"))
    slow_total = best["feedparser.parse"] + best["normalization"]
    print(f"stages on the {len(accepted)} accepted feeds ({entries:,} entries), "
          f"µs per entry:")
    order = ("decoding", "XML parse (lxml)", "field extraction", "normalization", *parts,
             "  the rest")
    for name in order:
        print(f"    {name:<20} {best[name] / entries * 1e6:>7.1f}")
    print(f"    {'= fast path':<20} {fast_total / entries * 1e6:>7.1f}   "
          f"({entries / fast_total:,.0f} entries/s)")
    print(f"    {'feedparser.parse':<20} {best['feedparser.parse'] / entries * 1e6:>7.1f}")
    print(f"    {'= feedparser path':<20} {slow_total / entries * 1e6:>7.1f}   "
          f"({entries / slow_total:,.0f} entries/s); ratio {slow_total / fast_total:.2f}x")


def _build(walk: FeedWalk) -> ParsedFeed:
    feed = walk.feed
    return build_feed(title=feed.get("title", ""), link=feed.get("link", ""),
                      lang=feed.get("language", ""), entries=walk.raw_entries())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--source", default="https://example.org/feed.xml",
                        help="the feed's URL, as the poller passes it (a file name: no base)")
    parser.add_argument("--content-type", default="application/xml",
                        help="the Content-Type the server sent ('' for none)")
    args = parser.parse_args()
    content_type = args.content_type or None
    corpus = _shared() / "corpus"
    if not (corpus / "feeds").is_dir():
        print(f"no corpus at {corpus} (set NEWSBOT_SHARED): nothing to measure")
        return
    feeds = corpus_feeds(corpus / "feeds")
    docs = [data for _, data in feeds]
    accepted = [d for d in docs
                if fastparse.parse_fast(d, source=args.source, content_type=content_type)]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"one core, one process, CPU time; source {args.source!r}, Content-Type "
          f"{content_type!r}; load average {load:.2f} on {os.cpu_count()} CPUs at start\n")
    common = {"repeat": args.repeat, "source": args.source, "content_type": content_type}
    throughput("all corpus feeds", docs, **common)
    throughput("accepted feeds", accepted, **common)
    print()
    stages(docs, **common)
    print()
    report_tally("corpus/feeds", compare(feeds, source=args.source,
                                          content_type=content_type))
    tricky = corpus / "tricky"
    if (tricky / "realworld").is_dir():
        report_tally("corpus/tricky/realworld", compare(
            real_world(tricky / "realworld"), source=args.source, content_type=content_type))
    tarball = tricky / "feedparser-6.0.14.tar.gz"
    if tarball.is_file():
        report_tally("feedparser 6.0.14 test suite (as files)", compare(
            feedparser_suite(tarball)))


if __name__ == "__main__":
    main()
