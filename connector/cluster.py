"""Cluster-aware chunk clients: `ClusterChunkClient` (blocking) and `AsyncClusterChunkClient`.

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
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from . import ops
from .cluster_map import (
    Addr,
    NodeHealth,
    SlotMap,
    del_each,
    exists_each,
    get_each,
    is_cluster_url,
    node_config,
    parse_cluster_url,
    parse_redirect,
    set_each,
)
from .config import ClientConfig, parse_url
from .keys import with_namespace
from .plans import Each, Key, NewArrays, check_outs, encode_values, into, leading_true
from .resp import ReplyError
from .serde import ChunkHeader
from .standalone import StandaloneClient

MISSING = object()            # a key whose node was down (or kept redirecting): miss / skipped
ROUNDS = 2                    # first try + one retry after MOVED
Plan = list[tuple[Addr, list[int]]]
_NODE_ERRORS = (ConnectionError, OSError, TimeoutError, asyncio.TimeoutError)


class _ClusterCore:
    """Routing and result bookkeeping shared by the blocking and asyncio clients."""

    def __init__(self, url: str | ClientConfig, **options: Any) -> None:
        if isinstance(url, ClientConfig):
            seeds, cfg = [(url.host, url.port)], url
        elif is_cluster_url(url):
            seeds, cfg = parse_cluster_url(url, **options)
        else:
            cfg = parse_url(url, **options)
            seeds = [(cfg.host, cfg.port)]
        self.config = cfg
        self.map = SlotMap(seeds)
        self.health = NodeHealth()
        self.stats = self.health.stats

    def _key(self, key: Key) -> bytes:
        return with_namespace(key, self.config.namespace)

    def describe(self) -> str:
        """The pool as a URL: the nodes of the slot map (the seeds until it is loaded)."""
        return "redis-cluster://" + ",".join(f"{h}:{p}" for h, p in self.map.nodes())

    def _plan(self, wire: Sequence[bytes], pending: list[int]) -> Plan:
        groups = self.map.group([wire[i] for i in pending])
        return [(addr, [pending[j] for j in idxs]) for addr, idxs in groups.items()]

    def _absorb(self, addr: Addr, idxs: list[int], outcome: object, results: list,
                puts: bool) -> list[int]:
        """Record one node's replies; return the indexes to retry (redirected)."""
        if outcome is MISSING or isinstance(outcome, BaseException):
            if isinstance(outcome, BaseException):
                self.health.failed(addr, outcome)
            self.health.degraded(addr, len(idxs), puts)
            return []
        self.health.ok(addr)
        retry = []
        for i, r in zip(idxs, outcome, strict=True):   # type: ignore[call-overload]
            redirect = parse_redirect(r)
            if redirect is None:
                results[i] = r
            else:
                self.map.moved(*redirect)
                self.stats.redirects += 1
                retry.append(i)
        return retry

    # -- result shapes -------------------------------------------------------------------------
    @staticmethod
    def _headers(results: list, return_errors: bool) -> list:
        out = [None if r is MISSING else r for r in results]
        if not return_errors:
            first = next((r for r in out if isinstance(r, Exception)), None)
            if first is not None:
                raise first
        return out

    @staticmethod
    def _put_done(wire: Sequence[bytes], results: list) -> None:
        for k, r in zip(wire, results, strict=True):
            if isinstance(r, ReplyError):
                raise ReplyError(f"SET {k!r}: {r}")

    def _values(self, keys: Sequence[Key], arrays: Sequence[object], dtype_name: Each[str | None],
                fmt: Each[int]) -> list:
        return encode_values(self.config, keys, arrays, dtype_name, fmt)


def _sinks_op(sinks: Sequence[ops.Sink], wire: Sequence[bytes]) -> Callable[[list[int]], ops.Op]:
    return lambda idxs: get_each([wire[i] for i in idxs], [sinks[i] for i in idxs])


class _SlotsRefresh:
    """What the sync and async clients do with a CLUSTER SLOTS reply while refreshing."""

    def _took_slots(self, addr: Any, reply: object) -> bool:
        """Load the map from a node's reply; False (and the node noted) when it was not one."""
        if isinstance(reply, list):
            self.health.ok(addr)
            self.map.load(reply, addr)
            return True
        if isinstance(reply, BaseException):
            self.health.failed(addr, reply)
        return False

    def _refresh_failed(self) -> bool:
        self.stats.refresh_errors += 1
        self.map.refreshed_at = time.monotonic()
        return False


class ClusterChunkClient(_SlotsRefresh, _ClusterCore):
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

    def _call(self, addr: Addr, op: Callable[[], ops.Op]) -> object:
        if not self.health.usable(addr):
            return MISSING
        try:
            return self._node(addr)._run(op)
        except _NODE_ERRORS as exc:
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

    def _fanout(self, wire: Sequence[bytes], make_op: Callable[[list[int]], ops.Op],
                puts: bool = False) -> list:
        results: list = [MISSING] * len(wire)
        pending = list(range(len(wire)))
        for _ in range(ROUNDS):
            if self.map.due():
                self.refresh()
            plan = self._plan(wire, pending)
            outcomes = self._parallel(plan, make_op)
            pending = [i for (addr, idxs), out in zip(plan, outcomes, strict=True)
                       for i in self._absorb(addr, idxs, out, results, puts)]
            if not pending:
                break
        return results

    def _parallel(self, plan: Plan, make_op: Callable[[list[int]], ops.Op]) -> list:
        calls = [(addr, (lambda ix=idxs: make_op(ix))) for addr, idxs in plan]
        if len(calls) == 1:
            return [self._call(*calls[0])]
        return list(self._pool.map(lambda c: self._call(*c), calls))

    # -- the ChunkClient API -------------------------------------------------------------------
    def batch_put(self, keys: Sequence[Key], arrays: Sequence[object], *,
                  dtype_name: Each[str | None] = None, fmt: Each[int] = 0) -> None:
        if keys:
            wire, values = [self._key(k) for k in keys], self._values(keys, arrays, dtype_name, fmt)
            results = self._fanout(wire, lambda ix: set_each([wire[i] for i in ix],
                                                             [values[i] for i in ix]), puts=True)
            self._put_done(wire, results)

    def put(self, key: Key, array: object, *, dtype_name: str | None = None, fmt: int = 0) -> None:
        self.batch_put([key], [array], dtype_name=dtype_name, fmt=fmt)

    def batch_get_with_sinks(self, keys: Sequence[Key], sinks: Sequence[ops.Sink],
                             return_errors: bool = False) -> list[ChunkHeader | Exception | None]:
        wire = [self._key(k) for k in keys]
        return self._headers(self._fanout(wire, _sinks_op(sinks, wire)), return_errors)

    def get_with_sink(self, key: Key, sink: ops.Sink) -> ChunkHeader | None:
        return self.batch_get_with_sinks([key], [sink])[0]

    def batch_get_into(self, keys: Sequence[Key], outs: Sequence[object]) -> list[bool]:
        check_outs(keys, outs)
        headers = self.batch_get_with_sinks(keys, [into(o) for o in outs])
        return [h is not None for h in headers]

    def get_into(self, key: Key, out: object) -> bool:
        return self.batch_get_into([key], [out])[0]

    def batch_get(self, keys: Sequence[Key]) -> list[np.ndarray | None]:
        arrays = NewArrays(len(keys))
        self.batch_get_with_sinks(keys, arrays.reset())
        return arrays.arrays

    def get_with_header(self, key: Key) -> tuple[np.ndarray, ChunkHeader] | None:
        arrays = NewArrays(1)
        header = self.batch_get_with_sinks([key], arrays.reset())[0]
        return None if header is None else (arrays.arrays[0], header)

    def get(self, key: Key) -> np.ndarray | None:
        found = self.get_with_header(key)
        return None if found is None else found[0]

    def _present(self, keys: Sequence[Key]) -> list[bool]:
        wire = [self._key(k) for k in keys]
        return [isinstance(r, int) and r > 0 for r in self._fanout(wire, lambda ix: exists_each(
            [wire[i] for i in ix]))]

    def prefix_hits(self, keys: Sequence[Key]) -> int:
        return leading_true(self._present(keys)) if keys else 0

    def exists(self, key: Key) -> bool:
        return self._present([key])[0]

    def delete(self, *keys: Key) -> int:
        wire = [self._key(k) for k in keys]
        return sum(r for r in self._fanout(wire, lambda ix: del_each([wire[i] for i in ix]))
                   if isinstance(r, int))

    def keys(self, pattern: str = "*") -> list[bytes]:
        if self.map.due():
            self.refresh()
        found: list[bytes] = []
        for addr in self.map.nodes():
            if self.health.usable(addr):
                try:
                    found.extend(self._node(addr).keys(pattern))
                except _NODE_ERRORS as exc:
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
