"""Seeded synthetic prefix-cache traces with LMCache's structure, and an exact-LRU reference.

A request is a tuple of chunk ids. Chunk i's id hashes the whole prefix (chunk i-1's id and chunk
i's content), as LMCache's chunk hashes do, so the ids form a trie: two requests share chunk i
only if they share chunks 0..i. Chunk ids are 64-bit ints; `chunk_key()` renders one as an LMCache
key string (`{model}@1@0@{hash:x}@bfloat16`).

Sessions arrive as Poisson processes, one per kind, starting `warmup_s` before t=0 so the trace
begins in steady state; requests with t ≥ 0 are kept in time order, the first `requests` of them.
Parameters (CONTEXT.md, "Prefix-cache traces"; sigmas of the lognormals are our choice):
- chat: 300 system prompts (Zipf s=1.0; lognormal length, median 3 chunks, cap 16); first user
  message geometric (mean 1.5 chunks); turns per conversation geometric (mean 6), each adding
  geometric (mean 2) chunks to the conversation's chain; gaps lognormal (median 10 s).
- rag: 4 templates of 1–2 chunks; 400 documents (Zipf s=0.9; lognormal length, median 10, cap 40);
  25% of requests carry a second document (hashed after the first); 1–2 unique question chunks;
  30% of sessions have follow-ups (geometric, mean 2; gaps lognormal, median 20 s) that extend the
  chain by an answer and a question (geometric, mean 2 chunks).
- oneoff: 16–64 unique chunks, never reused.
Mixes give the share of requests per kind: chat 0.8/0.1/0.1, rag 0.1/0.8/0.1, mixed 0.4/0.35/0.25.
Every request has 2–64 chunks (chains are cut at 64; conversations stop growing there).

`simulate()` replays a trace against an exact LRU of a given capacity (in chunks) with the same
protocol the benchmark sends to a server: count the leading chunks present (no recency change),
fetch them (touch, in order), store the missing chunks after them (insert, evicting the least
recently used). It yields the useful-prefix hit rate and the dead capacity (cached chunks whose
parent is not cached-and-live) at sample points.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import random
import struct
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

MAX_CHUNKS = 64
MIN_CHUNKS = 2
MODEL = "Qwen/Qwen2.5-0.5B-Instruct"
MIXES = {
    "chat": (0.8, 0.1, 0.1),
    "rag": (0.1, 0.8, 0.1),
    "mixed": (0.4, 0.35, 0.25),
}
KINDS = ("chat", "rag", "oneoff")
_PACK = struct.Struct("<Q16s")
_MAX_EXTENDS = 6            # bound on how often generation widens its time window


@dataclass(frozen=True)
class TraceParams:
    """Knobs of the generator; defaults follow CONTEXT.md (rates in requests or sessions/s)."""

    requests: int = 60_000
    rate: float = 200.0                 # requests per second, all kinds together
    warmup_s: float = 600.0             # sessions start this long before t=0
    # chat
    system_prompts: int = 300
    system_zipf: float = 1.0
    system_median: float = 3.0
    system_sigma: float = 0.8
    system_cap: int = 16
    first_user_mean: float = 1.5
    turns_mean: float = 6.0
    turn_chunks_mean: float = 2.0
    turn_gap_median_s: float = 10.0
    gap_sigma: float = 1.0
    # rag
    templates: int = 4
    documents: int = 400
    document_zipf: float = 0.9
    document_median: float = 10.0
    document_sigma: float = 0.6
    document_cap: int = 40
    two_docs: float = 0.25
    followup_share: float = 0.3
    followups_mean: float = 2.0
    followup_gap_median_s: float = 20.0
    # one-off
    oneoff_min: int = 16
    oneoff_max: int = 64


@dataclass
class Trace:
    """A generated trace: requests in time order, each a tuple of chunk ids."""

    name: str
    seed: int
    requests: list[tuple[int, ...]]
    kinds: list[str]
    times: list[float] = field(default_factory=list)

    def distinct(self) -> int:
        return len({c for r in self.requests for c in r})

    def chunks_requested(self) -> int:
        return sum(len(r) for r in self.requests)

    def parents(self) -> dict[int, int]:
        """chunk id -> its parent's id (chunk 0 of a request has no entry)."""
        out: dict[int, int] = {}
        for r in self.requests:
            for i in range(1, len(r)):
                out[r[i]] = r[i - 1]
        return out


def chunk_hash(parent: int, content: bytes) -> int:
    """Id of a chunk: a 64-bit hash of its parent's id and its own content."""
    digest = hashlib.blake2b(_PACK.pack(parent, content[:16].ljust(16, b"\0")), digest_size=8)
    return int.from_bytes(digest.digest(), "little")


def chunk_key(chunk: int, model: str = MODEL) -> str:
    """The LMCache-style key of a chunk id (CacheEngineKey.to_string() shape)."""
    return f"{model}@1@0@{chunk:016x}@bfloat16"


class _Chains:
    """Builds hash chains; content ids are unique per (kind, counter) so chains never collide."""

    def __init__(self) -> None:
        self._unique = itertools.count()
        self._cache: dict[tuple[object, ...], list[int]] = {}

    def extend(self, chain: Sequence[int], n: int, tag: bytes = b"u") -> list[int]:
        """`chain` plus n chunks of never-seen content."""
        out = list(chain)
        for _ in range(n):
            content = tag + struct.pack("<Q", next(self._unique))
            out.append(chunk_hash(out[-1] if out else 0, content))
        return out

    def shared(self, name: tuple[object, ...], base: Sequence[int], n: int) -> list[int]:
        """`base` plus n chunks of the shared content `name` (same name+base -> same ids)."""
        key = (name, base[-1] if base else 0, n)
        if key not in self._cache:
            out = list(base)
            for j in range(n):
                content = repr((name, j)).encode()
                out.append(chunk_hash(out[-1] if out else 0, hashlib.blake2b(content, digest_size=16).digest()))
            self._cache[key] = out
        return self._cache[key]


class _Dist:
    """The random draws the generator needs, from one seeded Random."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._zipf: dict[tuple[int, float], list[float]] = {}

    def zipf(self, n: int, s: float) -> int:
        """0-based rank with P(k) ∝ 1/(k+1)^s."""
        cum = self._zipf.get((n, s))
        if cum is None:
            cum = list(itertools.accumulate(1.0 / (k + 1) ** s for k in range(n)))
            self._zipf[(n, s)] = cum
        return bisect.bisect_left(cum, self.rng.random() * cum[-1])

    def geometric(self, mean: float) -> int:
        """Geometric on 1, 2, ... with the given mean."""
        p = 1.0 / mean
        if p >= 1.0:
            return 1
        u = 1.0 - self.rng.random()
        return 1 + int(math.log(u) / math.log(1.0 - p))

    def lognormal_int(self, median: float, sigma: float, cap: int) -> int:
        return max(1, min(cap, round(median * math.exp(sigma * self.rng.gauss(0.0, 1.0)))))

    def gap(self, median: float, sigma: float) -> float:
        return median * math.exp(sigma * self.rng.gauss(0.0, 1.0))


class _Generator:
    """Sessions of each kind -> (time, chain) events."""

    def __init__(self, p: TraceParams, seed: int) -> None:
        self.p = p
        self.d = _Dist(random.Random(seed))
        self.chains = _Chains()
        self.sys_len = [self.d.lognormal_int(p.system_median, p.system_sigma, p.system_cap)
                        for _ in range(p.system_prompts)]
        self.doc_len = [self.d.lognormal_int(p.document_median, p.document_sigma, p.document_cap)
                        for _ in range(p.documents)]
        self.tmpl_len = [1 + self.d.rng.randrange(2) for _ in range(p.templates)]

    def chat(self, t0: float) -> Iterator[tuple[float, list[int]]]:
        p, d = self.p, self.d
        k = d.zipf(p.system_prompts, p.system_zipf)
        chain = self.chains.shared(("sys", k), [], self.sys_len[k])
        chain = self.chains.extend(chain, d.geometric(p.first_user_mean))
        t = t0
        for turn in range(d.geometric(p.turns_mean)):
            if turn:
                t += d.gap(p.turn_gap_median_s, p.gap_sigma)
                grow = d.geometric(p.turn_chunks_mean)
                if len(chain) + grow > MAX_CHUNKS:
                    return
                chain = self.chains.extend(chain, grow)
            yield t, chain

    def rag(self, t0: float) -> Iterator[tuple[float, list[int]]]:
        p, d = self.p, self.d
        tm = d.rng.randrange(p.templates)
        chain = self.chains.shared(("tmpl", tm), [], self.tmpl_len[tm])
        for _ in range(2 if d.rng.random() < p.two_docs else 1):
            doc = d.zipf(p.documents, p.document_zipf)
            chain = self.chains.shared(("doc", doc), chain, self.doc_len[doc])
        chain = self.chains.extend(chain[:MAX_CHUNKS - 2], 1 + d.rng.randrange(2))
        yield t0, chain
        if d.rng.random() >= p.followup_share:
            return
        t = t0
        for _ in range(d.geometric(p.followups_mean)):
            t += d.gap(p.followup_gap_median_s, p.gap_sigma)
            grow = d.geometric(p.turn_chunks_mean)
            if len(chain) + grow > MAX_CHUNKS:
                return
            chain = self.chains.extend(chain, grow)
            yield t, chain

    def oneoff(self, t0: float) -> Iterator[tuple[float, list[int]]]:
        n = self.d.rng.randint(self.p.oneoff_min, self.p.oneoff_max)
        yield t0, self.chains.extend([], n)

    def session_rates(self, mix: tuple[float, float, float]) -> dict[str, float]:
        """Sessions per second per kind so that request shares match the mix."""
        p = self.p
        per_session = {
            "chat": p.turns_mean,
            "rag": 1.0 + p.followup_share * p.followups_mean,
            "oneoff": 1.0,
        }
        return {k: p.rate * share / per_session[k] for k, share in zip(KINDS, mix, strict=True)}

    def events(self, mix: tuple[float, float, float], until: float) -> list[tuple[float, str, tuple[int, ...]]]:
        """All requests with 0 ≤ t < until, from sessions started in [-warmup, until)."""
        out: list[tuple[float, str, tuple[int, ...]]] = []
        for kind, rate in self.session_rates(mix).items():
            if rate <= 0:
                continue
            make = getattr(self, kind)
            t = -self.p.warmup_s
            while True:
                t += self.d.rng.expovariate(rate)
                if t >= until:
                    break
                out.extend((ts, kind, tuple(ch)) for ts, ch in make(t) if 0.0 <= ts < until)
        out.sort(key=lambda e: e[0])
        return out


def generate(name: str, requests: int | None = None, seed: int = 1,
             params: TraceParams | None = None) -> Trace:
    """A trace of kind `name` (chat, rag or mixed) with `requests` requests (default 60,000)."""
    if name not in MIXES:
        raise ValueError(f"unknown trace {name!r}; choose from {', '.join(MIXES)}")
    p = params or TraceParams()
    n = requests or p.requests
    until = n / p.rate * 1.2
    for _ in range(_MAX_EXTENDS):
        gen = _Generator(p, seed)
        events = gen.events(MIXES[name], until)
        if len(events) >= n:
            break
        until *= 1.5
    events = events[:n]
    return Trace(name, seed, [e[2] for e in events], [e[1] for e in events], [e[0] for e in events])


# --- reference simulation ---------------------------------------------------------------------

@dataclass
class SimResult:
    """Outcome of replaying a trace on a cache."""

    hits: int                      # leading chunks found, summed over requests
    requested: int                 # chunks requested, summed over requests
    dead: list[float]              # dead-capacity share at each sample point
    sizes: list[int]               # cached chunks at each sample point

    @property
    def hit_rate(self) -> float:
        return self.hits / self.requested if self.requested else 0.0


def sample_points(n_requests: int, samples: int) -> set[int]:
    """Request indices after which dead capacity is sampled (evenly over the second half)."""
    if samples <= 0:
        return set()
    start = n_requests // 2
    step = max(1, (n_requests - start) // samples)
    return {min(n_requests - 1, start + step * (k + 1) - 1) for k in range(samples)}


def dead_share(cached: Iterable[int], parents: dict[int, int]) -> tuple[float, int]:
    """Share of cached chunks whose prefix is not all cached; returns (share, cached count)."""
    cset = set(cached)
    live: dict[int, bool] = {}
    for c in cset:
        path: list[int] = []
        node: int | None = c
        ok = True
        for _ in range(MAX_CHUNKS + 1):
            if node is None:
                break
            if node in live:
                ok = live[node]
                break
            if node not in cset:
                ok = False
                break
            path.append(node)
            node = parents.get(node)
        for x in path:           # a chunk is live iff all of its ancestors are cached
            live[x] = ok
    n = len(cset)
    dead = sum(1 for c in cset if not live.get(c, False))
    return (dead / n if n else 0.0), n


def simulate(trace: Trace, capacity: int | None, samples: int = 4) -> SimResult:
    """Replay on an exact LRU of `capacity` chunks (None = unbounded: the ceiling)."""
    cache: OrderedDict[int, None] = OrderedDict()
    parents = trace.parents() if samples else {}
    points = sample_points(len(trace.requests), samples)
    res = SimResult(0, 0, [], [])
    for idx, req in enumerate(trace.requests):
        h = 0
        while h < len(req) and req[h] in cache:
            h += 1
        for c in req[:h]:
            cache.move_to_end(c)
        for c in req[h:]:
            if c in cache:
                continue
            cache[c] = None
            if capacity is not None and len(cache) > capacity:
                cache.popitem(last=False)
        res.hits += h
        res.requested += len(req)
        if idx in points:
            share, n = dead_share(cache, parents)
            res.dead.append(share)
            res.sizes.append(n)
    return res

