"""The cluster topology: which node owns each of the 16384 slots, built from `cluster-nodes`.

There is no gossip bus: every node is given the same list and derives the same topology from it.
`cluster-nodes` holds entries `host:port[@slot-range,...]` separated by spaces or commas (a
range is `start-end` or one slot; IPv6 hosts in brackets, `[::1]:7000`). Without ranges on any
entry the slots split evenly in list order (slots.even_split, as `redis-cli --cluster create`);
with ranges only the slots named are assigned, each at most once. Node ids are the SHA-1 of
`host:port`, so every node computes the same 40 hex characters for a peer. A node's config
epoch is its 1-based position in the list; the current epoch is the number of nodes.

Invariant: `owner[slot]` is the index in `nodes` of the slot's node, or -1 when unassigned, and
`nodes[i].ranges` are exactly the slots whose owner is i (sorted, contiguous runs merged).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from resp_server.cluster.slots import SLOTS, Range, even_split, parse_ranges, ranges_of

BUS_PORT_OFFSET = 10000       # Redis's default cluster bus port offset; shown in CLUSTER NODES


def node_id(host: str, port: int) -> str:
    """The id every node derives for host:port (40 lowercase hex characters)."""
    return hashlib.sha1(f"{host}:{port}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Node:
    id: str                   # 40 hex chars, node_id(host, port)
    host: str                 # as written in cluster-nodes (MOVED, CLUSTER SLOTS show it)
    port: int
    epoch: int                # config epoch: 1-based position in the list
    ranges: tuple[Range, ...] = ()

    @property
    def addr(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def numslots(self) -> int:
        return sum(e - s + 1 for s, e in self.ranges)


@dataclass(frozen=True, slots=True)
class Topology:
    nodes: tuple[Node, ...]
    owner: tuple[int, ...]    # per slot: index into nodes, or -1
    myself: int               # index of this node in nodes, or -1 (not in the list: owns nothing)
    text: str                 # the cluster-nodes text it was built from (CONFIG GET)

    @property
    def me(self) -> Node | None:
        return self.nodes[self.myself] if self.myself >= 0 else None

    @property
    def assigned(self) -> int:
        return sum(n.numslots for n in self.nodes)

    def owned_mask(self) -> bytearray:
        """One byte per slot: 1 where this node owns the slot."""
        me = self.myself
        return bytearray(1 if o == me and me >= 0 else 0 for o in self.owner)


def parse_entries(text: str) -> list[tuple[str, int, list[Range] | None]]:
    """cluster-nodes text -> [(host, port, ranges or None)]; ValueError with the reason."""
    entries: list[tuple[str, int, list[Range] | None]] = []
    for token in text.replace(",", " ").split():
        if ":" not in token:              # another range of the previous entry
            if not entries or entries[-1][2] is None:
                raise ValueError(f"cluster-nodes: {token!r} is not host:port")
            entries[-1][2].extend(parse_ranges(token))
            continue
        addr, at, ranges = token.partition("@")
        host, port = split_addr(addr)
        entries.append((host, port, parse_ranges(ranges) if at else None))
    if not entries:
        raise ValueError("cluster-nodes: no nodes")
    seen = set()
    for host, port, _ in entries:
        if (host, port) in seen:
            raise ValueError(f"cluster-nodes: {host}:{port} is listed twice")
        seen.add((host, port))
    return entries


def split_addr(addr: str) -> tuple[str, int]:
    """'h:p' or '[v6]:p' -> (host, port)."""
    host, _, port = addr.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"cluster-nodes: bad address {addr!r} (host:port)")
    return host, int(port)


def build(text: str, me: tuple[str, int], strict_host: bool = True) -> Topology:
    """The topology `text` describes, seen from the node announced as `me` (host, port).
    With strict_host False a unique entry with `me`'s port is taken when no entry matches
    host and port exactly (the announce IP was not configured)."""
    entries = parse_entries(text)
    explicit = any(r is not None for _, _, r in entries)
    split = None if explicit else even_split(len(entries))
    owner = [-1] * SLOTS
    for i, (_, _, ranges) in enumerate(entries):
        for start, end in (ranges or []) if explicit else [split[i]]:  # type: ignore[index]
            for s in range(start, end + 1):
                if owner[s] != -1:
                    raise ValueError(f"cluster-nodes: slot {s} is assigned twice")
                owner[s] = i
    per_node: list[list[int]] = [[] for _ in entries]
    for s, o in enumerate(owner):
        if o >= 0:
            per_node[o].append(s)
    nodes = tuple(Node(node_id(h, p), h, p, i + 1, tuple(ranges_of(per_node[i])))
                  for i, (h, p, _) in enumerate(entries))
    return Topology(nodes, tuple(owner), _find_me(entries, me, strict_host), text)


def _find_me(entries: list, me: tuple[str, int], strict_host: bool) -> int:
    for i, (h, p, _) in enumerate(entries):
        if (h, p) == me:
            return i
    if not strict_host:
        same_port = [i for i, (_, p, _) in enumerate(entries) if p == me[1]]
        if len(same_port) == 1:
            return same_port[0]
    return -1
