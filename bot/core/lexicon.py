"""Word lists for matching and sentence splitting (German and English).

Data only: the rules that use these lists live in `matching`, `term_patterns` and
`summarize`. Lists are lowercase unless a comment says otherwise.
"""

from __future__ import annotations

# Characters that continue a word of a Latin-script term: ASCII letters and digits, Latin-1
# and Latin Extended letters, combining accents, Greek and Cyrillic. Letters of scripts written
# without spaces (CJK, kana, Hangul, Thai …) deliberately do not, so "DeepSeek发布" still
# contains DeepSeek as a word.
WORD_CHAR_CLASS = (
    "0-9A-Za-z_\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02af"
    "\u0300-\u036f\u0370-\u03ff\u0400-\u052f\u1e00-\u1eff"
)
# hyphen-minus, hyphen, non-breaking hyphen: the joints of compounds ("Nvidia-Aktie")
HYPHENS = "-\u2010\u2011"
APOSTROPHES = "'\u2019"

# Short prefixes that may fuse with an acronym keyword and still mean it ("GenAI").
# Names fused the same way ("OpenAI", "xAI") are other words and do not count.
FUSED_ACRONYM_PREFIXES: tuple[str, ...] = ("gen",)

# Stock exchange prefixes of exchange-qualified symbols ("NASDAQ: NVDA", "ETR:SAP").
# Matched case-insensitively; multi-word forms first so "NYSE Arca:" wins over "NYSE".
EXCHANGES: tuple[str, ...] = (
    "NYSE Arca", "NYSE American", "NYSE MKT", "NYSEARCA", "NYSEAMERICAN", "NYSE",
    "NASDAQGS", "NASDAQGM", "NASDAQCM", "NASDAQ", "AMEX", "BATS", "CBOE",
    "OTCMKTS", "OTCQX", "OTCQB", "OTC", "ETR", "XETRA", "XETR", "FRA", "FWB", "GER",
    "BER", "MUN", "STU", "HAM", "DUS", "LSE", "LON", "TSXV", "TSX", "CVE", "ASX",
    "HKEX", "HKG", "SEHK", "TYO", "TSE", "JPX", "SIX", "SWX", "VTX", "EPA", "EBR",
    "AMS", "ELI", "BIT", "BME", "MCE", "STO", "CPH", "HEL", "OSL", "VIE", "WSE",
    "KRX", "KOSDAQ", "SHA", "SHE", "SGX", "BSE", "NSE", "JSE", "TWSE", "TPE", "BVMF",
)  # fmt: skip

# Words that, written in capitals, are far more often the word than a ticker ("SNOW",
# "NOW", "ALL", "SIE"), plus ordinary nouns that are also company names ("Allianz",
# "Meta", "Apple"): a name that is an ordinary word does not count as the tail of someone
# else's compound ("KI-Allianz").
_COMMON_EN = """
a i am an as at be by do go he hi if in is it me my no of oh ok on or so to tv up us we
ai all and any are big but buy can car ceo cfo day did due eat etf eu few fly for fun
gdp get got has her him his hot how ipo its job key law let low man may new nor not now
off old one our out own pay per put ran red run say see she six sky ten the top two uk
usa use van via war was way who why win yes yet you also back bank bear best bill blue
boom bull call cash cost data deal does done down easy edge else even ever fast fear
fine five four free from fund gain gold good grow have here high hold home hope huge
into just keep kind last life like live long look loss lost love made main make many
meta more most move much must need news next nice once only open over peak plan play
plus post rate real rest rise risk rock safe said sale save sell shop show snow some
star stay step stop sure take team tech tell than that them then they this time tour
true turn very wait want well went were what when will wind with work year your zone
apple oracle amazon snowflake alphabet intel
"""
_COMMON_DE = """
ab am an da du er es im in ja ob so um zu ag se eu ki ezb usa dax mdax sdax tecdax cdu
csu spd fdp afd bip als auf aus bei bis das dem den der des die ein für gut hat ich ihr
ist mit nach neu nie nun nur oft per pro sie und uns vom von vor was wer wie wir zum zur
alle auch aber dass doch eine euro fest hier hoch jahr kauf kurs mehr noch oder plus
rund sehr sind tief viel wann weil wird ziel aktie bank post allianz meta alphabet
"""
COMMON_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(_COMMON_EN.split()),
    # German finance text is full of English words, so German includes the English list
    "de": frozenset(_COMMON_DE.split()) | frozenset(_COMMON_EN.split()),
}

# Known other meanings of everyday company names: phrases that, when they contain a name
# hit, cancel it as if the watchlist entry had excluded them. Keyed by the lowercase name.
NAME_CONFUSERS: dict[str, tuple[str, ...]] = {
    "oracle": ("Oracle of Omaha", "Oracle of Delphi"),
    "tesla": ("Nikola Tesla", "Tesla coil"),
    "amazon": (
        "Amazon rainforest", "Amazon rain forest", "Amazon river", "Amazon basin",
        "Amazon jungle", "Amazon region", "Amazon-Regenwald", "Amazon-Gebiet",
    ),
    "apple": ("Big Apple",),
    "intel": ("Threat Intel",),
    "meta": ("Meta-Analyse", "Meta-Studie", "Meta-Ebene", "Meta-Analysis"),
    "allianz": (
        "Allianz gegen", "Allianz für", "Allianz zwischen", "Allianz aus", "Allianz von",
        "Allianz der",
    ),
}  # fmt: skip

# Abbreviations after which a period does not end a sentence (lowercase, without the final
# period). Single letters ("U.", "z.") are handled by rule, not listed.
ABBREVIATIONS: dict[str, frozenset[str]] = {
    "de": frozenset(
        """
        abs abt allg bzgl bzw ca chr dipl dr dt dtsch ebd evtl etc exkl fa ff fr frl geb
        gegr gem ges hr hrsg inkl insb jh jhd jr kap lt max min mio mr mrd mrs ms nr nrn
        od okt prof rd s sog sr st std str tel tsd u.a usw vgl vs zt zzgl jan feb mär apr
        aug sep sept nov dez mo di mi do fr sa so bspw ggf ggü lfd mind mwst pkt
        """.split()
    ),
    "en": frozenset(
        """
        adm apr aug approx assn av ave bros capt cmdr co col corp dec dept dr e.g etc
        feb fig gen gov hon i.e inc jan jr jul jun lt ltd mar messrs mr mrs ms mt no nos
        nov oct op pp prof rep reps rev sen sens sep sept sgt sr st vs vol fri mon sat sun
        thu thur thurs tue tues wed est pst cet
        """.split()
    ),
}
