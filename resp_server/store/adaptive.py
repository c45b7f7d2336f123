"""allkeys-adaptive (the default): ARC, exact LRU, S3-FIFO or a wide ARC per slab class,
whichever the traffic favours, decided by set dueling on sampled shadow caches (Qureshi et al.,
ISCA'07; the policy measures itself, as Caffeine's hill climber does).

The class keeps four orders over the same members: ARC's lists (arc.py), exact LRU's heap
(lru.py), S3-FIFO's queues (s3fifo.py) and a wide ARC's lists (arc.wide_arc). One key in SAMPLE
(crc32 of the key, so the sample is the same in every process) is also replayed into four small
shadow caches, one per expert, each holding 1/SAMPLE of the class's members: every access or
insert of a sampled key is a hit or a miss in each shadow. Hits are summed with exponential
decay (a window of about DECAY_WINDOW sampled events); the live class evicts with the expert
whose shadow hits more.
Until a shadow leads (at the start, and while they tie) it evicts as exact LRU: without
evidence, the reference the default must never fall below. Switching costs nothing: every
order is always current.

Why four: ARC's ghost lists keep chunks that come back after eviction (conversation turns minutes
apart) and win at middle sizes; the wide ARC (3 classes' worth of ghosts, twice the p step)
recognises turns further apart and wins the smallest caches and the generated chat traffic;
exact LRU is near the ceiling when the cache holds most reuse distances, where ARC's protection of
once-reused chunks costs a little; S3-FIFO wins small RAG caches (docs/eviction.md).

Pinned items are never evicted (every expert skips them). Invariants: the four experts hold the
same members; `sampled` holds only members (those whose key, when inserted, was sampled); each
shadow holds at most max(SHADOW_MIN, members / SAMPLE) keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from zlib import crc32

from resp_server.store.arc import ARCPolicy, wide_arc
from resp_server.store.lru import LRUPolicy
from resp_server.store.s3fifo import S3FIFOPolicy

if TYPE_CHECKING:
    from resp_server.store.items import Item
    from resp_server.store.policy import Policy

SAMPLE = 8               # one key in SAMPLE feeds the shadows (by crc32 of the key)
SHADOW_MIN = 16          # shadow capacity floor (keys)
DECAY_WINDOW = 4096      # sampled events over which shadow hits are averaged
EXPERTS = (ARCPolicy, LRUPolicy, S3FIFOPolicy, wide_arc)
EXPERT_NAMES = ("arc", "lru", "s3fifo", "arcwide")
START = EXPERT_NAMES.index("lru")    # exact LRU evicts until a shadow leads


class _Key:
    """A shadow member: what the expert policies read of an item."""

    __slots__ = ("key", "h", "refcount", "stamp", "freq", "expire_at")

    def __init__(self, key: bytes, h: int, stamp: int) -> None:
        self.key = key
        self.h = h                      # the key's sample hash (crc32)
        self.refcount = 0
        self.stamp = stamp
        self.freq = 0
        self.expire_at = None


class _Shadow:
    """One expert run on the sampled keys only, at 1/SAMPLE of the class's size."""

    __slots__ = ("pol", "keys", "clock")

    def __init__(self, pol: Policy) -> None:
        self.pol = pol
        self.keys: dict[int, _Key] = {}
        self.clock = 0

    def access(self, h: int, key: bytes, cap: int) -> bool:
        """A sampled access or insert: True when the shadow holds the key (a hit)."""
        self.clock += 1
        k = self.keys.get(h)
        if k is not None:
            k.stamp = self.clock
            self.pol.touch(k)                                   # type: ignore[arg-type]
            return True
        while len(self.keys) >= cap:
            victim = self.pol.evict_step()
            if victim is None:
                break
            self.pol.remove(victim, evicted=True)
            del self.keys[victim.h]
        k = self.keys[h] = _Key(key, h, self.clock)
        self.pol.insert(k)                                      # type: ignore[arg-type]
        return False


class AdaptivePolicy:
    __slots__ = ("name", "evicts", "experts", "shadows", "score", "use", "switches", "last",
                 "sampled", "_arc", "_lru", "_s3", "_wide")
    touches = True

    def __init__(self, name: str = "allkeys-adaptive") -> None:
        self.name = name
        self.evicts = True
        self.experts: tuple[Policy, ...] = tuple(make() for make in EXPERTS)
        self.shadows = [_Shadow(make()) for make in EXPERTS]
        self.score = [0.0] * len(EXPERTS)    # decayed shadow hits per expert
        self.use = START                     # index of the expert evicting now
        self.switches = 0                    # expert changes (INFO)
        self.last = -1                       # sample hash of the last sampled key
        self.sampled: dict[Item, int] = {}   # members in the sample -> their key's crc32
        self._arc, self._lru, self._s3, self._wide = self.experts   # type: ignore[assignment]

    # The two hot paths name each expert's step instead of looping over them (every SET of a new
    # key and every hit comes here); exact LRU's touch is a no-op (its heap re-keys lazily) and is
    # skipped. A key outside the sample stops at one dict probe. The sample is chosen by crc32 of the key, not by Python's salted hash(), so every
    # process (and every rerun of a trace) duels on the same keys.
    def insert(self, item: Item) -> None:
        self._arc.insert(item)               # type: ignore[attr-defined]
        self._lru.insert(item)               # type: ignore[attr-defined]
        self._s3.insert(item)                # type: ignore[attr-defined]
        self._wide.insert(item)              # type: ignore[attr-defined]
        h = crc32(item.key)
        if not h % SAMPLE:
            self.sampled[item] = h
            if h != self.last:
                self._sample(h, item.key)

    def touch(self, item: Item) -> None:
        self._arc.touch(item)                # type: ignore[attr-defined]
        self._s3.touch(item)                 # type: ignore[attr-defined]
        self._wide.touch(item)               # type: ignore[attr-defined]
        h = self.sampled.get(item)
        if h is not None and h != self.last:
            self._sample(h, item.key)

    def remove(self, item: Item, evicted: bool = False) -> None:
        self._arc.remove(item, evicted)
        self._lru.remove(item, evicted)
        self._s3.remove(item, evicted)
        self._wide.remove(item, evicted)
        self.sampled.pop(item, None)

    def can_evict(self, item: Item) -> bool:
        return not item.refcount

    # --- the duel --------------------------------------------------------------------------------
    def _sample(self, h: int, key: bytes) -> None:
        """A sampled key (h = crc32(key), h % SAMPLE == 0) other than the last one sampled (the
        same key again would be a hit in every shadow: no news)."""
        self.last = h
        cap = max(SHADOW_MIN, len(self.experts[0]) // SAMPLE)
        keep = 1.0 - 1.0 / DECAY_WINDOW
        s = self.score
        for i, sh in enumerate(self.shadows):
            s[i] = s[i] * keep + sh.access(h, key, cap)
        best = max(range(len(s)), key=s.__getitem__)
        if s[best] > s[self.use]:
            self.use = best
            self.switches += 1

    def state(self) -> str:
        """Adaptation state for INFO: the expert in use, shadow scores, ARC's own state."""
        scores = ",".join(f"score_{n}={v:.1f}" for n, v in zip(EXPERT_NAMES, self.score, strict=True))
        return (f"expert={EXPERT_NAMES[self.use]},{scores},switches={self.switches},"
                f"{self._arc.state()},wide_p={self._wide.p:.4f}")   # type: ignore[attr-defined]

    # --- eviction ----------------------------------------------------------------------------------
    def evict_step(self) -> Item | None:
        return self.experts[self.use].evict_step()

    def peek_victim(self) -> Item | None:
        return self.experts[self.use].peek_victim()

    def oldest(self) -> int | None:
        v = self.peek_victim()
        return None if v is None else v.stamp

    def __len__(self) -> int:
        return len(self.experts[0])

    def __iter__(self) -> Iterator[Item]:
        return iter(self.experts[0])

    def __contains__(self, item: object) -> bool:
        return item in self.experts[0]

    def check_invariants(self) -> None:
        members = set(self.experts[0])
        for e in self.experts:
            e.check_invariants()
            assert set(e) == members, f"adaptive: {e.name} members differ from ARC's"
        # An item is sampled by the key it was inserted under: RENAME changes item.key in place
        # and keeps the item's standing in every expert, its sample membership included.
        assert all(item in members and not h % SAMPLE for item, h in self.sampled.items()), \
            "adaptive: a bad sample entry"
        cap = max(SHADOW_MIN, len(members) // SAMPLE)
        for sh in self.shadows:
            sh.pol.check_invariants()
            assert len(sh.keys) <= cap + 1, "adaptive: shadow over its capacity"
