"""Process roles (`newsbot run --role …`, DESIGN §3 and §6): which part of the work a process does.

| role     | scheduler jobs   | chat connection (`ChatAdapter.start`) | `--once`            |
|----------|------------------|---------------------------------------|---------------------|
| `poller` | poll             | no (sends feed notices over REST)     | poll every feed     |
| `sender` | deliver          | no (sends over REST)                  | deliver all pending |
| `chat`   | none             | yes: receives `/news` commands        | refused             |
| `all`    | poll and deliver | yes                                   | poll, then deliver  |

Pollers and senders scale out: on PostgreSQL they share the work through leases. The chat
connection stays single, one `chat` (or `all`) process per bot: a second Discord gateway
session of the same token gets the same interactions (two processes would race to answer
each, and every start re-uploads the commands), and Slack spreads Socket Mode events over
all of an app's connections, which gains nothing and makes a misconfigured one hard to see.

On SQLite only `all` runs: one process per file (`bot.store.single`), and a split deployment
without PostgreSQL would have nothing to share the work through.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.engine import make_url

from bot.errors import InputError

Role = Literal["poller", "sender", "chat", "all"]
Job = Literal["poll", "deliver"]


@dataclass(frozen=True, slots=True)
class RolePlan:
    jobs: tuple[Job, ...]  # scheduler jobs this process runs
    listens: bool  # starts the adapters' command connections (gateway, Socket Mode, HTTP)


PLANS: dict[Role, RolePlan] = {
    "poller": RolePlan(jobs=("poll",), listens=False),
    "sender": RolePlan(jobs=("deliver",), listens=False),
    "chat": RolePlan(jobs=(), listens=True),
    "all": RolePlan(jobs=("poll", "deliver"), listens=True),
}


def parse_role(value: str) -> Role:
    for role in PLANS:
        if value == role:
            return role
    raise InputError(f"--role must be one of {', '.join(PLANS)}, not {value!r}")


def check_role(role: Role, *, database_url: str, once: bool) -> None:
    """Refuse what a role cannot do here, before anything starts (InputError: exit 2)."""
    if role == "chat" and once:
        raise InputError("--once has nothing to do with --role chat (it only answers "
                         "commands); use --role poller, sender or all")
    # (`database_url` is a checked setting: bot.config says what a database URL must be)
    backend = make_url(database_url).get_backend_name()
    if role != "all" and backend == "sqlite":
        raise InputError(f"--role {role} needs PostgreSQL: set NEWSBOT_DATABASE_URL="
                         "postgresql+psycopg://… (on SQLite run one process with --role all)")
