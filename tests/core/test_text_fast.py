"""The faster normalization gives the results of the plain one: each shortcut in
bot.core.text against the straightforward code it stands in for (HTMLParser for markup,
`_WORD.findall` and a per-word sum for the language scores, the regex for clean_text)."""

from __future__ import annotations

from itertools import islice

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import text
from bot.core.text import clean_text, html_to_text


def html_to_text_slow(html: str) -> str:
    """html_to_text with HTMLParser for every document that has a tag."""
    if "<" not in html:
        return html_to_text(html)
    collector = text._TextCollector()
    collector.feed(html)
    collector.close()
    return "".join(collector.out)


def scores_slow(value: str) -> tuple[float, float]:
    de = en = 0.0
    words = text._WORD.finditer(text._EN_NAMES.sub(" ", value.lower()))
    for word in (found.group() for found in islice(words, text._MAX_WORDS)):
        word_de, word_en = text._word_score(word)
        de += word_de
        en += word_en
        if "ß" in word or any(c in "äöü" for c in word):
            de += 1
    return de, en


_MARKUP = st.sampled_from([
    "<p>", "</p>", "<P>", "</p >", "</p a>", "<br>", "<br/>", "<br />", "<div class='x'>",
    "</div>", '<a href="https://x.org/?a=1&amp;b=2">', "<a href=x/>", "</a>", "<b>", "</B>",
    "<li>", "<ul>", "</ul>", "<td>", "<th>", "<pre>", "</pre>", "<img src=x alt=''/>",
    "<script>", "</script>", '<script src="x.js"></script>', "<script>a<b</script>",
    "<style>p {}</style>", "<svg>", "</svg>", "<title>t</title>", "<iframe src=x></iframe>",
    "<!-- c -->", "<!doctype html>", "<x-y>", "<a/b>", "<", ">", "</", "&amp;", "&#8364;",
    "&nbsp;", "&am", "&#x200b;", "&", "Text", "mehr Text", " ", "  ", "\n", "\n\n", "\t",
    "\u200b", "Ä", "ß", "\u202e", "\r\n", "x"])
_TEXT = st.sampled_from([
    "der", "Die", "and", "The", "new", "york", "New York", "new yorker", "Börse", "Straße",
    "Übernahme", "thing", "Zeitung", "nicht", "with", "KI-Modelle", "AI's", "„Zitat“",
    "’s", "–", "…", "42", "3,5", "x_y", "²", "½", "é", "e\u0301", "İ", "Σ", " ", "  ", "\n",
    ".", ",", "\u00a0", "\u2009", "\ud800", "ǅ"])


@settings(max_examples=600, deadline=None, database=None)
@given(pieces=st.lists(_MARKUP, max_size=25))
def test_html_to_text_equals_htmlparser(pieces: list[str]) -> None:
    html = "".join(pieces)
    assert html_to_text(html) == html_to_text_slow(html)


@settings(max_examples=300, deadline=None, database=None)
@given(pieces=st.lists(st.one_of(_MARKUP, _TEXT), max_size=30))
def test_html_to_text_output_is_already_clean(pieces: list[str]) -> None:
    out = html_to_text("".join(pieces))
    assert clean_text(out) == out  # normalize leaves out clean_text for this reason


@settings(max_examples=600, deadline=None, database=None)
@given(pieces=st.lists(_TEXT, max_size=40))
def test_words_are_the_regex_words(pieces: list[str]) -> None:
    value = "".join(pieces).lower()
    assert text._find_words(value) == text._WORD.findall(value)


@settings(max_examples=300, deadline=None, database=None)
@given(pieces=st.lists(_TEXT, max_size=40), repeat=st.sampled_from([1, 1, 60, 200]))
def test_scores_are_the_per_word_sums(pieces: list[str], repeat: int) -> None:
    # repeated, the text passes the 4,000-character prefix and the 400-word cap
    value = " ".join(pieces) * repeat
    assert text._scores(value) == scores_slow(value)


@settings(max_examples=400, deadline=None, database=None)
@given(value=st.text(alphabet=st.sampled_from(
    list("ab \t\n\r\x00\x07\x1b\x7f\x85\u00a0\u200b\u200e\u2028\u202e\u2066\ufeffÄ€"))))
def test_clean_text_shortcut_changes_nothing(value: str) -> None:
    expected = text._INVISIBLE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    assert clean_text(value) == expected
