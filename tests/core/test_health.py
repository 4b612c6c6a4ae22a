"""Feed health rules and notice texts (pure)."""

from __future__ import annotations

import pytest

from bot.core.health import (
    MAX_TITLE_CHARS,
    Transition,
    build_feed_notice,
    failure_transition,
    feed_label,
)
from bot.core.schedule import DISABLE_AFTER_ERRORS


@pytest.mark.parametrize(
    ("status", "errors", "expected"),
    [(410, 1, "gone"), (410, DISABLE_AFTER_ERRORS + 5, "gone"), (500, 1, None),
     (500, DISABLE_AFTER_ERRORS - 1, None), (500, DISABLE_AFTER_ERRORS, "paused"),
     (None, DISABLE_AFTER_ERRORS, "paused"), (404, DISABLE_AFTER_ERRORS + 1, "paused"),
     (None, 1, None)],
)
def test_failure_transition(status: int | None, errors: int, expected: str | None) -> None:
    assert failure_transition(status=status, errors=errors) == expected


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [("Börse Online", "https://www.boerse.de/rss", "Börse Online (www.boerse.de)"),
     ("", "https://user:secret@feeds.example.org:8443/x?token=abc", "feeds.example.org"),
     ("tagesschau.de", "https://www.tagesschau.de/rss", "tagesschau.de (www.tagesschau.de)"),
     ("example.org news", "https://example.org/rss", "example.org news"),
     ("Evil\u202e\u200b title\n\twith  breaks", "https://e.org/", "Evil title with breaks (e.org)"),
     ("", "", "?")],
)
def test_feed_label(title: str, url: str, expected: str) -> None:
    assert feed_label(title, url) == expected


def test_feed_label_shortens_long_titles() -> None:
    label = feed_label("Wort " * 50, "https://e.org/")
    name = label.removesuffix(" (e.org)")
    assert len(name) == MAX_TITLE_CHARS and name.endswith("…")


@pytest.mark.parametrize(
    ("transition", "lang", "errors", "expected"),
    [("gone", "en", 1, "Feed stopped: Börse (b.de) says it is gone for good (HTTP 410). Its "
                       "stories will be missing here; newsbot no longer polls it."),
     ("gone", "de", 1, "Feed eingestellt: Börse (b.de) meldet, dass es ihn nicht mehr gibt "
                       "(HTTP 410). Seine Meldungen fehlen hier künftig; newsbot ruft ihn "
                       "nicht mehr ab."),
     ("paused", "en", 10, "Feed paused: Börse (b.de) failed 10 times in a row. Its stories "
                          "are missing here until it works again; newsbot tries it once a "
                          "day."),
     ("paused", "en", 1, "Feed paused: Börse (b.de) failed 1 time in a row. Its stories are "
                         "missing here until it works again; newsbot tries it once a day."),
     ("paused", "de", 10, "Feed pausiert: Börse (b.de) ist 10-mal in Folge fehlgeschlagen. "
                          "Bis er wieder funktioniert, fehlen seine Meldungen hier; newsbot "
                          "versucht es einmal am Tag."),
     ("back", "en", 0, "Feed back: Börse (b.de) works again; its new stories arrive here as "
                       "before."),
     ("back", "de", 0, "Feed wieder da: Börse (b.de) funktioniert wieder; neue Meldungen "
                       "kommen hier wie gewohnt an.")],
)
def test_notice_texts(transition: Transition, lang: str, errors: int, expected: str) -> None:
    text = build_feed_notice(transition, lang=lang, title="Börse", url="https://b.de/rss",
                             errors=errors)
    assert text == expected
