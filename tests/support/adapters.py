"""A recording ChatAdapter: a fake of our own port, not of any platform library."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.models import Digest
from bot.errors import NewsbotError
from bot.ports import AdapterLimits, CommandHandler


@dataclass
class RecordingAdapter:
    name: str = "console"
    limits: AdapterLimits = field(default_factory=lambda: AdapterLimits(max_chars=4000,
                                                                        max_items=20))
    sent: list[tuple[str, Digest]] = field(default_factory=list)
    notices: list[tuple[str, str]] = field(default_factory=list)
    fail_with: NewsbotError | None = None

    async def start(self, on_command: CommandHandler) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def send_digest(self, channel_id: str, digest: Digest) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((channel_id, digest))

    async def send_notice(self, channel_id: str, text: str) -> None:
        self.notices.append((channel_id, text))
