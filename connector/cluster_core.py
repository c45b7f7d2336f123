"""What the blocking and asyncio cluster clients share: routing, bookkeeping, and every call
written once as a sans-IO program.

A cluster program (like plans.py's) is a generator; it yields *fan-out requests*
`(wire keys, make_op(indexes) -> ops.Op, puts)` and is sent back one result per key (the reply,
or MISSING when the key's node was down or kept redirecting). The clients answer each request
with their `_fanout` (threads for cluster.ClusterChunkClient, asyncio.gather for
cluster_async.AsyncClusterChunkClient); routing, MOVED handling and degradation live in
`ClusterCore` and are the same for both. The rules are in cluster.py's docstring.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Generator, Sequence
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
    parse_cluster_url,
    parse_redirect,
    set_each,
)
from .config import ClientConfig, parse_url
from .keys import with_namespace
from .plans import Each, Key, NewArrays, T, check_outs, encode_values, into, leading_true
from .resp import ReplyError
from .serde import ChunkHeader

MISSING = object()            # a key whose node was down (or kept redirecting): miss / skipped
ROUNDS = 2                    # first try + one retry after MOVED
NODE_ERRORS = (ConnectionError, OSError, TimeoutError, asyncio.TimeoutError)
Plan = list[tuple[Addr, list[int]]]
MakeOp = Callable[[list[int]], ops.Op]
Fanout = tuple[Sequence[bytes], MakeOp, bool]
ClusterProgram = Generator[Fanout, list, T]


def _sinks_op(sinks: Sequence[ops.Sink], wire: Sequence[bytes]) -> MakeOp:
    return lambda idxs: get_each([wire[i] for i in idxs], [sinks[i] for i in idxs])


def _headers(results: list, return_errors: bool) -> list:
    out = [None if r is MISSING else r for r in results]
    if not return_errors:
        first = next((r for r in out if isinstance(r, Exception)), None)
        if first is not None:
            raise first
    return out


def _put_done(wire: Sequence[bytes], results: list) -> None:
    for k, r in zip(wire, results, strict=True):
        if isinstance(r, ReplyError):
            raise ReplyError(f"SET {k!r}: {r}")


class ClusterCore:
    """Slot map, node health, per-round bookkeeping, and the call programs."""

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

    # -- one fan-out round ---------------------------------------------------------------------
    def _plan(self, wire: Sequence[bytes], pending: list[int]) -> Plan:
        groups = self.map.group([wire[i] for i in pending])
        return [(addr, [pending[j] for j in idxs]) for addr, idxs in groups.items()]

    def _settle(self, plan: Plan, outcomes: Sequence[object], results: list,
                puts: bool) -> list[int]:
        """Record every node's outcome of a round; the indexes to retry (redirected)."""
        return [i for (addr, idxs), out in zip(plan, outcomes, strict=True)
                for i in self._absorb(addr, idxs, out, results, puts)]

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

    # -- a CLUSTER SLOTS reply while refreshing ------------------------------------------------
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

    # -- the call programs ---------------------------------------------------------------------
    def _plan_batch_put(self, keys: Sequence[Key], arrays: Sequence[object],
                        dtype_name: Each[str | None], fmt: Each[int]) -> ClusterProgram[None]:
        if keys:
            wire = [self._key(k) for k in keys]
            values = encode_values(self.config, keys, arrays, dtype_name, fmt)
            results = yield wire, (lambda ix: set_each([wire[i] for i in ix],
                                                       [values[i] for i in ix])), True
            _put_done(wire, results)

    def _plan_batch_get_with_sinks(self, keys: Sequence[Key], sinks: Sequence[ops.Sink],
                                   return_errors: bool) -> ClusterProgram[list]:
        wire = [self._key(k) for k in keys]
        return _headers((yield wire, _sinks_op(sinks, wire), False), return_errors)

    def _plan_get_with_sink(self, key: Key, sink: ops.Sink) -> ClusterProgram[ChunkHeader | None]:
        return (yield from self._plan_batch_get_with_sinks([key], [sink], False))[0]

    def _plan_batch_get_into(self, keys: Sequence[Key],
                             outs: Sequence[object]) -> ClusterProgram[list[bool]]:
        check_outs(keys, outs)
        headers = yield from self._plan_batch_get_with_sinks(keys, [into(o) for o in outs], False)
        return [h is not None for h in headers]

    def _plan_get_into(self, key: Key, out: object) -> ClusterProgram[bool]:
        return (yield from self._plan_batch_get_into([key], [out]))[0]

    def _plan_batch_get(self, keys: Sequence[Key]) -> ClusterProgram[list[np.ndarray | None]]:
        arrays = NewArrays(len(keys))
        yield from self._plan_batch_get_with_sinks(keys, arrays.reset(), False)
        return arrays.arrays

    def _plan_get_with_header(
            self, key: Key) -> ClusterProgram[tuple[np.ndarray, ChunkHeader] | None]:
        arrays = NewArrays(1)
        header = (yield from self._plan_batch_get_with_sinks([key], arrays.reset(), False))[0]
        return None if header is None else (arrays.arrays[0], header)  # type: ignore[return-value]

    def _plan_get(self, key: Key) -> ClusterProgram[np.ndarray | None]:
        found = yield from self._plan_get_with_header(key)
        return None if found is None else found[0]

    def _plan_present(self, keys: Sequence[Key]) -> ClusterProgram[list[bool]]:
        wire = [self._key(k) for k in keys]
        results = yield wire, (lambda ix: exists_each([wire[i] for i in ix])), False
        return [isinstance(r, int) and r > 0 for r in results]

    def _plan_prefix_hits(self, keys: Sequence[Key]) -> ClusterProgram[int]:
        if not keys:
            return 0
        return leading_true((yield from self._plan_present(keys)))

    def _plan_exists(self, key: Key) -> ClusterProgram[bool]:
        return (yield from self._plan_present([key]))[0]

    def _plan_delete(self, keys: Sequence[Key]) -> ClusterProgram[int]:
        wire = [self._key(k) for k in keys]
        results = yield wire, (lambda ix: del_each([wire[i] for i in ix])), False
        return sum(r for r in results if isinstance(r, int))
