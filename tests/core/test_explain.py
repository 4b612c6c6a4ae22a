"""`why`: every near miss names the rule that said no; lines come in the asked language."""

from __future__ import annotations

import pytest

from bot.core import explain
from bot.core.explain import describe_match, describe_miss, explain_lines
from bot.core.i18n import t
from bot.core.match_specs import Miss
from bot.core.matching import compile_matcher
from bot.core.models import KeywordEntry, Match, TickerEntry

MATCHER = compile_matcher(
    tickers=[
        TickerEntry(symbol="SIE", names=("Siemens",)),
        TickerEntry(symbol="ENR", names=("Siemens Energy",)),
        TickerEntry(symbol="P911", names=("Porsche",)),
        TickerEntry(symbol="PAH3", names=("Porsche SE",)),
        TickerEntry(symbol="META", names=("Meta",)),
        TickerEntry(symbol="AAPL", names=("Apple",)),
        TickerEntry(symbol="SNOW", names=("Snowflake",)),
        TickerEntry(symbol="DBK", names=("Deutsche Bank",)),
        TickerEntry(symbol="ASML", names=(), bare=False),
        TickerEntry(symbol="F", names=()),
        TickerEntry(symbol="ALV", names=("Allianz",), exclude=("Allianz Arena",)),
        TickerEntry(symbol="AI", names=()),
    ],
    keywords=[
        KeywordEntry(key="KI", terms=("KI",)),
        KeywordEntry(key="AIK", terms=("AI",)),
    ],
)


@pytest.mark.parametrize(
    ("text", "key", "word", "reason"),
    [
        ("In Kiel regnet es.", "KI", "Kiel", Miss.WORD_GOES_ON),
        ("Das RKI meldet", "KI", "RKI", Miss.INSIDE_WORD),
        ("he said so", "AIK", "said", Miss.INSIDE_WORD),
        ("ki ist klein geschrieben", "KI", "ki", Miss.CASE),
        ("heavy metal", "META", "metal", Miss.WORD_GOES_ON),
        ("an apple a day", "AAPL", "apple", Miss.CASE),
        ("Siemens Energy steigt", "SIE", "Siemens", Miss.EXCLUDED),
        ("Porsche SE steigt", "P911", "Porsche", Miss.SHADOWED),
        ("Deutsche Börse steigt", "DBK", "Deutsche", Miss.INCOMPLETE),
        ("heavy snow fell", "SNOW", "snow", Miss.BARE_LOWERCASE),
        ("SNOW fell all day", "SNOW", "SNOW", Miss.COMMON_WORD),
        ("ASML hebt Prognose", "ASML", "ASML", Miss.BARE_OFF),
        ("F shares", "F", "F", Miss.SHORT_SYMBOL),
        ("pay in US$AI", "AI", "AI", Miss.CURRENCY),
        ("Spiel in der Allianz Arena", "ALV", "Allianz", Miss.EXCLUDED),
        ("Die KI-Allianz wächst", "ALV", "Allianz", Miss.COMPOUND_TAIL),
        ("Arlington Asset Investment (AI) fell", "AIK", "AI", Miss.BRACKET_TICKER),
    ],
    ids=[
        "kiel", "rki", "said", "lowercase-keyword", "metal", "apple", "built-in-confuser",
        "longer-name-of-another",
        "deutsche-boerse", "snow", "SNOW-common", "bare-off", "one-letter", "currency",
        "excluded", "compound-tail", "bracket-ticker",
    ],
)
def test_near_miss_reason(text: str, key: str, word: str, reason: Miss) -> None:
    matches, misses = MATCHER.explain(title="", text=text, lang=None)
    assert key not in {m.key for m in matches}
    found = [(n.word, n.reason) for n in misses if n.key == key]
    assert (word, reason) in found, found


def test_no_near_miss_where_the_key_matched() -> None:
    matches, misses = MATCHER.explain(title="Meta und KI-Modelle", text="", lang="de")
    assert {m.key for m in matches} == {"META", "KI"}
    assert not [n for n in misses if n.key in {"META", "KI"}]


def test_explain_finds_exactly_what_match_finds() -> None:
    text = "Siemens Energy, Siemens und Meta; KI-Modelle in Kiel; Apple's apple"
    matches, _ = MATCHER.explain(title="Snowflake", text=text, lang="de")
    assert matches == MATCHER.match(title="Snowflake", text=text, lang="de")


def test_lines_in_both_languages() -> None:
    matches, misses = MATCHER.explain(title="", text="KI in Kiel", lang="de")
    en = explain_lines(matches, misses, lang="en")
    de = explain_lines(matches, misses, lang="de")
    assert en == [
        "Matched:",
        "  KI ← “KI” in the text (keyword)",
        "Near misses:",
        "  “Kiel” is not KI: the word goes on after it",
    ]
    assert de == [
        "Treffer:",
        "  KI ← „KI“ im Text (Stichwort)",
        "Knapp daneben:",
        "  „Kiel“ ist nicht KI: das Wort geht danach weiter",
    ]
    assert explain_lines((), (), lang="en") == ["No watched term matched."]


def test_match_line_shows_the_move_in_the_language() -> None:
    match = Match(key="SNOW", kind="ticker", term="$SNOW", field="title", start=0, end=5,
                  move=-3.37, via="cashtag")
    assert describe_match(match, lang="de") == "SNOW ← „$SNOW“ im Titel (Cashtag) -3,37 %"
    assert describe_match(match, lang="en") == "SNOW ← “$SNOW” in the title (cashtag) -3.37%"


@pytest.mark.parametrize("reason", list(Miss), ids=[m.value for m in Miss])
def test_every_reason_has_a_translated_text(reason: Miss) -> None:
    from bot.core.matching import NearMiss

    miss = NearMiss(key="KI", field="text", start=0, end=4, word="Kiel", reason=reason,
                    detail="x")
    msgid = explain._MISS_TEXT[reason]
    assert t("de", msgid, word="Kiel", key="KI", detail="x") != t(
        "en", msgid, word="Kiel", key="KI", detail="x"
    )
    assert describe_miss(miss, lang="de")


@pytest.mark.parametrize(
    "msgid",
    [*explain._VIA_TEXT.values(), *explain._FIELD_TEXT.values()],
)
def test_labels_are_translated(msgid: str) -> None:
    assert t("de", msgid) != msgid


def test_near_misses_are_one_per_word_and_capped_per_key() -> None:
    text = "said said said. again, Training, Rain, Spain, maintain"
    _, misses = MATCHER.explain(title="", text=text, lang="en")
    words = [n.word for n in misses if n.key == "AIK"]
    assert words == ["said", "again", "Training"]
