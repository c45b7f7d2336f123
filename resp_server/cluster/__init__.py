"""Redis Cluster protocol without a gossip bus: hash slots, a configured topology, routing.

- slots.py: key -> slot (CRC16-XMODEM, {hash tags}) and the even split of slots over nodes;
- topology.py: `cluster-nodes` text -> Topology (node ids, slot owners, who we are);
- state.py: ClusterState, the node's current topology and its changes (CONFIG SET, SIGHUP);
- router.py: `route`, the one function that decides where a command goes (MOVED, CROSSSLOT);
- replies.py: CLUSTER INFO/NODES/SLOTS/SHARDS from the topology;
- reclaim.py: background freeing of keys of slots given away.

`refuse_in_cluster` is for the few commands Redis refuses outright in cluster mode (SELECT n,
MOVE, SWAPDB, COPY ... DB n). This package imports nothing from resp_server.commands at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.resp.replies import RespError

if TYPE_CHECKING:
    from resp_server.client import ClientState


def refuse_in_cluster(c: ClientState, what: str) -> None:
    """Raise Redis's "<what> is not allowed in cluster mode" when cluster mode is on."""
    if c.server.cluster is not None:
        raise RespError(f"ERR {what} is not allowed in cluster mode")
