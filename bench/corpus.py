"""Parse robustness over hostile and odd feeds: feedparser's own test suite (2,2xx feeds,
read straight from its release tarball) and the real-world set of ../shared/corpus/tricky.

Run from the repository root: `.venv/bin/python -m bench.corpus`. Every file goes through
the bot's own path (parse → normalize → dedupe → match against a small watchlist); a failure
must be a named `ParseError`, never a traceback. Prints, per set: feeds tried, parsed (with
how many entries), failed with a named error (by reason), and tracebacks, which must be 0.
Exit status 1 when any traceback happened, so it can gate a run.
"""

from __future__ import annotations

import collections
import io
import os
import sys
import tarfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.dedupe import dedupe_within_feed
from bot.core.matching import compile_matcher
from bot.core.models import KeywordEntry, TickerEntry
from bot.errors import ParseError
from bot.feeds.parse import parse_feed

MATCHER = compile_matcher(
    tickers=[TickerEntry(symbol="NVDA", names=("Nvidia",)), TickerEntry(symbol="AAPL",
                                                                        names=("Apple",))],
    keywords=[KeywordEntry(key="AI", terms=("AI", "artificial intelligence")),
              KeywordEntry(key="KI", terms=("KI", "künstliche Intelligenz"))],
)


@dataclass
class Tally:
    tried: int = 0
    parsed: int = 0
    entries: int = 0
    matches: int = 0
    failed: collections.Counter[str] = field(default_factory=collections.Counter)
    tracebacks: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _shared() -> Path:
    env = os.environ.get("NEWSBOT_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


def feedparser_suite(tarball: Path) -> Iterator[tuple[str, bytes]]:
    with tarfile.open(tarball) as archive:
        for member in archive:
            name = member.name
            if member.isfile() and "/tests/" in name and name.endswith((".xml", ".rdf", ".atom")):
                handle = archive.extractfile(member)
                if handle is not None:
                    yield name.split("/tests/", 1)[1], handle.read()


def real_world(folder: Path) -> Iterator[tuple[str, bytes]]:
    for path in sorted(folder.iterdir()):
        if path.is_file():
            yield path.name, path.read_bytes()


def _reason(message: str) -> str:
    # "not a feed: an HTML page" → "not a feed"; keeps the tally readable
    return message.split(":", 1)[0].strip()[:60]


def run(files: Iterator[tuple[str, bytes]]) -> Tally:
    tally = Tally()
    began = time.perf_counter()
    for name, data in files:
        tally.tried += 1
        try:
            feed = parse_feed(data, source=name)
            articles = dedupe_within_feed(list(feed.articles))
            for article in articles:
                tally.matches += len(MATCHER.match(title=article.title, text=article.text,
                                                   lang=article.lang))
        except ParseError as exc:
            tally.failed[_reason(str(exc))] += 1
        except Exception:
            tally.tracebacks.append(f"{name}:\n{traceback.format_exc()}")
        else:
            tally.parsed += 1
            tally.entries += len(articles)
    tally.seconds = time.perf_counter() - began
    return tally


def report(title: str, tally: Tally) -> None:
    failed = sum(tally.failed.values())
    print(f"{title}: {tally.tried:,} feeds tried in {tally.seconds:.1f} s; parsed {tally.parsed:,} "
          f"({tally.entries:,} entries, {tally.matches:,} matches); failed with a named error "
          f"{failed:,}; tracebacks {len(tally.tracebacks)}")
    for reason, count in tally.failed.most_common(8):
        print(f"    {count:>5}  {reason}")
    for text in tally.tracebacks[:5]:
        print(io.StringIO(text).read())


def main() -> int:
    tricky = _shared() / "corpus" / "tricky"
    if not tricky.is_dir():
        print(f"no corpus at {tricky} (set NEWSBOT_SHARED): nothing to measure")
        return 0
    tracebacks = 0
    tarball = tricky / "feedparser-6.0.14.tar.gz"
    if tarball.is_file():
        tally = run(feedparser_suite(tarball))
        report("feedparser 6.0.14 test suite", tally)
        tracebacks += len(tally.tracebacks)
    if (tricky / "realworld").is_dir():
        tally = run(real_world(tricky / "realworld"))
        report("real-world tricky feeds", tally)
        tracebacks += len(tally.tracebacks)
    return 1 if tracebacks else 0


if __name__ == "__main__":
    sys.exit(main())
