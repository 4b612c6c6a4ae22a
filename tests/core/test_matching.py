"""Matching semantics (DESIGN §4): one table per rule, positives and negatives side by side."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.matching import Matcher, compile_matcher
from bot.core.models import KeywordEntry, Match, TickerEntry

TICKERS = (
    TickerEntry(symbol="SNOW", names=("Snowflake",)),
    TickerEntry(symbol="NVDA", names=("Nvidia",)),
    TickerEntry(symbol="AAPL", names=("Apple",)),
    TickerEntry(symbol="META", names=("Meta Platforms", "Meta", "Facebook")),
    TickerEntry(symbol="SIE", names=("Siemens",), exclude=("Siemens Energy",)),
    TickerEntry(symbol="MBG", names=("Mercedes-Benz", "Mercedes")),
    TickerEntry(symbol="SAP", names=("SAP",)),
    TickerEntry(symbol="BAS", names=("BASF",)),
    TickerEntry(symbol="AMD", names=("AMD", "Advanced Micro Devices")),
    TickerEntry(symbol="VOW3", names=("Volkswagen", "VW")),
    TickerEntry(symbol="DBK", names=("Deutsche Bank",)),
    TickerEntry(symbol="ALV", names=("Allianz",)),
    TickerEntry(symbol="ORCL", names=("Oracle",)),
    TickerEntry(symbol="TSLA", names=("Tesla",)),
    TickerEntry(symbol="INTC", names=("Intel",)),
    TickerEntry(symbol="NFLX", names=("Netflix",)),
    TickerEntry(symbol="AMZN", names=("Amazon",)),
    TickerEntry(symbol="DTE", names=("Deutsche Telekom", "Telekom")),
    TickerEntry(symbol="PLTR", names=()),
    TickerEntry(symbol="NOW", names=()),  # ServiceNow: the symbol is an English word
    TickerEntry(symbol="ASML", names=(), bare=False),
    TickerEntry(symbol="IT", names=(), bare=True),  # Gartner: forced on despite the word
    TickerEntry(symbol="ENR"),  # names=None: symbol forms only, for now
)
KEYWORDS = (
    KeywordEntry(key="AI", terms=("AI", "artificial intelligence")),
    KeywordEntry(key="KI", terms=("KI", "künstliche Intelligenz"), case_sensitive=True),
    KeywordEntry(key="LLM", terms=("LLM", "large language model", "Sprachmodell")),
    KeywordEntry(key="DEEPSEEK", terms=("DeepSeek",)),
    KeywordEntry(key="OPENAI", terms=("OpenAI",)),
    KeywordEntry(key="CHATGPT", terms=("ChatGPT",)),
)
MATCHER = compile_matcher(tickers=TICKERS, keywords=KEYWORDS)


def terms(text: str, lang: str | None = "en", matcher: Matcher = MATCHER) -> set[tuple[str, str]]:
    return {(m.key, m.term) for m in matcher.match(title="", text=text, lang=lang)}


def keys(text: str, lang: str | None = "en", matcher: Matcher = MATCHER) -> frozenset[str]:
    return matcher.keys_in(title="", text=text, lang=lang)


# (id, text, lang, key, term as it stands in the text)
FOUND = [
    ("cashtag", "Snowflake $SNOW fiel am Montag.", "de", "SNOW", "$SNOW"),
    ("cashtag-lowercase", "Watching $snow today.", "en", "SNOW", "$snow"),
    ("cashtag-possessive", "$NVDA's rally continues.", "en", "NVDA", "$NVDA"),
    ("cashtag-at-end", "Top pick: $PLTR", "en", "PLTR", "$PLTR"),
    ("exchange-nyse", "Snowflake Inc. (NYSE:SNOW) reported.", "en", "SNOW", "NYSE:SNOW"),
    ("exchange-space", "Nvidia (NASDAQ: NVDA) rose.", "en", "NVDA", "NASDAQ: NVDA"),
    ("exchange-etr", "SAP SE (ETR:SAP) legt zu.", "de", "SAP", "ETR:SAP"),
    ("exchange-xetra", "Notiert als XETRA:SAP seit Jahren.", "de", "SAP", "XETRA:SAP"),
    ("exchange-nyse-arca", "The fund (NYSE Arca: PLTR) moved.", "en", "PLTR", "NYSE Arca: PLTR"),
    ("exchange-fra", "Kurs in Frankfurt (FRA:ENR) steigt.", "de", "ENR", "FRA:ENR"),
    ("exchange-nasdaqgs", "Apple Inc. (NasdaqGS:AAPL) gained.", "en", "AAPL", "NasdaqGS:AAPL"),
    ("name", "Snowflake kauft ein Start-up.", "de", "SNOW", "Snowflake"),
    ("name-genitive-de", "Nvidias Umsatz steigt kräftig.", "de", "NVDA", "Nvidias"),
    ("name-possessive", "Apple's new phone sold out.", "en", "AAPL", "Apple's"),
    ("name-possessive-curly", "Apple’s new phone sold out.", "en", "AAPL", "Apple’s"),
    ("name-genitive-apples", "Apples Gewinn sinkt.", "de", "AAPL", "Apples"),
    ("name-apostrophe-after-s", "Siemens' Aufträge wachsen.", "de", "SIE", "Siemens'"),
    ("compound-aktie", "Die Nvidia-Aktie fällt.", "de", "NVDA", "Nvidia-Aktie"),
    ("compound-chef", "Der Snowflake-Chef sprach.", "de", "SNOW", "Snowflake-Chef"),
    ("compound-hyphenated-name", "Der Mercedes-Benz-Konzern spart.", "de",
     "MBG", "Mercedes-Benz-Konzern"),
    ("name-all-caps", "NVIDIA UND AMD IM HÖHENFLUG", "de", "NVDA", "NVIDIA"),
    ("name-all-caps-genitive", "NVIDIAS UMSATZ", "de", "NVDA", "NVIDIAS"),
    ("name-x-possessive", "Netflix's next hit", "en", "NFLX", "Netflix's"),
    ("name-x-possessive-curly", "Netflix’s next hit", "en", "NFLX", "Netflix’s"),
    ("name-subsidiary-carrying-name", "Amazon Web Services grows", "en", "AMZN", "Amazon"),
    ("name-multiword-inflected", "Chef der Deutschen Bank tritt ab.", "de",
     "DBK", "Deutschen Bank"),
    ("name-multiword-compound", "Die Deutsche-Bank-Aktie steigt.", "de",
     "DBK", "Deutsche-Bank-Aktie"),
    ("name-multiword-linebreak", "shares of Meta\nPlatforms fell", "en", "META", "Meta\nPlatforms"),
    ("name-short-caps", "SAP streicht Stellen.", "de", "SAP", "SAP"),
    ("name-short-caps-genitive", "SAPs Cloud wächst.", "de", "SAP", "SAPs"),
    ("name-short-caps-compound", "Die BASF-Aktie gibt nach.", "de", "BAS", "BASF-Aktie"),
    ("name-two-letters", "VW baut um.", "de", "VOW3", "VW"),
    ("name-next-to-cjk", "英伟达Nvidia发布财报", "en", "NVDA", "Nvidia"),
    ("name-compound-tail-of-other", "Der Ex-Apple-Manager wechselt.", "de",
     "AAPL", "Apple-Manager"),
    ("name-product", "Apple TV gets a price cut.", "en", "AAPL", "Apple"),
    ("name-camel-fused", "Bringt MetaAI das Ende der Werbung?", "de", "META", "MetaAI"),
    ("keyword-camel-fused", "#DeepSeekR1 trends", "en", "DEEPSEEK", "DeepSeekR1"),
    ("name-after-ex-prefix", "an ex-Apple designer", "en", "AAPL", "Apple"),
    ("name-compound-tail-not-a-word", "die US-Nvidia", "de", "NVDA", "Nvidia"),
    ("bare-symbol", "Should you buy PLTR stock now?", "en", "PLTR", "PLTR"),
    ("bare-symbol-in-brackets", "Broadcom (ENR) and others", "en", "ENR", "ENR"),
    ("bare-symbol-forced-on", "IT spending grows.", "en", "IT", "IT"),
    ("keyword", "DeepSeek stellt ein Modell vor.", "de", "DEEPSEEK", "DeepSeek"),
    ("keyword-lowercase", "the deepseek app", "en", "DEEPSEEK", "deepseek"),
    ("keyword-compound-ki", "Marktplatz für KI-Modelle", "de", "KI", "KI-Modelle"),
    ("keyword-compound-ai", "an AI-powered search", "en", "AI", "AI-powered"),
    ("keyword-compound-inner", "die Open-Source-KI-Technologie", "de", "KI", "KI-Technologie"),
    ("keyword-genai", "GenAI spending rises", "en", "AI", "GenAI"),
    ("keyword-acronym-possessive", "AI's promise", "en", "AI", "AI's"),
    ("keyword-acronym-plural", "LLMs are everywhere", "en", "LLM", "LLMs"),
    ("keyword-multiword", "investing in artificial intelligence", "en",
     "AI", "artificial intelligence"),
    ("keyword-multiword-plural", "large language models grow", "en",
     "LLM", "large language models"),
    ("keyword-multiword-inflected", "mit künstlicher Intelligenz", "de",
     "KI", "künstlicher Intelligenz"),
    ("keyword-case-sensitive-initial", "Künstliche Intelligenz hilft.", "de",
     "KI", "Künstliche Intelligenz"),
    ("keyword-transliterated", "Kuenstliche Intelligenz hilft.", "de",
     "KI", "Kuenstliche Intelligenz"),
    ("keyword-german-plural", "neue Sprachmodelle", "de", "LLM", "Sprachmodelle"),
    ("keyword-german-dative", "mit KI-Sprachmodellen", "de", "LLM", "Sprachmodellen"),
    ("keyword-possessive-name", "OpenAI's model", "en", "OPENAI", "OpenAI's"),
    ("keyword-compound-name", "die ChatGPT-Mutter", "de", "CHATGPT", "ChatGPT-Mutter"),
    ("keyword-next-to-cjk", "DeepSeek发布新模型", "en", "DEEPSEEK", "DeepSeek"),
    ("keyword-spelt-out-in-brackets", "Artificial Intelligence (AI) spending", "en", "AI", "AI"),
    ("keyword-spelt-out-german", "künstliche Intelligenz (KI) hilft", "de", "KI", "KI"),
    ("keyword-bracket-lowercase-before", "spending on (AI) rises", "en", "AI", "AI"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "lang", "key", "term"), [c[1:] for c in FOUND], ids=[c[0] for c in FOUND]
)
def test_finds(text: str, lang: str, key: str, term: str) -> None:
    assert (key, term) in terms(text, lang)


# (id, text, lang, key that must not match)
NOT_FOUND = [
    ("cashtag-number", "It costs $5 now.", "en", "SNOW"),
    ("cashtag-after-letters", "paid US$NVDA", "en", "NVDA"),
    ("cashtag-longer-symbol", "$SNOWX is another one", "en", "SNOW"),
    ("exchange-unknown", "FOO:SNOW is not an exchange", "en", "SNOW"),
    ("name-inside-word", "metal prices", "en", "META"),
    ("name-inside-german-word", "Metall und Rheinmetall", "de", "META"),
    ("name-fused-prefix", "in Siemensstadt", "de", "SIE"),
    ("name-fused-lowercase", "Applesauce recipes", "en", "AAPL"),
    ("name-fused-on-the-left", "PineApple Express", "en", "AAPL"),
    ("name-lowercase-word", "an apple a day", "en", "AAPL"),
    ("name-lowercase-intel", "threat intel sharing", "en", "INTC"),
    ("name-lowercase-oracle", "the oracle spoke", "en", "ORCL"),
    ("name-inside-intelligence", "Safe Superintelligence hires", "en", "INTC"),
    ("name-intelligence", "Wolf Intelligence verkauft", "de", "INTC"),
    ("name-short-caps-lowercase", "disappointment and sap", "en", "SAP"),
    ("name-short-caps-mixed", "Sap is flowing", "en", "SAP"),
    ("name-short-caps-inside", "Mamdani speaks", "en", "AMD"),
    ("name-short-caps-prefix", "SAPPHIRE rapids", "en", "SAP"),
    ("name-short-caps-shouting-s", "SAPS", "en", "SAP"),
    ("name-common-word-compound", "eine neue KI-Allianz", "de", "ALV"),
    ("name-confuser-omaha", "the Oracle of Omaha bought", "en", "ORCL"),
    ("name-confuser-inventor", "Nikola Tesla was born", "en", "TSLA"),
    ("name-confuser-alliance", "Allianz gegen Cyber-Attacken", "de", "ALV"),
    ("name-confuser-river", "fires in the Brazilian Amazon", "en", "AMZN"),
    ("name-other-company", "Telekom Austria erhöht Dividende", "de", "DTE"),
    ("name-other-listed-company", "Siemens Gamesa baut ab", "de", "SIE"),
    ("bare-common-word", "Heavy SNOW expected", "en", "SNOW"),
    ("bare-common-word-now", "BUY NOW", "en", "NOW"),
    ("bare-lowercase", "pltr looks cheap", "en", "PLTR"),
    ("bare-mixed-case", "Pltr looks cheap", "en", "PLTR"),
    ("bare-forced-off", "ASML hebt Prognose", "de", "ASML"),
    ("bare-inside-word", "PLTRX fund", "en", "PLTR"),
    ("keyword-inside-word", "he said so", "en", "AI"),
    ("keyword-inside-name", "OpenAI launches", "en", "AI"),
    ("keyword-fused-x", "xAI raises money", "en", "AI"),
    ("keyword-acronym-prefix", "AIXTRON SE-Aktie", "de", "AI"),
    ("keyword-acronym-other-company", "AIG faces claims", "en", "AI"),
    ("keyword-ki-city", "in Kiel", "de", "KI"),
    ("keyword-ki-rki", "das RKI meldet", "de", "KI"),
    ("keyword-ki-shouting-city", "KIEL", "de", "KI"),
    ("keyword-ki-lowercase", "ki ist klein", "de", "KI"),
    ("keyword-may", "im Mai stieg", "de", "AI"),
    ("keyword-llm-inside", "enrollment and hallmark", "en", "LLM"),
    ("keyword-multiword-other", "artificial tracking error", "en", "AI"),
    ("keyword-open-airline", "Open Airline Sector", "en", "OPENAI"),
    ("keyword-acronym-as-ticker", "Is Arlington Asset Investment (AI) cheap?", "en", "AI"),
    ("keyword-acronym-as-ticker-dotted", "C3.ai (AI) jumps", "en", "AI"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "lang", "key"), [c[1:] for c in NOT_FOUND], ids=[c[0] for c in NOT_FOUND]
)
def test_does_not_find(text: str, lang: str, key: str) -> None:
    assert key not in keys(text, lang)


# (id, text, lang, symbols the bare form may stand for)
BARE_BY_LANGUAGE = [
    ("german-common-word", "WARUM SIE JETZT KAUFEN", "de", set()),
    ("english-article-keeps-it", "SIE shares rose", "en", {"SIE"}),
    ("unknown-language-is-careful", "WARUM SIE JETZT", None, set()),
]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [c[1:] for c in BARE_BY_LANGUAGE],
    ids=[c[0] for c in BARE_BY_LANGUAGE],
)
def test_bare_symbol_depends_on_language(text: str, lang: str | None, expected: set[str]) -> None:
    matcher = compile_matcher(tickers=[TickerEntry(symbol="SIE", names=())], keywords=[])
    assert keys(text, lang, matcher) == expected


# (id, text, key that must not count, key that must count)
EXCLUDES = [
    ("excluded-phrase", "Siemens Energy hebt Prognose", "SIE", None),
    ("excluded-compound", "Die Siemens-Energy-Aktie steigt", "SIE", None),
    ("other-mention-still-counts", "Siemens Energy und Siemens steigen", None, "SIE"),
]


@pytest.mark.parametrize(
    ("text", "absent", "present"), [c[1:] for c in EXCLUDES], ids=[c[0] for c in EXCLUDES]
)
def test_exclude_wins_over_names(text: str, absent: str | None, present: str | None) -> None:
    found = keys(text, "de")
    if absent:
        assert absent not in found
    if present:
        assert present in found


def test_longer_name_of_another_ticker_wins_without_exclude() -> None:
    matcher = compile_matcher(
        tickers=[
            TickerEntry(symbol="SIE", names=("Siemens",)),
            TickerEntry(symbol="ENR", names=("Siemens Energy",)),
        ],
        keywords=[],
    )
    assert keys("Siemens Energy hebt Prognose", "de", matcher) == {"ENR"}
    assert keys("Siemens Energy und Siemens", "de", matcher) == {"ENR", "SIE"}


def test_bare_symbol_before_a_currency_sign_is_a_currency() -> None:
    matcher = compile_matcher(tickers=[TickerEntry(symbol="US", names=(), bare=True)], keywords=[])
    assert keys("priced in US$ terms", "en", matcher) == set()
    assert keys("US shares rose", "en", matcher) == {"US"}


def test_keyword_exclude() -> None:
    matcher = compile_matcher(
        tickers=[], keywords=[KeywordEntry(key="AI", terms=("AI",), exclude=("AI-Media",))]
    )
    assert keys("AI-Media und Lightning", "de", matcher) == set()
    assert keys("AI-Media nutzt AI", "de", matcher) == {"AI"}


# (id, text, key, term, move in percent)
MOVES = [
    ("cashtag-german", "Snowflake $SNOW (-3,37 %) fiel", "SNOW", "$SNOW", -3.37),
    ("name-before-cashtag-shares-it", "Snowflake $SNOW (-3,37 %) fiel", "SNOW", "Snowflake", -3.37),
    ("english-decimal", "$NVDA (+1.2%) rallies", "NVDA", "$NVDA", 1.2),
    ("unicode-minus-prozent", "Apple (−0,8 Prozent) gab nach", "AAPL", "Apple", -0.8),
    ("name-plus", "Nvidia (+2 %) steigt", "NVDA", "Nvidia", 2.0),
    ("without-brackets", "$TSLA -5% after hours", "TSLA", "$TSLA", -5.0),
    ("after-compound", "Tesla-Aktie -16 Prozent", "TSLA", "Tesla-Aktie", -16.0),
    ("after-symbol-in-brackets", "Apple (AAPL) (+2 %)", "AAPL", "Apple", 2.0),
    ("zero", "$SAP (0,00 %)", "SAP", "$SAP", 0.0),
    ("unsigned-is-no-move", "Nvidia (80 %) Marktanteil", "NVDA", "Nvidia", None),
    ("none", "Nvidia steigt", "NVDA", "Nvidia", None),
    ("keyword-has-none", "DeepSeek (+3 %)", "DEEPSEEK", "DeepSeek", None),
]


@pytest.mark.parametrize(
    ("text", "key", "term", "move"), [c[1:] for c in MOVES], ids=[c[0] for c in MOVES]
)
def test_price_move(text: str, key: str, term: str, move: float | None) -> None:
    found = [
        m for m in MATCHER.match(title="", text=text, lang="de") if (m.key, m.term) == (key, term)
    ]
    assert found, f"{key} {term!r} not found"
    assert found[0].move == (pytest.approx(move) if move is not None else None)


def test_match_carries_kind_field_and_offsets_sorted_title_first() -> None:
    title = "Nvidia und DeepSeek"
    text = "KI-Modelle von DeepSeek laufen auf Nvidia-Chips; $NVDA steigt."
    found = MATCHER.match(title=title, text=text, lang="de")
    assert [(m.field, m.key, m.kind) for m in found] == [
        ("title", "NVDA", "ticker"),
        ("title", "DEEPSEEK", "keyword"),
        ("text", "KI", "keyword"),
        ("text", "DEEPSEEK", "keyword"),
        ("text", "NVDA", "ticker"),
        ("text", "NVDA", "ticker"),
    ]
    for m in found:
        source = title if m.field == "title" else text
        assert source[m.start : m.end] == m.term
    assert [m.term for m in found if m.field == "text" and m.key == "NVDA"] == [
        "Nvidia-Chips",
        "$NVDA",
    ]


def test_one_match_per_key_field_and_start() -> None:
    # "Mercedes-Benz" and "Mercedes" both start here; "Meta Platforms" contains "Meta"
    found = MATCHER.match(title="", text="Mercedes-Benz-Konzern und Meta Platforms Inc.", lang="de")
    assert [(m.key, m.term) for m in found] == [
        ("MBG", "Mercedes-Benz-Konzern"),
        ("META", "Meta Platforms"),
    ]
    assert len({(m.key, m.field, m.start) for m in found}) == len(found)


def test_keys_in_and_matcher_keys() -> None:
    assert MATCHER.keys_in(title="$SNOW", text="DeepSeek", lang="en") == {"SNOW", "DEEPSEEK"}
    assert {"SNOW", "ENR", "KI", "CHATGPT"} <= MATCHER.keys


@pytest.mark.parametrize(
    ("title", "text"), [("", ""), ("Nvidia", ""), ("", "$SNOW")], ids=["empty", "title", "text"]
)
def test_empty_matcher_matches_nothing(title: str, text: str) -> None:
    assert compile_matcher(tickers=[], keywords=[]).match(title=title, text=text) == ()


def test_symbol_only_ticker_ignores_names_it_does_not_have() -> None:
    # names=None gets only the symbol forms until reference names arrive (#3)
    assert keys("Siemens Energy steigt", "de") == set()
    assert keys("$ENR steigt", "de") == {"ENR"}


def test_text_with_characters_that_change_length_when_lowercased() -> None:
    # "İ".lower() is two characters; offsets must still point into the original text
    text = "İİİ Nvidia-Aktie"
    (found,) = MATCHER.match(title="", text=text, lang="de")
    assert text[found.start : found.end] == found.term == "Nvidia-Aktie"


@pytest.mark.corpus
def test_seed_article(shared: Path) -> None:
    seed = shared / "seed" / "snowflake-deepseek.de.txt"
    if not seed.is_file():
        pytest.skip("seed article not present")
    found: tuple[Match, ...] = MATCHER.match(title="", text=seed.read_text("utf-8"), lang="de")
    by_key = {m.key for m in found}
    assert {"SNOW", "DEEPSEEK", "KI", "NVDA", "OPENAI", "CHATGPT"} <= by_key
    assert "AI" not in by_key  # only inside "OpenAI"
    assert any(m.term == "$SNOW" and m.move == pytest.approx(-3.37) for m in found)
