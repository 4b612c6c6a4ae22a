"""`/news help`: every command with one example, in the channel's language.

Admin commands are listed only for admins; members get one line saying they exist.
"""

from __future__ import annotations

from bot.core.i18n import t
from bot.core.models import Lang


def member_help(lang: Lang) -> list[tuple[str, str]]:
    return [
        ("/news subscribe SNOW DEEPSEEK watchlist:tech",
         t(lang, "follow symbols, keywords or a whole watchlist")),
        ("/news unsubscribe SNOW", t(lang, "stop following")),
        ("/news list", t(lang, "this channel's subscriptions and settings")),
        ("/news summary SNOW 7d", t(lang, "a digest of stored news now (24h or 7d)")),
        ("/news settings lang de", t(lang, "the channel's language (de or en)")),
        ("/news settings mode digest",
         t(lang, "instant: post matches right away; digest: at the scheduled times")),
        ("/news settings schedule 08:00,17:30 Europe/Berlin", t(lang, "digest times")),
        ("/news settings quiet 22:00-07:00", t(lang, "quiet hours (off ends them)")),
        ("/news settings timezone Europe/Berlin", t(lang, "the channel's time zone")),
        ("/news why https://example.org/article",
         t(lang, "which terms matched a stored article, or why none did")),
        ("/news help", t(lang, "this list")),
    ]


def admin_help(lang: Lang) -> list[tuple[str, str]]:
    return [
        ("/news watchlist create tech", t(lang, "create an empty watchlist")),
        ('/news watchlist add tech ticker NVDA names=Nvidia,"Nvidia Corp" exclude="Nvidia '
         'Shield"', t(lang, "add or replace a ticker (names= empty: symbol only)")),
        ('/news watchlist add tech keyword KI terms=KI,"künstliche Intelligenz" case=on',
         t(lang, "add or replace a keyword")),
        ("/news watchlist remove tech NVDA", t(lang, "remove an entry")),
        ("/news watchlist show tech", t(lang, "the entries and the latest changes")),
        ("/news watchlist delete tech", t(lang, "delete a watchlist")),
        ("/news watchlist export tech", t(lang, "the watchlist file (YAML)")),
        ("/news watchlist import merge ⏎ watchlists: …",
         t(lang, "import a watchlist file pasted after the command (merge keeps other "
                 "entries)")),
        ("/news feed add https://example.org/rss.xml 10m",
         t(lang, "check, fetch once and add a feed")),
        ("/news feed remove https://example.org/rss.xml", t(lang, "remove a feed")),
        ("/news feed list", t(lang, "every feed with its health")),
        ("/news feed status https://example.org/rss.xml",
         t(lang, "last poll, error count, why it was disabled")),
        ("/news feed enable https://example.org/rss.xml", t(lang, "poll a disabled feed again")),
    ]


def help_lines(lang: Lang, *, admin: bool) -> list[str]:
    lines = [t(lang, "newsbot posts matching news to this channel. Commands:")]
    lines.extend(f"{example} — {what}" for example, what in member_help(lang))
    if admin:
        lines.append(t(lang, "Admin commands:"))
        lines.extend(f"{example} — {what}" for example, what in admin_help(lang))
    else:
        lines.append(t(lang, "Admins also have /news watchlist … and /news feed …."))
    return lines
