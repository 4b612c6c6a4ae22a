"""Catalog lookups, plural forms, Babel formatting, and the catalogs' completeness."""

from __future__ import annotations

import ast
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.core import i18n
from bot.core.i18n import (
    format_date,
    format_datetime_short,
    format_move,
    format_time,
    normalize_lang,
    t,
    tn,
)
from bot.core.models import LANGS

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = (ROOT / "bot", ROOT / "adapters")

# 16:30 UTC on a winter day = 17:30 in Berlin (CET, UTC+1).
WINTER = datetime(2026, 11, 28, 16, 30, tzinfo=UTC)
SUMMER = datetime(2026, 7, 3, 15, 30, tzinfo=UTC)  # 17:30 CEST (UTC+2)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("de", "de"),
        ("de-DE", "de"),
        ("de_AT", "de"),
        ("DE-ch", "de"),
        (" de ", "de"),
        ("de_DE.UTF-8", "de"),
        ("en-US", "en"),
        ("fr", "en"),
        ("deu", "en"),
        ("", "en"),
        (None, "en"),
    ],
    ids=lambda v: repr(v),
)
def test_normalize_lang(tag: str | None, expected: str) -> None:
    assert normalize_lang(tag) == expected


@pytest.mark.parametrize(
    ("lang", "msgid", "params", "expected"),
    [
        ("de", "News digest · {date}", {"date": "X"}, "Nachrichten-Überblick · X"),
        ("en", "News digest · {date}", {"date": "X"}, "News digest · X"),
        ("de-DE", "News alert · {date}", {"date": "X"}, "Neue Meldungen · X"),
        ("fr", "News alert · {date}", {"date": "X"}, "News alert · X"),
        ("de", "No new stories.", {}, "Keine neuen Meldungen."),
        ("de", "Not in any catalog: {what}", {"what": "x"}, "Not in any catalog: x"),
        ("en", "Not in any catalog", {}, "Not in any catalog"),
    ],
    ids=["de", "en", "de-region", "unknown-lang", "no-params", "missing-params", "missing"],
)
def test_t(lang: str, msgid: str, params: dict[str, object], expected: str) -> None:
    assert t(lang, msgid, **params) == expected


@pytest.mark.parametrize(
    ("lang", "n", "expected"),
    [
        ("de", 0, "0 weitere Meldungen"),
        ("de", 1, "1 weitere Meldung"),
        ("de", 12, "12 weitere Meldungen"),
        ("en", 0, "0 more stories"),
        ("en", 1, "1 more story"),
        ("en", 2, "2 more stories"),
        ("xx", 1, "1 more story"),
    ],
    ids=["de-0", "de-1", "de-12", "en-0", "en-1", "en-2", "unknown-lang"],
)
def test_tn(lang: str, n: int, expected: str) -> None:
    assert tn(lang, "{n} more story", "{n} more stories", n) == expected


def test_tn_missing_msgid_falls_back_to_english_forms() -> None:
    assert tn("de", "{n} cat of {who}", "{n} cats of {who}", 1, who="Ada") == "1 cat of Ada"
    assert tn("de", "{n} cat of {who}", "{n} cats of {who}", 3, who="Ada") == "3 cats of Ada"


@pytest.mark.parametrize(
    ("dt", "lang", "tz", "date", "time", "short"),
    [
        (WINTER, "de", "Europe/Berlin", "28. November 2026", "17:30", "28.11., 17:30"),
        (WINTER, "en", "Europe/Berlin", "Nov 28, 2026", "5:30 PM", "Nov 28, 5:30 PM"),
        (SUMMER, "de", "Europe/Berlin", "3. Juli 2026", "17:30", "3.7., 17:30"),
        (SUMMER, "en", "America/New_York", "Jul 3, 2026", "11:30 AM", "Jul 3, 11:30 AM"),
        (
            datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
            "de",
            "Europe/Berlin",
            "1. Januar 2027",
            "00:30",
            "1.1., 00:30",
        ),
        (datetime(2026, 11, 28, 16, 30), "en", "UTC", "Nov 28, 2026", "4:30 PM", "Nov 28, 4:30 PM"),
    ],
    ids=["de-winter", "en-winter", "de-summer-dst", "en-new-york", "de-next-year", "naive-is-utc"],
)
def test_dates_and_times(
    dt: datetime, lang: str, tz: str, date: str, time: str, short: str
) -> None:
    assert format_date(dt, lang=lang, tz=tz) == date
    assert format_time(dt, lang=lang, tz=tz) == time
    assert format_datetime_short(dt, lang=lang, tz=tz) == short


@pytest.mark.parametrize(
    ("pct", "de", "en"),
    [
        (-3.37, "-3,37 %", "-3.37%"),
        (1.2, "+1,20 %", "+1.20%"),
        (2.1, "+2,10 %", "+2.10%"),
        (-0.5, "-0,50 %", "-0.50%"),
        (0.0, "±0,00 %", "±0.00%"),
        (-0.001, "±0,00 %", "±0.00%"),
        (12.349, "+12,35 %", "+12.35%"),
        (1234.5, "+1.234,50 %", "+1,234.50%"),
    ],
    ids=["fall", "rise", "one-decimal", "small-fall", "zero", "rounds-to-zero", "rounding",
         "thousands"],
)
def test_format_move(pct: float, de: str, en: str) -> None:
    assert format_move(pct, lang="de") == de
    assert format_move(pct, lang="en") == en


def test_formatted_values_use_plain_spaces() -> None:
    values = [format_move(-3.37, lang="de"), format_time(WINTER, lang="en", tz="UTC")]
    assert all("\u00a0" not in v and "\u202f" not in v for v in values)


# --- the catalogs themselves ----------------------------------------------------------------


def _catalog(lang: str) -> Catalog:
    with i18n.catalog_path(lang).open("rb") as fp:
        return read_po(fp, locale=lang)


def _messages(lang: str) -> dict[str, tuple[str, ...]]:
    """msgid (singular) → (msgid_plural?, msgstr forms…) of every real message."""
    out: dict[str, tuple[str, ...]] = {}
    for message in list(_catalog(lang))[1:]:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        out[ids[0]] = (*ids[1:], *strings)
    return out


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_catalogs_have_the_same_msgids() -> None:
    assert set(_messages("de")) == set(_messages("en"))


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated_with_the_same_placeholders(lang: str) -> None:
    catalog = _catalog(lang)
    assert catalog.num_plurals == 2
    for message in list(catalog)[1:]:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{lang}: untranslated {ids[0]!r}"
        assert not message.fuzzy, f"{lang}: fuzzy {ids[0]!r}"
        for text in strings:
            assert _fields(text) == _fields(ids[-1]), f"{lang}: placeholders of {ids[0]!r}"


# --- every msgid the code uses exists ---------------------------------------------------------


# Constructors whose first argument is a msgid translated later with t() (commands' errors).
MSGID_CARRIERS = frozenset({"CommandError"})


def _i18n_calls(tree: ast.Module) -> list[tuple[str, ast.Call]]:
    """Calls of t/tn imported from bot.core.i18n (directly or through the module), and of
    the msgid carriers, as ("t" | "tn", call); a carrier counts as a t call."""
    names: dict[str, str] = {name: "carrier" for name in MSGID_CARRIERS}
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "bot.core.i18n":
            for alias in node.names:
                if alias.name in {"t", "tn"}:
                    names[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module == "bot.core":
            modules.update(a.asname or a.name for a in node.names if a.name == "i18n")
        elif isinstance(node, ast.Import):
            modules.update(a.asname for a in node.names if a.name == "bot.core.i18n" and a.asname)
    calls: list[tuple[str, ast.Call]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in names:
            calls.append((names[func.id], node))
        elif isinstance(func, ast.Attribute) and func.attr in MSGID_CARRIERS:
            calls.append(("carrier", node))
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in {"t", "tn"}
            and isinstance(func.value, ast.Name)
            and func.value.id in modules
        ):
            calls.append((func.attr, node))
    return calls


def _literals(node: ast.expr, assigned: dict[str, list[str]]) -> list[str]:
    """The msgid literals an argument can evaluate to: a string, either branch of
    `"a" if x else "b"`, or a plain name assigned such literals in the same module."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literals(node.body, assigned) + _literals(node.orelse, assigned)
    if isinstance(node, ast.Name):
        return assigned.get(node.id, [])
    return []


def _assigned_literals(tree: ast.Module) -> dict[str, list[str]]:
    assigned: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found = _literals(node.value, {})
                    assigned.setdefault(target.id, []).extend(found)
    return assigned


def used_msgids() -> dict[tuple[str, str | None], str]:
    """(msgid, msgid_plural or None) → "file:line" of one use, over bot/ and adapters/.

    Only literal msgids can be checked; keep msgids literal at the call (or in a carrier)."""
    found: dict[tuple[str, str | None], str] = {}
    for folder in SOURCE_DIRS:
        for path in sorted(folder.rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if "i18n" not in text and not any(name in text for name in MSGID_CARRIERS):
                continue  # cannot use a msgid; skip parsing it
            tree = ast.parse(text, filename=str(path))
            assigned = _assigned_literals(tree)
            where = path.relative_to(ROOT)
            for name, call in _i18n_calls(tree):
                args = call.args
                if name == "carrier" and args:
                    msgids = _literals(args[0], assigned)
                elif name == "t" and len(args) >= 2:
                    msgids = _literals(args[1], assigned)
                elif name == "tn" and len(args) >= 3:
                    ones, manys = _literals(args[1], assigned), _literals(args[2], assigned)
                    for one, many in zip(ones, manys, strict=False):
                        found.setdefault((one, many), f"{where}:{call.lineno}")
                    continue
                else:
                    continue
                for msgid in msgids:
                    found.setdefault((msgid, None), f"{where}:{call.lineno}")
    return found


def test_source_scan_sees_the_console_renderer() -> None:
    used = used_msgids()
    assert ("News digest · {date}", None) in used
    assert ("{n} more story", "{n} more stories") in used


@pytest.mark.parametrize("lang", LANGS)
def test_every_msgid_used_in_the_code_is_in_the_catalog(lang: str) -> None:
    messages = _messages(lang)
    missing = []
    for (msgid, plural), where in sorted(used_msgids().items()):
        entry = messages.get(msgid)
        if entry is None or (plural is not None and entry[0] != plural):
            missing.append(f"{where}: {msgid!r}" + (f" / {plural!r}" if plural else ""))
    assert not missing, f"missing from the {lang} catalog:\n" + "\n".join(missing)
