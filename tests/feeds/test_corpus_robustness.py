"""Every feed of feedparser's own test suite and of the real-world tricky set goes through
parse → normalize → dedupe → match without a traceback; failures are named ParseErrors
(bench/corpus.py prints the same figures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.corpus import feedparser_suite, real_world, run

pytestmark = pytest.mark.corpus


def test_feedparser_suite_has_no_tracebacks(shared: Path) -> None:
    tarball = shared / "corpus" / "tricky" / "feedparser-6.0.14.tar.gz"
    if not tarball.is_file():
        pytest.skip("feedparser's test suite is not present")
    tally = run(feedparser_suite(tarball))
    assert tally.tracebacks == []
    assert tally.tried > 2000
    assert tally.parsed + sum(tally.failed.values()) == tally.tried
    assert set(tally.failed) <= {"not a feed"}, tally.failed


def test_real_world_set_has_no_tracebacks(shared: Path) -> None:
    folder = shared / "corpus" / "tricky" / "realworld"
    if not folder.is_dir():
        pytest.skip("the real-world tricky set is not present")
    tally = run(real_world(folder))
    assert tally.tracebacks == []
    assert tally.parsed >= tally.tried - 2, tally.failed  # two files are not feeds at all
