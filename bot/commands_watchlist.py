"""`/news watchlist …`: create, delete, show, add, remove, import, export (admins only).

The grammar is `bot.core.commands_admin`; the permission check happened before these run.
Watchlists change what every subscribed channel receives, so each change is audited
(`bot.command_context`), and `show` lists the latest audit entries of that watchlist.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.command_context import Auditor, Request
from bot.core import commands_admin as a
from bot.core.i18n import format_datetime_short, t, tn
from bot.core.models import KeywordEntry, Reply, TickerEntry, Watchlist
from bot.core.routing import WATCHLIST_PREFIX, entry_key
from bot.errors import InputError
from bot.ports import Clock
from bot.store.sql import SqlStore
from bot.watchlist_file import dump_watchlists, format_entry, parse_watchlist_text, plan_import

MAX_WATCHLISTS = 100
MAX_ENTRIES = 500  # per watchlist
SHOW_AUDIT = 5  # latest changes `show` lists

WatchlistCommand = (a.WatchlistCreate | a.WatchlistDelete | a.WatchlistShow | a.WatchlistAdd
                    | a.WatchlistRemove | a.WatchlistExport | a.WatchlistImport)


def _error(line: str) -> Reply:
    return Reply(lines=(line,), error=True)


class WatchlistCommands:
    def __init__(self, *, store: SqlStore, clock: Clock, auditor: Auditor,
                 reference: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self._store = store
        self._clock = clock
        self._audit = auditor
        self._reference = reference or {}

    async def run(self, command: WatchlistCommand, req: Request) -> Reply:
        lists = {w.name: w for w in await self._store.list_watchlists()}
        match command:
            case a.WatchlistExport(names):
                return self._export(names, lists, req)
            case a.WatchlistImport(text, merge):
                return await self._import(text, merge, lists, req)
            case a.WatchlistCreate(name):
                return await self._create(name, lists, req)
        stored = lists.get(command.name)
        if stored is None:
            reply = self._unknown(command.name, lists, req)
            if not isinstance(command, a.WatchlistShow):
                await self._audit.record(req, _action(command), target=WATCHLIST_PREFIX
                                         + command.name, detail=reply.text, outcome="error")
            return reply
        match command:
            case a.WatchlistShow():
                return await self._show(stored, req)
            case a.WatchlistDelete():
                return await self._delete(stored, req)
            case a.WatchlistAdd(_, entry):
                return await self._add(stored, entry, req)
            case a.WatchlistRemove(_, key):
                return await self._remove(stored, key, req)
        raise AssertionError(f"unhandled command {command!r}")

    def _unknown(self, name: str, lists: Mapping[str, Watchlist], req: Request) -> Reply:
        known = ", ".join(sorted(lists)) or t(req.lang, "(none)")
        return _error(t(req.lang, "Unknown watchlist “{name}” (known: {known}). Create it "
                        "with /news watchlist create {name}.", name=name, known=known))

    async def _create(self, name: str, lists: Mapping[str, Watchlist], req: Request) -> Reply:
        target = WATCHLIST_PREFIX + name
        if name in lists:
            reply = _error(t(req.lang, "Watchlist “{name}” already exists.", name=name))
        elif len(lists) >= MAX_WATCHLISTS:
            reply = _error(t(req.lang, "There are already {limit} watchlists; delete one first.",
                             limit=str(MAX_WATCHLISTS)))
        else:
            await self._store.upsert_watchlist(Watchlist(name=name), now=self._clock.now())
            await self._audit.record(req, "watchlist.create", target=target)
            return Reply(lines=(t(req.lang, "Created watchlist “{name}”. Add entries with "
                                  "/news watchlist add {name} ticker|keyword …", name=name),))
        await self._audit.record(req, "watchlist.create", target=target, detail=reply.text,
                                 outcome="error")
        return reply

    async def _delete(self, stored: Watchlist, req: Request) -> Reply:
        target = WATCHLIST_PREFIX + stored.name
        await self._store.delete_watchlist(stored.name)
        await self._audit.record(req, "watchlist.delete", target=target,
                                 detail=", ".join(stored.keys()))
        lines = [t(req.lang, "Deleted watchlist “{name}”.", name=stored.name)]
        subscribers = await self._store.count_subscribers(target)
        if subscribers:
            lines.append(tn(req.lang, "{n} channel still subscribes to {target}; it gets "
                            "nothing from it unless the watchlist is created again.",
                            "{n} channels still subscribe to {target}; they get nothing "
                            "from it unless the watchlist is created again.",
                            subscribers, target=target))
        return Reply(lines=tuple(lines))

    async def _add(self, stored: Watchlist, entry: TickerEntry | KeywordEntry,
                   req: Request) -> Reply:
        key = entry_key(entry)
        keys = set(stored.keys())
        replaced = key in keys
        if not replaced and len(keys) >= MAX_ENTRIES:
            reply = _error(t(req.lang, "Watchlist “{name}” is full ({limit} entries).",
                             name=stored.name, limit=str(MAX_ENTRIES)))
            await self._audit.record(req, "watchlist.add", target=WATCHLIST_PREFIX
                                     + stored.name, detail=reply.text, outcome="error")
            return reply
        updated = _with_entry(_without(stored, key), entry, stored)
        await self._store.upsert_watchlist(updated, now=self._clock.now())
        kind = "ticker" if isinstance(entry, TickerEntry) else "keyword"
        await self._audit.record(req, "watchlist.add", target=WATCHLIST_PREFIX + stored.name,
                                 detail=f"{kind} {format_entry(entry)}")
        msgid = ("Updated {key} in “{name}”: {terms}" if replaced
                 else "Added {key} to “{name}”: {terms}")
        return Reply(lines=(t(req.lang, msgid, key=key, name=stored.name,
                              terms=self._terms(entry, req)),))

    async def _remove(self, stored: Watchlist, key: str, req: Request) -> Reply:
        target = WATCHLIST_PREFIX + stored.name
        if key not in set(stored.keys()):
            reply = _error(t(req.lang, "{key} is not in watchlist “{name}” (entries: {keys}).",
                             key=key, name=stored.name,
                             keys=", ".join(stored.keys()) or t(req.lang, "(none)")))
            await self._audit.record(req, "watchlist.remove", target=target, detail=reply.text,
                                     outcome="error")
            return reply
        await self._store.upsert_watchlist(_without(stored, key), now=self._clock.now())
        await self._audit.record(req, "watchlist.remove", target=target, detail=key)
        return Reply(lines=(t(req.lang, "Removed {key} from “{name}”.", key=key,
                              name=stored.name),))

    async def _show(self, stored: Watchlist, req: Request) -> Reply:
        lang = req.lang
        lines = [t(lang, "Watchlist “{name}”: {tickers} tickers, {keywords} keywords",
                   name=stored.name, tickers=len(stored.tickers),
                   keywords=len(stored.keywords))]
        lines.extend(f"  {e.symbol}: {self._terms(e, req)}" for e in stored.tickers)
        lines.extend(f"  {e.key}: {self._terms(e, req)}" for e in stored.keywords)
        changes = await self._store.list_audit(limit=SHOW_AUDIT,
                                               target=WATCHLIST_PREFIX + stored.name)
        if changes:
            lines.append(t(lang, "Latest changes:"))
            lines.extend(
                f"  {format_datetime_short(e.at, lang=lang, tz=req.timezone)} · "
                f"{e.platform}:{e.user_id} · {e.action} · {e.outcome}"
                + (f" · {e.detail}" if e.detail and e.outcome == "ok" else "")
                for e in changes)
        return Reply(lines=tuple(lines))

    def _terms(self, entry: TickerEntry | KeywordEntry, req: Request) -> str:
        """What an entry matches, in a line: names or terms, then its options."""
        lang = req.lang
        parts: list[str] = []
        if isinstance(entry, TickerEntry):
            names = entry.names
            if names is None:
                names = self._reference.get(entry.symbol, ())
                shown = ", ".join((*names, *entry.extra_names))
                parts.append(t(lang, "reference names: {names}", names=shown) if shown
                             else t(lang, "symbol only (${symbol})", symbol=entry.symbol))
            elif names or entry.extra_names:
                parts.append(", ".join((*names, *entry.extra_names)))
            else:
                parts.append(t(lang, "symbol only (${symbol})", symbol=entry.symbol))
            if entry.bare is not None:
                parts.append(t(lang, "bare symbol: {switch}",
                               switch="on" if entry.bare else "off"))
        else:
            parts.append(", ".join(entry.terms + tuple(f"/{r}/" for r in entry.regex)))
            if entry.case_sensitive is not None:
                parts.append(t(lang, "case-sensitive: {switch}",
                               switch="on" if entry.case_sensitive else "off"))
        if entry.exclude:
            parts.append(t(lang, "except: {terms}", terms=", ".join(entry.exclude)))
        return " · ".join(parts)

    def _export(self, names: tuple[str, ...], lists: Mapping[str, Watchlist],
                req: Request) -> Reply:
        unknown = [n for n in names if n not in lists]
        if unknown:
            return self._unknown(unknown[0], lists, req)
        chosen = [lists[n] for n in sorted(names or lists)]
        return Reply(lines=("```yaml", *dump_watchlists(chosen).splitlines(), "```"))

    async def _import(self, text: str, merge: bool, lists: Mapping[str, Watchlist],
                      req: Request) -> Reply:
        lang = req.lang
        try:
            incoming = parse_watchlist_text(text, "import")
            if not incoming:
                raise InputError("no watchlists in it", location="import")
            too_big = next((w for w in incoming if len(w.keys()) > MAX_ENTRIES), None)
            if too_big is not None:
                raise InputError(f"watchlist {too_big.name} has more than {MAX_ENTRIES} "
                                 "entries", location="import")
            if len(set(lists) | {w.name for w in incoming}) > MAX_WATCHLISTS:
                raise InputError(f"more than {MAX_WATCHLISTS} watchlists", location="import")
        except InputError as exc:
            reply = _error(t(lang, "Nothing imported: {error}", error=str(exc)))
            await self._audit.record(req, "watchlist.import", detail=str(exc), outcome="error")
            return reply
        now = self._clock.now()
        lines = []
        for plan in (plan_import(w, lists.get(w.name), merge=merge) for w in incoming):
            if plan.action != "unchanged":
                await self._store.upsert_watchlist(plan.result, now=now)
                await self._audit.record(
                    req, "watchlist.import", target=WATCHLIST_PREFIX + plan.result.name,
                    detail=f"{plan.action}: +{plan.added} ~{plan.updated} -{plan.removed}")
            lines.append(t(lang, "“{name}”: {action} — {tickers} tickers, {keywords} keywords "
                           "({added} added, {updated} changed, {removed} removed)",
                           name=plan.result.name, action=_plan_action(lang, plan.action),
                           tickers=len(plan.result.tickers),
                           keywords=len(plan.result.keywords), added=plan.added,
                           updated=plan.updated, removed=plan.removed))
        return Reply(lines=tuple(lines))


def _plan_action(lang: str, action: str) -> str:
    if action == "created":
        return t(lang, "created")
    if action == "merged":
        return t(lang, "merged")
    return t(lang, "replaced") if action == "replaced" else t(lang, "unchanged")


def _action(command: WatchlistCommand) -> str:
    return "watchlist." + type(command).__name__.removeprefix("Watchlist").lower()


def _without(stored: Watchlist, key: str) -> Watchlist:
    return Watchlist(name=stored.name,
                     tickers=tuple(e for e in stored.tickers if e.symbol != key),
                     keywords=tuple(e for e in stored.keywords if e.key != key))


def _with_entry(rest: Watchlist, entry: TickerEntry | KeywordEntry, stored: Watchlist
                ) -> Watchlist:
    """`rest` plus `entry`, at the position the old entry with its key had (else last)."""
    key = entry_key(entry)
    if isinstance(entry, TickerEntry):
        order = [e.symbol for e in stored.tickers]
        tickers = list(rest.tickers)
        tickers.insert(order.index(key) if key in order else len(tickers), entry)
        return Watchlist(name=rest.name, tickers=tuple(tickers), keywords=rest.keywords)
    order = [e.key for e in stored.keywords]
    keywords = list(rest.keywords)
    keywords.insert(order.index(key) if key in order else len(keywords), entry)
    return Watchlist(name=rest.name, tickers=rest.tickers, keywords=tuple(keywords))
