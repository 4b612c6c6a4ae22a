"""Reference aliases (#3): short company names, symbols, collisions, and the matcher using them."""

from __future__ import annotations

import pytest

from bot.core.aliases import (
    EVERYDAY_WORDS,
    INDEX_PRIORITY,
    ReferenceRow,
    base_symbol,
    build_reference,
    find_collisions,
    short_names,
)
from bot.core.matching import compile_matcher
from bot.core.models import Channel, ChannelRef, TickerEntry
from bot.core.routing import build_routing

SHORT_NAMES = [
    # legal forms and group words
    ("NVIDIA Corporation", ("Nvidia",), "stylised-caps-to-title"),
    ("BASF SE", ("BASF",), "short-acronym-stays"),
    ("SAP SE", ("SAP",), "sap"),
    ("Mercedes-Benz Group AG", ("Mercedes-Benz",), "hyphen-whole-group-ag"),
    ("Siemens Energy AG", ("Siemens Energy",), "energy-is-part-of-the-name"),
    ("Alphabet Inc. Class A", ("Alphabet",), "share-class"),
    ("Deutsche Bank AG", ("Deutsche Bank",), "deutsche-bank"),
    ("Apple Inc.", ("Apple",), "lexicon-brand-stays"),
    ("Tesla, Inc.", ("Tesla",), "comma-inc"),
    ("KSB SE & Co. KGaA", ("KSB",), "se-co-kgaa"),
    ("HELLA GmbH & Co. KGaA", ("HELLA",), "gmbh-co-kgaa-five-caps"),
    ("Klöckner & Co", ("Klöckner",), "and-co"),
    ("Arthur J. Gallagher & Co.", ("Arthur J. Gallagher",), "initials-and-co"),
    ("Eli Lilly and Company", ("Eli Lilly",), "and-company"),
    ("Linde plc", ("Linde",), "plc"),
    ("Aroundtown SA", ("Aroundtown",), "sa"),
    ("ASML Holding N.V.", ("ASML",), "holding-nv"),
    ("TKO Group Holdings", ("TKO",), "group-holdings"),
    ("STABILUS SE", ("Stabilus",), "stylised-caps-se"),
    ("Puma (brand)", ("Puma",), "wikipedia-note"),
    ("Coca-Cola Company (The)", ("Coca-Cola",), "bracketed-the"),
    ("The Walt Disney Company", ("Walt Disney",), "leading-the"),
    ("The Hartford", ("The Hartford",), "the-kept-when-rest-is-a-place"),
    ("Procter & Gamble", ("Procter & Gamble",), "ampersand-inside-stays"),
    ("E.ON", ("E.ON",), "dots-inside-stay"),
    # a second, shorter form without descriptor words
    ("Meta Platforms, Inc.", ("Meta Platforms", "Meta"), "meta-platforms"),
    ("Infineon Technologies AG", ("Infineon Technologies", "Infineon"), "technologies"),
    ("Philip Morris International", ("Philip Morris International", "Philip Morris"), "intl"),
    ("Take-Two Interactive", ("Take-Two Interactive", "Take-Two"), "hyphen-descriptor"),
    ("Ford Motor Company", ("Ford Motor", "Ford"), "motor"),
    # negatives: an everyday word on its own is never a name
    ("Target Corporation", ("Target Corporation",), "neg-target"),
    ("Ball Corporation", ("Ball Corporation",), "neg-ball"),
    ("Visa Inc.", ("Visa Inc",), "neg-visa-final-period-dropped"),
    ("Block, Inc.", ("Block, Inc",), "neg-block"),
    ("Booking Holdings", ("Booking Holdings",), "neg-booking"),
    ("Arm Holdings", ("Arm Holdings",), "neg-common-word-arm"),
    ("Match Group", ("Match Group",), "neg-match"),
    ("Carnival Corporation & plc", ("Carnival Corporation",), "neg-carnival-next-longer"),
    ("The Cooper Companies", ("Cooper Companies",), "neg-cooper"),
    ("Nasdaq, Inc.", ("Nasdaq, Inc",), "neg-index-name"),
    ("Charter Communications", ("Charter Communications",), "neg-no-derived-charter"),
    ("Palo Alto Networks", ("Palo Alto Networks",), "neg-no-derived-place"),
    ("General Motors", ("General Motors",), "neg-no-derived-general"),
    ("X Technologies", ("X Technologies",), "neg-derived-too-short"),
    ("Visa", (), "neg-nothing-left"),
    ("  ", (), "neg-blank"),
    # acronyms and caps
    ("KION Group", ("KION",), "four-caps-acronym"),
    ("AMD", ("AMD",), "amd"),
]


@pytest.mark.parametrize(
    ("company", "expected"),
    [(c, e) for c, e, _ in SHORT_NAMES],
    ids=[i for _, _, i in SHORT_NAMES],
)
def test_short_names(company: str, expected: tuple[str, ...]) -> None:
    assert short_names(company) == expected


def test_no_short_name_is_an_everyday_word() -> None:
    for company, _, _ in SHORT_NAMES:
        assert not {n.casefold() for n in short_names(company)} & EVERYDAY_WORDS, company


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [
        ("SIE.DE", "SIE"),
        ("SIE.F", "SIE"),
        ("AIR.PA.DE", "AIR"),
        ("brk.b", "BRK.B"),
        ("BF.B", "BF.B"),
        ("NVDA", "NVDA"),
        (" 1U1.F ", "1U1"),
    ],
    ids=["xetra", "frankfurt", "two-suffixes", "share-class-lowercase", "bf-b", "plain", "digits"],
)
def test_base_symbol(symbol: str, expected: str) -> None:
    assert base_symbol(symbol) == expected


ROWS = [
    ReferenceRow("DTE", "DTE Energy", "S&P 500"),
    ReferenceRow("DTE.DE", "Deutsche Telekom", "TecDAX"),
    ReferenceRow("DTE.DE", "Deutsche Telekom", "DAX"),
    ReferenceRow("NEM.DE", "Nemetschek", "MDAX"),
    ReferenceRow("NEM", "Newmont", "S&P 500"),
    ReferenceRow("SAP.DE", "SAP", "DAX"),
    ReferenceRow("SAP.DE", "SAP SE", "TecDAX"),  # same company, other spelling
    ReferenceRow("GOOGL", "Alphabet Inc.", "NASDAQ 100"),
    ReferenceRow("GOOG", "Alphabet Inc.", "S&P 500"),
    ReferenceRow("CEG", "Constellation Energy", "S&P 500"),
    ReferenceRow("STZ", "Constellation Brands", "S&P 500"),
    ReferenceRow("ABC", "Abc Technologies", "Nikkei"),
    ReferenceRow("ABC", "Abc Systems", "AEX"),
]


@pytest.mark.parametrize(
    ("symbol", "names"),
    [
        ("DTE", ("Deutsche Telekom",)),  # DAX beats S&P 500
        ("NEM", ("Newmont",)),  # S&P 500 beats MDAX
        ("SAP", ("SAP",)),
        ("GOOG", ("Alphabet",)),
        ("GOOGL", ("Alphabet",)),
        ("ABC", ("Abc Systems", "Abc")),  # unlisted indices: alphabetical, AEX first
        ("STZ", ("Constellation Brands",)),
    ],
    ids=["home-market-first", "large-before-mid", "same-company", "share-classes-goog",
         "share-classes-googl", "unlisted-index-alphabetical", "risky-derived-form"],
)
def test_build_reference_collision_rule(symbol: str, names: tuple[str, ...]) -> None:
    assert build_reference(ROWS)[symbol] == names


def test_find_collisions_reports_only_different_companies() -> None:
    found = {c.symbol: c for c in find_collisions(ROWS)}
    assert sorted(found) == ["ABC", "DTE", "NEM"]
    assert found["DTE"].kept == ReferenceRow("DTE.DE", "Deutsche Telekom", "DAX")
    assert found["DTE"].dropped == (ReferenceRow("DTE", "DTE Energy", "S&P 500"),)
    assert INDEX_PRIORITY[0] == "DAX"


def test_a_second_form_shared_by_two_companies_is_dropped() -> None:
    rows = [("AA", "Acme Technologies", "DAX"), ("BB", "Acme Systems", "DAX"),
            ("CC", "Acme", "S&P 500")]
    assert build_reference(rows) == {
        "AA": ("Acme Technologies",), "BB": ("Acme Systems",), "CC": ("Acme",)}


REFERENCE = {"NVDA": ("Nvidia",), "SIE": ("Siemens",), "ENR": ("Siemens Energy",)}


@pytest.mark.parametrize(
    ("entry", "text", "hit"),
    [
        (TickerEntry(symbol="NVDA"), "Nvidia-Aktie steigt", True),
        (TickerEntry(symbol="NVDA", names=()), "Nvidia-Aktie steigt", False),
        (TickerEntry(symbol="NVDA", names=("Jensen",)), "Nvidia-Aktie steigt", False),
        (TickerEntry(symbol="NVDA", extra_names=("Jensen Huang",)), "Jensen Huang spricht", True),
        (TickerEntry(symbol="NVDA", extra_names=("Jensen Huang",)), "Nvidias Umsatz", True),
        (TickerEntry(symbol="NVDA", names=(), extra_names=("Jensen",)), "Jensen spricht", True),
        (TickerEntry(symbol="SNOW"), "Snowflake wächst", False),
    ],
    ids=["reference-names", "empty-names-symbol-only", "explicit-names-override",
         "extra-names-added", "reference-kept-with-extra", "extra-on-empty-names",
         "symbol-not-in-reference"],
)
def test_matcher_uses_reference_names(entry: TickerEntry, text: str, hit: bool) -> None:
    matcher = compile_matcher(tickers=[entry], keywords=[], reference=REFERENCE)
    assert bool(matcher.keys_in(title=text, text="", lang="de")) is hit


def test_longer_reference_name_of_another_ticker_wins() -> None:
    entries = [TickerEntry(symbol="SIE"), TickerEntry(symbol="ENR")]
    matcher = compile_matcher(tickers=entries, keywords=[], reference=REFERENCE)
    assert matcher.keys_in(title="Siemens Energy hebt Prognose", text="", lang="de") == {"ENR"}


def test_routing_passes_the_reference_to_implicit_tickers() -> None:
    channel = Channel(id=1, ref=ChannelRef("console", "x"), subscriptions=("NVDA",))
    with_names = build_routing([channel], [], reference=REFERENCE)
    without = build_routing([channel], [])
    text = "Nvidia-Aktie steigt"
    assert with_names.matcher.keys_in(title=text, text="") == {"NVDA"}
    assert without.matcher.keys_in(title=text, text="") == frozenset()
