"""Summaries on the labeled dev pairs (../shared/eval): ROUGE against Lead-2 per language, and
the hard rules on every summary. The ROUGE code and the rule checker live in
bench/summaries.py; their own small tests come first.

Run with `-s` to see the figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.summaries import (
    evaluate,
    load_rows,
    ours,
    rouge_l,
    rouge_n,
    table,
    tokens,
    violations,
)

# --- the measuring tools ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [("Die Bürger kauften Häuser.", "de", ["die", "burg", "kauft", "haus"]),
     ("Nvidias Aktie", "de", ["nvidias", "akti"]),
     ("Shares rallied, 3.5% up", "en", ["share", "ralli", "3", "5", "up"]),
     ("", "en", [])],
    ids=["umlauts-kept-and-stemmed", "inflected-name", "english", "empty"],
)  # fmt: skip
def test_tokens(text: str, lang: str, expected: list[str]) -> None:
    assert tokens(text, lang) == expected


@pytest.mark.parametrize(
    ("candidate", "reference", "r1", "r2", "rl"),
    [("a b c d", "a b c d", 1.0, 1.0, 1.0),
     ("a b c d", "e f g", 0.0, 0.0, 0.0),
     ("a b", "a b c d", 2 / 3, 0.5, 2 / 3),  # P 1, R 1/2; bigrams P 1, R 1/3; LCS 2
     ("a x b y", "a b", 2 / 3, 0.0, 2 / 3),  # LCS "a b" across gaps
     ("a a a", "a", 0.5, 0.0, 0.5),  # counts are clipped: P 1/3, R 1
     ("", "a b", 0.0, 0.0, 0.0)],
    ids=["identical", "disjoint", "prefix", "gaps", "clipped", "empty"],
)  # fmt: skip
def test_rouge(candidate: str, reference: str, r1: float, r2: float, rl: float) -> None:
    cand, ref = candidate.split(), reference.split()
    assert rouge_n(cand, ref, 1) == pytest.approx(r1)
    assert rouge_n(cand, ref, 2) == pytest.approx(r2)
    assert rouge_l(cand, ref) == pytest.approx(rl)


@pytest.mark.parametrize(
    ("summary", "expected"),
    [("Der Kurs stieg.", []),
     ("Amazon.com can be held liable.", []),
     ("By Monday, the company had cut jobs.", []),
     ("Von der Leyen sagte das.", []),
     ("", []),
     ("x" * 300 + ".", ["too-long"]),
     ("Der Kurs stieg", ["no-sentence-end"]),
     ("Der Kurs stieg um 5 Prozent…", []),
     ("Der <b>Kurs</b> stieg.", ["html"]),
     ("Der Kurs &amp; die Aktie stiegen.", ["html"]),
     ("Mehr unter https://example.com.", ["url"]),
     ("Mehr auf www.example.com heute.", ["url"]),
     ("Siehe example.com/artikel/123 dazu.", ["url"]),
     ("By Jane Doe. Oil rose.", ["byline"]),
     ("By Nada Tawfik, BBC News, New York.", ["byline"]),
     ("Oil rose. Von Gregory Lipinski.", ["byline"]),
     ("PUBLISHED: 12:00 EST. Oil rose.", ["byline"]),
     ("Stand: 28.11.2024. Der Dax stieg.", ["stand"]),
     ("Lesen Sie auch: Der Dax stieg.", ["read-also"]),
     ("Scroll down for video. Oil rose.", ["read-also"]),
     ("Foto: dpa. Der Dax stieg.", ["photo"]),
     ("Der Dax stieg. Artikel teilen.", ["share-cookie"]),
     ("We use cookies to help.", ["share-cookie"])],
    ids=["clean", "domain-name-is-prose", "by-as-preposition", "von-der-leyen", "empty",
         "too-long", "no-end", "cut-with-ellipsis", "tag", "entity", "url", "www", "path",
         "byline-en", "byline-affiliation", "byline-de", "published", "stand", "lesen-sie-auch",
         "scroll-down", "foto", "share", "cookie"],
)  # fmt: skip
def test_violations(summary: str, expected: list[str]) -> None:
    assert violations(summary) == expected


# --- the dev pairs ----------------------------------------------------------------------------


@pytest.fixture(params=["de", "en"])
def dev_pairs(request: pytest.FixtureRequest, shared: Path) -> tuple[str, list[dict[str, Any]]]:
    lang: str = request.param
    path = shared / "eval" / f"summaries-dev.{lang}.jsonl"
    if not path.is_file():
        pytest.skip(f"{path.name} not present")
    return lang, load_rows(path)


@pytest.mark.corpus
def test_rouge_at_least_lead2(dev_pairs: tuple[str, list[dict[str, Any]]]) -> None:
    """Acceptance of #4: our ROUGE-1 F ≥ Lead-2's in each language (and above Lead-1)."""
    lang, rows = dev_pairs
    scores = evaluate(rows, lang)
    print("\n" + table(lang, len(rows), scores))
    assert scores["ours"].rouge1 >= scores["Lead-2"].rouge1
    assert scores["ours"].rouge1 > scores["Lead-1"].rouge1


@pytest.mark.corpus
def test_every_summary_keeps_the_hard_rules(dev_pairs: tuple[str, list[dict[str, Any]]]) -> None:
    """Acceptance of #4: ≤ 300 characters, ends at a sentence end, no HTML, URL fragment or
    boilerplate — and a summary for every article with text."""
    lang, rows = dev_pairs
    broken = {row["id"]: violations(summary) for row in rows if (summary := ours(row, lang))}
    broken = {id_: found for id_, found in broken.items() if found}
    empty = [row["id"] for row in rows if row["text"].strip() and not ours(row, lang)]
    print(f"\n{lang}: {len(rows)} summaries, {len(broken)} breaking a rule, {len(empty)} empty")
    assert broken == {}
    assert empty == []
