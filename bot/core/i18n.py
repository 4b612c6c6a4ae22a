"""Everything the bot writes in a channel's language: catalog strings, dates, times, moves.

Strings live in gettext catalogs (`bot/locale/<lang>/LC_MESSAGES/newsbot.po`, msgids are the
English source text). The `.po` files are read once at import with Babel and compiled in
memory, so nobody has to run a compile step; reading package data is the only I/O here and
it happens before any request is served. Messages are `str.format` templates.

Numbers and dates come from Babel with the locale of the language (`de` → de_DE, `en` →
en_US). Chat clients render the narrow/non-breaking spaces CLDR uses unevenly, so every
formatted value is normalized to plain spaces and ASCII minus signs.
"""

from __future__ import annotations

import gettext
import io
import re
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as _babel_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_percent

from bot.core.models import LANGS, Lang

DOMAIN = "newsbot"
FALLBACK: Lang = "en"

_BABEL_LOCALES: dict[Lang, str] = {"de": "de_DE", "en": "en_US"}

# CLDR's standard "long"/"medium" formats are close but not what a chat line wants (en
# "medium" has no year-less variant, de "long" is right); explicit patterns keep it stable
# across Babel/CLDR releases.
_DATE_PATTERNS: dict[Lang, str] = {"de": "d. MMMM y", "en": "MMM d, y"}
_TIME_PATTERNS: dict[Lang, str] = {"de": "HH:mm", "en": "h:mm a"}
_SHORT_PATTERNS: dict[Lang, str] = {"de": "d.M., HH:mm", "en": "MMM d, h:mm a"}

_ODD_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2212": "-"})


def catalog_path(lang: Lang) -> Traversable:
    """Where the `.po` file of `lang` lives inside the package."""
    return resources.files("bot.locale") / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _load(lang: Lang) -> gettext.GNUTranslations:
    with catalog_path(lang).open("rb") as fp:
        catalog = read_po(fp, locale=_BABEL_LOCALES[lang], domain=DOMAIN)
    # An untranslated plural is a tuple of empty strings, which write_mo would keep and
    # gettext would then return as ""; dropping it makes the msgid the fallback instead.
    for message in list(catalog)[1:]:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            catalog.delete(message.id, context=message.context)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


_TRANSLATIONS: dict[Lang, gettext.GNUTranslations] = {lang: _load(lang) for lang in LANGS}


def normalize_lang(locale_tag: str | None) -> Lang:
    """A platform locale ("de-DE", "de_AT", "DE") → "de"; anything else, or nothing → "en"."""
    if not locale_tag:
        return FALLBACK
    primary = re.split(r"[-_.@]", locale_tag.strip(), maxsplit=1)[0].lower()
    return "de" if primary == "de" else FALLBACK


def t(lang: str, msgid: str, /, **params: object) -> str:
    """The translation of `msgid` with `params` filled in; a missing msgid stands for itself."""
    text = _TRANSLATIONS[normalize_lang(lang)].gettext(msgid)
    return text.format(**params)


def tn(lang: str, singular: str, plural: str, n: int, /, **params: object) -> str:
    """Plural-aware `t`: picks the form for `n` by the catalog's rule; `{n}` is available."""
    text = _TRANSLATIONS[normalize_lang(lang)].ngettext(singular, plural, n)
    return text.format(**{"n": n, **params})


@cache
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def _local(dt: datetime, tz: str) -> datetime:
    # Naive datetimes are taken as UTC, the convention of every value in the core.
    aware = dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
    return aware.astimezone(_zone(tz))


def _format(dt: datetime, patterns: dict[Lang, str], lang: str, tz: str) -> str:
    code = normalize_lang(lang)
    text = _babel_datetime(_local(dt, tz), patterns[code], locale=_BABEL_LOCALES[code])
    return text.translate(_ODD_SPACES)


def format_date(dt: datetime, *, lang: str, tz: str) -> str:
    """The calendar day of `dt` in `tz`: "28. November 2026" / "Nov 28, 2026"."""
    return _format(dt, _DATE_PATTERNS, lang, tz)


def format_time(dt: datetime, *, lang: str, tz: str) -> str:
    """The wall-clock time of `dt` in `tz`: "17:30" / "5:30 PM"."""
    return _format(dt, _TIME_PATTERNS, lang, tz)


def format_datetime_short(dt: datetime, *, lang: str, tz: str) -> str:
    """A time on another day, without the year: "28.11., 17:30" / "Nov 28, 5:30 PM"."""
    return _format(dt, _SHORT_PATTERNS, lang, tz)


@cache
def _move_pattern(code: Lang) -> str:
    # The locale's own percent layout ("#,##0 %" in de, "#,##0%" in en) with two decimals
    # and an explicit sign in both sub-patterns.
    base = Locale.parse(_BABEL_LOCALES[code]).percent_formats[None].pattern.split(";")[0]
    fixed = re.sub(r"[#,.0]+", "#,##0.00", base, count=1)
    return f"+{fixed};-{fixed}"


def format_move(pct: float, *, lang: str) -> str:
    """A price move in percent: "-3,37 %" / "-3.37%", "+1,20 %" / "+1.20%".

    Always signed; a move that rounds to zero gets "±" rather than a misleading "+" or "-".
    """
    code = normalize_lang(lang)
    rounded = round(pct, 2)
    value = 0.0 if rounded == 0 else rounded
    text = format_percent(value / 100, format=_move_pattern(code), locale=_BABEL_LOCALES[code])
    text = text.translate(_ODD_SPACES)
    return "±" + text[1:] if value == 0 else text
