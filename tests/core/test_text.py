from __future__ import annotations

import pytest

from bot.core.text import clean_text, content_hash, detect_lang, html_to_text


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("Snowflake legt zu", "Snowflake legt zu"),
        ("  viel   Platz \t hier ", "viel Platz hier"),
        ("eine\nZeile", "eine Zeile"),
        ("Absatz eins\n\nAbsatz zwei", "Absatz eins\n\nAbsatz zwei"),
        ("AT&amp;T\n \nzwei &#x200b;Absätze", "AT&T\n\nzwei Absätze"),
        ("<p>Hallo&nbsp;<b>Welt</b></p><p>Zweiter   Absatz</p>", "Hallo Welt\n\nZweiter Absatz"),
        ("Zeile<br>nächste<br/>dritte", "Zeile\nnächste\ndritte"),
        ("eins<br><br>zwei", "eins\n\nzwei"),
        ("<ul><li>eins</li><li>zwei</li></ul>danach", "eins\nzwei\n\ndanach"),
        ("<script>alert(1)</script>Text<style>p {}</style> mehr", "Text mehr"),
        ("AT&amp;T &lt;3 &#228;&#x00FC; &euro;", "AT&T <3 äü €"),
        ("x <span>y</span>z", "x yz"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"),
        ("<pre>line1\n  line2\n\nline4</pre>", "line1\nline2\n\nline4"),
        ("<div><div><p>tief</p></div></div>", "tief"),
        ("<p>offen", "offen"),
        ("<html><head><title>T</title></head><body><h1>Kopf</h1>Text</body></html>",
         "Kopf\n\nText"),
        ("5 < 6 and 7 > 3", "5 < 6 and 7 > 3"),
        ("a&#x200b;b &#8238;c", "ab c"),
        ("", ""),
        ("<p> </p><br><br>", ""),
    ],
    ids=["plain", "spaces", "newline-is-space", "plain-paragraphs", "plain-entities",
         "paragraphs", "br",
         "double-br", "list", "script-style", "entities", "inline", "table", "pre", "nested",
         "unclosed", "page", "bare-angles", "invisible-entities", "empty", "only-breaks"],
)
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("normal text", "normal text"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("windows\r\nline", "windows\nline"),
        ("nul\x00bell\x07esc\x1bdel\x7fc1\x85", "nulbellescdelc1"),
        ("zero\u200bwidth\u200cjoin\u200d\u200e\u200f\u2060\ufeffend", "zerowidthjoinend"),
        ("bidi\u202aa\u202bb\u202cc\u202dd\u202ee", "bidiabcde"),
        ("isolate\u2066a\u2067b\u2068c\u2069", "isolateabc"),
        ("Umlaute äöüß und € bleiben", "Umlaute äöüß und € bleiben"),
    ],
    ids=["plain", "keeps-tab-newline", "crlf", "controls", "zero-width", "bidi-overrides",
         "bidi-isolates", "unicode-kept"],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        ("Snowflake-Aktie fällt nach Quartalszahlen", None, "de"),
        ("Die Börse in Frankfurt schließt höher", None, "de"),
        ("Siemens Energy: Was Anleger jetzt wissen müssen", None, "de"),
        ("Aktien New York Schluss: Techwerte erneut stark", None, "de"),
        ("Nvidia stock falls after earnings", None, "en"),
        ("Shell CEO warns of huge impact if the Strait of Hormuz is blocked", None, "en"),
        ("Apple unveils new iPhone", None, "en"),
        ("Snowflake $SNOW (-3,37 %): DeepSeek setzt KI-Modelle unter Druck. Der Kurs der "
         "Aktie gab am Montag deutlich nach, nachdem das chinesische Start-up ein neues "
         "Modell vorgestellt hatte.", "en-US", "de"),
        ("Nvidia shares slid after the company said that its new chips would ship later "
         "than expected.", "de-DE", "en"),
        ("DeepSeek", "de-DE", "de"),
        ("DeepSeek", "en_US", "en"),
        ("DeepSeek", None, None),
        ("DeepSeek", "fr", None),
        ("", None, None),
        ("12345 $SNOW", "EN", "en"),
    ],
    ids=["de-umlaut", "de-function-words", "de-title", "de-new-york", "en-title",
         "en-sentence", "en-narrow", "de-text-beats-hint", "en-text-beats-hint",
         "hint-de", "hint-en-underscore", "no-evidence", "other-language-hint", "empty",
         "hint-case"],
)
def test_detect_lang(text: str, hint: str | None, expected: str | None) -> None:
    assert detect_lang(text, hint=hint) == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (("Titel", "Text"), ("Titel", "Text"), True),
        (("Titel", "Text"), ("  titel ", "TEXT\n"), True),
        (("Titel", "ein  Text"), ("Titel", "ein\u200b Text"), True),
        (("Titel", "Text"), ("Titel", "Text!"), False),
        (("TitelText", ""), ("Titel", "Text"), False),
    ],
    ids=["identical", "case-and-space", "invisible", "different", "field-boundary"],
)
def test_content_hash(a: tuple[str, str], b: tuple[str, str], same: bool) -> None:
    first, second = content_hash(*a), content_hash(*b)
    assert len(first) == 32 and all(c in "0123456789abcdef" for c in first)
    assert (first == second) is same
