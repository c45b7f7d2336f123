"""Shared helpers for the store tests (imported, not collected: no test functions here)."""

from __future__ import annotations

import random

from resp_server.config import StoreConfig
from resp_server.store.keyspace import KEY_OVERHEAD, Keyspace

PAGE = 64 * 1024          # the smallest page StoreConfig allows: keeps tests small and fast


class Clock:
    """Injected clock in ms; tests move it explicitly."""

    def __init__(self, t: int = 1_700_000_000_000) -> None:
        self.t = t

    def __call__(self) -> int:
        return self.t

    def advance(self, ms: int) -> None:
        self.t += ms


def pattern(seed: int, n: int) -> bytes:
    """Non-repeating bytes: overlapping or misplaced chunks would show as mismatches."""
    return random.Random(seed).randbytes(n)


def make_ks(maxmemory: int = 0, policy: str = "allkeys-lru", page: int = PAGE,
            sizes: tuple[int, ...] = (), clock: Clock | None = None, **kw: object) -> Keyspace:
    cfg = StoreConfig(maxmemory=maxmemory, policy=policy, slab_page_size=page, slab_sizes=sizes,
                      debug_invariants=True, **kw)  # type: ignore[arg-type]
    return Keyspace(cfg, clock or Clock())


def cap_for(pages: int, keys: int, page: int = PAGE, keylen: int = 8) -> int:
    """A maxmemory that holds exactly `pages` pages plus overhead for `keys` keys."""
    return pages * page + keys * (KEY_OVERHEAD + keylen)


def present(ks: Keyspace, keys: list[bytes], db: int = 0) -> list[bytes]:
    return [k for k in keys if ks.peek(db, k) is not None]
