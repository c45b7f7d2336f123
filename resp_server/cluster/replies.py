"""CLUSTER INFO / NODES / SLOTS / SHARDS generated from one topology, in Redis 7.0.15's formats.

Every reply is built from the `Topology` (topology.py) alone, so all nodes given the same list
answer the same (apart from `myself`). Fields that describe Redis's gossip bus have their idle
values: no messages sent or received, ping-sent 0, link `connected`, replication offset 0, bus
port = port + 10000. The order of nodes in NODES and SHARDS, and of ranges in SLOTS, is the
list's (Redis uses its node dict's order, which clients do not rely on). Units: time in ms.
"""

from __future__ import annotations

import time

from resp_server.cluster.slots import SLOTS
from resp_server.cluster.topology import BUS_PORT_OFFSET, Node, Topology


def info_text(topo: Topology) -> str:
    """CLUSTER INFO (a verbatim txt reply, CRLF lines)."""
    assigned = topo.assigned
    me = topo.me
    lines = [
        ("cluster_state", "ok" if assigned == SLOTS else "fail"),
        ("cluster_slots_assigned", assigned),
        ("cluster_slots_ok", assigned),
        ("cluster_slots_pfail", 0),
        ("cluster_slots_fail", 0),
        ("cluster_known_nodes", len(topo.nodes)),
        ("cluster_size", sum(1 for n in topo.nodes if n.ranges)),
        ("cluster_current_epoch", len(topo.nodes)),
        ("cluster_my_epoch", me.epoch if me else 0),
        ("cluster_stats_messages_sent", 0),
        ("cluster_stats_messages_received", 0),
        ("total_cluster_links_buffer_limit_exceeded", 0),
    ]
    return "".join(f"{k}:{v}\r\n" for k, v in lines)


def _ranges_text(node: Node) -> str:
    return "".join(f" {s}-{e}" if e != s else f" {s}" for s, e in node.ranges)


def nodes_text(topo: Topology, now_ms: int | None = None) -> str:
    """CLUSTER NODES: one line per node, LF-terminated."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    out = []
    for i, n in enumerate(topo.nodes):
        myself = i == topo.myself
        flags = "myself,master" if myself else "master"
        out.append(f"{n.id} {n.host}:{n.port}@{n.port + BUS_PORT_OFFSET} {flags} - 0 "
                   f"{0 if myself else now} {n.epoch} connected{_ranges_text(n)}\n")
    return "".join(out)


def _node_entry(n: Node) -> list:
    return [n.host, n.port, n.id, {}]


def slots_reply(topo: Topology) -> list:
    """CLUSTER SLOTS: [start, end, [ip, port, id, {}]] per contiguous range, by start slot."""
    entries = [(s, e, n) for n in topo.nodes for s, e in n.ranges]
    entries.sort(key=lambda t: t[0])
    return [[s, e, _node_entry(n)] for s, e, n in entries]


def shards_reply(topo: Topology) -> list:
    """CLUSTER SHARDS: one map per node (every node is a master without replicas)."""
    out = []
    for n in topo.nodes:
        slots = [x for r in n.ranges for x in r]
        details = {"id": n.id, "port": n.port, "ip": n.host, "endpoint": n.host,
                   "role": "master", "replication-offset": 0, "health": "online"}
        out.append({"slots": slots, "nodes": [details]})
    return out
