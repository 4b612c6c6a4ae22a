"""The `newsbot` command (DESIGN §3). Bad input → one line on stderr naming file/line, exit 2."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import typer

from bot.cli_audit import audit as audit_command
from bot.cli_status import status as status_command
from bot.cli_watchlist import watchlist_app
from bot.config import (
    FileConfig,
    Settings,
    load_config_file,
    load_default_config,
    load_settings,
)
from bot.errors import InputError, NewsbotError, ParseError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="News alerts for Slack and Discord: feeds matched against watchlists.")
db_app = typer.Typer(no_args_is_help=True, help="Database maintenance.")
app.add_typer(db_app, name="db")
app.add_typer(watchlist_app, name="watchlist")

ConfigOpt = Annotated[Path | None, typer.Option("--config", help="YAML config file "
                                                "(default: $NEWSBOT_CONFIG or the bundled demo)")]
F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int = 2) -> typer.Exit:
    from bot.log_redaction import redact_secrets

    print(f"newsbot: error: {redact_secrets(message)}", file=sys.stderr)
    return typer.Exit(code)


def cli_errors(func: F) -> F:
    """Turn our errors into one clear stderr line: input errors exit 2, others 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            raise _fail(str(exc)) from None
        except NewsbotError as exc:
            raise _fail(str(exc), 1) from None

    return wrapper  # type: ignore[return-value]


def _settings(config: Path | None) -> Settings:
    settings = load_settings()
    if config is not None:
        settings = settings.model_copy(update={"config": config})
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    from bot.log_redaction import install_secret_filter, secret_values

    install_secret_filter(secret_values(settings))  # second line of defence against leaks
    return settings


def _file_config(settings: Settings) -> FileConfig:
    return load_config_file(settings.config) if settings.config else load_default_config()


def _read_jsonl(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Rows of a JSON-lines file (`-` = stdin) with their `file:line` for error messages."""
    name = "<stdin>" if str(path) == "-" else str(path)
    try:
        handle = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", location=name) from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{name}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"malformed JSON ({exc.msg})", location=where) from None
            if not isinstance(row, dict) or "id" not in row:
                raise InputError('each line must be an object with an "id"', location=where)
            yield where, row


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


@app.command()
@cli_errors
def run(
    once: Annotated[bool, typer.Option(
        "--once", help="One pass of the role's work (poll and/or deliver), then exit.")]
    = False,
    adapter: Annotated[list[str] | None, typer.Option("--adapter",
                                                      help="console, slack, discord")] = None,
    role: Annotated[str, typer.Option(
        "--role", help="poller (feeds → outbox), sender (outbox → chat), chat (commands), "
                       "all; roles other than all need PostgreSQL")] = "all",
    interactive: Annotated[bool | None, typer.Option(
        "--interactive/--no-interactive",
        help="Read /news commands from the terminal (default: when stdin is a terminal).")]
    = None,
    config: ConfigOpt = None,
) -> None:
    """Run the bot (without configuration: SQLite ./newsbot.db, console, bundled sample feeds)."""
    from bot.app import build_app, load_adapter, run_forever, run_once, sync_config
    from bot.roles import PLANS, check_role, parse_role

    settings = _settings(config)
    if adapter:
        settings = settings.model_copy(update={"adapters": adapter})
    process_role = parse_role(role)
    check_role(process_role, database_url=settings.database_url, once=once)
    file_config = _file_config(settings)
    console_channel = next((c.id for c in file_config.channels if c.adapter == "console"),
                           "default")
    live = interactive if interactive is not None else (not once and sys.stdin.isatty())
    live = live and PLANS[process_role].listens  # only a chat process reads the terminal

    from bot.store.single import SchedulerLock

    async def main() -> int:
        adapters = {name: (load_adapter(name, interactive=live, channel=console_channel)
                           if name == "console" else load_adapter(name))
                    for name in settings.adapters}
        bot = await build_app(settings, adapters=adapters)
        try:
            await sync_config(bot.store, file_config, bot.clock)
            if once:
                polls, deliveries = await run_once(bot, role=process_role)
                new = sum(p.new_entries for p in polls)
                failed = [p for p in polls if p.error]
                sent = [d for d in deliveries if d.status == "sent"]
                jobs = PLANS[process_role].jobs
                done = [f"polled {len(polls)} feeds ({len(failed)} failed), {new} new entries"
                        ] if "poll" in jobs else []
                done += [f"{len(sent)} messages sent"] if "deliver" in jobs else []
                print(f"newsbot: {', '.join(done)}", file=sys.stderr)
                for p in failed:
                    print(f"newsbot: feed {p.url}: {p.error}", file=sys.stderr)
                return 0
            await run_forever(bot, role=process_role)
            return 0
        finally:
            await bot.close()

    with SchedulerLock(database_url=settings.database_url):
        code = asyncio.run(main())
    raise typer.Exit(code)


@app.command()
@cli_errors
def parse(
    sources: Annotated[list[str], typer.Argument(help="feed files or http(s) URLs")],
    config: ConfigOpt = None,
) -> None:
    """Print normalized feeds as JSON; a feed that fails prints {"source", "error"} (exit 2)."""
    from bot.feeds.fetch import HttpFetcher
    from bot.feeds.guard import NetworkGuard
    from bot.feeds.parse import parse_feed

    settings = _settings(config)

    async def load(source: str, http: HttpFetcher) -> tuple[bytes, str | None]:
        if source.startswith(("http://", "https://")):
            result = await http.fetch(source)
            return result.body, result.content_type
        try:
            return await asyncio.to_thread(Path(source).read_bytes), None
        except OSError as exc:
            raise InputError(f"cannot read file: {exc.strerror}", location=source) from None

    async def main() -> int:
        failed = 0
        guard = NetworkGuard(allow_networks=settings.fetch_allow_networks)
        async with HttpFetcher(user_agent=settings.fetch_user_agent, guard=guard) as http:
            for source in sources:
                try:
                    body, content_type = await load(source, http)
                    feed = parse_feed(body, source=source, content_type=content_type,
                                      fast=settings.fast_parse)
                except (NewsbotError, ParseError) as exc:
                    failed += 1
                    _emit({"source": source, "error": str(exc)})
                    continue
                _emit(feed_to_json(source, feed))
        return 2 if failed else 0

    raise typer.Exit(asyncio.run(main()))


def feed_to_json(source: str, feed: Any) -> dict[str, Any]:
    return {
        "source": source, "title": feed.title, "link": feed.link, "language": feed.lang,
        "warning": feed.warning,
        "entries": [
            {"id": a.uid, "title": a.title, "link": a.link,
             "published": a.published.isoformat().replace("+00:00", "Z") if a.published else None,
             "summary": a.text, "language": a.lang}
            for a in feed.articles
        ],
    }


@app.command()
@cli_errors
def match(
    input_file: Annotated[Path, typer.Argument(metavar="INPUT.jsonl")],
    watchlist: Annotated[Path, typer.Option("--watchlist", help="watchlist YAML file")],
    config: ConfigOpt = None,
) -> None:
    """Match JSON lines {"id","title","text"?} against a watchlist: {"id","matches":[…]}."""
    from bot.config import load_watchlist_file
    from bot.core.matching import compile_matcher
    from bot.reference import load_reference

    _settings(config)
    lists = [w.to_watchlist() for w in load_watchlist_file(watchlist).watchlists]
    matcher = compile_matcher(tickers=[t for w in lists for t in w.tickers],
                              keywords=[k for w in lists for k in w.keywords],
                              reference=load_reference())
    for _where, row in _read_jsonl(input_file):
        found = matcher.match(title=str(row.get("title") or ""), text=str(row.get("text") or ""),
                              lang=row.get("lang"))
        _emit({"id": row["id"], "matches": sorted({m.key for m in found}),
               "hits": [{"key": m.key, "term": m.term, "field": m.field, "start": m.start,
                         "end": m.end, **({"move": m.move} if m.move is not None else {})}
                        for m in found]})


@app.command()
@cli_errors
def why(
    watchlist: Annotated[Path | None, typer.Option(
        "--watchlist", help="watchlist YAML file (default: the database's watchlists)")] = None,
    text: Annotated[str | None, typer.Option("--text", help="the article text")] = None,
    title: Annotated[str, typer.Option("--title", help="the article title")] = "",
    url: Annotated[str | None, typer.Option("--url", help="link of a stored entry")] = None,
    lang: Annotated[str, typer.Option("--lang", help="language of the answer: de or en")] = "en",
    config: ConfigOpt = None,
) -> None:
    """Explain each hit and each near miss of a text (or a stored entry) against watchlists."""
    from bot.config import load_watchlist_file
    from bot.core.explain import explain_lines
    from bot.core.matching import compile_matcher
    from bot.core.models import Article, Watchlist

    settings = _settings(config)
    if lang not in ("de", "en"):
        raise InputError(f"--lang must be de or en, not {lang!r}")
    if (text is None) == (url is None):
        raise InputError("give exactly one of --text or --url")
    lists: list[Watchlist] | None = None
    if watchlist is not None:
        lists = [w.to_watchlist() for w in load_watchlist_file(watchlist).watchlists]

    async def load() -> tuple[list[Watchlist], Article | None]:
        from bot.store import migrate
        from bot.store.sql import SqlStore

        await asyncio.to_thread(migrate.upgrade, settings.database_url)
        store = SqlStore(url=settings.database_url)
        try:
            stored = lists if lists is not None else await store.list_watchlists()
            article = await store.find_article(url) if url is not None else None
        finally:
            await store.close()
        return stored, article

    if lists is None or url is not None:
        lists, article = asyncio.run(load())
        if url is not None and article is None:
            raise InputError(f"no stored entry has the link {url}")
    else:
        article = None
    article_title = article.title if article is not None else title
    article_text = article.text if article is not None else text or ""
    article_lang = article.lang if article is not None else None
    from bot.reference import load_reference

    matcher = compile_matcher(tickers=[t for w in lists for t in w.tickers],
                              keywords=[k for w in lists for k in w.keywords],
                              reference=load_reference())
    matches, misses = matcher.explain(title=article_title, text=article_text, lang=article_lang)
    answer: Literal["de", "en"] = "de" if lang == "de" else "en"
    print("\n".join(explain_lines(matches, misses, lang=answer)))


@app.command()
@cli_errors
def summarize(
    input_file: Annotated[Path, typer.Argument(metavar="INPUT.jsonl")],
    lang: Annotated[str, typer.Option("--lang", help="de or en")] = "en",
    max_sentences: Annotated[int, typer.Option("--max-sentences", min=1, max=10)] = 2,
    config: ConfigOpt = None,
) -> None:
    """Extractive summaries of JSON lines {"id","title","text","description"?}: {"id","summary"}."""
    from bot.core.summarize import summarize as summarize_text

    _settings(config)
    if lang not in ("de", "en"):
        raise InputError(f"--lang must be de or en, not {lang!r}")
    for _where, row in _read_jsonl(input_file):
        text = summarize_text(title=str(row.get("title") or ""), text=str(row.get("text") or ""),
                              lang=row.get("lang") or lang, max_sentences=max_sentences,
                              description=str(row.get("description") or ""))
        _emit({"id": row["id"], "summary": text})


@app.command()
@cli_errors
def command(
    text: Annotated[str, typer.Argument(help='e.g. "/news subscribe SNOW"')],
    channel: Annotated[str, typer.Option("--channel", help="PLATFORM:ID")] = "console:default",
    as_role: Annotated[str, typer.Option("--as", help="member or admin")] = "admin",
    config: ConfigOpt = None,
) -> None:
    """Run one slash command as that channel and user; print the reply (exit 1 on error)."""
    from adapters.console.render import render_digest
    from bot.app import build_app, sync_config
    from bot.core.models import Caller, ChannelRef

    settings = _settings(config)
    platform, sep, external = channel.partition(":")
    if not sep or not external:
        raise InputError(f"--channel must look like console:NAME, not {channel!r}")
    if as_role not in ("member", "admin"):
        raise InputError(f"--as must be member or admin, not {as_role!r}")
    role: Literal["member", "admin"] = "admin" if as_role == "admin" else "member"
    file_config = _file_config(settings) if settings.config else None

    async def main() -> int:
        bot = await build_app(settings, adapters={})
        try:
            if file_config is not None:
                await sync_config(bot.store, file_config, bot.clock)
            caller = Caller(channel=ChannelRef(platform, external), user_id="cli", role=role)
            reply = await bot.handle_command(caller, text)
        finally:
            await bot.close()
        if reply.digest is not None:
            print(render_digest(reply.digest))
        if reply.lines:
            print(reply.text)
        return 1 if reply.error else 0

    raise typer.Exit(asyncio.run(main()))


app.command("audit")(cli_errors(audit_command))
app.command("status")(cli_errors(status_command))


@db_app.command("upgrade")
@cli_errors
def db_upgrade(config: ConfigOpt = None) -> None:
    """Apply pending database migrations."""
    from bot.store.migrate import upgrade

    settings = _settings(config)
    upgrade(settings.database_url)
    print("database is up to date", file=sys.stderr)


def main() -> None:
    app()
