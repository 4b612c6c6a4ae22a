"""Readable messages for validation errors in the YAML files: name the entry, not its index.

pydantic says `watchlists.0.tickers.1.symbol: String should match pattern '^[A-Za-z0-9]…'`;
a user wants `watchlist 'tech', ticker 'SN OW': symbol must be 1-12 letters, …`. The entry
is named by its identifying field as written in the file (a watchlist by `name`, a ticker by
`symbol`, …), falling back to its position when that field is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from pydantic_core import ErrorDetails

Loc = Sequence[int | str]

# list field → (what one item is called, the field that names it)
_ENTRIES: dict[str, tuple[str, str]] = {
    "watchlists": ("watchlist", "name"),
    "tickers": ("ticker", "symbol"),
    "keywords": ("keyword", "key"),
    "feeds": ("feed", "url"),
    "channels": ("channel", "id"),
}

# field → what its pattern means (the patterns live on the models in bot.config)
_PATTERNS: dict[str, str] = {
    "symbol": "1-12 letters, digits, '.' or '-', starting with a letter or digit",
    "key": "1-40 letters, digits, '_' or '-', starting with a letter or digit",
    "name": "1-40 lowercase letters, digits, '_' or '-', starting with a letter or digit",
}

_PREFIXES = ("Value error, ", "Assertion failed, ")


def entry_label(data: Any, loc: Loc, node: yaml.Node | None = None
                ) -> tuple[str, tuple[int | str, ...]]:
    """Split `loc` into the entries it passes (`watchlist 'tech', ticker 'SNOW'`) and the
    remaining field path, e.g. `("names", 2)`. With the YAML `node`, names are shown as
    written (`ON`, not `True`)."""
    labels: list[str] = []
    rest = tuple(loc)
    while len(rest) >= 2 and isinstance(rest[0], str) and isinstance(rest[1], int):
        kind = _ENTRIES.get(rest[0])
        if kind is None:
            break
        items = data.get(rest[0]) if isinstance(data, dict) else None
        item = items[rest[1]] if isinstance(items, list) and rest[1] < len(items) else None
        ident = item.get(kind[1]) if isinstance(item, dict) else None
        node = node_at(node, rest[:2])
        written = node_at(node, (kind[1],))
        if not isinstance(ident, str) and isinstance(written, yaml.ScalarNode):
            ident = written.value
        shown = repr(str(ident)) if ident is not None else f"#{rest[1] + 1}"
        labels.append(f"{kind[0]} {shown}")
        data = item
        rest = rest[2:]
    return ", ".join(labels), rest


def field_path(parts: Loc) -> str:
    """`("names", 2)` → `names[2]`."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def node_at(node: yaml.Node | None, loc: Loc) -> yaml.Node | None:
    """The YAML node at a pydantic location, or None when the path leaves the tree."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            return None
    return node


def describe_error(error: ErrorDetails, data: Any, node: yaml.Node | None = None) -> str:
    """One line for the first validation error: `<entry>: <what is wrong>`."""
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden" and loc:
        entry, rest = entry_label(data, loc[:-1], node)
        inner = field_path(rest)
        problem = f"unknown field {loc[-1]!r}" + (f" in {inner}" if inner else "")
        return f"{entry}: {problem}" if entry else problem
    if kind == "missing" and loc:
        entry, rest = entry_label(data, loc[:-1], node)
        inner = field_path(rest)
        problem = f"missing field {loc[-1]!r}" + (f" in {inner}" if inner else "")
        return f"{entry}: {problem}" if entry else problem
    entry, rest = entry_label(data, loc, node)
    field = field_path(rest)
    message = error["msg"]
    for prefix in _PREFIXES:
        message = message.removeprefix(prefix)
    if kind == "string_pattern_mismatch" and rest and rest[-1] in _PATTERNS:
        message = f"must be {_PATTERNS[str(rest[-1])]}"
    elif kind == "string_type" and isinstance(error["input"], bool | int | float | None):
        found = node_at(node, loc)
        if isinstance(found, yaml.ScalarNode):
            message = (f"YAML reads {found.value or 'an empty value'} as "
                       f"{_yaml_kind(error['input'])}; quote it: \"{found.value}\"")
    elif kind == "list_type":
        message = "must be a list, e.g. [a, b]"
    elif kind in ("model_type", "dict_type"):
        message = "must be a mapping, e.g. {key: value}"
    if field and not message.startswith(field):
        message = f"{field} {message}" if message.startswith("must ") else f"{field}: {message}"
    return f"{entry}: {message}" if entry else message


def _yaml_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"
