"""Summary quality on the dev pairs: ROUGE-1/2/L F of our summarizer against Lead-1 and Lead-2.

Run from the repository root: `.venv/bin/python bench/summaries.py [--rows]`.
Reads ../shared/eval/summaries-dev.{de,en}.jsonl (or NEWSBOT_SHARED/eval).

ROUGE is computed here rather than with `rouge-score`, whose default tokenizer keeps only
[a-z0-9] and so cuts "Bürger" into "b" and "rger". Tokens are Unicode words (letters and
digits), casefolded and reduced to their Snowball stem in the pair's language. ROUGE-N F is
the harmonic mean of clipped n-gram precision and recall; ROUGE-L F uses the longest common
subsequence of the two token lists (`rougeL` in rouge-score terms: the summary as one
sequence). Each figure is the mean over the pairs of a language.

Lead-k is the first k sentences of the text as our splitter cuts them, with no cleanup and no
length limit: the comparison shows what selection and cleanup add to the plain lead.

The hard rules every summary must keep (`violations`) are written out here independently of
the summarizer, from the issue text: at most 300 characters, ending at a sentence end, and no
HTML, URL fragment, byline, "Stand: …", "Lesen Sie auch", "Foto:", share or cookie text.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import snowballstemmer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.sentences import split_sentences
from bot.core.summarize import summarize

LANGS = ("de", "en")
MAX_CHARS = 300
_STEMMERS = {"de": "german", "en": "english"}
_WORD = re.compile(r"[^\W_]+")

# --- ROUGE ------------------------------------------------------------------------------------


@cache
def _stemmer(lang: str) -> Any:
    return snowballstemmer.stemmer(_STEMMERS[lang])


def tokens(text: str, lang: str) -> list[str]:
    """Unicode word tokens, casefolded, Snowball-stemmed: "Häuser" → "haus"."""
    words = [w.casefold() for w in _WORD.findall(text)]
    return list(_stemmer(lang).stemWords(words))


def _f1(overlap: int, candidate: int, reference: int) -> float:
    if not overlap:
        return 0.0
    precision, recall = overlap / candidate, overlap / reference
    return 2 * precision * recall / (precision + recall)


def _ngrams(words: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def rouge_n(candidate: Sequence[str], reference: Sequence[str], n: int) -> float:
    """ROUGE-N F: n-gram overlap, each n-gram counted at most as often as the other side has it."""
    cand, ref = _ngrams(candidate, n), _ngrams(reference, n)
    overlap = sum((cand & ref).values())
    return _f1(overlap, sum(cand.values()), sum(ref.values()))


def _lcs(a: Sequence[str], b: Sequence[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge_l(candidate: Sequence[str], reference: Sequence[str]) -> float:
    """ROUGE-L F: the longest common subsequence against both lengths."""
    return _f1(_lcs(candidate, reference), len(candidate), len(reference))


@dataclass
class Scores:
    r1: list[float] = field(default_factory=list)
    r2: list[float] = field(default_factory=list)
    rl: list[float] = field(default_factory=list)
    violations: Counter[str] = field(default_factory=Counter)
    broken: int = 0  # summaries with at least one violation

    def add(self, summary: str, reference: str, lang: str) -> float:
        cand, ref = tokens(summary, lang), tokens(reference, lang)
        self.r1.append(rouge_n(cand, ref, 1))
        self.r2.append(rouge_n(cand, ref, 2))
        self.rl.append(rouge_l(cand, ref))
        found = violations(summary)
        self.violations.update(found)
        self.broken += bool(found)
        return self.r1[-1]

    @staticmethod
    def _mean(values: Sequence[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    @property
    def rouge1(self) -> float:
        return self._mean(self.r1)

    @property
    def rouge2(self) -> float:
        return self._mean(self.r2)

    @property
    def rougel(self) -> float:
        return self._mean(self.rl)


# --- hard rules -------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?…][\"'”“’‘»«)\]]*\Z")
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_URL = re.compile(r"https?:|www\.|\b[\w-]+\.(?:com|org|net|de|co\.uk|html?|php)/\S", re.I)
# listed in the issue: bylines, "Stand: …", "Lesen Sie auch", "Foto:", share/cookie text
_BOILERPLATE = {
    # "By Jane Doe.", "Von Gregory Lipinski", "By Nada Tawfik, BBC News.", "PUBLISHED: …";
    # not "By Monday, the company …" nor "Von der Leyen sagte …"
    "byline": re.compile(
        r"(?:\A|[.!?]\s)(?:By|Von)\s+(?:\.\s+)?[A-ZÄÖÜ][\w'-]*(?:\s+[A-ZÄÖÜ][\w'-]*){0,3}"
        r"(?:,(?:\s+[A-ZÄÖÜ][\w'-]*)+)*\s*(?:[.|]|\Z)"
        r"|\b(?:PUBLISHED|UPDATED|Veröffentlicht|Aktualisiert)\s*:",
    ),
    "stand": re.compile(r"\bStand\s*:", re.I),
    "read-also": re.compile(
        r"\b(?:Lesen Sie (?:auch|mehr)|Mehr zum Thema|Read more|Read also|READ MORE"
        r"|Scroll down for|Click here|Klicken Sie hier)\b", re.I),
    "photo": re.compile(r"\b(?:Foto|Fotos|Bild|Photo|Image|Picture)\s*:", re.I),
    "share-cookie": re.compile(
        r"\bcookies?\b|\bshare (?:this|on)\b|\bteilen\b|\bnewsletter\b|\bsubscribe\b", re.I),
}


def violations(summary: str) -> list[str]:
    """The hard rules `summary` breaks: "too-long", "no-sentence-end", "html", "url" and the
    boilerplate kinds above. An empty summary breaks none."""
    if not summary:
        return []
    found = []
    if len(summary) > MAX_CHARS:
        found.append("too-long")
    if not _SENTENCE_END.search(summary):
        found.append("no-sentence-end")
    if _HTML.search(summary):
        found.append("html")
    if _URL.search(summary):
        found.append("url")
    found.extend(kind for kind, pattern in _BOILERPLATE.items() if pattern.search(summary))
    return found


# --- systems and data -------------------------------------------------------------------------

Row = dict[str, Any]
System = Callable[[Row, str], str]


def ours(row: Row, lang: str) -> str:
    return summarize(title=row.get("title") or "", text=row["text"], lang=lang)


def lead(k: int) -> System:
    def first_sentences(row: Row, lang: str) -> str:
        return " ".join(split_sentences(row["text"], lang=lang)[:k])

    return first_sentences


SYSTEMS: dict[str, System] = {"ours": ours, "Lead-1": lead(1), "Lead-2": lead(2)}


def shared_dir() -> Path:
    env = os.environ.get("NEWSBOT_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


def load_rows(path: Path) -> list[Row]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def evaluate(rows: Iterable[Row], lang: str, *, show: bool = False) -> dict[str, Scores]:
    scores = {name: Scores() for name in SYSTEMS}
    for row in rows:
        for name, system in SYSTEMS.items():
            summary = system(row, lang)
            r1 = scores[name].add(summary, row["reference_summary"], lang)
            if show and name == "ours":
                print(f"{row['id']}  R1 {r1:.3f}  {violations(summary) or ''}\n  {summary}")
    return scores


def table(lang: str, count: int, scores: dict[str, Scores]) -> str:
    lines = [
        f"{lang} ({count} pairs)  ROUGE-1 F  ROUGE-2 F  ROUGE-L F  rule violations",
        *(
            f"  {name:<8} {s.rouge1:>10.4f} {s.rouge2:>10.4f} {s.rougel:>10.4f}  "
            f"{s.broken:>3} {dict(s.violations) or ''}"
            for name, s in scores.items()
        ),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", action="store_true", help="print each of our summaries")
    args = parser.parse_args()
    for lang in LANGS:
        rows = load_rows(shared_dir() / "eval" / f"summaries-dev.{lang}.jsonl")
        print(table(lang, len(rows), evaluate(rows, lang, show=args.rows)))


if __name__ == "__main__":
    main()
