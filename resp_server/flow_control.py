"""Flow control for one connection: idempotent pause/resume of reading.

The connection pauses reading when its pending replies exceed the server's bounds (copied bytes,
or pinned slab bytes) and resumes when the transport has drained; calling pause or resume twice is
harmless. Writing needs no pausing here: the transport buffers, and the connection decides.
"""

from __future__ import annotations

import asyncio


class FlowControl:
    __slots__ = ("transport", "reading_paused")

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.reading_paused = False

    def pause_reading(self) -> None:
        if not self.reading_paused:
            self.reading_paused = True
            if not self.transport.is_closing():
                self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.reading_paused:
            self.reading_paused = False
            if not self.transport.is_closing():
                self.transport.resume_reading()
