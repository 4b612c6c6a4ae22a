"""Who may run which `/news …` command: the one place this is decided.

Roles come from the adapter (`Caller.role`): `member`, `admin` or `owner`. Watchlist and feed
commands change what every channel receives, so they need `admin` or `owner`; everything
else is open to members. An unknown role (`None`: the platform lookup failed) is treated as
no role at all, so admin commands fail closed.

The check runs twice: on the first word of the text, before any argument is parsed (a
member's admin command is refused whatever follows), and on the parsed command.
"""

from __future__ import annotations

from bot.core.commands import Command
from bot.core.commands_admin import ADMIN_COMMANDS
from bot.core.models import Role

ADMIN_ROLES: frozenset[Role] = frozenset({"admin", "owner"})
ADMIN_SUBCOMMANDS = frozenset({"watchlist", "feed"})


def may_administer(role: Role | None) -> bool:
    return role in ADMIN_ROLES


def subcommand_needs_admin(subcommand: str) -> bool:
    """`subcommand` is the first word after `/news` (see `commands.subcommand_of`)."""
    return subcommand in ADMIN_SUBCOMMANDS


def command_needs_admin(command: Command) -> bool:
    return isinstance(command, ADMIN_COMMANDS)


def may_run(role: Role | None, command: Command) -> bool:
    return may_administer(role) or not command_needs_admin(command)
