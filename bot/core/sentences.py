"""Sentence splitting for German and English news text: rules, no model, no I/O.

The text is cut into paragraphs first (blank lines; single line breaks unless the block is
hard-wrapped), then each paragraph at terminal punctuation followed by whitespace, unless the
period belongs to an abbreviation, an initial, a German ordinal or a number, or the next word
goes on in lowercase. Abbreviations that can also end a sentence ("Corp.", "U.S.", "a.m.")
do so before a word that opens sentences ("… Acme Corp. The firm …").

Why these rules and not pysbd. pysbd 0.3.4 (the "Golden Rules" segmenter), alone and with
our boundary rules as a guard that re-joins its cuts where the rules see no sentence end,
was measured against the rules on the 74 cases of tests/core/test_sentences.py (German and
English abbreviations, ordinals, dates, numbers, quotes, initials, URLs, ellipses, bylines,
headings and wrapped lines), on the summary dev pairs (bench/summaries.py, ROUGE-1 F of our
summaries) and on the longest dev article (31,054 characters, per paragraph as here):

    splitter        table    ROUGE-1 F de / en    time
    rules           73/74    0.4288 / 0.3509       5 ms
    pysbd           63/74    0.4288 / 0.3486      70 ms
    pysbd + guard   70/74    0.4288 / 0.3486      75 ms

pysbd's own misses (a guard that only re-joins cannot fix them): no cut after "Platz 5." or
"…" before a capital, or after "the U.S." before "Then", and a cut inside a closing quote
('"Wir wachsen.', '" Dann'). Its cuts after "Dt.", "ca.", "ggü.", "Abs.", "6.10." and
"Inc." before a name are what the guard repairs. The rules miss one case pysbd gets
("Yahoo! Inc. said …"). So the rules stay and pysbd is no dependency; the table comparison is
`test_rules_against_pysbd`, which runs when pysbd is installed.
"""

from __future__ import annotations

import re

from bot.core.lexicon import (
    ABBREVIATIONS,
    NUMERAL_ABBREVIATIONS,
    SENTENCE_FINAL_ABBREVIATIONS,
    SENTENCE_OPENERS_DE,
    SENTENCE_OPENERS_EN,
)

__all__ = ["ends_sentence", "paragraphs", "split_sentences"]

_TERMINAL = ".!?…"
# closing quotes and brackets that belong to the sentence before them; German closes „…“
_CLOSERS = "\"'”“’‘»«)]"
_ENDS_SENTENCE = re.compile(rf"[{_TERMINAL}][{re.escape(_CLOSERS)}]*\Z")
_CANDIDATE = re.compile(rf"([{_TERMINAL}]+)([{re.escape(_CLOSERS)}]*)\s+(?=\S)")
_TOKEN_BEFORE = re.compile(r"[^\s(\[\"'„“‚‘«»]+\Z")
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")  # "u.a", "U.S", "z.B", "e.g"
_CAMEL = re.compile(r"[^\W\d_]+[A-Z]")  # "iPhone", "eBay": lowercase starts of sentences
# a line that ends like a paragraph: terminal punctuation, or a colon before a quote
_LINE_END = re.compile(rf"[{_TERMINAL}:][{re.escape(_CLOSERS)}]*\Z")


def ends_sentence(text: str) -> bool:
    """True when `text` ends with terminal punctuation, closing quotes/brackets allowed."""
    return bool(_ENDS_SENTENCE.search(text))


def split_sentences(text: str, *, lang: str | None) -> list[str]:
    """Sentences of `text`, paragraph by paragraph, whitespace collapsed.

    Periods after abbreviations ("z. B.", "Dr.", "u.a.", "Mio.", "Inc."), initials ("U.S.",
    "J."), German ordinals ("28. November", "3. Quartal") and inside numbers ("2.048") do
    not end a sentence; neither does any punctuation followed by a lowercase word.
    """
    return [s for paragraph in paragraphs(text) for s in split_paragraph(paragraph, lang=lang)]


def split_paragraph(paragraph: str, *, lang: str | None) -> list[str]:
    """Sentences of one paragraph (a single line, whitespace already collapsed)."""
    abbreviations = _abbreviations(lang)
    sentences: list[str] = []
    start = 0
    for found in _CANDIDATE.finditer(paragraph):
        if _is_boundary(paragraph, found, lang=lang, abbreviations=abbreviations):
            sentences.append(paragraph[start : found.end(2)].strip())
            start = found.end()
    sentences.append(paragraph[start:].strip())
    return [s for s in sentences if s]


def paragraphs(text: str) -> list[str]:
    """Blank lines always separate paragraphs. Single line breaks do too, unless the block
    is hard-wrapped (most lines stop without punctuation) or the next line goes on in
    lowercase; then lines are joined."""
    found: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [" ".join(line.split()) for line in block.splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            continue
        open_lines = sum(1 for line in lines[:-1] if not _LINE_END.search(line))
        wrapped = len(lines) >= 3 and open_lines * 2 > len(lines) - 1
        current = lines[0]
        for line in lines[1:]:
            # a line never ends on a hyphenated word ("Open-\nSource") or before lowercase
            broken = re.search(r"\w-\Z", current) is not None
            goes_on = broken or (not _LINE_END.search(current) and line[:1].islower())
            if wrapped or goes_on:
                # a word split at the line end keeps its hyphen: "Open-Source"
                joint = "" if broken else " "
                current = f"{current}{joint}{line}"
            else:
                found.append(current)
                current = line
        found.append(current)
    return found


def _abbreviations(lang: str | None) -> frozenset[str]:
    base = (lang or "").replace("_", "-").split("-")[0].lower()
    return ABBREVIATIONS.get(base, ABBREVIATIONS["de"] | ABBREVIATIONS["en"])


def _is_boundary(
    paragraph: str, found: re.Match[str], *, lang: str | None, abbreviations: frozenset[str]
) -> bool:
    following = paragraph[found.end() :]
    next_word = following.split(maxsplit=1)[0]
    if next_word[:1].islower() and not _CAMEL.match(next_word):
        return False  # "z. B. die", "Inc. said", "bzw. der"
    punct, closers = found.group(1), found.group(2)
    if punct != "." or closers:
        return True  # "!", "?", "…", "...", or '." Dann'
    before = _TOKEN_BEFORE.search(paragraph, 0, found.start())
    if before is None:
        return True
    token = before.group(0)
    lower = token.lower()
    opener = next_word.lower().strip("\"'„“»«") in _openers(lang)
    if len(token) == 1 and token.isalpha():
        return False  # initials and single-letter abbreviations: "J. Smith", "z. B."
    if _DOTTED.fullmatch(token) or lower in abbreviations:
        # "Acme Corp. The firm", "in the U.S. Then": an abbreviation that can end a sentence
        return opener and lower in SENTENCE_FINAL_ABBREVIATIONS
    if lower in NUMERAL_ABBREVIATIONS and next_word[:1].isdigit():
        return False  # "Nr. 5", "No. 1"
    # German ordinals: "28. November", "3. Quartal"; English writes none with a period
    ordinal = token.isdigit() and len(token) <= 3 and lang != "en"
    return not ordinal or next_word.lower().strip("\"'„“»«") in SENTENCE_OPENERS_DE


def _openers(lang: str | None) -> frozenset[str]:
    if lang == "en":
        return SENTENCE_OPENERS_EN
    if lang == "de":
        return SENTENCE_OPENERS_DE
    return SENTENCE_OPENERS_DE | SENTENCE_OPENERS_EN
