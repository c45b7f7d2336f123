"""The server-wide CLIENT PAUSE state: a mode (WRITE or ALL), an end time, waiting connections.

A new pause keeps the more restrictive mode and the later end (Redis's pauseClients). The pause
ends by its timer on the running loop, lazily in `active_mode()` where no loop runs, or by
`unpause()`; every connection that waited is then resumed in the order it started waiting, from
the event loop, never inside the command that ended the pause. The commands that set it and the
dispatcher's question "must this command wait?" are in commands/pause.py; this module knows no
command and no connection class (a waiting connection is any object with `resume_postponed`).
"""

from __future__ import annotations

import asyncio
import time

PAUSE_OFF, PAUSE_WRITE, PAUSE_ALL = 0, 1, 2


class ClientPause:
    """The server's pause state and the connections waiting for it to end."""

    def __init__(self) -> None:
        self.mode = PAUSE_OFF
        self.end = 0.0                    # time.monotonic() at which the pause ends
        self.waiting: dict[object, None] = {}   # connections holding a postponed command
        self._timer: asyncio.TimerHandle | None = None

    def active_mode(self) -> int:
        """The mode in force now (an expired pause is ended here, lazily)."""
        if self.mode and time.monotonic() >= self.end:
            self.unpause()
        return self.mode

    def pause(self, mode: int, ms: int) -> None:
        self.active_mode()                # an expired pause must not lend its mode
        end = time.monotonic() + ms / 1000
        self.mode = max(self.mode, mode)
        self.end = max(self.end, end) if self.mode else end
        self._arm()

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:              # no loop (unit tests): ended lazily by active_mode
            return
        self._timer = loop.call_at(loop.time() + max(0.0, self.end - time.monotonic()),
                                   self._expire)

    def _expire(self) -> None:
        self._timer = None
        if time.monotonic() >= self.end:
            self.unpause()
        else:
            self._arm()

    def unpause(self) -> None:
        """End the pause and resume the waiting connections, oldest first (from the event loop,
        not inside the command that ended it)."""
        self.mode = PAUSE_OFF
        self.end = 0.0
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        waiting, self.waiting = self.waiting, {}
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        for conn in waiting:
            resume = conn.resume_postponed  # type: ignore[attr-defined]
            if loop is not None:
                loop.call_soon(resume)
            else:
                resume()

    def wait(self, conn: object) -> None:
        self.waiting[conn] = None

    def forget(self, conn: object) -> None:
        self.waiting.pop(conn, None)
