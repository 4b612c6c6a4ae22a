"""Console rendering against golden files in `golden/` (one per case id).

To accept a deliberate change of layout, run with NEWSBOT_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.console.adapter import ConsoleAdapter
from adapters.console.render import render_digest, render_digest_parts, render_reply_lines
from bot.core.digest import build_digest, digest_to_dict
from bot.core.models import (
    Article,
    Digest,
    DigestGroup,
    DigestItem,
    Lang,
    Match,
    MatchKind,
    PendingItem,
)
from bot.ports import AdapterLimits

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


def check_golden(name: str, rendered: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_render_digest_golden(case: str) -> None:
    check_golden(f"{case}.txt", render_digest(CASES[case]) + "\n")


# --- a fixed digest built from pending articles: the neutral model and its renderings -------

FEED_TIME = datetime(2026, 11, 28, 16, 5, tzinfo=UTC)


def match(key: str, kind: MatchKind, field: str = "text", at: int = 0,
          move: float | None = None) -> Match:
    assert field in ("title", "text")
    return Match(key=key, kind=kind, term=key, field="title" if field == "title" else "text",
                 start=at, end=at + len(key), move=move, via="name")


def pending(uid: str, feed: str, title: str, link: str, published: datetime, text: str,
            lang: str, *matches: Match) -> PendingItem:
    article = Article(uid=uid, title=title, link=link, published=published, text=text,
                      lang=lang, feed_title=feed)
    return PendingItem(delivery_id=0, article=article, matches=matches,
                       created_at=datetime(2026, 11, 28, 16, 40, tzinfo=UTC))


SNOW_TITLE = "Snowflake nimmt DeepSeek-Modelle in seinen KI-Marktplatz auf"
SNOW_TEXT = (
    "Der Cloud-Datenspezialist Snowflake bietet seinen Kunden künftig auch die offenen "
    "Sprachmodelle des chinesischen Entwicklers DeepSeek an. Den Ausschlag hätten zahlreiche "
    "Kundenanfragen gegeben."
)
SNOW_MATCHES = (
    match("SNOW", "ticker", "title", 0, move=-3.37),
    match("DEEPSEEK", "keyword", "title", 16),
    match("KI", "keyword", "text", 40),
)
OLDER = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

# One story from three feeds (same link with tracking, and an agency-prefixed headline), an
# English story with its own move, a rising NVDA, a German keyword story, and two older ones
# that overflow.
PENDING = [
    pending("boerse-1", "Börsenticker Demo", SNOW_TITLE,
            "https://example.org/boerse/snowflake-deepseek-marktplatz", FEED_TIME, SNOW_TEXT,
            "de", *SNOW_MATCHES),
    pending("fin-77", "Finanzen Demo", SNOW_TITLE,
            "https://www.example.org/boerse/snowflake-deepseek-marktplatz?utm_source=rss",
            FEED_TIME + timedelta(minutes=15), SNOW_TEXT, "de", *SNOW_MATCHES),
    pending("mt-9", "Markt-Ticker Demo", "ROUNDUP: " + SNOW_TITLE,
            "https://markt.example.net/snowflake-roundup", FEED_TIME + timedelta(minutes=30),
            "Snowflake öffnet seinen Marktplatz für DeepSeek.", "de", *SNOW_MATCHES),
    pending("tw-1", "Tech & AI Wire (demo)", "Snowflake adds DeepSeek models to its AI marketplace",
            "https://example.org/techwire/snowflake-deepseek",
            datetime(2026, 11, 27, 21, 30, tzinfo=UTC),
            "Data cloud provider Snowflake will host DeepSeek's open models for its customers.",
            "en", match("SNOW", "ticker", "title", 0, move=-1.2),
            match("DEEPSEEK", "keyword", "title", 15), match("AI", "keyword", "title", 40)),
    pending("tw-2", "Tech & AI Wire (demo)",
            "DeepSeek releases an open-weight coding model; Nvidia shrugs off efficiency fears",
            "https://example.org/techwire/deepseek-coder-nvidia",
            datetime(2026, 11, 28, 15, 40, tzinfo=UTC), NVDA_EN.summary, "en",
            match("NVDA", "ticker", "title", 50, move=2.1), match("DEEPSEEK", "keyword", "title"),
            match("AI", "keyword", "text", 90)),
    pending("ki-3", "KI-Notizen Demo", DEEPSEEK_DE.title, DEEPSEEK_DE.link or "",
            datetime(2026, 11, 28, 13, 15, tzinfo=UTC), DEEPSEEK_DE.summary, "de",
            match("DEEPSEEK", "keyword", "title"), match("KI", "keyword", "text", 30)),
    pending("old-1", "KI-Notizen Demo", "KI-Verordnung: Was Unternehmen jetzt wissen müssen",
            "https://example.org/ki-notizen/verordnung", OLDER, "Ein Überblick.", "de",
            match("KI", "keyword", "title")),
    pending("old-2", "Börsenticker Demo", "SAP hebt Prognose für Cloud-Umsatz an",
            "https://example.org/boerse/sap-prognose", OLDER - timedelta(hours=1),
            "SAP erwartet mehr Umsatz mit Cloud-Diensten.", "de",
            match("SAP", "ticker", "title", move=1.05)),
]


def fixed(lang: Lang) -> Digest:
    """The pending articles above as a digest of at most four stories."""
    return build_digest(items=PENDING, lang=lang, timezone="Europe/Berlin", now=NOW,
                        instant=False, summarize=lambda article, _: article.text, max_items=4)


# Small enough to split the fixed digest in four: a group continued with "(cont.)", one
# part ended by max_items, the overflow line on the last part.
SMALL = AdapterLimits(max_chars=520, max_items=2)
PART_BREAK = "\n\n──── next message ────\n\n"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_fixed_digest_model_golden(lang: Lang) -> None:
    data = json.dumps(digest_to_dict(fixed(lang)), ensure_ascii=False, indent=2) + "\n"
    check_golden(f"{lang}-fixed-digest.json", data)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_fixed_digest_golden(lang: Lang) -> None:
    check_golden(f"{lang}-fixed-digest.txt", render_digest(fixed(lang)) + "\n")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_fixed_digest_parts_golden(lang: Lang) -> None:
    parts = render_digest_parts(fixed(lang), SMALL)
    check_golden(f"{lang}-fixed-digest-parts.txt", PART_BREAK.join(parts) + "\n")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_fixed_digest_parts_keep_limits_and_content(lang: Lang) -> None:
    digest = fixed(lang)
    parts = render_digest_parts(digest, SMALL)
    assert len(parts) > 2
    for number, text in enumerate(parts, start=1):
        assert len(text) <= SMALL.max_chars
        assert text.count("\n• ") <= SMALL.max_items
        assert text.splitlines()[0].endswith(f" ({number}/{len(parts)})")
    joined = "\n".join(parts)
    links = [i.link for g in digest.groups for i in g.items]
    assert [line.strip() for line in joined.splitlines() if "https://" in line] == links
    assert "+2 " in joined and ("(Forts.)" if lang == "de" else "(cont.)") in joined
    assert parts[-1].endswith("2 weitere Meldungen" if lang == "de" else "2 more stories")
    # one message under the console's own limits, the same text as render_digest
    assert render_digest_parts(digest, ConsoleAdapter.limits) == [render_digest(digest)]


def test_fixed_digest_folds_the_three_feeds() -> None:
    digest = fixed("de")
    first = digest.groups[0].items[0]
    assert (first.uid, first.also_in) == ("boerse-1", ("Finanzen Demo", "Markt-Ticker Demo"))
    assert digest.overflow == 2


def test_lines_fit_an_80_column_terminal() -> None:
    texts = [render_digest(d) for d in CASES.values()]
    texts += [t for lang in ("de", "en") for t in render_digest_parts(fixed(lang), SMALL)]
    for text in texts:
        for line in text.splitlines():
            assert len(line) <= 80 or line.strip().startswith("https://"), line


@pytest.mark.parametrize(
    ("summary_lang", "lang", "expected"),
    [
        ("en", "de", "(Original auf Englisch) "),
        ("de", "en", "(original in German) "),
        ("en", "en", ""),
        ("fr", "de", "(Original: FR) "),
        (None, "de", ""),
    ],
    ids=["en-in-de", "de-in-en", "same-language", "other-language", "unknown"],
)
def test_summary_language_marker(summary_lang: str | None, lang: Lang, expected: str) -> None:
    item = replace(SNOW_EN, summary="Short.", summary_lang=summary_lang)
    digest = replace(full(lang), groups=(DigestGroup("SNOW", "ticker", (item,)),), overflow=0)
    assert f"  {expected}Short." in render_digest(digest).splitlines()


@pytest.mark.parametrize(
    ("also_in", "lang", "expected"),
    [
        (("B",), "de", "+1 Quelle"),
        (("B", "C"), "de", "+2 Quellen"),
        (("B",), "en", "+1 source"),
        (("B", "C", "D"), "en", "+3 sources"),
        ((), "en", None),
    ],
    ids=["de-one", "de-two", "en-one", "en-three", "not-folded"],
)
def test_folded_sources_in_meta_line(
    also_in: tuple[str, ...], lang: Lang, expected: str | None
) -> None:
    item = replace(SNOW_DE, also_in=also_in)
    digest = replace(full(lang), groups=(DigestGroup("SNOW", "ticker", (item,), -3.37),))
    meta = render_digest(digest).splitlines()[4]
    assert meta.startswith("  Börsenticker Demo · ")
    if expected is None:
        assert "+" not in meta
    else:
        assert meta.split(" · ")[1] == expected


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
