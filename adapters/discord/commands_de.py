"""German descriptions of the `/news` app commands, for Discord clients set to German.

Only descriptions are localized: command, option and choice names stay as the grammar spells
them, so `/news subscribe` reads the same in every guild and in the help text.
"""

from __future__ import annotations

from discord import Locale, app_commands
from discord.app_commands import TranslationContextLocation, TranslationContextTypes, locale_str

DE: dict[str, str] = {
    "News alerts for tickers and keywords": "Nachrichten-Alarme für Ticker und Stichwörter",
    "Follow symbols, keywords or watchlist:NAME": "Symbolen, Stichwörtern oder watchlist:NAME "
                                                  "folgen",
    "e.g. NVDA DEEPSEEK watchlist:tech": "z. B. NVDA DEEPSEEK watchlist:tech",
    "Stop following symbols or keywords": "Symbolen oder Stichwörtern nicht mehr folgen",
    "e.g. NVDA watchlist:tech": "z. B. NVDA watchlist:tech",
    "This channel's subscriptions and settings": "Abos und Einstellungen dieses Kanals",
    "A digest of recent matching news": "Überblick über die passenden Meldungen",
    "one symbol or keyword (default: all subscriptions)": "ein Symbol oder Stichwort "
                                                          "(sonst alle Abos)",
    "how far back": "wie weit zurück",
    "Why a stored article matched (or did not)": "Warum ein gespeicherter Artikel passte "
                                                 "(oder nicht)",
    "the article's link": "der Link des Artikels",
    "How to use /news": "So funktioniert /news",
    "Channel settings": "Kanaleinstellungen",
    "Language of digests and replies": "Sprache von Überblicken und Antworten",
    "de or en": "de oder en",
    "Post at once or collect for digests": "Sofort posten oder für Überblicke sammeln",
    "instant or digest": "instant oder digest",
    "Digest times, e.g. 08:00,17:30": "Zeiten der Überblicke, z. B. 08:00,17:30",
    "HH:MM,HH:MM": "HH:MM,HH:MM",
    "e.g. Europe/Berlin": "z. B. Europe/Berlin",
    "Quiet hours, e.g. 22:00-07:00, or off": "Ruhezeit, z. B. 22:00-07:00, oder off",
    "FROM-TO or off": "VON-BIS oder off",
    "The channel's time zone": "Die Zeitzone des Kanals",
    "Watchlists (admins)": "Watchlists (Admins)",
    "Create a watchlist": "Eine Watchlist anlegen",
    "watchlist name": "Name der Watchlist",
    "Delete a watchlist": "Eine Watchlist löschen",
    "Show a watchlist": "Eine Watchlist zeigen",
    "Add a ticker or keyword to a watchlist": "Einen Ticker oder ein Stichwort hinzufügen",
    "ticker or keyword": "ticker oder keyword",
    "symbol or keyword key": "Symbol oder Stichwort-Schlüssel",
    "ticker: names= extra= exclude= bare=; keyword: terms= exclude= case=":
        "ticker: names= extra= exclude= bare=; keyword: terms= exclude= case=",
    "Remove a ticker or keyword": "Einen Ticker oder ein Stichwort entfernen",
    "Export watchlists as YAML": "Watchlists als YAML exportieren",
    "watchlist names (default: all)": "Namen der Watchlists (sonst alle)",
    "Feeds (admins)": "Feeds (Admins)",
    "Add a feed": "Einen Feed hinzufügen",
    "the feed's address": "die Adresse des Feeds",
    "e.g. 10m": "z. B. 10m",
    "Remove a feed": "Einen Feed entfernen",
    "List feeds": "Feeds auflisten",
    "Feed health": "Zustand der Feeds",
    "the feed's address (default: all)": "die Adresse des Feeds (sonst alle)",
    "Re-enable a disabled feed": "Einen abgeschalteten Feed wieder einschalten",
}

_DESCRIPTIONS = {
    TranslationContextLocation.command_description,
    TranslationContextLocation.group_description,
    TranslationContextLocation.parameter_description,
}


class GermanDescriptions(app_commands.Translator):
    """Descriptions in German for `Locale.german`; everything else stays as written."""

    async def translate(self, string: locale_str, locale: Locale,
                        context: TranslationContextTypes) -> str | None:
        if locale is not Locale.german or context.location not in _DESCRIPTIONS:
            return None
        return DE.get(string.message)
