"""Freeing the keys of slots this node no longer owns, a bounded amount per server tick.

After a topology change the slots given away already answer MOVED (state.py); their keys only
take memory. `Reclaimer.step` walks the keyspace with the store's SCAN cursor (every key present
for the whole walk is seen once, deletions during the walk are safe) and deletes keys whose slot
is not owned *at the time of deletion*, so a slot given back meanwhile keeps its keys. Each step
examines at most STEP_KEYS keys; a walk over all databases ends the work, a new topology change
restarts it from the beginning.
"""

from __future__ import annotations

import logging

from resp_server.cluster.slots import key_slot

STEP_KEYS = 2000          # keys examined per tick (hz 10: 20k keys/s, a few ms per tick)
SCAN_COUNT = 200          # the store's SCAN hint per call

log = logging.getLogger("resp_server.cluster")


class Reclaimer:
    def __init__(self) -> None:
        self.active = False
        self.db = 0               # database being walked
        self.cursor = 0           # its SCAN cursor
        self.freed = 0            # keys freed by the current walk
        self.freed_total = 0      # keys freed since start (all walks)

    def start(self) -> None:
        self.active, self.db, self.cursor, self.freed = True, 0, 0, 0

    def step(self, keyspace, mask: bytearray) -> int:
        """Examine up to STEP_KEYS keys; return how many were freed."""
        seen = freed = 0
        ndb = len(keyspace.dbs)
        while self.active and seen < STEP_KEYS:
            self.cursor, keys = keyspace.scan(self.db, self.cursor, SCAN_COUNT)
            seen += max(1, len(keys))
            for key in keys:
                if not mask[key_slot(key)] and keyspace.delete(self.db, key):
                    freed += 1
            if self.cursor == 0:
                self.db += 1
                if self.db >= ndb:
                    self.active = False
        self.freed += freed
        self.freed_total += freed
        if not self.active:
            log.warning("cluster: freed %d key(s) of slots given away", self.freed)
        return freed
