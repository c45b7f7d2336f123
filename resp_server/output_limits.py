"""client-output-buffer-limit for one connection (normal class): the decision, not the kill.

Redis's checkClientOutputBufferLimits: a client whose unsent replies reach the hard limit, or
stay at the soft limit or above for more than soft-seconds, is over its limit. The soft clock
starts the first time output is seen at the soft limit and stops when it falls below (or all is
sent). `observe` and `clear` return whether the clock started or stopped, so the connection can ask
its owner to look again from the tick (a client that stopped reading adds no output that would
trigger a check). Pure state; it holds no reference back to the connection.
"""

from __future__ import annotations

from resp_server.config import OutputLimit


class OutputLimitCheck:
    __slots__ = ("since",)

    def __init__(self) -> None:
        self.since = 0.0                    # clock when output reached the soft limit; 0: below

    def observe(self, pending: int, lim: OutputLimit, now: float) -> bool:
        """Record `pending` unsent bytes at time `now` (starting or stopping the soft clock) and
        say whether the client is now over `lim`. Not a pure query: the name says so."""
        if lim.hard and pending >= lim.hard:
            return True
        if not lim.soft or pending < lim.soft:
            self.clear()
            return False
        if not self.since:
            self.since = now
            return False
        return now - self.since > lim.soft_seconds

    def clear(self) -> bool:
        """Stop the soft clock; True when it was running."""
        running = bool(self.since)
        self.since = 0.0
        return running
