"""Summaries in the channel's language: the step after `build_digest`, before rendering.

`build_digest` (pure) gives every item the extractive summary, in the article's language.
Where that differs from the channel's language, `localize_digest` asks the optional
`Summarizer` (an LLM) for a summary in the channel's language and puts it in place of the
extractive one. It never fails: an error, a timeout or the per-digest deadline keep the
extractive summary (the renderer marks its language). Rules:
- Only items whose `summary_lang` is known and differs from `digest.lang` are sent; an item
  with neither a summary nor article text is left alone (nothing to translate).
- At most `concurrency` requests at once; all of them together within `deadline_s`, which
  stays well below the delivery lease (120 s), so a slow endpoint cannot double-send.
- A `PermanentError` (bad key, unknown model) stops further requests for this digest: the
  rest would fail the same way.
- The outcomes are counted in one log line per digest.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Literal

from bot.core.models import Article, Digest, DigestItem
from bot.errors import PermanentError, TransientError
from bot.ports import Summarizer

log = logging.getLogger(__name__)

ArticleKey = tuple[str, str]  # (feed title, uid): uids are only unique within one feed
Outcome = Literal["localized", "failed", "timeout", "skipped"]

DEFAULT_DEADLINE_S = 60.0
SUMMARY_MAX_CHARS = 300  # as the extractive summary


def articles_by_key(articles: Iterable[Article]) -> dict[ArticleKey, Article]:
    """Index articles the way a `DigestItem` refers to them: (`source`, `uid`)."""
    return {(a.feed_title, a.uid): a for a in articles}


def needs_localizing(item: DigestItem, lang: str, article: Article | None) -> bool:
    if item.summary_lang is None or item.summary_lang == lang:
        return False
    return bool(item.summary.strip() or (article is not None and article.text.strip()))


async def localize_digest(
    digest: Digest,
    *,
    articles: Mapping[ArticleKey, Article],
    summarizer: Summarizer | None,
    concurrency: int = 4,
    deadline_s: float = DEFAULT_DEADLINE_S,
    max_chars: int = SUMMARY_MAX_CHARS,
    label: str = "digest",
) -> Digest:
    """`digest` with other-language summaries replaced by the summarizer's, where it answers.
    `label` names the digest in the log line (e.g. the channel)."""
    if summarizer is None:
        return digest
    todo = [
        item for group in digest.groups for item in group.items
        if needs_localizing(item, digest.lang, articles.get((item.source, item.uid)))
    ]
    if not todo:
        return digest

    limit = asyncio.Semaphore(max(1, concurrency))
    stopped = asyncio.Event()  # set on a PermanentError

    async def one(item: DigestItem) -> tuple[Outcome, str | None]:
        async with limit:
            if stopped.is_set():
                return "skipped", None
            article = articles.get((item.source, item.uid))
            text = article.text if article is not None and article.text.strip() else item.summary
            try:
                summary = await summarizer.summarize(
                    title=item.title, text=text, source_lang=item.summary_lang,
                    target_lang=digest.lang, focus=(item.key, *item.tags), max_chars=max_chars,
                )
            except PermanentError as exc:
                stopped.set()
                log.warning("summarizer refused (%s); keeping extractive summaries", exc)
                return "failed", None
            except TransientError as exc:
                log.info("summarizer failed for %r: %s", item.title[:80], exc)
                return "failed", None
            except Exception:  # a bug in an adapter must not cost the delivery
                log.exception("summarizer raised unexpectedly for %r", item.title[:80])
                return "failed", None
            summary = summary.strip()
            if not summary or len(summary) > max_chars:
                return "failed", None
            return "localized", summary

    tasks = [(item, asyncio.create_task(one(item))) for item in todo]
    try:
        await asyncio.wait([task for _, task in tasks], timeout=deadline_s)
    finally:
        late = [task for _, task in tasks if not task.done()]
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    outcomes: Counter[Outcome] = Counter()
    replaced: dict[int, DigestItem] = {}
    for item, task in tasks:
        outcome, summary = ("timeout", None) if task.cancelled() else task.result()
        outcomes[outcome] += 1
        if summary is not None:
            replaced[id(item)] = replace(item, summary=summary, summary_lang=digest.lang)

    level = logging.INFO if outcomes["localized"] == len(todo) else logging.WARNING
    log.log(level, "%s: localized %d of %d summaries into %s "
            "(%d failed, %d timed out, %d skipped)", label, outcomes["localized"], len(todo),
            digest.lang, outcomes["failed"], outcomes["timeout"], outcomes["skipped"])
    if not replaced:
        return digest
    groups = tuple(
        replace(group, items=tuple(replaced.get(id(i), i) for i in group.items))
        for group in digest.groups
    )
    return replace(digest, groups=groups)
