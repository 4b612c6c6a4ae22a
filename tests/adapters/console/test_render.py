"""Console rendering against golden files in `golden/` (one per case id).

To accept a deliberate change of layout, run with NEWSBOT_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.console.render import render_digest, render_reply_lines
from bot.core.models import Digest, DigestGroup, DigestItem, Lang

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("NEWSBOT_UPDATE_GOLDEN") == "1"

NOW = datetime(2026, 11, 28, 16, 45, tzinfo=UTC)  # 17:45 in Berlin

SNOW_DE = DigestItem(
    title="Snowflake nimmt DeepSeek-Modelle in seinen KI-Marktplatz auf",
    link="https://example.org/boerse/snowflake-deepseek-marktplatz",
    source="Börsenticker Demo",
    published=datetime(2026, 11, 28, 16, 5, tzinfo=UTC),
    summary=(
        "Der Cloud-Datenspezialist Snowflake bietet seinen Kunden künftig auch die offenen "
        "Sprachmodelle des chinesischen Entwicklers DeepSeek an. Den Ausschlag hätten "
        "zahlreiche Kundenanfragen gegeben."
    ),
    summary_lang="de",
    key="SNOW",
    tags=("DEEPSEEK", "KI"),
    move=-3.37,
)
SNOW_EN = DigestItem(
    title="Snowflake adds DeepSeek models to its AI marketplace",
    link="https://example.org/techwire/snowflake-deepseek",
    source="Tech & AI Wire (demo)",
    published=datetime(2026, 11, 27, 21, 30, tzinfo=UTC),  # the day before, in Berlin too
    summary="Data cloud provider Snowflake will host DeepSeek's open models for its customers.",
    summary_lang="en",
    key="SNOW",
    tags=("DEEPSEEK", "AI"),
    move=-1.2,
)
DEEPSEEK_DE = DigestItem(
    title="DeepSeek-Modell im Praxistest: günstig und schnell, aber lückenhaft bei Quellen",
    link="https://example.org/ki-notizen/deepseek-praxistest",
    source="KI-Notizen Demo",
    published=datetime(2026, 11, 28, 13, 15, tzinfo=UTC),
    summary="Das neue Modell von DeepSeek antwortet zügig und kostet pro Anfrage wenig.",
    summary_lang="de",
    key="DEEPSEEK",
    tags=("KI",),
)
NVDA_EN = DigestItem(
    title="DeepSeek releases an open-weight coding model; Nvidia shrugs off efficiency fears",
    link="https://example.org/techwire/deepseek-coder-nvidia",
    source="Tech & AI Wire (demo)",
    published=datetime(2026, 11, 28, 15, 40, tzinfo=UTC),
    summary=(
        "Chinese lab DeepSeek published the weights of a new model tuned for writing and "
        "reviewing code. Shares of Nvidia rose anyway, as analysts argued that cheaper training "
        "tends to widen the use of AI rather than shrink spending on chips."
    ),
    summary_lang="en",
    key="NVDA",
    tags=("DEEPSEEK", "AI"),
    move=2.1,
)
BARE = DigestItem(
    title="OpenAI eröffnet ein Büro in München",
    link=None,
    source="",
    published=None,
    summary="",
    summary_lang=None,
    key="OPENAI",
)


def full(lang: Lang) -> Digest:
    """Two groups, a move on one, tags, a foreign-language summary, an older item, overflow."""
    return Digest(
        lang=lang,
        timezone="Europe/Berlin",
        generated_at=NOW,
        groups=(
            DigestGroup(key="SNOW", kind="ticker", items=(SNOW_DE, SNOW_EN), move=-3.37),
            DigestGroup(key="NVDA", kind="ticker", items=(NVDA_EN,), move=2.1),
            DigestGroup(key="DEEPSEEK", kind="keyword", items=(DEEPSEEK_DE,)),
        ),
        overflow=12,
    )


def alert(lang: Lang) -> Digest:
    """An instant alert: one group without a move, one hidden story (singular)."""
    return Digest(
        lang=lang,
        timezone="Europe/Berlin",
        generated_at=NOW,
        groups=(DigestGroup(key="DEEPSEEK", kind="keyword", items=(DEEPSEEK_DE,)),),
        instant=True,
        overflow=1,
    )


def bare(lang: Lang) -> Digest:
    """Nothing optional: no source, time, summary, link, tags, move or overflow."""
    return Digest(
        lang=lang,
        timezone="America/New_York",
        generated_at=NOW,
        groups=(DigestGroup(key="OPENAI", kind="keyword", items=(BARE,)),),
    )


def empty(lang: Lang) -> Digest:
    return Digest(lang=lang, timezone="UTC", generated_at=NOW, groups=())


CASES = {
    "de-digest-full": full("de"),
    "en-digest-full": full("en"),
    "de-alert-one-more": alert("de"),
    "en-alert-one-more": alert("en"),
    "de-bare-item": bare("de"),
    "en-bare-item": bare("en"),
    "de-empty": empty("de"),
    "en-alert-empty": replace(empty("en"), instant=True),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_render_digest_golden(case: str) -> None:
    path = GOLDEN / f"{case}.txt"
    rendered = render_digest(CASES[case]) + "\n"
    if UPDATE:
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


def test_lines_fit_an_80_column_terminal() -> None:
    for digest in CASES.values():
        for line in render_digest(digest).splitlines():
            assert len(line) <= 80 or line.strip().startswith("https://"), line


def test_untrusted_feed_text_is_made_inert() -> None:
    hostile = replace(
        SNOW_DE,
        title="Snow\x1b[2J\x1b]0;pwned\x07flake\nrises \u202egnorts\u202c",
        source="Evil\rFeed",
        summary="A\tsummary\x00 with\u2066 isolates\u2069",
        link="https://example.org/a\x1b[31m",
    )
    digest = replace(full("en"), groups=(DigestGroup("SNOW", "ticker", (hostile,)),))
    text = render_digest(digest)
    assert not any(ch in text for ch in "\x1b\x07\x00\r\t\u202e\u202c\u2066\u2069")
    assert "Snow[2J]0;pwnedflake rises gnorts" in text
    assert "EvilFeed" in text or "Evil Feed" in text


@pytest.mark.parametrize(("lang", "expected"), [("de", "• (ohne Titel)"), ("en", "• (no title)")])
def test_an_untitled_item_still_gets_a_line(lang: Lang, expected: str) -> None:
    item = replace(BARE, title=" ")
    untitled = replace(bare(lang), groups=(DigestGroup("KI", "keyword", (item,)),))
    assert render_digest(untitled).splitlines()[3] == expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (("Subscribed: SNOW",), "Subscribed: SNOW"),
        (("Subscriptions:", "  SNOW", "", "  KI  "), "Subscriptions:\n  SNOW\n\n  KI"),
        (("two\nlines",), "two\nlines"),
        (("bell\x07 and \x1b[1mbold",), "bell and [1mbold"),
        (("\ttab",), "    tab"),
        ((), ""),
    ],
    ids=["one", "indent-and-blank-kept", "embedded-newline", "controls-dropped", "tab", "none"],
)
def test_render_reply_lines(lines: tuple[str, ...], expected: str) -> None:
    assert render_reply_lines(lines) == expected
