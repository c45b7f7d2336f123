"""`AsyncClusterChunkClient`: the asyncio twin of cluster.ClusterChunkClient.

Same routing, degradation and retry rules (cluster.py's docstring) and the same call programs
(cluster_core.ClusterCore); the per-node round trips of a fan-out run concurrently with
asyncio.gather over one standalone.AsyncStandaloneClient per node. Made by
client.AsyncChunkClient("redis-cluster://...").
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops
from .cluster_core import MISSING, NODE_ERRORS, ROUNDS, ClusterCore, ClusterProgram, Fanout
from .cluster_map import Addr, node_config
from .config import ClientConfig
from .plans import Each, Key, OpFactory, T, drive_async
from .serde import ChunkHeader
from .standalone import AsyncStandaloneClient


class AsyncClusterChunkClient(ClusterCore):
    """asyncio cluster client; one pooled AsyncStandaloneClient per node."""

    def __init__(self, url: str | ClientConfig, **options: Any) -> None:
        super().__init__(url, **options)
        self._nodes: dict[Addr, AsyncStandaloneClient] = {}

    def _node(self, addr: Addr) -> AsyncStandaloneClient:
        c = self._nodes.get(addr)
        if c is None:
            c = self._nodes.setdefault(addr, AsyncStandaloneClient(node_config(self.config, addr)))
        return c

    async def _call(self, addr: Addr, op: OpFactory) -> object:
        if not self.health.usable(addr):
            return MISSING
        try:
            return await self._node(addr)._run(op)
        except NODE_ERRORS as exc:
            return exc

    async def refresh(self) -> bool:
        """Reload the slot map from the first node that answers CLUSTER SLOTS."""
        for addr in self.map.candidates():
            try:
                reply = await self._call(addr, lambda: ops.simple(b"CLUSTER", b"SLOTS"))
            except ops.STREAM_SAFE:       # not a cluster node (any more): ask another
                continue
            if self._took_slots(addr, reply):
                return True
        return self._refresh_failed()

    async def _fanout(self, request: Fanout) -> list:
        wire, make_op, puts = request
        results: list = [MISSING] * len(wire)
        pending = list(range(len(wire)))
        for _ in range(ROUNDS):
            if self.map.due():
                await self.refresh()
            plan = self._plan(wire, pending)
            outcomes = await asyncio.gather(*(self._call(a, (lambda ix=ix: make_op(ix)))
                                              for a, ix in plan))
            pending = self._settle(plan, outcomes, results, puts)
            if not pending:
                break
        return results

    async def _drive(self, program: ClusterProgram[T]) -> T:
        return await drive_async(program, self._fanout)

    # -- the AsyncChunkClient API --------------------------------------------------------------
    async def batch_put(self, keys: Sequence[Key], arrays: Sequence[object], *,
                        dtype_name: Each[str | None] = None, fmt: Each[int] = 0) -> None:
        await self._drive(self._plan_batch_put(keys, arrays, dtype_name, fmt))

    async def put(self, key: Key, array: object, *, dtype_name: str | None = None,
                  fmt: int = 0) -> None:
        await self._drive(self._plan_batch_put([key], [array], dtype_name, fmt))

    async def batch_get_with_sinks(self, keys: Sequence[Key], sinks: Sequence[ops.Sink],
                                   return_errors: bool = False) -> list[ChunkHeader | Exception | None]:
        return await self._drive(self._plan_batch_get_with_sinks(keys, sinks, return_errors))

    async def get_with_sink(self, key: Key, sink: ops.Sink) -> ChunkHeader | None:
        return await self._drive(self._plan_get_with_sink(key, sink))

    async def batch_get_into(self, keys: Sequence[Key], outs: Sequence[object]) -> list[bool]:
        return await self._drive(self._plan_batch_get_into(keys, outs))

    async def get_into(self, key: Key, out: object) -> bool:
        return await self._drive(self._plan_get_into(key, out))

    async def batch_get(self, keys: Sequence[Key]) -> list[np.ndarray | None]:
        return await self._drive(self._plan_batch_get(keys))

    async def get_with_header(self, key: Key) -> tuple[np.ndarray, ChunkHeader] | None:
        return await self._drive(self._plan_get_with_header(key))

    async def get(self, key: Key) -> np.ndarray | None:
        return await self._drive(self._plan_get(key))

    async def prefix_hits(self, keys: Sequence[Key]) -> int:
        return await self._drive(self._plan_prefix_hits(keys))

    async def exists(self, key: Key) -> bool:
        return await self._drive(self._plan_exists(key))

    async def delete(self, *keys: Key) -> int:
        return await self._drive(self._plan_delete(keys))

    async def keys(self, pattern: str = "*") -> list[bytes]:
        if self.map.due():
            await self.refresh()
        found: list[bytes] = []
        for addr in self.map.nodes():
            if self.health.usable(addr):
                try:
                    found.extend(await self._node(addr).keys(pattern))
                except NODE_ERRORS as exc:
                    self.health.failed(addr, exc)
        return found

    async def ping(self) -> bool:
        """True when every node of the slot map answers."""
        if self.map.due():
            await self.refresh()
        for a in self.map.nodes():
            if await self._call(a, lambda: ops.simple(b"PING")) != b"PONG":
                return False
        return True

    async def close(self) -> None:
        for c in self._nodes.values():
            await c.close()

    async def __aenter__(self) -> AsyncClusterChunkClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
