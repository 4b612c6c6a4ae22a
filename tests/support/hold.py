"""Hold one request inside a fake server until the test lets it go: the seam for crash tests
(tests/test_crash.py, tests/test_workers.py), which kill a worker while its request is held.

A fake parks a request with `await hold.park(request)` at the point the test cares about,
e.g. before it creates a message ("before send") or after it created one and before it
answers ("after send, before mark"). The test waits for `arrived`, kills the client, waits
for `gone` (the fake saw the connection close) and calls `release()`; `park` returns False
when the client is gone, so the fake can drop the request as a real server would never have
seen it.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Literal

from aiohttp import web

Stage = Literal["before", "after"]
POLL_S = 0.02  # how often a parked request looks at its connection


class Hold:
    def __init__(self, *, stage: Stage = "before") -> None:
        self.stage = stage
        self.arrived = asyncio.Event()
        self.gone = asyncio.Event()  # the client closed its connection while parked
        self.request: web.Request | None = None  # the request parked
        self._released = asyncio.Event()

    def release(self) -> None:
        self._released.set()

    async def park(self, request: web.Request) -> bool:
        """Wait until released; True when the client is still connected then."""
        self.request = request
        self.arrived.set()
        while not self._released.is_set():
            if not _connected(request):
                self.gone.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), POLL_S)
        connected = _connected(request)
        if not connected:
            self.gone.set()
        return connected


def _connected(request: web.Request) -> bool:
    transport = request.transport
    return transport is not None and not transport.is_closing()
