"""The gettext catalogs: complete, consistent, and holding every msgid the code uses.

The source scan keeps later work honest: a new `t(lang, "…")` without catalog entries fails
here, naming the file and line.
"""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.core import i18n
from bot.core.models import LANGS

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = (ROOT / "bot", ROOT / "adapters")


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
