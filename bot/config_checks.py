"""Checks of a config or watchlist file beyond its schema, each naming file, line and entry:
no two equal keys in one YAML mapping (YAML would silently keep the last), no duplicate
watchlist names, no symbol or keyword key twice in one watchlist (they are stored upper-case,
so case does not tell them apart), no empty strings in lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from pydantic import BaseModel

from bot.config import KeywordConfig, TickerConfig, WatchlistConfig, _line_of
from bot.config_errors import entry_label
from bot.errors import InputError


def check_mapping_keys(root: yaml.Node | None, name: str, data: Any) -> None:
    """YAML keeps the last of two equal keys silently; a watchlist file must not have any."""

    def walk(node: yaml.Node | None, loc: tuple[int | str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    line = key.start_mark.line + 1
                    if key.value in seen:
                        entry, _ = entry_label(data, loc, root)
                        problem = f"duplicate key {key.value!r}"
                        if seen[key.value] != line:
                            problem += f" (first at line {seen[key.value]})"
                        raise InputError(f"{entry}: {problem}" if entry else problem,
                                         location=f"{name}:{line}")
                    seen[key.value] = line
                    walk(value, (*loc, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*loc, index))

    walk(root, ())


def check_watchlists(
    watchlists: Sequence[WatchlistConfig], node: yaml.Node | None, name: str
) -> None:
    def fail(loc: tuple[int | str, ...], message: str) -> InputError:
        return InputError(message, location=f"{name}:{_line_of(node, loc)}")

    lists: dict[str, int] = {}
    for i, wl in enumerate(watchlists):
        here: tuple[int | str, ...] = ("watchlists", i)
        label = f"watchlist {wl.name!r}"
        if wl.name in lists:
            raise fail((*here, "name"), f"{label}: duplicate watchlist name (first at line "
                                         f"{lists[wl.name]})")
        lists[wl.name] = _line_of(node, (*here, "name"))
        entries: list[tuple[str, str, Sequence[TickerConfig | KeywordConfig]]] = [
            ("tickers", "ticker", wl.tickers), ("keywords", "keyword", wl.keywords)]
        for field, kind, items in entries:
            seen: dict[str, int] = {}
            for j, item in enumerate(items):
                loc = (*here, field, j)
                key = item.symbol if isinstance(item, TickerConfig) else item.key
                entry = f"{label}, {kind} {key!r}"
                if key.upper() in seen:
                    what = "symbol" if kind == "ticker" else "keyword key"
                    raise fail(loc, f"{entry}: duplicate {what} in this watchlist (first at "
                                    f"line {seen[key.upper()]})")
                seen[key.upper()] = _line_of(node, loc)
                for list_field, values in _string_lists(item):
                    blank = next((n for n, v in enumerate(values) if not v.strip()), None)
                    if blank is not None:
                        raise fail((*loc, list_field, blank),
                                   f"{entry}: {list_field} must not contain empty strings")


def _string_lists(item: BaseModel) -> list[tuple[str, list[str]]]:
    return [(field, value) for field in type(item).model_fields
            if isinstance(value := getattr(item, field), list)
            and all(isinstance(v, str) for v in value)]
