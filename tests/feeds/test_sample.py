"""The bundled demo: SampleFetcher, its date placeholders, and the embedded default config."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from importlib import resources

import feedparser
import pytest
import yaml

from bot.errors import FetchError
from bot.feeds.sample import SampleFetcher, parse_ago, render_sample, sample_names

NOW = datetime(2026, 11, 28, 16, 30, 15, 999, tzinfo=UTC)
NOW_S = NOW.replace(microsecond=0)
FEEDS = ("boerse-de", "ki-de", "tech-en")


def fetcher(now: datetime = NOW) -> SampleFetcher:
    return SampleFetcher(clock=lambda: now)


async def parsed(name: str, now: datetime = NOW) -> feedparser.FeedParserDict:
    result = await fetcher(now).fetch(f"sample:{name}")
    return feedparser.parse(result.body)


def published(entry: feedparser.FeedParserDict) -> datetime:
    return datetime(*entry.published_parsed[:6], tzinfo=UTC)


def test_the_three_feeds_are_bundled() -> None:
    assert sample_names() == FEEDS


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("25m", timedelta(minutes=25)),
        ("2h", timedelta(hours=2)),
        ("1h10m", timedelta(hours=1, minutes=10)),
        ("1d6h", timedelta(days=1, hours=6)),
        ("3d", timedelta(days=3)),
        ("90s", timedelta(seconds=90)),
        ("0m", timedelta(0)),
    ],
    ids=["minutes", "hours", "hours-minutes", "days-hours", "days", "seconds", "zero"],
)
def test_parse_ago(spec: str, expected: timedelta) -> None:
    assert parse_ago(spec) == expected


@pytest.mark.parametrize("spec", ["", "2x", "h", "10m2h", "-1h", "1.5h"], ids=repr)
def test_parse_ago_rejects(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_ago(spec)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("<rss><d>{{now}}</d></rss>", "<rss><d>Sat, 28 Nov 2026 16:30:15 GMT</d></rss>"),
        ("<rss><d>{{ ago:1h10m }}</d></rss>", "<rss><d>Sat, 28 Nov 2026 15:20:15 GMT</d></rss>"),
        ("<feed><u>{{ago:1d}}</u></feed>", "<feed><u>2026-11-27T16:30:15Z</u></feed>"),
        (
            "<?xml version='1.0'?><!-- <rss> --><feed><u>{{now}}</u></feed>",
            "<?xml version='1.0'?><!-- <rss> --><feed><u>2026-11-28T16:30:15Z</u></feed>",
        ),
        ("<rss>{{other}} {x}</rss>", "<rss>{{other}} {x}</rss>"),
    ],
    ids=["rss-now", "rss-ago", "atom-ago", "atom-after-comment", "other-braces-kept"],
)
def test_render_sample(template: str, expected: str) -> None:
    assert render_sample(template, now=NOW) == expected


def test_render_sample_converts_the_clock_to_utc() -> None:
    berlin = NOW.astimezone(timezone(timedelta(hours=1)))
    assert render_sample("<feed>{{now}}</feed>", now=berlin) == "<feed>2026-11-28T16:30:15Z</feed>"


@pytest.mark.parametrize("name", FEEDS)
async def test_every_placeholder_is_filled_and_the_feed_parses(name: str) -> None:
    result = await fetcher().fetch(f"sample:{name}")
    text = result.body.decode("utf-8")
    assert "{{" not in text and "}}" not in text
    assert (result.status, result.not_modified, result.url) == (200, False, f"sample:{name}")
    feed = feedparser.parse(result.body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert all(e.get("id") and e.get("link") and e.get("title") for e in feed.entries)


@pytest.mark.parametrize(
    ("name", "content_type", "date_pattern"),
    [
        ("boerse-de", "application/rss+xml", r"<pubDate>\w{3}, \d\d \w{3} \d{4} [\d:]{8} GMT<"),
        ("ki-de", "application/rss+xml", r"<pubDate>\w{3}, \d\d \w{3} \d{4} [\d:]{8} GMT<"),
        ("tech-en", "application/atom+xml", r"<published>\d{4}-\d\d-\d\dT[\d:]{8}Z<"),
    ],
    ids=["rss-de", "rss-ki", "atom-en"],
)
async def test_date_format_follows_the_feed_type(
    name: str, content_type: str, date_pattern: str
) -> None:
    result = await fetcher().fetch(f"sample:{name}")
    assert result.content_type is not None and result.content_type.startswith(content_type)
    assert re.search(date_pattern, result.body.decode("utf-8"))


@pytest.mark.parametrize(
    ("name", "newest_ago", "size"),
    [
        ("boerse-de", timedelta(minutes=25), 6),
        ("ki-de", timedelta(minutes=40), 5),
        ("tech-en", timedelta(minutes=15), 6),
    ],
    ids=FEEDS,
)
async def test_dates_are_relative_to_the_injected_clock(
    name: str, newest_ago: timedelta, size: int
) -> None:
    for now in (NOW, NOW + timedelta(days=400)):
        feed = await parsed(name, now)
        dates = [published(e) for e in feed.entries]
        assert len(dates) == size
        assert max(dates) == now.replace(microsecond=0) - newest_ago
        assert dates == sorted(dates, reverse=True)  # newest first, like real feeds


@pytest.mark.parametrize("name", FEEDS)
async def test_the_baseline_window_shows_the_demo(name: str) -> None:
    """Most items are from the last 24 h and the newest three from the last few hours, so a
    first run (which delivers only the newest few of the last day) has something to show."""
    dates = [published(e) for e in (await parsed(name)).entries]
    recent = [d for d in dates if NOW_S - d <= timedelta(hours=24)]
    assert len(recent) > len(dates) / 2
    assert all(NOW_S - d <= timedelta(hours=8) for d in sorted(dates, reverse=True)[:3])
    assert any(NOW_S - d > timedelta(hours=24) for d in dates)  # something the baseline skips


async def test_rss_dates_are_rfc822() -> None:
    body = (await fetcher().fetch("sample:boerse-de")).body.decode("utf-8")
    first = re.search(r"<pubDate>(.*?)</pubDate>", body)
    assert first is not None
    assert parsedate_to_datetime(first.group(1)) == NOW_S - timedelta(minutes=25)


async def test_etag_gives_not_modified_until_the_clock_moves() -> None:
    first = await fetcher().fetch("sample:tech-en")
    assert first.etag is not None and first.etag.startswith('"')
    again = await fetcher().fetch("sample:tech-en", etag=first.etag)
    assert (again.status, again.not_modified, again.body, again.etag) == (
        304,
        True,
        b"",
        first.etag,
    )
    weak = await fetcher().fetch("sample:tech-en", etag="W/" + first.etag)
    assert weak.not_modified
    later = await fetcher(NOW + timedelta(minutes=10)).fetch("sample:tech-en", etag=first.etag)
    assert later.status == 200 and later.etag != first.etag


async def test_etags_differ_between_feeds() -> None:
    etags = {(await fetcher().fetch(f"sample:{name}")).etag for name in FEEDS}
    assert len(etags) == len(FEEDS)


@pytest.mark.parametrize(
    "url",
    [
        "sample:nope",
        "sample:newsbot",
        "sample:../core/models",
        "sample:",
        "sample:Boerse-DE",
        "http://example.org/feed",
    ],
    ids=["unknown", "the-config-is-no-feed", "traversal", "empty", "case", "other-scheme"],
)
async def test_unknown_feeds_are_permanent_errors(url: str) -> None:
    with pytest.raises(FetchError) as caught:
        await fetcher().fetch(url)
    assert caught.value.transient is False


# --- the embedded default config -------------------------------------------------------------


def default_config() -> dict[str, object]:
    text = resources.files("bot.sample").joinpath("newsbot.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def test_default_config_points_at_the_bundled_feeds() -> None:
    feeds = default_config()["feeds"]
    assert isinstance(feeds, list)
    assert sorted(feeds, key=str) == [{"url": f"sample:{n}", "interval": "10m"} for n in FEEDS]


def test_default_config_watchlist_and_channel() -> None:
    config = default_config()
    [watchlist] = config["watchlists"]  # type: ignore[misc]
    assert watchlist["name"] == "default"
    tickers = {t["symbol"]: t for t in watchlist["tickers"]}
    assert set(tickers) == {"SNOW", "NVDA", "SAP", "SIE", "MSFT"}
    assert tickers["SIE"]["exclude"] == ["Siemens Energy", "Siemens Healthineers"]
    keywords = {k["key"]: k for k in watchlist["keywords"]}
    assert set(keywords) == {"DEEPSEEK", "OPENAI", "KI", "AI"}
    assert keywords["KI"] == {
        "key": "KI",
        "terms": ["KI", "künstliche Intelligenz"],
        "case_sensitive": True,
    }
    assert config["channels"] == [
        {
            "adapter": "console",
            "id": "demo-de",
            "lang": "de",
            "timezone": "Europe/Berlin",
            "mode": "digest",
            "schedule": ["08:00", "17:30"],
            "subscribe": ["watchlist:default"],
        }
    ]


def test_default_config_is_valid_for_the_config_loader() -> None:
    config_module = pytest.importorskip("bot.config")
    config = config_module.load_default_config()
    assert sorted(f.url for f in config.feeds) == [f"sample:{name}" for name in FEEDS]


@pytest.mark.parametrize(
    ("name", "needles"),
    [
        ("boerse-de", ["$SNOW (-3,37 %)", "$NVDA (+2,1 %)", "Nvidia-Aktie", "Siemens Energy"]),
        ("tech-en", ["$NVDA (+2.1%)", "AI-powered", "OpenAI", "DeepSeek"]),
        ("ki-de", ["KI-Modelle", "künstliche Intelligenz", "Kiel", "DeepSeek"]),
    ],
    ids=FEEDS,
)
async def test_the_demo_exercises_the_matching_rules(name: str, needles: list[str]) -> None:
    """The stories carry what the matcher is about (cashtags with moves, compounds,
    exclusions, near-misses); this keeps edits to the sample from losing it."""
    body = (await fetcher().fetch(f"sample:{name}")).body.decode("utf-8")
    for needle in needles:
        assert needle in body
