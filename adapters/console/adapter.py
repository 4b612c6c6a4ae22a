"""The console adapter: digests and alerts printed to a terminal; `/news …` typed at a prompt.

It is the zero-setup platform: no tokens, every channel is `console:NAME`, and the person at
the keyboard is the owner (admin commands are allowed).
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from adapters.console.render import render_digest, render_digest_parts
from bot.core.models import Caller, ChannelRef, Digest
from bot.ports import AdapterLimits, CommandHandler, SuggestHandler

PROMPT = "news> "


class ConsoleAdapter:
    name = "console"
    # a terminal has no message limit; the cap only keeps one digest readable
    limits = AdapterLimits(max_chars=100_000, max_items=50, max_messages_per_s=100.0)

    def __init__(
        self,
        *,
        out: TextIO | None = None,
        input: TextIO | None = None,
        interactive: bool = False,
        channel: str = "default",
    ) -> None:
        self._out = out or sys.stdout
        self._input = input or sys.stdin
        self.interactive = interactive
        self._channel = channel
        self._task: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()

    async def start(
        self, on_command: CommandHandler, *, suggest: SuggestHandler | None = None
    ) -> None:
        if self.interactive:
            self._task = asyncio.create_task(self._read_loop(on_command), name="console-input")
        else:
            self.closed.set()

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self.closed.set()

    async def send_digest(self, channel_id: str, digest: Digest) -> None:
        # One channel line per message, as a chat platform would show them.
        for text in render_digest_parts(digest, self.limits):
            self._write(f"── console:{channel_id} ──\n{text}\n")

    async def send_notice(self, channel_id: str, text: str) -> None:
        self._write(f"── console:{channel_id} ──\n{text}\n")

    def _write(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()

    async def _read_loop(self, on_command: CommandHandler) -> None:
        """One line, one command. `/channel NAME` switches the channel; EOF or `/quit` ends."""
        try:
            while True:
                self._write(PROMPT)
                line = await asyncio.to_thread(self._input.readline)
                if not line:
                    break
                text = line.strip()
                if not text:
                    continue
                if text in {"/quit", "/exit"}:
                    break
                if text.startswith("/channel"):
                    name = text[len("/channel"):].strip()
                    if name:
                        self._channel = name
                    self._write(f"channel: console:{self._channel}\n")
                    continue
                if not text.startswith("/news"):
                    self._write("commands start with /news — try /news help "
                                "(/channel NAME switches channel, /quit ends)\n")
                    continue
                caller = Caller(channel=ChannelRef("console", self._channel), user_id="console",
                                role="owner")
                reply = await on_command(caller, text)
                if reply.digest is not None:
                    self._write(render_digest(reply.digest) + "\n")
                if reply.lines:
                    self._write("\n".join(reply.lines) + "\n")
        finally:
            self.closed.set()
