"""Pick the fetcher by URL scheme: bundled `sample:` feeds never touch the network."""

from __future__ import annotations

from collections.abc import Mapping

from bot.errors import FetchError
from bot.ports import FeedFetcher, FetchResult


class SchemeFetcher:
    def __init__(self, *, by_scheme: Mapping[str, FeedFetcher]) -> None:
        self._by_scheme = dict(by_scheme)

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        fetcher = self._by_scheme.get(scheme)
        if fetcher is None:
            raise FetchError(f"unsupported URL scheme {scheme or '(none)'!r}", transient=False)
        return await fetcher.fetch(url, etag=etag, last_modified=last_modified)
