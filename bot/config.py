"""Settings (environment + .env) and the optional YAML config file (feeds, watchlists, channels).

Environment names are a contract (DESIGN §3): every field below is `NEWSBOT_<NAME>`.
The YAML file is validated with pydantic; errors are reported as `file:line: message`
using the line marks of the YAML node tree, so a user can find the mistake.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.config_errors import describe_error
from bot.core.models import (
    KEYWORD_KEY_PATTERN,
    SYMBOL_PATTERN,
    WATCHLIST_NAME_PATTERN,
    KeywordEntry,
    Mode,
    TickerEntry,
    Watchlist,
)
from bot.core.schedule import parse_interval
from bot.errors import InputError

CommaList = Annotated[list[str], NoDecode]
# feed health notices look back 30 days (bot.core.health.AUDIENCE_WINDOW): entries must outlive that
MIN_RETENTION_DAYS = 31

M = TypeVar("M", bound=BaseModel)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    config: Path | None = None
    database_url: str = "sqlite:///./newsbot.db"
    adapters: CommaList = Field(default_factory=lambda: ["console"])
    log_level: str = "WARNING"  # DEBUG, INFO, WARNING, ERROR or CRITICAL

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_mode: Literal["socket", "http"] = "socket"
    slack_api_url: str = "https://slack.com/api/"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=3000, ge=0, le=65535)  # 0: any free port

    discord_token: SecretStr | None = None
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None

    admin_ids: CommaList = Field(default_factory=list)

    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None
    llm_timeout_s: float = Field(default=20.0, gt=0)  # per article (bot.localize bounds a digest)

    fetch_allow_networks: CommaList = Field(default_factory=list)
    fetch_user_agent: str = "newsbot/0.1 (+https://github.com/newsbot/newsbot)"
    fetch_timeout_s: float = Field(default=30.0, gt=0)
    fetch_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    fetch_concurrency: int = Field(default=16, ge=1)  # 0 would poll nothing, for ever
    fetch_per_host: int = Field(default=2, ge=1)  # requests in flight to one host at once
    # lxml parses well-formed feeds, feedparser the rest (same results; see bot.feeds.fastparse)
    fast_parse: bool = True

    poll_tick_s: float = Field(default=10.0, gt=0)
    deliver_tick_s: float = Field(default=15.0, gt=0)
    baseline_items: int = Field(default=3, ge=0)
    baseline_window_h: float = Field(default=24.0, ge=0)
    digest_max_items: int = Field(default=20, ge=1)
    feed_lease_s: float = Field(default=300.0, gt=0)
    delivery_lease_s: float = Field(default=120.0, gt=0)
    alert_max_per_hour: int = Field(default=20, ge=0)  # stories per instant channel; 0 = no limit
    entry_retention_days: int = Field(default=90, ge=0)  # 0 = keep every entry forever

    @field_validator("adapters", "admin_ids", "fetch_allow_networks", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        # (the value is never echoed: it may carry a password)
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        example = "e.g. sqlite:///./newsbot.db or postgresql+psycopg://user:password@host/newsbot"
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            raise ValueError(f"not a database URL ({example})") from None
        if backend not in ("sqlite", "postgresql", "postgres"):
            raise ValueError(f"newsbot runs on SQLite or PostgreSQL, not {backend[:20]!r} "
                             f"({example})")
        return value

    @field_validator("entry_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if 0 < value < MIN_RETENTION_DAYS:
            raise ValueError(f"must be 0 (keep forever) or at least {MIN_RETENTION_DAYS} days: "
                             "feed health notices look back 30 days")
        return value

    @field_validator("fetch_allow_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        if value:  # (the guard imports aiohttp: only when there is something to check)
            from bot.feeds.guard import NetworkGuard

            NetworkGuard(allow_networks=value)  # raises ValueError naming the bad entry
        return value


def load_settings() -> Settings:
    """`Settings()` from the environment and `.env`; a bad value is an `InputError` that
    names the variable and where it came from (the value itself is not repeated: it may be
    a secret)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = "NEWSBOT_" + str(error["loc"][0]).upper() if error["loc"] else "NEWSBOT_*"
            source = "environment" if name in os.environ else ".env"
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{name} ({source}): {message}")
        raise InputError("; ".join(problems)) from None


# --- YAML config file ---------------------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedConfig(_Strict):
    url: str
    interval: str | int = "10m"

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: str | int) -> str | int:
        parse_interval(value)
        return value

    @property
    def interval_s(self) -> int:
        return parse_interval(self.interval)


class TickerConfig(_Strict):
    symbol: str = Field(pattern=SYMBOL_PATTERN)
    names: list[str] | None = None
    exclude: list[str] = Field(default_factory=list)
    bare: bool | None = None
    extra_names: list[str] = Field(default_factory=list)  # added to the reference names

    @field_validator("extra_names")
    @classmethod
    def _no_blank_names(cls, value: list[str]) -> list[str]:
        if any(not item.strip() for item in value):
            raise ValueError("names must not be empty")
        return value

    def to_entry(self) -> TickerEntry:
        return TickerEntry(
            symbol=self.symbol.upper(),
            names=None if self.names is None else tuple(self.names),
            exclude=tuple(self.exclude),
            bare=self.bare,
            extra_names=tuple(self.extra_names),
        )


class KeywordConfig(_Strict):
    key: str = Field(pattern=KEYWORD_KEY_PATTERN)
    terms: list[str] = Field(default_factory=list)
    case_sensitive: bool | None = None
    exclude: list[str] = Field(default_factory=list)
    regex: list[str] = Field(default_factory=list)

    @field_validator("terms", "exclude")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        if any(not item.strip() for item in value):
            raise ValueError("terms must not be empty")
        return value

    @model_validator(mode="after")
    def _regex_and_terms(self) -> KeywordConfig:
        from bot.core.regex_terms import compile_regex_term

        if not self.terms and not self.regex:
            raise ValueError("a keyword needs at least one of terms or regex")
        for source in self.regex:
            compile_regex_term(source, case_sensitive=self.case_sensitive is not False)
        return self

    def to_entry(self) -> KeywordEntry:
        return KeywordEntry(
            key=self.key.upper(),
            terms=tuple(self.terms),
            case_sensitive=self.case_sensitive,
            exclude=tuple(self.exclude),
            regex=tuple(self.regex),
        )


class WatchlistConfig(_Strict):
    name: str = Field(pattern=WATCHLIST_NAME_PATTERN)
    tickers: list[TickerConfig] = Field(default_factory=list)
    keywords: list[KeywordConfig] = Field(default_factory=list)

    def to_watchlist(self) -> Watchlist:
        return Watchlist(
            name=self.name,
            tickers=tuple(t.to_entry() for t in self.tickers),
            keywords=tuple(k.to_entry() for k in self.keywords),
        )


class ChannelConfig(_Strict):
    adapter: Literal["console", "slack", "discord"]
    id: str = Field(min_length=1, max_length=100)
    lang: Literal["de", "en"] = "en"
    timezone: str = "UTC"
    mode: Mode = Mode.INSTANT
    schedule: list[str] = Field(default_factory=list)
    quiet: str | None = None
    subscribe: list[str] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from bot.core.schedule import check_timezone

        return check_timezone(value)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: list[str]) -> list[str]:
        from bot.core.schedule import parse_clock

        for item in value:
            parse_clock(item)
        return value

    @field_validator("quiet")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        from bot.core.schedule import parse_quiet

        if value is not None:
            parse_quiet(value)
        return value


class FileConfig(_Strict):
    feeds: list[FeedConfig] = Field(default_factory=list)
    watchlists: list[WatchlistConfig] = Field(default_factory=list)
    channels: list[ChannelConfig] = Field(default_factory=list)


class WatchlistFile(_Strict):
    watchlists: list[WatchlistConfig] = Field(default_factory=list)


def load_config_file(path: Path) -> FileConfig:
    return _load_yaml_model(path, FileConfig)


def load_watchlist_file(path: Path) -> WatchlistFile:
    return _load_yaml_model(path, WatchlistFile)


def load_default_config() -> FileConfig:
    """The embedded default: sample feeds, a default watchlist, a German console channel."""
    source = resources.files("bot.sample").joinpath("newsbot.yaml")
    return _parse_yaml_model(source.read_text(encoding="utf-8"), "bot/sample/newsbot.yaml",
                             FileConfig)


def _load_yaml_model(path: Path, model: type[M]) -> M:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", location=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read file: {exc}", location=str(path)) from None
    return _parse_yaml_model(text, str(path), model)


def _parse_yaml_model(text: str, name: str, model: type[M]) -> M:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"{name}:{mark.line + 1}" if mark else name
        raise InputError(f"invalid YAML: {exc.problem or exc.context}", location=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", location=name) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError("expected a mapping at the top level", location=f"{name}:1")
    from bot.config_checks import check_mapping_keys, check_watchlists

    check_mapping_keys(node, name, data)
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        lineno = _line_of(node, loc)
        raise InputError(describe_error(first, data, node), location=f"{name}:{lineno}") from None
    if isinstance(parsed, FileConfig | WatchlistFile):
        check_watchlists(parsed.watchlists, node, name)
    return parsed


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int:
    """1-based line of the deepest YAML node on the path `loc` (pydantic error location)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if found is None:
                # an unexpected key is reported at the key itself
                found = next((k for k, _ in node.value if getattr(k, "value", None) == part),
                             None)
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line
