"""The bundled demo feeds behind `sample:NAME` URLs (package data in `bot/sample/`).

The feed files carry date placeholders instead of dates, so the demo looks current whenever
it runs: `{{now}}` and `{{ago:DURATION}}` (DURATION is one or more of `<n>d`, `<n>h`, `<n>m`,
`<n>s`, e.g. `{{ago:1h10m}}`). They are filled in relative to the injected clock, as RFC 822
dates in RSS and RFC 3339 dates in Atom, then the body behaves like an HTTP response: status
200 with an ETag of the rendered bytes, and `not_modified` when that ETag comes back.

As the clock moves, the rendered dates move with it, so a later poll usually gets a new body;
the entries keep their ids, which is what deduplication goes by.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from importlib import resources

from bot.errors import FetchError
from bot.ports import FetchResult

SCHEME = "sample"
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_PLACEHOLDER = re.compile(r"\{\{\s*(now|ago:[^}\s]*)\s*\}\}")
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def parse_ago(spec: str) -> timedelta:
    """`1d6h` → 30 hours. Raises ValueError on anything else (the data is ours: fail loudly)."""
    found = _DURATION.fullmatch(spec)
    if not spec or found is None:
        raise ValueError(f"bad sample date placeholder duration {spec!r}")
    days, hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


_PROLOG = re.compile(r"<!--.*?-->|<\?.*?\?>|<!DOCTYPE[^>]*>", re.S)


def _is_atom(template: str) -> bool:
    # The root element decides; the XML declaration and comments come before it.
    root = re.search(r"<([\w:]+)", _PROLOG.sub("", template))
    return root is not None and root.group(1).split(":")[-1] == "feed"


def render_sample(template: str, *, now: datetime) -> str:
    """The feed text with every date placeholder replaced, relative to `now`."""
    anchor = now.astimezone(UTC).replace(microsecond=0)
    atom = _is_atom(template)

    def replace(found: re.Match[str]) -> str:
        token = found.group(1)
        moment = anchor if token == "now" else anchor - parse_ago(token.removeprefix("ago:"))
        if atom:
            return moment.isoformat().replace("+00:00", "Z")
        return format_datetime(moment, usegmt=True)

    return _PLACEHOLDER.sub(replace, template)


def sample_names() -> tuple[str, ...]:
    """The NAMEs of the bundled feeds, for `sample:NAME`."""
    files = resources.files("bot.sample").iterdir()
    return tuple(sorted(p.name.removesuffix(".xml") for p in files if p.name.endswith(".xml")))


class SampleFetcher:
    """`FeedFetcher` for `sample:NAME` URLs; never touches the network."""

    def __init__(self, *, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._templates: dict[str, str] = {}

    def _template(self, url: str) -> str:
        scheme, _, name = url.partition(":")
        if scheme.lower() != SCHEME or not _NAME.fullmatch(name):
            raise FetchError(f"not a bundled sample feed: {url!r}", transient=False)
        if name not in self._templates:
            source = resources.files("bot.sample").joinpath(f"{name}.xml")
            if not source.is_file():
                raise FetchError(f"no bundled sample feed named {name!r}", transient=False)
            self._templates[name] = source.read_text(encoding="utf-8")
        return self._templates[name]

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        template = self._template(url)
        body = render_sample(template, now=self._clock()).encode("utf-8")
        current = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if etag is not None and etag.removeprefix("W/") == current:
            return FetchResult(
                url=url, status=304, body=b"", etag=current, last_modified=None, not_modified=True
            )
        kind = "atom" if _is_atom(template) else "rss"
        return FetchResult(
            url=url,
            status=200,
            body=body,
            etag=current,
            last_modified=None,
            content_type=f"application/{kind}+xml; charset=utf-8",
        )
