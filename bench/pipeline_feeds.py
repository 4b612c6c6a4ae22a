"""The feeds `bench/pipeline.py` polls: German and English RSS 2.0 / Atom bodies built from
../shared/corpus (items and feeds) or synthetic text, served from a separate process.

Each feed is a sliding window over an endless list of entries: generation `g` serves the
entries `WINDOWS[g]` (newest first), so a new generation makes all or some entries new, and
serving the same generation again is an unchanged feed. Feed `n` is one of:

- "etag": ETag and Last-Modified; a matching If-None-Match / If-Modified-Since gets a 304;
- "plain": no validators, the same bytes again (the product's body hash must catch it);
- "e500" / "e404": an error every time (1 feed in 40 each).

Feeds are spread over the loopback hosts 127.0.0.1 … 127.0.0.H (one port each), so the
fetcher's per-host politeness limit sees many hosts, as it would in a real deployment.
Bodies are gzip-compressed when the client accepts it, as most feed servers do.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import multiprocessing as mp
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

# entry ranges per generation: 0 = a small first poll (the baseline), 1 = 50 all-new entries,
# 2 = 3 new of 50 (a typical changed feed); 3 and 4 the same again (for the profile)
WINDOWS = {0: (0, 5), 1: (5, 55), 2: (8, 58), 3: (58, 108), 4: (61, 111)}
STEP_MINUTES = 5  # between two entries' dates: 108 entries stay within the baseline window


@dataclass(frozen=True, slots=True)
class Entry:
    title: str
    html: str  # the description as a feed carries it (HTML)
    lang: str


@dataclass(frozen=True, slots=True)
class FeedSpec:
    n: int
    lang: str
    kind: str  # etag | plain | e500 | e404
    atom: bool
    full_text: bool  # content:encoded / atom content with a few paragraphs
    host: int  # index into the server's hosts


def feed_specs(count: int, hosts: int) -> list[FeedSpec]:
    specs = []
    for n in range(count):
        kind = "e500" if n % 40 == 39 else "e404" if n % 40 == 38 else (
            "plain" if n % 3 == 2 else "etag")
        specs.append(FeedSpec(n=n, lang="de" if n % 2 else "en", kind=kind, atom=n % 4 == 1,
                              full_text=n % 10 == 3, host=n % hosts))
    return specs


# --- text pools --------------------------------------------------------------------------------


def corpus_pool(corpus: Path) -> dict[str, list[Entry]]:
    """Items (titles, descriptions) of corpus/items and the entries of corpus/feeds, by
    language; an item without text borrows the description of another of its language."""
    import feedparser

    from bench.match import load_items
    from bot.core.text import detect_lang

    pools: dict[str, list[Entry]] = {"de": [], "en": []}
    if (corpus / "items").is_dir():
        for item in load_items(corpus / "items"):
            html = f"<p>{escape(item.text)}</p>" if item.text else ""
            pools.setdefault(item.lang, []).append(Entry(item.title, html, item.lang))
    if (corpus / "feeds").is_dir():
        for path in sorted((corpus / "feeds").glob("*.xml")):
            parsed: Any = feedparser.parse(path.read_bytes(), sanitize_html=False)
            declared = str(parsed.get("feed", {}).get("language") or "")[:2].lower() or None
            for e in parsed.get("entries") or ():
                title = str(e.get("title") or "").strip()
                html = str(e.get("summary") or "")
                if not title:
                    continue
                lang = detect_lang(f"{title}\n{html}", hint=declared) or "en"
                pools.setdefault(lang, []).append(Entry(title, html, lang))
    return _fill_descriptions({k: v for k, v in pools.items() if k in ("de", "en")})


def _fill_descriptions(pools: dict[str, list[Entry]]) -> dict[str, list[Entry]]:
    rng = random.Random(11)
    filled: dict[str, list[Entry]] = {}
    for lang, pool in pools.items():
        texts = [e.html for e in pool if len(e.html) > 80]
        filled[lang] = [e if e.html or not texts else Entry(e.title, rng.choice(texts), lang)
                        for e in pool]
    return filled


_DE_WORDS = ("Aktie Konzern Umsatz Gewinn Prognose Anleger Quartal Börse Analysten Markt "
             "Halbleiter Nachfrage Rechenzentren Investitionen Zinsen Notenbank Inflation "
             "Wachstum Händler Kurs Dividende Vorstand Chef Strategie Übernahme Milliarden "
             "Künstliche Intelligenz Software Chips Autobauer Energie Versorger")
_EN_WORDS = ("shares company revenue profit forecast investors quarter market analysts stock "
             "chips demand data centers spending rates central bank inflation growth traders "
             "price dividend board chief strategy takeover billion artificial intelligence "
             "software semiconductor automaker energy utility")
_WORDS = {"de": _DE_WORDS.split(), "en": _EN_WORDS.split()}
_NAME_LIST = ("Nvidia Apple Microsoft SAP Siemens Allianz BASF Tesla Amazon Alphabet Meta "
              "Infineon Mercedes-Benz Volkswagen OpenAI DeepSeek Snowflake Oracle Intel AMD")
_NAMES = _NAME_LIST.split()


def synthetic_pool(size: int = 4000) -> dict[str, list[Entry]]:
    rng = random.Random(5)
    pools: dict[str, list[Entry]] = {}
    for lang, words in _WORDS.items():
        pool = []
        for _ in range(size):
            title = " ".join([rng.choice(_NAMES), *rng.choices(words, k=rng.randint(6, 11))])
            sentences = [" ".join(rng.choices(words + list(_NAMES[:4]), k=rng.randint(10, 18)))
                         .capitalize() + "." for _ in range(rng.randint(2, 5))]
            pool.append(Entry(title.capitalize(), f"<p>{escape(' '.join(sentences))}</p>", lang))
        pools[lang] = pool
    return pools


# --- bodies ------------------------------------------------------------------------------------


def _pick(pool: Sequence[Entry], n: int, i: int) -> Entry:
    digest = hashlib.blake2b(f"{n}/{i}".encode(), digest_size=8).digest()
    return pool[int.from_bytes(digest, "big") % len(pool)]


def _full_text(pool: Sequence[Entry], n: int, i: int) -> str:
    return "".join(_pick(pool, n, i * 7 + k).html or "<p></p>" for k in range(1, 6))


def render_feed(spec: FeedSpec, gen: int, pool: Sequence[Entry], base: datetime) -> bytes:
    first, last = WINDOWS[gen]
    host = f"www.{'nachrichten' if spec.lang == 'de' else 'markets'}{spec.n}.example"
    items = []
    for i in range(last - 1, first - 1, -1):  # newest first, as feeds list them
        entry = _pick(pool, spec.n, i)
        when = base - timedelta(minutes=STEP_MINUTES * (WINDOWS[4][1] - i))
        link = f"https://{host}/artikel/{spec.n}-{i}.html"
        title = escape(f"{entry.title} ({i})" if i % 17 == 0 else entry.title)
        body = escape(_full_text(pool, spec.n, i)) if spec.full_text else ""
        if spec.atom:
            content = f'<content type="html">{body}</content>' if body else ""
            items.append(
                f'<entry><title type="html">{title}</title>'
                f'<link rel="alternate" type="text/html" href="{link}"/>'
                f"<id>tag:{host},2025:{spec.n}-{i}</id>"
                f"<published>{when.isoformat()}</published><updated>{when.isoformat()}</updated>"
                f"<author><name>Redaktion</name></author>"
                f'<summary type="html">{escape(entry.html)}</summary>{content}</entry>')
        else:
            content = f"<content:encoded>{body}</content:encoded>" if body else ""
            items.append(
                f"<item><title>{title}</title><link>{link}</link>"
                f'<guid isPermaLink="false">{host}/{spec.n}/{i}</guid>'
                f"<pubDate>{format_datetime(when)}</pubDate><dc:creator>Redaktion</dc:creator>"
                f"<category>{'Wirtschaft' if spec.lang == 'de' else 'Markets'}</category>"
                f"<description>{escape(entry.html)}</description>{content}</item>")
    name = f"{'Nachrichten' if spec.lang == 'de' else 'Markets'} {spec.n}"
    if spec.atom:
        doc = (f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"'
               f' xml:lang="{spec.lang}"><title>{name}</title><id>tag:{host},2025:feed</id>'
               f'<link rel="alternate" href="https://{host}/"/><updated>{base.isoformat()}'
               f"</updated>{''.join(items)}</feed>")
    else:
        doc = ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
               'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
               'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
               f"<title>{name}</title><link>https://{host}/</link>"
               f"<description>{name}</description><language>{spec.lang}</language>"
               f"{''.join(items)}</channel></rss>")
    return doc.encode()


# --- the server process ------------------------------------------------------------------------


class _Server:
    def __init__(self, specs: Sequence[FeedSpec], pools: dict[str, list[Entry]]) -> None:
        self.specs = specs
        self.pools = pools
        self.base = datetime.now(UTC).replace(microsecond=0)
        self.gen = 0
        self.bodies: dict[tuple[int, int], tuple[bytes, bytes]] = {}  # (gen, n) → plain, gzip

    def prepare(self, gen: int) -> int:
        size = 0
        for spec in self.specs:
            if (gen, spec.n) not in self.bodies:
                body = render_feed(spec, gen, self.pools[spec.lang], self.base)
                self.bodies[gen, spec.n] = (body, gzip.compress(body, 6))
            size += len(self.bodies[gen, spec.n][0])
        self.gen = gen
        return size

    async def handle(self, request: Any) -> Any:
        from aiohttp import web

        spec = self.specs[int(request.match_info["n"])]
        if spec.kind == "e500":
            return web.Response(status=500, text="internal error")
        if spec.kind == "e404":
            return web.Response(status=404, text="not found")
        body, packed = self.bodies[self.gen, spec.n]
        headers = {"Content-Type": "application/atom+xml; charset=utf-8" if spec.atom
                   else "application/rss+xml; charset=utf-8"}
        if spec.kind == "etag":
            etag = f'"g{self.gen}-{spec.n}"'
            modified = format_datetime(self.base + timedelta(seconds=self.gen), usegmt=True)
            if request.headers.get("If-None-Match") == etag or (
                    "If-None-Match" not in request.headers
                    and request.headers.get("If-Modified-Since") == modified):
                return web.Response(status=304, headers={"ETag": etag})
            headers |= {"ETag": etag, "Last-Modified": modified}
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return web.Response(body=packed, headers=headers)
        return web.Response(body=body, headers=headers)

    async def control(self, request: Any) -> Any:
        from aiohttp import web

        size = self.prepare(int(request.match_info["gen"]))
        return web.Response(text=str(size))


def _serve(specs: Sequence[FeedSpec], pools: dict[str, list[Entry]], hosts: int,
           ready: Any) -> None:
    from aiohttp import web

    async def main() -> None:
        server = _Server(specs, pools)
        server.prepare(0)
        app = web.Application()
        app.router.add_get("/feed/{n}.xml", server.handle)
        app.router.add_get("/_gen/{gen}", server.control)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        bases = []
        for h in range(hosts):
            site = web.TCPSite(runner, f"127.0.0.{h + 1}", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            bases.append(f"http://127.0.0.{h + 1}:{port}")
        ready.send(bases)
        await asyncio.Event().wait()

    asyncio.run(main())


def start_server(specs: Sequence[FeedSpec], pools: dict[str, list[Entry]], hosts: int
                 ) -> tuple[Any, list[str]]:
    """The server process (forked: it gets the pools without pickling) and its base URLs."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(specs, pools, hosts, child), daemon=True)
    process.start()
    if not parent.poll(30):
        process.kill()
        raise RuntimeError("the feed server did not start")
    return process, parent.recv()
