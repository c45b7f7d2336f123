"""Cluster-aware chunk clients: `ClusterChunkClient` (blocking, here) and
cluster_async.AsyncClusterChunkClient.

Made by client.ChunkClient("redis-cluster://h:p,h:p") / AsyncChunkClient(...) (or a plain
redis:// URL whose server answers `cluster_enabled:1`). Same methods as the standalone clients.
Each key goes to the node owning its slot (cluster_map.SlotMap, loaded from CLUSTER SLOTS);
a batch becomes one pipelined round trip per node, all nodes at once (threads for the blocking
client, asyncio.gather for the other), over one pooled standalone.StandaloneClient per node.

Degrading as a cache must: a node that refuses, resets or times out is marked down with backoff
(cluster_map.NodeHealth); its keys are misses, its puts are skipped (counted in `stats`, logged
once per interval) and no exception reaches the caller; after the backoff it is tried again.
MOVED/ASK replies patch the slot map, the keys are retried once on the new owner, and the map is
refreshed in full (rate-limited). Error replies other than redirects behave as in the standalone
client (a failed SET raises ReplyError, a bad chunk is a stream-safe error for its key).

The calls themselves are cluster_core.ClusterCore programs; this client answers their fan-out
requests with `_fanout`.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from . import ops
from .cluster_core import (
    MISSING,
    NODE_ERRORS,
    ROUNDS,
    ClusterCore,
    ClusterProgram,
    Fanout,
    MakeOp,
    Plan,
)
from .cluster_map import Addr, node_config
from .config import ClientConfig
from .plans import Each, Key, OpFactory, T, drive
from .serde import ChunkHeader
from .standalone import StandaloneClient


class ClusterChunkClient(ClusterCore):
    """Blocking cluster client; thread-safe; one pooled StandaloneClient per node."""

    def __init__(self, url: str | ClientConfig, **options: Any) -> None:
        super().__init__(url, **options)
        self._nodes: dict[Addr, StandaloneClient] = {}
        self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="resp-cluster")

    def _node(self, addr: Addr) -> StandaloneClient:
        c = self._nodes.get(addr)
        if c is None:
            c = self._nodes.setdefault(addr, StandaloneClient(node_config(self.config, addr)))
        return c

    def _call(self, addr: Addr, op: OpFactory) -> object:
        if not self.health.usable(addr):
            return MISSING
        try:
            return self._node(addr)._run(op)
        except NODE_ERRORS as exc:
            return exc

    def refresh(self) -> bool:
        """Reload the slot map from the first node that answers CLUSTER SLOTS."""
        for addr in self.map.candidates():
            try:
                reply = self._call(addr, lambda: ops.simple(b"CLUSTER", b"SLOTS"))
            except ops.STREAM_SAFE:       # not a cluster node (any more): ask another
                continue
            if self._took_slots(addr, reply):
                return True
        return self._refresh_failed()

    def _fanout(self, request: Fanout) -> list:
        wire, make_op, puts = request
        results: list = [MISSING] * len(wire)
        pending = list(range(len(wire)))
        for _ in range(ROUNDS):
            if self.map.due():
                self.refresh()
            plan = self._plan(wire, pending)
            pending = self._settle(plan, self._parallel(plan, make_op), results, puts)
            if not pending:
                break
        return results

    def _parallel(self, plan: Plan, make_op: MakeOp) -> list:
        calls = [(addr, (lambda ix=idxs: make_op(ix))) for addr, idxs in plan]
        if len(calls) == 1:
            return [self._call(*calls[0])]
        return list(self._pool.map(lambda c: self._call(*c), calls))

    def _drive(self, program: ClusterProgram[T]) -> T:
        return drive(program, self._fanout)

    # -- the ChunkClient API -------------------------------------------------------------------
    def batch_put(self, keys: Sequence[Key], arrays: Sequence[object], *,
                  dtype_name: Each[str | None] = None, fmt: Each[int] = 0) -> None:
        self._drive(self._plan_batch_put(keys, arrays, dtype_name, fmt))

    def put(self, key: Key, array: object, *, dtype_name: str | None = None, fmt: int = 0) -> None:
        self._drive(self._plan_batch_put([key], [array], dtype_name, fmt))

    def batch_get_with_sinks(self, keys: Sequence[Key], sinks: Sequence[ops.Sink],
                             return_errors: bool = False) -> list[ChunkHeader | Exception | None]:
        return self._drive(self._plan_batch_get_with_sinks(keys, sinks, return_errors))

    def get_with_sink(self, key: Key, sink: ops.Sink) -> ChunkHeader | None:
        return self._drive(self._plan_get_with_sink(key, sink))

    def batch_get_into(self, keys: Sequence[Key], outs: Sequence[object]) -> list[bool]:
        return self._drive(self._plan_batch_get_into(keys, outs))

    def get_into(self, key: Key, out: object) -> bool:
        return self._drive(self._plan_get_into(key, out))

    def batch_get(self, keys: Sequence[Key]) -> list[np.ndarray | None]:
        return self._drive(self._plan_batch_get(keys))

    def get_with_header(self, key: Key) -> tuple[np.ndarray, ChunkHeader] | None:
        return self._drive(self._plan_get_with_header(key))

    def get(self, key: Key) -> np.ndarray | None:
        return self._drive(self._plan_get(key))

    def prefix_hits(self, keys: Sequence[Key]) -> int:
        return self._drive(self._plan_prefix_hits(keys))

    def exists(self, key: Key) -> bool:
        return self._drive(self._plan_exists(key))

    def delete(self, *keys: Key) -> int:
        return self._drive(self._plan_delete(keys))

    def keys(self, pattern: str = "*") -> list[bytes]:
        if self.map.due():
            self.refresh()
        found: list[bytes] = []
        for addr in self.map.nodes():
            if self.health.usable(addr):
                try:
                    found.extend(self._node(addr).keys(pattern))
                except NODE_ERRORS as exc:
                    self.health.failed(addr, exc)
        return found

    def ping(self) -> bool:
        """True when every node of the slot map answers."""
        if self.map.due():
            self.refresh()
        return all(self._call(a, lambda: ops.simple(b"PING")) == b"PONG" for a in self.map.nodes())

    def close(self) -> None:
        self._pool.shutdown(wait=False)
        for c in self._nodes.values():
            c.close()

    def __enter__(self) -> ClusterChunkClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
