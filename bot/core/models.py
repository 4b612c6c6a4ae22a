"""Domain values shared by every layer. Immutable, no I/O, no library types.

Everything here is a frozen dataclass so values can be compared in tests, hashed into
sets and passed between tasks without defensive copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

Lang = Literal["de", "en"]
LANGS: tuple[Lang, ...] = ("de", "en")


class Mode(StrEnum):
    INSTANT = "instant"
    DIGEST = "digest"


# --- feeds and articles -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Article:
    """One normalized feed entry: plain text only, times in UTC."""

    uid: str  # canonical identity within its feed: guid → link → content hash (see dedupe)
    title: str
    link: str | None
    published: datetime | None  # aware UTC, None when the feed gives no usable date
    text: str  # plain text (HTML stripped), may be empty
    lang: str | None  # "de", "en" or None when undecidable
    feed_title: str = ""  # the source as readers know it (e.g. "tagesschau.de")
    content_hash: str = ""
    # the feed's own summary when `text` is the full content: a summary candidate
    description: str = ""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    link: str | None
    lang: str | None
    articles: tuple[Article, ...]
    # feedparser's "bozo" issue when entries were still recovered, e.g. "mismatched tag"
    warning: str | None = None


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the poller knows about a feed between polls."""

    id: int
    url: str
    interval_s: int
    etag: str | None = None
    last_modified: str | None = None
    next_poll_at: datetime | None = None
    error_count: int = 0
    disabled_reason: str | None = None
    title: str = ""
    baselined: bool = False  # first successful poll done: later entries are new news
    body_hash: str | None = None  # sha256 of the last body parsed
    redirect_url: str | None = None  # a permanent redirect seen lately (`bot.core.redirects`)
    redirect_polls: int = 0  # on this many good polls in a row


# --- watchlists and matching ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TickerEntry:
    symbol: str
    # None → reference company names (#3); () → symbol forms only
    names: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    bare: bool | None = None  # force bare-symbol matching on/off; None → decide by rule
    extra_names: tuple[str, ...] = ()  # added to the names above or the reference names


@dataclass(frozen=True, slots=True)
class KeywordEntry:
    key: str
    terms: tuple[str, ...]
    case_sensitive: bool | None = None  # None → all-caps terms of ≤5 letters are case-sensitive
    exclude: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()  # whole-word regular expressions, see core.regex_terms


# the spelling rules of watchlist names, ticker symbols and keyword keys (file and chat alike)
WATCHLIST_NAME_PATTERN = r"^[a-z0-9][a-z0-9_\-]{0,39}$"
SYMBOL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,11}$"
KEYWORD_KEY_PATTERN = r"^[A-Za-z0-9ÄÖÜäöüß][\w\-]{0,39}$"


@dataclass(frozen=True, slots=True)
class Watchlist:
    name: str
    tickers: tuple[TickerEntry, ...] = ()
    keywords: tuple[KeywordEntry, ...] = ()

    def keys(self) -> tuple[str, ...]:
        return tuple(t.symbol for t in self.tickers) + tuple(k.key for k in self.keywords)


MatchKind = Literal["ticker", "keyword"]
Field = Literal["title", "text"]


@dataclass(frozen=True, slots=True)
class Match:
    key: str  # ticker symbol or keyword key
    kind: MatchKind
    term: str  # the text as it stands in the article, e.g. "$SNOW" or "KI-Modelle"
    field: Field
    start: int
    end: int
    move: float | None = None  # price move in percent written next to it, e.g. -3.37
    # how it was recognised: "cashtag" ($SNOW, NASDAQ: NVDA), "bare", "name", "keyword", "regex"
    via: str = "keyword"


# --- channels, subscriptions, delivery -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChannelRef:
    platform: str  # "console", "slack", "discord"
    external_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.external_id}"


@dataclass(frozen=True, slots=True)
class Channel:
    id: int
    ref: ChannelRef
    lang: Lang = "en"
    timezone: str = "UTC"
    mode: Mode = Mode.INSTANT
    schedule: tuple[str, ...] = ()  # "HH:MM" in the channel's time zone
    quiet: str | None = None  # "22:00-07:00"
    subscriptions: tuple[str, ...] = ()  # "SNOW", "DEEPSEEK", "watchlist:tech"
    # why posting here stopped ("channel_not_found"); None while deliveries flow
    paused: str | None = None


@dataclass(frozen=True, slots=True)
class PendingItem:
    """An article routed to a channel and not yet delivered (an outbox row)."""

    delivery_id: int
    article: Article
    matches: tuple[Match, ...]
    created_at: datetime


# --- digests ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestItem:
    title: str
    link: str | None
    source: str
    published: datetime | None
    summary: str
    summary_lang: str | None  # language of the summary text (may differ from the channel)
    key: str  # the key it is grouped under
    tags: tuple[str, ...] = ()  # other keys it matched
    move: float | None = None
    uid: str = ""  # the article's uid within its feed: lets a later step (LLM) find the text
    # other feeds that carried the same story, folded into this item ("+2 sources")
    also_in: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DigestGroup:
    key: str
    kind: MatchKind
    items: tuple[DigestItem, ...]
    move: float | None = None


@dataclass(frozen=True, slots=True)
class Digest:
    lang: Lang
    timezone: str
    generated_at: datetime
    groups: tuple[DigestGroup, ...]
    instant: bool = False  # an alert for one poll pass rather than a scheduled digest
    overflow: int = 0  # stories not shown

    @property
    def item_count(self) -> int:
        return sum(len(g.items) for g in self.groups)


# --- commands -----------------------------------------------------------------------------------


Role = Literal["member", "admin", "owner"]


@dataclass(frozen=True, slots=True)
class Caller:
    channel: ChannelRef
    user_id: str
    role: Role | None  # None → the adapter could not tell: admin commands fail closed
    locale: Lang | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """A platform-neutral answer to a command: the adapter renders it."""

    lines: tuple[str, ...]
    error: bool = False
    ephemeral: bool = True
    digest: Digest | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


AuditOutcome = Literal["ok", "refused", "error"]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the audit log: a change made by a command, or an admin command refused."""

    at: datetime
    platform: str
    channel: str  # the channel's external id on its platform
    user_id: str
    action: str  # "subscribe", "settings.lang", "watchlist.add", "feed.remove", …
    target: str  # what it acted on: "SNOW", "watchlist:tech", a feed URL, a channel
    detail: str
    outcome: AuditOutcome
    id: int = 0
