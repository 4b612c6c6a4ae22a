"""The permission policy: admin commands need admin or owner; an unknown role fails closed."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core import commands as c
from bot.core import permissions

CASES = [
    # (role, command text, may run)
    ("member", "/news subscribe SNOW", True),
    ("member", "/news settings lang de", True),
    ("member", "/news why https://example.org/a", True),
    ("member", "/news help", True),
    ("member", "/news watchlist show tech", False),
    ("member", "/news feed list", False),
    ("admin", "/news watchlist add tech ticker NVDA", True),
    ("admin", "/news feed add https://example.org/rss", True),
    ("owner", "/news feed remove https://example.org/rss", True),
    ("owner", "/news watchlist import\nwatchlists: []", True),
    (None, "/news subscribe SNOW", True),
    (None, "/news watchlist export", False),
    (None, "/news feed status", False),
]


@pytest.mark.parametrize(("role", "text", "allowed"), CASES,
                         ids=[f"{r}:{t.split(chr(10))[0]}" for r, t, _ in CASES])
def test_policy(role: Any, text: str, allowed: bool) -> None:
    command = c.parse_command(text)
    assert permissions.may_run(role, command) is allowed
    # the pre-parse check on the first word agrees with the check on the typed command
    head_needs_admin = permissions.subcommand_needs_admin(c.subcommand_of(text))
    assert head_needs_admin is permissions.command_needs_admin(command)


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_admin_roles(role: Any) -> None:
    assert permissions.may_administer(role)


@pytest.mark.parametrize("role", ["member", None, "Admin", ""])
def test_everything_else_is_not_an_admin(role: Any) -> None:
    assert not permissions.may_administer(role)
