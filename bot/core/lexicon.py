"""Word lists for matching and sentence splitting (German and English).

Data only: the rules that use these lists live in `matching`, `term_patterns`, `sentences` and
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
# hyphen, non-breaking hyphen, hyphen-minus: the joints of compounds ("Nvidia-Aktie").
# Hyphen-minus last, so the string can stand inside a regex character class.
HYPHENS = "\u2010\u2011-"
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
arm net spot snap cat ally dish pins tree wing hood fat eye ear fr es de ch jp cn
apple oracle amazon snowflake alphabet intel
"""
_COMMON_DE = """
ab am an da du er es im in ja ob so um zu ag se eu ki ezb usa dax mdax sdax tecdax cdu
csu spd fdp afd bip als auf aus bei bis das dem den der des die ein für gut hat ich ihr
ist mit nach neu nie nun nur oft per pro sie und uns vom von vor was wer wie wir zum zur
alle auch aber dass doch eine euro fest hier hoch jahr kauf kurs mehr noch oder plus
rund sehr sind tief viel wann weil wird ziel aktie bank post allianz meta alphabet
"""
# Prefixes that leave a name its meaning in a compound: "ex-Apple designer", "Anti-Tesla".
NAME_KEEPING_PREFIXES = frozenset(["ex", "non", "anti", "pro", "pre", "post", "nicht", "ur"])

COMMON_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(_COMMON_EN.split()),
    # German finance text is full of English words, so German includes the English list
    "de": frozenset(_COMMON_DE.split()) | frozenset(_COMMON_EN.split()),
}

# Known other meanings of everyday company names, and other companies carrying the name:
# phrases that, when they contain a name hit, cancel it as if the watchlist entry had
# excluded them. Keyed by the lowercase name.
NAME_CONFUSERS: dict[str, tuple[str, ...]] = {
    "oracle": ("Oracle of Omaha", "Oracle of Delphi"),
    "tesla": ("Nikola Tesla", "Tesla coil"),
    "amazon": (
        "Amazon rainforest", "Amazon rain forest", "Amazon river", "Amazon basin",
        "Amazon jungle", "Amazon region", "Amazon forest", "Amazon deforestation",
        "Brazilian Amazon", "Amazon-Regenwald", "Amazon-Gebiet",
    ),
    # other listed companies that carry the name
    "siemens": ("Siemens Energy", "Siemens Healthineers", "Siemens Gamesa"),
    "telekom": (
        "Telekom Austria", "Türk Telekom", "Telekom Malaysia", "Telekom Srbija",
        "Telekom Slovenije",
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
# period). Single letters ("z.", "U.") and dotted forms ("u.a.", "U.S.") are handled by rule.
# Words that are also ordinary words ("so", "sun", "mind") stay out: a missed abbreviation
# splits one sentence in two, a wrong one glues two together.
_ABBR_SHARED = "dr prof mr mrs ms jr sr st vs inc corp co ltd bros ca"
_ABBR_DE = """
abb abs abt allg bspw bzgl bzw chr dipl dt dtsch ebd evtl exkl fa ff frl geb gegr ggf
ggü hrsg inkl insb jh jhd kap lfd lt mio mrd mwst nr nrn rd sog str tsd usw vgl zzgl
jan feb apr aug sept okt nov dez
"""
_ABBR_EN = """
adm approx assn ave capt cmdr col dept gen gov hon lt messrs mt rep reps rev sen sens sgt
jan feb apr aug sept oct nov dec mon tue tues thu thur thurs fri
"""
ABBREVIATIONS: dict[str, frozenset[str]] = {
    "de": frozenset((_ABBR_SHARED + _ABBR_DE).split()),
    "en": frozenset((_ABBR_SHARED + " " + _ABBR_EN).split()),
}
# Abbreviations that count only before a number: "Nr. 5", "No. 1", "S. 12", "Mar. 3".
_NUMERAL_ABBR = "nr no nos art abs fig vol pp p s mar sep jun jul"
NUMERAL_ABBREVIATIONS = frozenset(_NUMERAL_ABBR.split())

# Words that open a German sentence but never follow an ordinal: "… Nr. 5. Die Bank …"
# ends a sentence, "am 28. November" does not.
_OPENERS_DE = """
der die das den dem des ein eine einen einem einer er sie es wir ich ihr man dies diese
dieser dieses damit dabei dann danach doch auch aber zudem nun so im am zum zur bei mit
nach von vor und oder wie was wer wo als wenn weil daher deshalb trotzdem allerdings
"""
SENTENCE_OPENERS_DE = frozenset(_OPENERS_DE.split())
# English function words that open a sentence and never go on a name or an abbreviation
# inside one: "… in the U.S. Then he …", "… at 10 a.m. The CEO …" end a sentence.
_OPENERS_EN = """
the a an he she it its they we i you his her their our this that these those there then
but and so yet however meanwhile also still now if when while after before as in on at
for with by from to shares analysts investors
"""
SENTENCE_OPENERS_EN = frozenset(_OPENERS_EN.split())
# Abbreviations that may also close a sentence: before an opener of the text's language
# ("Acme Corp. The firm …", "Acme Inc. Der Kaufpreis …") their period ends it. Titles
# ("Dr.", "Mr.") and "u.a."/"z. B." stay out: an article after them goes on the sentence.
SENTENCE_FINAL_ABBREVIATIONS = frozenset((
    "inc", "corp", "co", "ltd", "llc", "plc", "bros", "etc", "usw",
    "u.s", "u.k", "u.n", "e.u", "a.m", "p.m",
))  # fmt: skip

# Sentences that are page furniture rather than news: one of these anywhere in a sentence or
# line drops it (matched case-insensitively).
BOILERPLATE = (
    "cookie", "read full story", "continue reading", "click here", "skip to",
    "all rights reserved", "sign up for", "subscribe to", "passwort", "newsletter",
    "javascript", "weiterlesen", "mehr erfahren", "alle rechte vorbehalten",
    "media playback", "last updated", "zuletzt aktualisiert", "stand des artikels",
    "lesen sie auch", "lesen sie mehr", "lesen sie hier", "mehr zum thema", "auch interessant",
    "klicken sie hier", "hier klicken", "scroll down for", "read more", "share this",
    "share on", "auf facebook teilen", "artikel teilen", "beitrag teilen", "jetzt teilen",
    "follow us on", "folgen sie uns", "image copyright", "image caption", "getty images",
    "picture alliance", "subscribe now", "subscribe here", "for subscribers",
    "für abonnenten", "jetzt abonnieren",
)  # fmt: skip
# Labels that make a line or sentence furniture when they open it: "Stand: 28.11.2024",
# "Foto: dpa", "READ: …", "Bild: …" (lowercase, without the colon).
BOILERPLATE_LABELS = (
    "stand", "foto", "fotos", "bild", "bilder", "quelle", "photo", "photos", "image",
    "picture", "pictured", "source", "video", "watch", "read", "related", "advertisement",
    "anzeige", "werbung", "update", "aktualisiert", "published", "updated", "veröffentlicht",
    "copyright", "credit", "mehr", "more",
)  # fmt: skip
# Words that open a byline: "Von Gregory Lipinski", "By Nada Tawfik, BBC News".
BYLINE_WORDS = ("by", "von")
# Words a sentence cannot end on (lowercase, as written): one that does lost its last words,
# often the text of a link ("… especially high for ."). Not the German verb particles that
# do end sentences ("stieg an", "kam mit", "steigt ein").
DANGLING_WORDS = (
    "the", "a", "of", "for", "with", "from", "and", "or", "der", "des", "dem", "den",
    "eine", "einer", "eines", "von", "für", "und", "oder",
)  # fmt: skip
