"""Extractive summaries (German/English): sentence splitting and lead selection.

The summary of an article is its lead: the first sentences of the text, within a sentence
and a character budget, never cut mid-sentence unless a single sentence is over budget.
A first sentence that only repeats the title is skipped, and when the caller says which
terms made the article relevant ("focus terms") and the lead has none of them, the first
sentence that has one is taken in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core.lexicon import (
    ABBREVIATIONS,
    BOILERPLATE,
    NUMERAL_ABBREVIATIONS,
    SENTENCE_OPENERS_DE,
)

__all__ = ["split_sentences", "summarize"]

_ELLIPSIS = "…"
_TERMINAL = ".!?…"
# closing quotes and brackets that belong to the sentence before them; German closes „…“
_CLOSERS = "\"'”“’‘»«)]"
_ENDS_SENTENCE = re.compile(rf"[{_TERMINAL}][{re.escape(_CLOSERS)}]*\Z")
_CANDIDATE = re.compile(rf"([{_TERMINAL}]+)([{re.escape(_CLOSERS)}]*)\s+(?=\S)")
_TOKEN_BEFORE = re.compile(r"[^\s(\[\"'„“‚‘«»]+\Z")
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")  # "u.a", "U.S", "z.B", "e.g"
_CAMEL = re.compile(r"[^\W\d_]+[A-Z]")  # "iPhone", "eBay": lowercase starts of sentences
_WORDS = re.compile(r"\w+")
_LETTER_WORDS = re.compile(r"[^\W\d_]+")
_MIN_WORDS = 4
_AGENCIES = "CNN|Reuters|AP|AFP|dpa|dpa-AFX|Bloomberg|Dow Jones|SID|KNA|epd|Xinhua|IANS|PTI"
_LEAD_JUNK = re.compile(
    rf"\A(?:[-•*–]\s+"  # bullet
    rf"|(?:[A-ZÄÖÜ][\w.,'’/ ]{{0,40}}?\s*)?\((?:{_AGENCIES})\)\s*(?:-{{1,2}}|[–—:])?\s*"
    rf"|[A-ZÄÖÜ]{{2,}}(?:[ ,/]+[A-ZÄÖÜ]{{2,}})*\s*(?:-{{1,2}}|[–—])\s+)"  # "KOBE – "
)
# a line that ends like a paragraph: terminal punctuation, or a colon before a quote
_LINE_END = re.compile(rf"[{_TERMINAL}:][{re.escape(_CLOSERS)}]*\Z")


def split_sentences(text: str, *, lang: str | None) -> list[str]:
    """Sentences of `text`, paragraph by paragraph, whitespace collapsed.

    Periods after abbreviations ("z. B.", "Dr.", "u.a.", "Mio.", "Inc."), initials ("U.S.",
    "J."), German ordinals ("28. November", "3. Quartal") and inside numbers ("2.048") do
    not end a sentence; neither does any punctuation followed by a lowercase word.
    """
    abbreviations = _abbreviations(lang)
    sentences: list[str] = []
    for paragraph in _paragraphs(text):
        start = 0
        for found in _CANDIDATE.finditer(paragraph):
            if _is_boundary(paragraph, found, lang=lang, abbreviations=abbreviations):
                sentences.append(paragraph[start : found.end(2)].strip())
                start = found.end()
        sentences.append(paragraph[start:].strip())
    return [s for s in sentences if s]


def summarize(
    *,
    title: str,
    text: str,
    lang: str | None,
    max_sentences: int = 2,
    max_chars: int = 300,
    focus_terms: Sequence[str] = (),
) -> str:
    """The lead of `text` in at most `max_sentences` sentences and `max_chars` characters.

    Returns "" for an empty text: a summary made of the title is the caller's decision.
    """
    # page furniture goes line by line first, so it cannot glue onto the lead
    content_lines = [line for line in text.splitlines() if not _is_boilerplate(line)]
    sentences = split_sentences("\n".join(content_lines), lang=lang) or split_sentences(
        text, lang=lang
    )
    if not sentences or max_sentences < 1 or max_chars < 2:
        return ""
    cleaned = [c for c in map(_clean, sentences) if c]
    pool = [s for s in cleaned if _is_content(s)] or cleaned or sentences
    if len(pool) > 1 and _repeats(pool[0], title):
        pool = pool[1:]
    chosen = pool[:max_sentences]
    focus = _focus_pattern(focus_terms)
    if focus is not None and not any(focus.search(s) for s in chosen):
        hit = next((i for i, s in enumerate(pool) if focus.search(s)), None)
        if hit is not None:
            # the lead for context when both fit, then the sentence that made it relevant
            lead = pool[: max_sentences - 1] if max_sentences > 1 else []
            chosen = [*lead, pool[hit]]
            if len(" ".join(chosen)) > max_chars:
                chosen = [pool[hit]]
    return _fit(chosen, max_chars)


def _abbreviations(lang: str | None) -> frozenset[str]:
    base = (lang or "").replace("_", "-").split("-")[0].lower()
    return ABBREVIATIONS.get(base, ABBREVIATIONS["de"] | ABBREVIATIONS["en"])


def _paragraphs(text: str) -> list[str]:
    """Blank lines always separate paragraphs. Single line breaks do too, unless the block
    is hard-wrapped (most lines stop without punctuation) or the next line goes on in
    lowercase; then lines are joined."""
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [" ".join(line.split()) for line in block.splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            continue
        open_lines = sum(1 for line in lines[:-1] if not _LINE_END.search(line))
        wrapped = len(lines) >= 3 and open_lines * 2 > len(lines) - 1
        current = lines[0]
        for line in lines[1:]:
            goes_on = not _LINE_END.search(current) and line[:1].islower()
            if wrapped or goes_on:
                # a word split at the line end ("Open-\nSource") keeps its hyphen
                joint = "" if re.search(r"\w-\Z", current) else " "
                current = f"{current}{joint}{line}"
            else:
                paragraphs.append(current)
                current = line
        paragraphs.append(current)
    return paragraphs


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
    if len(token) == 1 and token.isalpha():
        return False  # initials and single-letter abbreviations: "J. Smith", "z. B."
    if _DOTTED.fullmatch(token) or lower in abbreviations:
        return False
    if lower in NUMERAL_ABBREVIATIONS and next_word[:1].isdigit():
        return False  # "Nr. 5", "No. 1"
    # German ordinals: "28. November", "3. Quartal"; English writes none with a period
    ordinal = token.isdigit() and len(token) <= 3 and lang != "en"
    return not ordinal or next_word.lower().strip("\"'„“»«") in SENTENCE_OPENERS_DE


def _clean(sentence: str) -> str:
    """Without a leading dateline ("LOS ANGELES (Reuters) -") or bullet."""
    return _LEAD_JUNK.sub("", sentence).strip()


def _is_content(sentence: str) -> bool:
    """Not a byline, timestamp, one-word dateline or page furniture."""
    if len(_LETTER_WORDS.findall(sentence)) < _MIN_WORDS:
        return False  # "By . Neil Sears .", "WASHINGTON.", "PUBLISHED: ."
    return not _is_boilerplate(sentence)


def _is_boilerplate(text: str) -> bool:
    lower = text.lower()
    return any(marker in lower for marker in BOILERPLATE)


def _repeats(sentence: str, title: str) -> bool:
    """True when (nearly) every word of `sentence` is a word of `title`."""
    words = _WORDS.findall(sentence.casefold())
    title_words = set(_WORDS.findall(title.casefold()))
    if not words or not title_words:
        return False
    shared = sum(1 for w in words if w in title_words)
    return shared / len(words) >= 0.8


def _focus_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    cleaned = sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, cleaned))})", re.IGNORECASE)


def _fit(sentences: Sequence[str], max_chars: int) -> str:
    out: list[str] = []
    for sentence in sentences:
        sentence = _closed(sentence)
        if len(" ".join([*out, sentence])) > max_chars:
            break
        out.append(sentence)
    if out:
        return " ".join(out)
    return _cut(_closed(sentences[0]), max_chars)


def _closed(sentence: str) -> str:
    """A sentence with end punctuation: headings and fragments get a period."""
    if _ENDS_SENTENCE.search(sentence):
        return sentence
    return sentence.rstrip(" ,;:-–—") + "."


def _cut(sentence: str, max_chars: int) -> str:
    """The longest word-boundary prefix of `sentence` that fits with a final "…"."""
    room = sentence[: max_chars - len(_ELLIPSIS) + 1]
    space = room.rfind(" ")
    head = room[:space] if space > 0 else room[: max_chars - len(_ELLIPSIS)]
    return head.rstrip(" ,;:-–—.") + _ELLIPSIS
