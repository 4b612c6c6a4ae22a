"""An entry's raw fields, as a feed parser reads them, → `Article`; the feed's → `ParsedFeed`.

Both parse paths (feedparser in `parse`, lxml in `fastparse`) end here, so the rules that turn
markup into our values (which text wins, which link counts, which language hint) exist once.

`ParsedEntries` holds the raw entries and normalizes each only when asked: a changed feed
lists mostly entries already stored, and their guid or link tells them apart without any
HTML work (`uid_of`); a poll builds only the rest (bench/scale.md).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.core.dedupe import declared_uid, entry_uid
from bot.core.models import Article, ParsedFeed
from bot.core.text import clean_text, content_hash, detect_lang, html_to_text
from bot.errors import ParseError

MAX_TEXT_CHARS = 20_000
MAX_TITLE_CHARS = 1_000
_LANG_TAG = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]+)*")


@dataclass(slots=True)
class RawEntry:
    """An entry's fields as the parser hands them over: markup still in, nothing trimmed."""

    title: str = ""
    title_lang: str = ""  # the language declared for the title element (xml:lang)
    summary: str = ""
    summary_lang: str = ""
    contents: list[str] = field(default_factory=list)
    link: str = ""
    guid: str = ""
    published: time.struct_time | None = None  # UTC, as feedparser's date parser gives it
    updated: time.struct_time | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedEntries:
    """A parsed feed whose entries become `Article`s on demand (`build`); `feed()` is the
    `ParsedFeed` with all of them. `title`, `link`, `lang` and `warning` are `ParsedFeed`'s.
    Build failures leave as `ParseError`, as parse failures do."""

    title: str
    link: str | None
    lang: str | None
    lang_tag: str  # the declared tag as given: each entry's language hint falls back to it
    entries: tuple[RawEntry, ...]
    warning: str | None = None
    # each entry is normalized once however often asked (an entry known only by its content
    # is built to learn its uid, and then wanted again as an article)
    _built: dict[int, Article] = field(default_factory=dict, init=False, repr=False,
                                       compare=False)

    def __len__(self) -> int:
        return len(self.entries)

    def uid_of(self, index: int) -> str | None:
        """The entry's uid when its guid or link makes it (no HTML work); None when only its
        content can: `build` it to know."""
        return raw_uid(self.entries[index])

    def uid(self, index: int) -> str:
        """The entry's uid; an entry without guid and link is built for it."""
        return self.uid_of(index) or self.build([index])[0].uid

    def build(self, indices: Iterable[int]) -> tuple[Article, ...]:
        """The entries at `indices` as `Article`s, in that order."""
        return tuple(self._article(i) for i in indices)

    def feed(self) -> ParsedFeed:
        return ParsedFeed(title=self.title, link=self.link, lang=self.lang,
                          articles=self.build(range(len(self.entries))), warning=self.warning)

    def _article(self, index: int) -> Article:
        article = self._built.get(index)
        if article is None:
            entry = self.entries[index]
            try:
                article = build_article(entry, feed_title=self.title, feed_lang=self.lang_tag)
            except Exception as exc:  # hostile input met late is still the feed's failure
                raise ParseError(cap(f"cannot parse feed: {type(exc).__name__}: {exc}", 300)
                                 ) from exc
            self._built[index] = article
        return article


def build_entries(*, title: str, link: str, lang: str, entries: Sequence[RawEntry],
                  warning: str | None = None) -> ParsedEntries:
    """`title` and `link` are the feed's raw fields; `lang` its declared language tag."""
    return ParsedEntries(title=build_title(title), link=web_link(link), lang=_primary(lang),
                         lang_tag=lang, entries=tuple(entries), warning=warning)


def build_feed(*, title: str, link: str, lang: str, entries: list[RawEntry],
               warning: str | None = None) -> ParsedFeed:
    """`build_entries` with every entry built."""
    return build_entries(title=title, link=link, lang=lang, entries=entries,
                         warning=warning).feed()


def raw_uid(entry: RawEntry) -> str | None:
    """`build_article`'s uid from the raw fields alone, or None for a content-hash uid."""
    return declared_uid(guid=entry.guid or None, link=entry.link.strip() or None)


# html_to_text's output is already clean text (no invisible characters, no "\r"), so
# `clean_text` on it, as the feedparser path used to apply, would change nothing
def build_title(raw: str) -> str:
    return cap(html_to_text(raw), MAX_TITLE_CHARS)


def build_article(entry: RawEntry, *, feed_title: str, feed_lang: str) -> Article:
    title = build_title(entry.title)
    summary = html_to_text(entry.summary)
    texts = [html_to_text(c) for c in entry.contents if c]
    text = cap(max([*texts, summary], key=len, default=""), MAX_TEXT_CHARS)
    # the summary is a separate candidate only when it is not already the text
    description = cap(summary, MAX_TITLE_CHARS * 4) if summary and summary != text else ""
    raw_link = entry.link.strip() or None
    hint = entry.title_lang or entry.summary_lang or feed_lang
    return Article(
        uid=entry_uid(guid=entry.guid or None, link=raw_link, title=title, text=text),
        title=title,
        link=web_link(raw_link),
        published=_utc(entry.published) or _utc(entry.updated),
        text=text,
        lang=detect_lang(f"{title}\n{text}", hint=hint or None),
        feed_title=feed_title,
        content_hash=content_hash(title, text),
        description=description,
    )


def cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip()


def web_link(value: str | None) -> str | None:
    # only http(s) links reach the chat: a "javascript:" or "file:" link is no link to show
    link = clean_text(value or "").strip()
    return link if link.lower().startswith(("http://", "https://")) else None


def _primary(tag: str) -> str | None:
    """"de-DE" → "de", "en_US" → "en"; None for anything that is no language tag."""
    found = _LANG_TAG.fullmatch(tag.strip().lower())
    return found.group(1) if found else None


def _utc(value: time.struct_time | None) -> datetime | None:
    # dates arrive normalized to UTC; a date the parser could not read is None
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:5], min(value.tm_sec, 59), tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
