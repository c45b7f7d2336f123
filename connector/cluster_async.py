"""`AsyncClusterChunkClient`: the asyncio twin of cluster.ClusterChunkClient.

Same routing, degradation and retry rules (cluster.py's docstring; the bookkeeping is the shared
`_ClusterCore`); the per-node round trips of a batch run concurrently with asyncio.gather over
one standalone.AsyncStandaloneClient per node. Made by
client.AsyncChunkClient("redis-cluster://...").
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import ops
from .cluster import (
    _NODE_ERRORS,
    MISSING,
    ROUNDS,
    Plan,
    _ClusterCore,
    _sinks_op,
    _SlotsRefresh,
)
from .cluster_map import Addr, del_each, exists_each, node_config, set_each
from .config import ClientConfig
from .plans import Each, Key, NewArrays, check_outs, into, leading_true
from .serde import ChunkHeader
from .standalone import AsyncStandaloneClient


class AsyncClusterChunkClient(_SlotsRefresh, _ClusterCore):
    def __init__(self, url: str | ClientConfig, **options: Any) -> None:
        super().__init__(url, **options)
        self._nodes: dict[Addr, AsyncStandaloneClient] = {}

    def _node(self, addr: Addr) -> AsyncStandaloneClient:
        c = self._nodes.get(addr)
        if c is None:
            c = self._nodes.setdefault(addr, AsyncStandaloneClient(node_config(self.config, addr)))
        return c

    async def _call(self, addr: Addr, op: Callable[[], ops.Op]) -> object:
        if not self.health.usable(addr):
            return MISSING
        try:
            return await self._node(addr)._run(op)
        except _NODE_ERRORS as exc:
            return exc

    async def refresh(self) -> bool:
        for addr in self.map.candidates():
            try:
                reply = await self._call(addr, lambda: ops.simple(b"CLUSTER", b"SLOTS"))
            except ops.STREAM_SAFE:       # not a cluster node (any more): ask another
                continue
            if self._took_slots(addr, reply):
                return True
        return self._refresh_failed()

    async def _fanout(self, wire: Sequence[bytes], make_op: Callable[[list[int]], ops.Op],
                      puts: bool = False) -> list:
        results: list = [MISSING] * len(wire)
        pending = list(range(len(wire)))
        for _ in range(ROUNDS):
            if self.map.due():
                await self.refresh()
            plan: Plan = self._plan(wire, pending)
            outcomes = await asyncio.gather(*(self._call(a, (lambda ix=ix: make_op(ix)))
                                              for a, ix in plan))
            pending = [i for (addr, idxs), out in zip(plan, outcomes, strict=True)
                       for i in self._absorb(addr, idxs, out, results, puts)]
            if not pending:
                break
        return results

    async def batch_put(self, keys: Sequence[Key], arrays: Sequence[object], *,
                        dtype_name: Each[str | None] = None, fmt: Each[int] = 0) -> None:
        if keys:
            wire, values = [self._key(k) for k in keys], self._values(keys, arrays, dtype_name, fmt)
            results = await self._fanout(wire, lambda ix: set_each(
                [wire[i] for i in ix], [values[i] for i in ix]), puts=True)
            self._put_done(wire, results)

    async def put(self, key: Key, array: object, *, dtype_name: str | None = None,
                  fmt: int = 0) -> None:
        await self.batch_put([key], [array], dtype_name=dtype_name, fmt=fmt)

    async def batch_get_with_sinks(self, keys: Sequence[Key], sinks: Sequence[ops.Sink],
                                   return_errors: bool = False) -> list[ChunkHeader | Exception | None]:
        wire = [self._key(k) for k in keys]
        return self._headers(await self._fanout(wire, _sinks_op(sinks, wire)), return_errors)

    async def get_with_sink(self, key: Key, sink: ops.Sink) -> ChunkHeader | None:
        return (await self.batch_get_with_sinks([key], [sink]))[0]

    async def batch_get_into(self, keys: Sequence[Key], outs: Sequence[object]) -> list[bool]:
        check_outs(keys, outs)
        headers = await self.batch_get_with_sinks(keys, [into(o) for o in outs])
        return [h is not None for h in headers]

    async def get_into(self, key: Key, out: object) -> bool:
        return (await self.batch_get_into([key], [out]))[0]

    async def batch_get(self, keys: Sequence[Key]) -> list[np.ndarray | None]:
        arrays = NewArrays(len(keys))
        await self.batch_get_with_sinks(keys, arrays.reset())
        return arrays.arrays

    async def get_with_header(self, key: Key) -> tuple[np.ndarray, ChunkHeader] | None:
        arrays = NewArrays(1)
        header = (await self.batch_get_with_sinks([key], arrays.reset()))[0]
        return None if header is None else (arrays.arrays[0], header)

    async def get(self, key: Key) -> np.ndarray | None:
        found = await self.get_with_header(key)
        return None if found is None else found[0]

    async def _present(self, keys: Sequence[Key]) -> list[bool]:
        wire = [self._key(k) for k in keys]
        results = await self._fanout(wire, lambda ix: exists_each([wire[i] for i in ix]))
        return [isinstance(r, int) and r > 0 for r in results]

    async def prefix_hits(self, keys: Sequence[Key]) -> int:
        return leading_true(await self._present(keys)) if keys else 0

    async def exists(self, key: Key) -> bool:
        return (await self._present([key]))[0]

    async def delete(self, *keys: Key) -> int:
        wire = [self._key(k) for k in keys]
        results = await self._fanout(wire, lambda ix: del_each([wire[i] for i in ix]))
        return sum(r for r in results if isinstance(r, int))

    async def keys(self, pattern: str = "*") -> list[bytes]:
        if self.map.due():
            await self.refresh()
        found: list[bytes] = []
        for addr in self.map.nodes():
            if self.health.usable(addr):
                try:
                    found.extend(await self._node(addr).keys(pattern))
                except _NODE_ERRORS as exc:
                    self.health.failed(addr, exc)
        return found

    async def ping(self) -> bool:
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
