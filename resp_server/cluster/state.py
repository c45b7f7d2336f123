"""A node's cluster state: the current topology, its owned-slot mask, and topology changes.

`ClusterState` is what `ServerState.cluster` holds when `cluster-enabled yes` (None otherwise).
It is the only place the topology changes: at start-up from `cluster-nodes` (or the
`cluster-config-file` when that exists), by `CONFIG SET cluster-nodes|cluster-announce-*`, and
on SIGHUP (`reload`, which rereads the config file). A change is all or nothing: a list that does
not parse leaves the old topology in place and the error goes back to the caller.

Invariant: `mask[slot]` is 1 exactly for the slots the current topology gives this node; the
router and the fast lane read only `mask` and `topology`, so a slot given away answers MOVED from
the next command on. Keys of slots given away stay until the reclaimer (reclaim.py) frees them
in the background; it deletes a key only while its slot is not owned.
"""

from __future__ import annotations

import logging
import os
import time

from resp_server.cluster.reclaim import Reclaimer
from resp_server.cluster.topology import Topology, build

log = logging.getLogger("resp_server.cluster")


def read_nodes_file(path: str) -> str:
    """A cluster-config-file: cluster-nodes entries, any number per line, `#` comments."""
    with open(path, encoding="utf-8") as f:
        lines = [line.split("#", 1)[0].strip() for line in f]
    return " ".join(x for x in lines if x)


class ClusterState:
    def __init__(self, nodes: str, port: int, announce_ip: str = "", announce_port: int = 0,
                 config_file: str = "", default_ip: str = "127.0.0.1") -> None:
        self.announce_ip = announce_ip          # "" = default_ip (the bind address)
        self.announce_port = announce_port      # 0 = the server's port
        self.default_ip = default_ip
        self.port = port                        # the server's own port
        self.config_file = config_file
        self.changes = 0                        # topology changes applied since start
        self.changed_at = time.time()
        if config_file and os.path.exists(config_file):
            nodes = read_nodes_file(config_file)
        self.topology: Topology = self._build(nodes or self._self_entry())
        self.mask = self.topology.owned_mask()
        self.reclaimer = Reclaimer()

    # --- identity ---------------------------------------------------------------------------
    def _self_entry(self) -> str:
        return f"{self._me()[0]}:{self._me()[1]}"

    def _me(self) -> tuple[str, int]:
        return (self.announce_ip or self.default_ip, self.announce_port or self.port)

    def _build(self, text: str) -> Topology:
        return build(text, self._me(), strict_host=not self.announce_ip)

    # --- changes ----------------------------------------------------------------------------
    def apply(self, text: str) -> Topology:
        """Switch to the topology `text` describes (ValueError: nothing changes)."""
        new = self._build(text)
        old_mask = self.mask
        self.topology = new
        self.mask = new.owned_mask()
        given_away = sum(1 for a, b in zip(old_mask, self.mask, strict=True) if a and not b)
        self.changes += 1
        self.changed_at = time.time()
        if given_away:
            self.reclaimer.start()
        me = new.me
        log.warning("cluster topology: %d node(s), this node %s owns %d slot(s); %d slot(s) given "
                    "away", len(new.nodes), me.addr if me else "(not listed)",
                    sum(self.mask), given_away)
        return new

    def set_announce(self, ip: str | None = None, port: int | None = None) -> None:
        old = (self.announce_ip, self.announce_port)
        if ip is not None:
            self.announce_ip = ip
        if port is not None:
            self.announce_port = port
        try:
            self.apply(self.topology.text)
        except ValueError:
            self.announce_ip, self.announce_port = old
            raise

    def reload(self) -> bool:
        """SIGHUP: reread cluster-config-file; False (and a log line) when that fails."""
        if not self.config_file:
            log.warning("SIGHUP: no cluster-config-file to reload")
            return False
        try:
            self.apply(read_nodes_file(self.config_file))
        except (OSError, ValueError) as e:
            log.warning("SIGHUP: cluster-config-file %s not applied: %s", self.config_file, e)
            return False
        return True

    def tick(self, keyspace) -> None:
        """Background work (server tick): free some keys of slots given away."""
        if self.reclaimer.active:
            self.reclaimer.step(keyspace, self.mask)
