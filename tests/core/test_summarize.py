"""Sentence splitting and extractive summaries (German and English)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.core.summarize import split_sentences, summarize

# (id, text, lang, expected sentences)
SPLITS = [
    ("simple", "Der Kurs steigt. Die Anleger jubeln.", "de",
     ["Der Kurs steigt.", "Die Anleger jubeln."]),
    ("question-exclamation", "Was nun? Kaufen! Oder nicht.", "de",
     ["Was nun?", "Kaufen!", "Oder nicht."]),
    ("ellipsis", "Es kam anders … Dann fiel der Kurs.", "de",
     ["Es kam anders …", "Dann fiel der Kurs."]),
    ("z-b", "Chips, z. B. von Nvidia, sind knapp. Das bleibt so.", "de",
     ["Chips, z. B. von Nvidia, sind knapp.", "Das bleibt so."]),
    ("z-b-before-noun", "Einige Konzerne, z. B. Siemens, sparen.", "de",
     ["Einige Konzerne, z. B. Siemens, sparen."]),
    ("dr", "Dr. Weber leitet das Labor. Sie forscht.", "de",
     ["Dr. Weber leitet das Labor.", "Sie forscht."]),
    ("u-a", "Betroffen sind u.a. Banken. Versicherer auch.", "de",
     ["Betroffen sind u.a. Banken.", "Versicherer auch."]),
    ("mio-mrd", "Der Umsatz lag bei 5 Mio. Euro und 2 Mrd. Dollar. Das ist viel.", "de",
     ["Der Umsatz lag bei 5 Mio. Euro und 2 Mrd. Dollar.", "Das ist viel."]),
    ("nr", "Das ist Fonds Nr. 7 der Bank. Er läuft gut.", "de",
     ["Das ist Fonds Nr. 7 der Bank.", "Er läuft gut."]),
    ("bzw", "Aktien bzw. Anleihen sind gefragt. Gold auch.", "de",
     ["Aktien bzw. Anleihen sind gefragt.", "Gold auch."]),
    ("date-ordinal", "Die Hauptversammlung ist am 28. November in Berlin. Alle kommen.", "de",
     ["Die Hauptversammlung ist am 28. November in Berlin.", "Alle kommen."]),
    ("quarter-ordinal", "Im 3. Quartal wuchs der Umsatz. Im vierten auch.", "de",
     ["Im 3. Quartal wuchs der Umsatz.", "Im vierten auch."]),
    ("number-then-sentence", "Der Fonds liegt auf Platz 5. Die Konkurrenz holt auf.", "de",
     ["Der Fonds liegt auf Platz 5.", "Die Konkurrenz holt auf."]),
    ("thousands", "Das Labor nutzte 4.096 Chips. Sie waren teuer.", "de",
     ["Das Labor nutzte 4.096 Chips.", "Sie waren teuer."]),
    ("dt-bank", "Die Dt. Bank hebt das Ziel. Der Kurs zieht an.", "de",
     ["Die Dt. Bank hebt das Ziel.", "Der Kurs zieht an."]),
    ("us", "Sales in the U.S. rose sharply. Europe lagged.", "en",
     ["Sales in the U.S. rose sharply.", "Europe lagged."]),
    ("us-before-name", "The U.S. Treasury agreed. Markets rallied.", "en",
     ["The U.S. Treasury agreed.", "Markets rallied."]),
    ("inc", "Snowflake Inc. said on Monday it would grow. Shares fell.", "en",
     ["Snowflake Inc. said on Monday it would grow.", "Shares fell."]),
    ("inc-before-name", "Apple Inc. Chief Executive Tim Cook spoke. He smiled.", "en",
     ["Apple Inc. Chief Executive Tim Cook spoke.", "He smiled."]),
    ("initials", "Michael R. Bloomberg spoke. He left.", "en",
     ["Michael R. Bloomberg spoke.", "He left."]),
    ("english-year", "The plan ends in 2024. Then it is reviewed.", "en",
     ["The plan ends in 2024.", "Then it is reviewed."]),
    ("english-small-number", "They ranked No. 3. Then things changed.", "en",
     ["They ranked No. 3.", "Then things changed."]),
    ("closing-quote", 'Er sagte: "Wir wachsen." Dann ging er.', "de",
     ['Er sagte: "Wir wachsen."', "Dann ging er."]),
    ("german-quotes", "„Das reicht nicht.“ Der Chef widersprach.", "de",
     ["„Das reicht nicht.“", "Der Chef widersprach."]),
    ("lowercase-continues", "The stock rose 5 p.m. yesterday. It held.", "en",
     ["The stock rose 5 p.m. yesterday.", "It held."]),
    ("brand-in-lowercase", "Sales slowed. iPhone demand fell.", "en",
     ["Sales slowed.", "iPhone demand fell."]),
    ("blank-line-paragraphs", "Erster Absatz ohne Punkt\n\nZweiter Absatz.", "de",
     ["Erster Absatz ohne Punkt", "Zweiter Absatz."]),
    ("line-per-paragraph", "Heading without period\nBody sentence one. Body two.\nNext line.", "en",
     ["Heading without period", "Body sentence one.", "Body two.", "Next line."]),
    ("hard-wrapped",
     "Der Konzern hat am\nMontag mitgeteilt, dass\ndie Zahlen gut sind. Danach\nstieg der Kurs.",
     "de", ["Der Konzern hat am Montag mitgeteilt, dass die Zahlen gut sind.",
            "Danach stieg der Kurs."]),
    ("wrapped-lowercase-continuation", "Der Kurs fiel um\nfünf Prozent.", "de",
     ["Der Kurs fiel um fünf Prozent."]),
    ("whitespace-collapsed", "Ein   Satz\twird  gesäubert.", "de", ["Ein Satz wird gesäubert."]),
    ("empty", "  \n\n ", "de", []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "lang", "expected"), [c[1:] for c in SPLITS], ids=[c[0] for c in SPLITS]
)
def test_split_sentences(text: str, lang: str, expected: list[str]) -> None:
    assert split_sentences(text, lang=lang) == expected


ENDS = re.compile(r"[.!?…][\"'”“’‘»«)\]]*\Z")

ARTICLE = (
    "Der Chipkonzern meldete am Dienstag einen Rekordumsatz im 2. Quartal. "
    "Die Nachfrage nach Rechenzentren, z. B. für KI-Modelle, blieb hoch. "
    "Analysten rechnen mit weiteren Zuwächsen von rund 3 Mrd. Dollar. "
    "Der Konkurrent Intel verlor dagegen Marktanteile. "
    "Die Aktie schloss mit einem Plus."
)


@pytest.mark.parametrize(
    ("max_sentences", "max_chars"),
    [(1, 300), (2, 300), (3, 300), (2, 120), (3, 80), (1, 40), (5, 1000)],
    ids=["1x300", "2x300", "3x300", "2x120", "3x80", "1x40", "5x1000"],
)
def test_summary_respects_limits(max_sentences: int, max_chars: int) -> None:
    summary = summarize(
        title="Rekord", text=ARTICLE, lang="de", max_sentences=max_sentences, max_chars=max_chars
    )
    assert summary
    assert len(summary) <= max_chars
    assert ENDS.search(summary)
    assert len(split_sentences(summary, lang="de")) <= max_sentences
    if not summary.endswith("…"):
        assert ARTICLE.startswith(summary)  # whole lead sentences, in order


# (id, title, text, kwargs, expected summary)
SUMMARIES = [
    ("lead-two-sentences", "Rekord", ARTICLE, {},
     "Der Chipkonzern meldete am Dienstag einen Rekordumsatz im 2. Quartal. Die Nachfrage "
     "nach Rechenzentren, z. B. für KI-Modelle, blieb hoch."),
    ("skips-title-repeat", "Chipkonzern meldet Rekordumsatz",
     "Chipkonzern meldet Rekordumsatz. Die Nachfrage blieb hoch. Die Aktie stieg deutlich an.",
     {}, "Die Nachfrage blieb hoch. Die Aktie stieg deutlich an."),
    ("title-repeat-only", "Chipkonzern meldet Rekordumsatz", "Chipkonzern meldet Rekordumsatz",
     {}, "Chipkonzern meldet Rekordumsatz."),
    ("focus-not-in-lead", "Rekord", ARTICLE, {"focus_terms": ["Intel"]},
     "Der Chipkonzern meldete am Dienstag einen Rekordumsatz im 2. Quartal. Der Konkurrent "
     "Intel verlor dagegen Marktanteile."),
    ("focus-in-lead", "Rekord", ARTICLE, {"focus_terms": ["KI-Modelle"]},
     "Der Chipkonzern meldete am Dienstag einen Rekordumsatz im 2. Quartal. Die Nachfrage "
     "nach Rechenzentren, z. B. für KI-Modelle, blieb hoch."),
    ("focus-single-sentence", "Rekord", ARTICLE, {"focus_terms": ["intel"], "max_sentences": 1},
     "Der Konkurrent Intel verlor dagegen Marktanteile."),
    ("focus-absent", "Rekord", ARTICLE, {"focus_terms": ["$SNOW"], "max_sentences": 1},
     "Der Chipkonzern meldete am Dienstag einen Rekordumsatz im 2. Quartal."),
    ("too-long-first-sentence", "T",
     "Shares of the company rose sharply after it reported earnings well above expectations.",
     {"max_chars": 40}, "Shares of the company rose sharply…"),
    ("fragment-gets-period", "T", "Read the analysts on chips and cloud", {},
     "Read the analysts on chips and cloud."),
    ("byline-and-dateline", "T",
     "By . Jane Doe . PUBLISHED: . 12:00 EST . LONDON (Reuters) - Oil prices rose on "
     "Monday. Traders cited supply worries.", {},
     "Oil prices rose on Monday. Traders cited supply worries."),
    ("boilerplate-line", "T",
     "Media playback is unsupported on your device\nStorms damaged dozens of homes overnight.",
     {}, "Storms damaged dozens of homes overnight."),
    ("bullet", "T", "- Anleger warten auf neue Zahlen.\n- Der Dax schwankt stark.", {},
     "Anleger warten auf neue Zahlen. Der Dax schwankt stark."),
    ("empty-text", "A title that must not become a summary", "", {}, ""),
    ("blank-text", "Title", " \n ", {}, ""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("title", "text", "kwargs", "expected"),
    [c[1:] for c in SUMMARIES],
    ids=[c[0] for c in SUMMARIES],
)
def test_summarize(title: str, text: str, kwargs: dict[str, object], expected: str) -> None:
    assert summarize(title=title, text=text, lang="de", **kwargs) == expected  # type: ignore[arg-type]


@pytest.mark.corpus
@pytest.mark.parametrize("lang", ["de", "en"])
def test_summaries_dev_corpus(shared: Path, lang: str) -> None:
    path = shared / "eval" / f"summaries-dev.{lang}.jsonl"
    if not path.is_file():
        pytest.skip(f"{path.name} not present")
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    assert rows
    for row in rows:
        summary = summarize(title=row["title"], text=row["text"], lang=row.get("lang") or lang)
        assert len(summary) <= 300, row["id"]
        if row["text"].strip():
            assert summary, row["id"]
            assert ENDS.search(summary), (row["id"], summary)
