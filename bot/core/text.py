"""Plain text from untrusted feed markup: HTML → text, invisible-character cleanup, a small
German/English language detector and the content hash used for identity and dedupe.

Pure functions: no I/O, nothing read from the environment. Normalization runs for every
entry of every poll, so the common cases take shortcuts (plain markup without HTMLParser,
words without a regex per word, remembered word scores); tests/core/test_text_fast.py holds
each shortcut to the result of the straightforward code.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from html import unescape
from html.parser import HTMLParser

# Elements whose content is never text a reader sees.
_SKIP = frozenset({"script", "style", "template", "noscript", "title", "svg", "math"})
# Block elements ending a paragraph ("\n\n") or only a line ("\n").
_PARAGRAPH = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "dl", "table", "pre",
    "hr", "figure", "address", "article", "aside", "section", "header", "footer", "main", "nav",
    "details", "form", "fieldset",
})
_LINE = frozenset({
    "div", "li", "dt", "dd", "tr", "caption", "figcaption", "summary", "thead", "tbody",
    "tfoot", "legend", "option",
})
_CELL = frozenset({"td", "th"})
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "area", "col", "source"})
# the tags the collector acts on; every other one it ignores (unless inside skipped content)
_STRUCTURE = _SKIP | _PARAGRAPH | _LINE | _CELL | {"br"}

# C0/C1 controls except \t and \n; zero-width and BOM; bidi embeddings, overrides, isolates.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2060\ufeff\u202a-\u202e\u2066-\u2069]"
)


class _Text:
    """Streams text out of markup events; breaks are requested by tags and written only
    before the next visible word, so leading, trailing and repeated breaks collapse on their
    own. `_TextCollector` feeds it from HTMLParser, `_feed_simple` from plain markup."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self._break = 0  # strongest break requested since the last word: 0, 1 line, 2 paragraph
        self._space = False
        self._skip: list[str] = []  # open skipped elements (script, style, ...)
        self._pre = 0

    def _request(self, strength: int) -> None:
        self._break = max(self._break, strength)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip:
            if tag == self._skip[-1] and tag not in _VOID:
                self._skip.append(tag)
            return
        if tag in _SKIP:
            self._skip.append(tag)
        elif tag == "br":
            # <br><br> is the common way feeds write a paragraph break
            self._break = min(self._break + 1, 2)
        elif tag in _PARAGRAPH:
            self._request(2)
            self._pre += tag == "pre"
        elif tag in _LINE:
            self._request(1)
        elif tag in _CELL:
            self._space = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if tag == self._skip[-1]:
                self._skip.pop()
            return
        if tag in _PARAGRAPH:
            self._request(2)
            if tag == "pre" and self._pre:
                self._pre -= 1
        elif tag in _LINE:
            self._request(1)
        elif tag in _CELL:
            self._space = True

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        data = _INVISIBLE.sub("", data)  # decoded entities may be invisible characters too
        if not self._pre:
            self._words(data)
            return
        for number, line in enumerate(data.split("\n")):
            if number:
                self._break = min(self._break + 1, 2)
            self._words(line)

    def _words(self, data: str) -> None:
        words = data.split()
        if not words:
            self._space = self._space or bool(data)
            return
        if self.out:
            if self._break:
                self.out.append("\n" * self._break)
            elif self._space or data[0].isspace():
                self.out.append(" ")
        self.out.append(" ".join(words))
        self._break = 0
        self._space = data[-1].isspace()


class _TextCollector(_Text, HTMLParser):
    def __init__(self) -> None:
        HTMLParser.__init__(self, convert_charrefs=True)
        _Text.__init__(self)


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment: entities decoded, script/style dropped, block
    elements as line breaks, paragraphs separated by one blank line, spaces collapsed,
    invisible characters (see `clean_text`) removed. Text without any tag keeps its
    blank-line paragraphs; a single newline there is a space, as in HTML."""
    if "<" not in html:
        return _collapse_plain(_INVISIBLE.sub("", unescape(html)))
    text = _Text()
    if _feed_simple(text, html):
        return "".join(text.out)
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return "".join(collector.out)


# Plain start and end tags, written the way HTMLParser reads them too; markup with anything
# else (comments, declarations, odd names or attributes, a lone "<") takes HTMLParser's own
# tokenizer, which is several times slower.
_SIMPLE_TAG = re.compile(
    r"""<(/?)([a-zA-Z][a-zA-Z0-9]*)"""
    r"""((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(/?)>""")
# elements whose content HTMLParser reads as raw text; "noscript" and "plaintext" too, which
# some versions treat so
_CDATA = frozenset(HTMLParser.CDATA_CONTENT_ELEMENTS)
_RAW_TEXT = _CDATA | frozenset(getattr(HTMLParser, "RCDATA_CONTENT_ELEMENTS", ())) | {
    "noscript", "plaintext"}
_ACTIVE = _STRUCTURE | _RAW_TEXT  # the tags sent to the collector


def _feed_simple(collector: _Text, html: str) -> bool:
    """Feed the collector the events HTMLParser would, when every "<" opens a plain tag;
    False (the collector half fed) when it does not. Tags that change nothing (inline
    ones outside skipped content) are not sent: the text around them goes as one piece,
    which the collector treats exactly as the pieces one after the other."""
    pieces = _SIMPLE_TAG.split(html)  # text, then four groups per tag, then text, ...
    texts = pieces[0::5]
    if "<" in "".join(texts):
        return False
    closing, attributes, selfclosing = pieces[1::5], pieces[3::5], pieces[4::5]
    names = [name.lower() for name in pieces[2::5]]
    pending = [unescape(texts[0])] if texts[0] else []
    skip_next = False
    for number, name in enumerate(names):
        if skip_next:  # the end tag of raw text content, already sent
            skip_next = False
        elif closing[number] and (attributes[number] or selfclosing[number]):
            return False
        elif name in _ACTIVE or collector._skip:
            if pending:
                collector.handle_data("".join(pending))
                pending.clear()
            if name in _RAW_TEXT:
                # an embed's <script src=...></script>: content without any markup reads the
                # same in every HTMLParser version; anything else does not
                after = number + 1
                if (closing[number] or selfclosing[number] or name not in _CDATA
                        or after == len(names) or names[after] != name
                        or not closing[after] or attributes[after] or selfclosing[after]):
                    return False
                collector.handle_starttag(name, [])
                collector.handle_endtag(name)
                skip_next = True
                continue
            if closing[number]:
                collector.handle_endtag(name)
            elif selfclosing[number]:
                collector.handle_startendtag(name, [])
            else:
                collector.handle_starttag(name, [])
        if texts[number + 1]:
            pending.append(unescape(texts[number + 1]))
    if pending:
        collector.handle_data("".join(pending))
    return True


def _collapse_plain(text: str) -> str:
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n[^\S\n]*\n\s*", text))
    return "\n\n".join(p for p in paragraphs if p)


def clean_text(s: str) -> str:
    """Remove characters that are invisible or reorder text (spoofing, broken layouts)."""
    # nothing to do without any control, format or separator character but "\n"
    if s.isprintable() or ("\r" not in s and s.replace("\n", "").isprintable()):
        return s
    # \r is a control character too: keep the line break it stands for
    return _INVISIBLE.sub("", s.replace("\r\n", "\n").replace("\r", "\n"))


# --- language ---------------------------------------------------------------------------------


def _wordlist(block: str) -> frozenset[str]:
    return frozenset(block.split())


# Function words of one language only: words both use ("in", "so", "was", "will", "an") would
# only add noise to short titles.
_DE_WORDS = _wordlist("""
der die das den dem des und ist sind nicht mit von zu zum zur ein eine einen einem einer
eines auf für im auch sich als bei beim nach wird werden wurde wurden hat haben hatte über
aus noch wie um oder aber nur vor bis kein keine keinen sie er wir ich ihr ihre ihren sein
seine seinen dass daß mehr neue neuen neues gegen seit unter durch ohne schon sehr jetzt
heute wieder immer mal dieser diese dieses diesem diesen jahr jahren prozent millionen
milliarden euro laut sollen soll kann können muss müssen zwischen gibt geht weil wenn
am vom ins ab nun neu kaum etwa rund sowie bereits zudem dabei damit davon dort hier
""")
_EN_WORDS = _wordlist("""
the and of to is are was were for on with that this these those by from at as be been
has have had not it its or but new after says said more than which who what about
into can could would should their they you your we our he she his her how why when
year years percent million billion shares stock market just over first up out
""")
_DE_SUFFIXES = ("ung", "ungen", "keit", "heit", "lich", "liche", "lichen", "schaft", "isch",
                "ische", "ischen")
_EN_SUFFIXES = ("ing", "ly", "ness", "ed")
# "-en" ends most German verbs and plurals; these are the English words that share it.
_EN_WORDS_IN_EN = _wordlist("""
often seven eleven women children between screen green queen taken given written broken
chosen driven proven frozen hidden stolen golden wooden garden kitchen citizen happen listen
sudden token tokens warren allen heaven seen even open then when been
""")
# Letter groups typical of one language, worth half a word: "Schluss", "nicht", "Kampf" vs
# "with", "right", "what".
_DE_PARTS = ("sch", "cht", "pf", "tz", "zw")
_EN_PARTS = ("th", "ght", "wh")
# English names that German news writes all the time; "new" must not count there.
_EN_NAMES = re.compile(r"\bnew (?:york|jersey|delhi|zealand|england|mexico|hampshire)\b")
_WORD = re.compile(r"[^\W\d_]+")
_MAX_WORDS = 400  # a title and a description decide; more only costs time


def _word_score(word: str) -> tuple[float, float]:
    if word in _DE_WORDS:
        return 1.0, 0.0
    if word in _EN_WORDS:
        return 0.0, 1.0
    de = en = 0.0
    if len(word) > 4:
        if word.endswith(_DE_SUFFIXES) or (word.endswith("en") and not word.endswith("een")
                                           and word not in _EN_WORDS_IN_EN):
            de += 0.5
        elif word.endswith(_EN_SUFFIXES):
            en += 0.5
    if any(part in word for part in _DE_PARTS):
        de += 0.5
    if any(part in word for part in _EN_PARTS):
        en += 0.5
    return de, en


def _word_points(word: str) -> tuple[float, float]:
    de, en = _word_score(word)
    if "ß" in word or any(c in "äöü" for c in word):
        de += 1  # umlauts also occur in names in English text: one point, not a verdict
    return de, en


# Points per word, remembered (news repeats its words) as one int: German half-points in the
# high bits, English ones in the low 20 (at most 4 and 2 halves a word, 400 words: no carry),
# so one C-level integer sum adds both (a complex sum has no fast path and cost 40 % more).
# Bounded, and only a speed-up: every value is what `_word_points` gives.
_POINTS: dict[str, int] = {}
_EN_BITS = 20
_EN_MASK = (1 << _EN_BITS) - 1
_MAX_REMEMBERED = 100_000
_PREFIX_CHARS = 4_000  # where the first _MAX_WORDS words are looked for first


# `_WORD.findall`, several times faster: ASCII non-letters become spaces in one bytes
# translation, so does common non-ASCII punctuation, and a token that is all letters is one
# word; only what is left (digits or rarer signs inside a token) goes through the regex.
_ASCII_NON_LETTERS = bytes(c if c >= 0x80 or chr(c).isalpha() else 0x20 for c in range(256))
_PUNCTUATION = tuple(c for c in "„“”’‘‚–—…«»‹›€·•″′" if not _WORD.fullmatch(c))


def _find_words(text: str) -> list[str]:
    for mark in _PUNCTUATION:
        if mark in text:
            text = text.replace(mark, " ")
    tokens = text.encode("utf-8", "surrogatepass").translate(_ASCII_NON_LETTERS).decode(
        "utf-8", "surrogatepass").split()
    if "".join(tokens).isalpha():
        return tokens
    words: list[str] = []
    for token in tokens:
        if token.isalpha():
            words.append(token)
        else:
            words.extend(_WORD.findall(token))
    return words


def _scores(text: str) -> tuple[float, float]:
    lowered = text.lower()
    if "new " in lowered:
        lowered = _EN_NAMES.sub(" ", lowered)
    words = _find_words(lowered[:_PREFIX_CHARS])
    # a word cut at the prefix's end is harmless only when more than enough words follow
    if len(words) <= _MAX_WORDS and len(lowered) > _PREFIX_CHARS:
        words = _find_words(lowered)
    del words[_MAX_WORDS:]
    # every point is a multiple of 0.5: counted in halves, the sums are exact
    try:
        total = sum(map(_POINTS.__getitem__, words))
    except KeyError:
        if len(_POINTS) > _MAX_REMEMBERED:
            _POINTS.clear()
        for word in set(words).difference(_POINTS):
            _POINTS[word] = _packed(word)
        try:
            total = sum(map(_POINTS.__getitem__, words))
        except KeyError:  # emptied by another thread meanwhile
            total = sum(map(_packed, words))
    return (total >> _EN_BITS) / 2, (total & _EN_MASK) / 2


def _packed(word: str) -> int:
    de, en = _word_points(word)
    return int(de * 2) << _EN_BITS | int(en * 2)


def _lang_of_tag(tag: str | None) -> str | None:
    if not tag:
        return None
    primary = re.split(r"[-_]", tag.strip().lower(), maxsplit=1)[0]
    return primary if primary in ("de", "en") else None


def detect_lang(text: str, *, hint: str | None = None) -> str | None:
    """"de", "en" or None. The text decides when its evidence is clear (at least two points
    and twice the other language's); otherwise the hint (a language tag such as "de-DE")
    decides, and without a usable hint a narrow lead still counts."""
    de, en = _scores(text)
    lead, other, lang = (de, en, "de") if de >= en else (en, de, "en")
    if lead >= 2 and lead >= 2 * other:
        return lang
    hinted = _lang_of_tag(hint)
    if hinted is not None:
        return hinted
    if hint and hint.strip():
        return None  # the feed says another language (e.g. "fr"): not ours to guess
    return lang if lead > other else None


# --- content hash -----------------------------------------------------------------------------


def _normalize(s: str) -> str:
    return " ".join(clean_text(unicodedata.normalize("NFKC", s)).casefold().split())


def content_hash(title: str, text: str) -> str:
    """Identity of the visible content: sha256 over normalized title and text (case,
    whitespace and invisible characters don't count), hex, first 32 characters."""
    payload = _normalize(title) + "\n" + _normalize(text)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
