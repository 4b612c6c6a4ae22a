"""Extractive summaries (German and English): the rules of bot/core/summarize.py, one table
row each. Sentence splitting is tests/core/test_sentences.py; the dev-set figures are
tests/core/test_summaries_eval.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.core.sentences import ends_sentence, split_sentences
from bot.core.summarize import summarize
from bot.core.text import detect_lang

ARTICLE = (
    "Der Chipkonzern meldete am Dienstag einen Rekordumsatz im 2. Quartal. "
    "Die Nachfrage nach Rechenzentren, z. B. für KI-Modelle, blieb hoch. "
    "Analysten rechnen mit weiteren Zuwächsen von rund 3 Mrd. Dollar. "
    "Der Konkurrent Intel verlor dagegen Marktanteile. "
    "Die Aktie schloss mit einem Plus."
)
ARTICLE_SENTENCES = split_sentences(ARTICLE, lang="de")
# the first sentence is 151 characters, the second 43
LONG_LEAD = (
    "Shares of the company rose sharply on Tuesday after it reported quarterly earnings well "
    "above expectations, helped by strong demand for its data center chips. "
    "Analysts raised their targets. The stock hit a record."
)
ONE_LONG_SENTENCE = (
    "Shares of the company rose sharply on Tuesday, after it reported quarterly earnings well "
    "above expectations and raised its forecast for the year."
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
    assert ends_sentence(summary)
    sentences = split_sentences(summary, lang="de")
    assert len(sentences) <= max_sentences
    if not summary.endswith("…"):
        # whole sentences of the article, in its order
        positions = [ARTICLE_SENTENCES.index(s) for s in sentences]
        assert positions == sorted(positions)


# (id, title, text, kwargs, expected summary); lang="de" unless kwargs say otherwise
SUMMARIES: list[tuple[str, str, str, dict[str, Any], str]] = [
    # the lead
    ("lead-two-sentences", "Rekord", ARTICLE, {},
     "Der Chipkonzern meldete am Dienstag einen Rekordumsatz im 2. Quartal. Die Nachfrage "
     "nach Rechenzentren, z. B. für KI-Modelle, blieb hoch."),
    ("one-sentence", "Rekord", ARTICLE, {"max_sentences": 1},
     "Der Chipkonzern meldete am Dienstag einen Rekordumsatz im 2. Quartal."),
    ("skips-title-repeat", "Chipkonzern meldet Rekordumsatz",
     "Chipkonzern meldet Rekordumsatz. Die Nachfrage blieb hoch. Die Aktie stieg deutlich an.",
     {}, "Die Nachfrage blieb hoch. Die Aktie stieg deutlich an."),
    ("title-repeat-fused-heading", "Coronavirus und andere Zoonosen – Wie Umweltzerstörung "
     "neue Epidemien begünstigt",
     "Coronavirus und andere ZoonosenWie Umweltzerstörung neue Epidemien begünstigt\n"
     "Sars-CoV-2 stammt von einem Tier. Allein in Fledermäusen existieren viele Coronaviren.",
     {}, "Sars-CoV-2 stammt von einem Tier. Allein in Fledermäusen existieren viele "
     "Coronaviren."),
    ("title-repeat-only", "Chipkonzern meldet Rekordumsatz", "Chipkonzern meldet Rekordumsatz",
     {}, "Chipkonzern meldet Rekordumsatz."),
    ("fragment-gets-period", "T", "Read the analysts on chips and cloud", {"lang": "en"},
     "Read the analysts on chips and cloud."),
    ("deck-under-headline-counts", "Robots draw blood",
     "First clinical trial of an automated blood drawing device\nIn the future, robots could "
     "take blood samples.", {"lang": "en"},
     "First clinical trial of an automated blood drawing device. In the future, robots could "
     "take blood samples."),
    # teasers
    ("question-opening", "T",
     "Do you suffer from FOMO? Three new apps promise help. They launched at SXSW this week.",
     {"lang": "en"}, "Three new apps promise help. They launched at SXSW this week."),
    ("question-later", "T",
     "Emissions fell 2 percent last year. The reason for that decline? Old coal plants closed.",
     {"lang": "en"}, "Emissions fell 2 percent last year. Old coal plants closed."),
    ("quote-opening-over-two-sentences", "T",
     '"Was genau sie hat, sage ich nicht. Klar ist, dass sie fehlt", sagt die Direktorin. '
     "Die Stuttgarterinnen führen in der Serie mit 2:1. Ein Sieg reicht zum Titel.", {},
     "Die Stuttgarterinnen führen in der Serie mit 2:1. Ein Sieg reicht zum Titel."),
    ("german-quote-opening", "T",
     "„Das reicht nicht“, sagte der Chef am Montag. Der Konzern kürzt die Prognose deutlich. "
     "Die Aktie fiel.", {"max_sentences": 1}, "Der Konzern kürzt die Prognose deutlich."),
    ("only-teasers-used-after-all", "T",
     "Was bringt das neue Jahr für Anleger? Wer gewinnt an der Börse?", {},
     "Was bringt das neue Jahr für Anleger? Wer gewinnt an der Börse?"),
    # furniture
    ("byline-and-dateline", "T",
     "By . Jane Doe . PUBLISHED: . 12:00 EST . LONDON (Reuters) - Oil prices rose on "
     "Monday. Traders cited supply worries.", {"lang": "en"},
     "Oil prices rose on Monday. Traders cited supply worries."),
    ("byline-line", "T",
     "By Nada Tawfik, BBC News, New York\nImages have emerged of coffins in a mass grave.",
     {"lang": "en"}, "Images have emerged of coffins in a mass grave."),
    ("german-byline-line", "T",
     "Von Gregory Lipinski\nFreenet steigt mit der Übernahme ins TV-Geschäft ein.", {},
     "Freenet steigt mit der Übernahme ins TV-Geschäft ein."),
    ("byline-sentence", "T", "Aktienfonds als Altersvorsorge für junge Sparer. Von T. Luther.",
     {}, "Aktienfonds als Altersvorsorge für junge Sparer."),
    ("by-is-not-always-a-byline", "T", "By Monday, the company had cut 500 jobs in Ohio.",
     {"lang": "en"}, "By Monday, the company had cut 500 jobs in Ohio."),
    ("von-is-not-always-a-byline", "T",
     "Von der Leyen sagte am Montag, das reiche nicht aus.", {},
     "Von der Leyen sagte am Montag, das reiche nicht aus."),
    ("stand-label", "T",
     "Stand: 28.11.2024 09:30 Uhr\nDie Bundesbank senkt ihre Prognose für das Wachstum.", {},
     "Die Bundesbank senkt ihre Prognose für das Wachstum."),
    ("stand-des-artikels", "T",
     "Stand des Artikels: 26. Februar 2020, 12:30 Uhr. In Baden-Württemberg ist ein erster "
     "Patient bestätigt.", {}, "In Baden-Württemberg ist ein erster Patient bestätigt."),
    ("lesen-sie-auch", "T",
     "Der Dax schloss im Plus. Lesen Sie auch: Was die Zinswende für Sparer bedeutet. "
     "Die Anleger blieben vorsichtig.", {},
     "Der Dax schloss im Plus. Die Anleger blieben vorsichtig."),
    ("photo-label-and-credit", "T",
     "Foto: Max Mustermann/dpa\nDer Vorstand (Foto: dpa) legte am Montag neue Zahlen vor.", {},
     "Der Vorstand legte am Montag neue Zahlen vor."),
    ("share-and-cookie-text", "T",
     "Artikel teilen auf Facebook\nWir nutzen Cookies, um die Seite zu verbessern. Der Umsatz "
     "stieg im dritten Quartal kräftig.", {}, "Der Umsatz stieg im dritten Quartal kräftig."),
    ("media-playback-line", "T",
     "Media playback is unsupported on your device\nStorms damaged dozens of homes overnight.",
     {"lang": "en"}, "Storms damaged dozens of homes overnight."),
    ("url-sentence", "T",
     "Die Zahlen stehen unter https://example.com/bericht.pdf bereit. Der Gewinn stieg um "
     "ein Drittel.", {}, "Der Gewinn stieg um ein Drittel."),
    ("markup", "T",
     "<p>Der Kurs &amp; die Aktie stiegen am Montag deutlich.</p><p>Foto: dpa/Max Muster</p>",
     {}, "Der Kurs & die Aktie stiegen am Montag deutlich."),
    ("lost-link-text", "T",
     "The stakes are high for all candidates tonight. But they're especially high for . "
     "Polls close at eight.", {"lang": "en"},
     "The stakes are high for all candidates tonight. Polls close at eight."),
    ("bullet", "T", "- Anleger warten auf neue Zahlen.\n- Der Dax schwankt stark.", {},
     "Anleger warten auf neue Zahlen. Der Dax schwankt stark."),
    ("empty-text", "A title that must not become a summary", "", {}, ""),
    ("blank-text", "Title", " \n ", {}, ""),
    ("only-furniture", "Title", "Stand: 28.11.2024\nLesen Sie auch: Mehr zum Thema", {}, ""),
    # the budget: whole sentences; a long one is passed over; a cut only when nothing fits
    ("second-too-long-third-fits", "T", LONG_LEAD, {"lang": "en", "max_chars": 80},
     "Analysts raised their targets. The stock hit a record."),
    ("first-too-long-next-fits", "T", LONG_LEAD, {"lang": "en", "max_chars": 40,
                                                  "max_sentences": 1},
     "Analysts raised their targets."),
    ("nothing-fits-cut-at-clause", "T", ONE_LONG_SENTENCE, {"lang": "en", "max_chars": 60},
     "Shares of the company rose sharply on Tuesday…"),
    ("nothing-fits-cut-at-word", "T", ONE_LONG_SENTENCE, {"lang": "en", "max_chars": 100},
     "Shares of the company rose sharply on Tuesday, after it reported quarterly earnings "
     "well above…"),
    # the feed's description
    ("description-prose", "Rekord", ARTICLE,
     {"description": "Der Chipkonzern verdient so viel wie nie. Die KI-Nachfrage treibt den "
                     "Umsatz."},
     "Der Chipkonzern verdient so viel wie nie. Die KI-Nachfrage treibt den Umsatz."),
    ("description-truncated", "Rekord", ARTICLE,
     {"description": "Der Chipkonzern verdient so viel wie nie, weil die Nachfrage […]",
      "max_sentences": 1},
     "Der Chipkonzern meldete am Dienstag einen Rekordumsatz im 2. Quartal."),
    ("description-cut-with-dots", "Rekord", ARTICLE,
     {"description": "Der Chipkonzern verdient so viel wie nie, weil die Nachfrage...",
      "max_sentences": 1},
     "Der Chipkonzern meldete am Dienstag einen Rekordumsatz im 2. Quartal."),
    ("description-is-title", "Chipkonzern meldet Rekordumsatz im zweiten Quartal", ARTICLE,
     {"description": "Chipkonzern meldet Rekordumsatz im zweiten Quartal.",
      "max_sentences": 1},
     "Der Chipkonzern meldete am Dienstag einen Rekordumsatz im 2. Quartal."),
    ("description-too-short", "Rekord", ARTICLE,
     {"description": "Mehr Umsatz.", "max_sentences": 1},
     "Der Chipkonzern meldete am Dienstag einen Rekordumsatz im 2. Quartal."),
    ("description-furniture", "Rekord", ARTICLE,
     {"description": "Lesen Sie hier alles über den Chipkonzern und seinen Rekordumsatz.",
      "max_sentences": 1},
     "Der Chipkonzern meldete am Dienstag einen Rekordumsatz im 2. Quartal."),
    ("description-markup", "Rekord", ARTICLE,
     {"description": "<p>Der Chipkonzern verdient so viel wie nie, und die Aktie "
                     "steigt.</p>", "max_sentences": 1},
     "Der Chipkonzern verdient so viel wie nie, und die Aktie steigt."),
    ("description-without-text", "T", "",
     {"description": "Der Chipkonzern verdient so viel wie nie, und die Aktie steigt."},
     "Der Chipkonzern verdient so viel wie nie, und die Aktie steigt."),
    # focus terms
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
    ("focus-with-description", "Rekord", ARTICLE,
     {"description": "Der Chipkonzern verdient so viel wie nie. Die Aktie steigt.",
      "focus_terms": ["Intel"]},
     "Der Chipkonzern verdient so viel wie nie. Der Konkurrent Intel verlor dagegen "
     "Marktanteile."),
    ("focus-too-long-cut-keeps-term", "T",
     "Markets were calm on Monday. " + ONE_LONG_SENTENCE.replace("the company", "Nvidia"),
     {"lang": "en", "focus_terms": ["Nvidia"], "max_chars": 60},
     "Shares of Nvidia rose sharply on Tuesday…"),
    ("focus-after-a-cut-lead-stands-alone", "T",
     " ".join([ONE_LONG_SENTENCE] * 4) + " Nvidia gained four percent on Monday.",
     {"lang": "en", "focus_terms": ["Nvidia"], "max_chars": 100},
     "Nvidia gained four percent on Monday."),
    ("focus-cut-would-lose-term", "T",
     "Markets were calm on Monday. " + ONE_LONG_SENTENCE.replace("the year", "Nvidia"),
     {"lang": "en", "focus_terms": ["Nvidia"], "max_chars": 60}, "Markets were calm on Monday."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("title", "text", "kwargs", "expected"),
    [c[1:] for c in SUMMARIES],
    ids=[c[0] for c in SUMMARIES],
)
def test_summarize(title: str, text: str, kwargs: dict[str, Any], expected: str) -> None:
    options = {"lang": "de", **kwargs}
    assert summarize(title=title, text=text, **options) == expected


@pytest.mark.parametrize(
    ("max_sentences", "max_chars"), [(0, 300), (2, 1)], ids=["no-sentences", "no-room"]
)
def test_no_budget_no_summary(max_sentences: int, max_chars: int) -> None:
    assert summarize(title="T", text=ARTICLE, lang="de", max_sentences=max_sentences,
                     max_chars=max_chars) == ""  # fmt: skip


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("title", "focus_terms"),
    [(None, ()), ("first-sentence", ("$SNOW", "Snowflake"))],
    ids=["no-title", "title-is-lead-focus-on-ticker"],
)
def test_seed_article_summary(
    shared: Path, title: str | None, focus_terms: tuple[str, ...]
) -> None:
    """The article the product started from: a German summary about Snowflake and DeepSeek,
    also when the feed's title is the first sentence and the ticker is the focus."""
    seed = shared / "seed" / "snowflake-deepseek.de.txt"
    if not seed.is_file():
        pytest.skip("seed article not present")
    text = seed.read_text("utf-8")
    first = split_sentences(text, lang="de")[0]
    shown_title = first if title else ""
    summary = summarize(title=shown_title, text=text, lang="de",
                        focus_terms=focus_terms)  # fmt: skip
    # the item names Snowflake and DeepSeek; the summary never repeats the title
    assert "Snowflake" in f"{shown_title} {summary}" and "DeepSeek" in summary
    if title:
        assert first not in summary
    assert detect_lang(summary) == "de"
    assert len(summary) <= 300 and ends_sentence(summary)
