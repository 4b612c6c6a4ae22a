"""Small pieces of digest text every renderer shows the same way, in the digest's language."""

from __future__ import annotations

from datetime import datetime

from bot.core.i18n import format_date, format_datetime_short, format_time, t
from bot.core.models import Digest, Lang


def story_time(published: datetime, digest: Digest) -> str:
    """The time alone for a story of the digest's own day (in its time zone), else day and
    time."""
    lang, tz = digest.lang, digest.timezone
    same_day = format_date(published, lang=lang, tz=tz) == format_date(
        digest.generated_at, lang=lang, tz=tz
    )
    if same_day:
        return format_time(published, lang=lang, tz=tz)
    return format_datetime_short(published, lang=lang, tz=tz)


def original_language(summary_lang: str, lang: Lang) -> str:
    """The marker of a summary left in its own language, named in the digest's language."""
    if summary_lang == "de":
        return t(lang, "(original in German)")
    if summary_lang == "en":
        return t(lang, "(original in English)")
    return t(lang, "(original: {language})", language=summary_lang.upper())
