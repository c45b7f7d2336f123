"""Sans-IO programs for the chunk-client calls, shared by the blocking and asyncio clients.

Each public call of the standalone clients is written once here as a *program*: a generator that
yields op factories (`() -> ops.Op`, one round trip each; a factory so a retry builds a fresh op
and fresh sinks) and is sent back each op's result; its return value is the call's result. The
clients only drive programs (`drive` / `drive_async`, a step per yielded request), so the key
encoding, value encoding, argument checks and result shaping cannot differ between them. The
cluster clients drive their own programs the same way (cluster_core.py).

Also here: the small helpers the cluster clients share (per-item options, sinks that allocate
arrays or fill the caller's buffer, the leading run of present keys).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Sequence
from typing import Any, TypeVar

import numpy as np

from . import ops
from .config import ClientConfig, parse_url
from .keys import with_namespace
from .serde import ChunkHeader, Encoded, byte_view, empty_for, encode

Key = str | bytes
T = TypeVar("T")
Each = T | Sequence[T]  # one value for every item of a batch, or one per item
OpFactory = Callable[[], ops.Op]
Program = Generator[OpFactory, Any, T]
SCAN_COUNT = 1000  # keys per SCAN step in keys()
R = TypeVar("R")


def drive(program: Generator[R, Any, T], step: Callable[[R], Any]) -> T:
    """Run a program to its end, answering each request it yields with `step(request)`."""
    try:
        request = next(program)
        while True:
            request = program.send(step(request))
    except StopIteration as done:
        return done.value


async def drive_async(program: Generator[R, Any, T], step: Callable[[R], Awaitable[Any]]) -> T:
    """`drive` with an awaited step."""
    try:
        request = next(program)
        while True:
            request = program.send(await step(request))
    except StopIteration as done:
        return done.value


def each(value: object, n: int) -> list:
    """A per-item option: one value for all items, or a sequence of n values."""
    if isinstance(value, list | tuple):
        if len(value) != n:
            raise ValueError(f"expected {n} per-item values, got {len(value)}")
        return list(value)
    return [value] * n


def encode_values(cfg: ClientConfig, keys: Sequence[Key], arrays: Sequence[object],
                  dtype_name: Each[str | None], fmt: Each[int]) -> list[Encoded]:
    """The stored values (header + payload) for a batch put, one per key."""
    n = len(keys)
    if len(arrays) != n:
        raise ValueError(f"{n} keys but {len(arrays)} arrays")
    names, fmts = each(dtype_name, n), each(fmt, n)
    return [encode(a, cfg.serde, names[i], fmts[i]) for i, a in enumerate(arrays)]


class NewArrays:
    """Sinks that allocate an array of the stored dtype and shape for each found chunk."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.arrays: list[np.ndarray | None] = [None] * n

    def reset(self) -> list[ops.Sink]:
        """Forget arrays of an earlier attempt; the sinks for a (re)try."""
        self.arrays = [None] * self.n
        return [self.sink(i) for i in range(self.n)]

    def sink(self, i: int) -> ops.Sink:
        def make(header: ChunkHeader) -> memoryview:
            arr = empty_for(header)
            self.arrays[i] = arr
            return byte_view(arr, writable=True)

        return make


def into(out: object) -> ops.Sink:
    """A sink that fills the caller's buffer (which must be exactly the chunk's size)."""
    view = byte_view(out, writable=True)
    return lambda header: view


def check_outs(keys: Sequence[Key], outs: Sequence[object]) -> None:
    if len(keys) != len(outs):
        raise ValueError(f"{len(keys)} keys but {len(outs)} buffers")


def leading_true(flags: Sequence[bool]) -> int:
    for i, f in enumerate(flags):
        if not f:
            return i
    return len(flags)


def scan(cursor: bytes, match: bytes) -> ops.Op:
    return ops.simple(b"SCAN", cursor, b"MATCH", match, b"COUNT", SCAN_COUNT)


class Plans:
    """Config, key encoding, and one program per public call of the standalone clients."""

    def __init__(self, url: str | ClientConfig, **options: Any) -> None:
        self.config = url if isinstance(url, ClientConfig) else parse_url(url, **options)

    def _key(self, key: Key) -> bytes:
        return with_namespace(key, self.config.namespace)

    def _put_op(self, keys: Sequence[Key], arrays: Sequence[object], dtype_name: Each[str | None],
                fmt: Each[int]) -> ops.Op:
        values = encode_values(self.config, keys, arrays, dtype_name, fmt)
        return ops.put_many([self._key(k) for k in keys], values)

    def _get_op(self, keys: Sequence[Key], sinks: Sequence[ops.Sink], batch: bool,
                return_errors: bool = False) -> ops.Op:
        wire = [self._key(k) for k in keys]
        if batch:
            return ops.get_many(wire, sinks, return_errors)
        return ops.get_one(wire[0], sinks[0])

    # -- writes -------------------------------------------------------------------------------
    def _plan_batch_put(self, keys: Sequence[Key], arrays: Sequence[object],
                        dtype_name: Each[str | None], fmt: Each[int]) -> Program[None]:
        if keys:
            yield lambda: self._put_op(keys, arrays, dtype_name, fmt)

    def _plan_delete(self, keys: Sequence[Key]) -> Program[int]:
        if not keys:
            return 0
        return (yield lambda: ops.simple(b"DEL", *[self._key(k) for k in keys]))

    # -- reads --------------------------------------------------------------------------------
    def _plan_get(self, key: Key) -> Program[np.ndarray | None]:
        found = yield from self._plan_get_with_header(key)
        return None if found is None else found[0]

    def _plan_get_with_header(self, key: Key) -> Program[tuple[np.ndarray, ChunkHeader] | None]:
        sinks = NewArrays(1)
        header = yield lambda: self._get_op([key], sinks.reset(), batch=False)
        return None if header is None else (sinks.arrays[0], header)  # type: ignore[return-value]

    def _plan_get_into(self, key: Key, out: object) -> Program[bool]:
        sink = into(out)
        return (yield lambda: self._get_op([key], [sink], batch=False)) is not None

    def _plan_batch_get(self, keys: Sequence[Key]) -> Program[list[np.ndarray | None]]:
        if not keys:
            return []
        sinks = NewArrays(len(keys))
        yield lambda: self._get_op(keys, sinks.reset(), batch=True)
        return sinks.arrays

    def _plan_batch_get_into(self, keys: Sequence[Key], outs: Sequence[object]) -> Program[list[bool]]:
        check_outs(keys, outs)
        if not keys:
            return []
        sinks = [into(o) for o in outs]
        headers = yield lambda: self._get_op(keys, sinks, batch=True)
        return [h is not None for h in headers]

    def _plan_get_with_sink(self, key: Key, sink: ops.Sink) -> Program[ChunkHeader | None]:
        return (yield lambda: self._get_op([key], [sink], batch=False))

    def _plan_batch_get_with_sinks(self, keys: Sequence[Key], sinks: Sequence[ops.Sink],
                                   return_errors: bool) -> Program[list]:
        if not keys:
            return []
        return (yield lambda: self._get_op(keys, sinks, True, return_errors))

    def _plan_exists(self, key: Key) -> Program[bool]:
        return bool((yield lambda: ops.simple(b"EXISTS", self._key(key))))

    def _plan_prefix_hits(self, keys: Sequence[Key]) -> Program[int]:
        if not keys:
            return 0
        return leading_true((yield lambda: ops.exists_many([self._key(k) for k in keys])))

    def _plan_keys(self, pattern: str) -> Program[list[bytes]]:
        match = self._key(pattern)
        found: list[bytes] = []
        cursor: bytes = b"0"
        while True:
            cursor, batch = yield (lambda c=cursor: scan(c, match))
            found.extend(batch)
            if cursor == b"0":
                return found

    def _plan_ping(self) -> Program[bool]:
        return (yield lambda: ops.simple(b"PING")) == b"PONG"
