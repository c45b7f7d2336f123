"""What both cluster clients share: cluster URLs, the slot map, node health, per-key ops.

- `parse_cluster_url("redis-cluster://[user:pw@]h1:p1,h2:p2[/?opts]")` -> seeds + ClientConfig
  (every node gets the same options; host/port are replaced per node).
- `SlotMap`: 16384 entries, slot -> (host, port), filled from any node's CLUSTER SLOTS; a MOVED
  reply patches one slot at once and asks for a full refresh (at most every REFRESH_MIN_S).
- `NodeHealth`: a node that failed (refused, reset, timed out) is *down* until a backoff expires
  (BACKOFF_START_S doubling to BACKOFF_MAX_S); meanwhile its keys are misses and its puts are
  skipped, counted in `ClusterStats` and logged once per LOG_INTERVAL_S per node. The first call
  after the backoff tries the node again; success clears it.
- `cluster_wanted`: does a URL given to ChunkClient/AsyncChunkClient mean a cluster? (a
  redis-cluster:// URL, or a redis:// one whose server answers INFO cluster with cluster_enabled:1)
- Per-key ops (`get_each`, `set_each`, `exists_each`, `del_each`): one pipelined round trip to
  one node with one single-key command per key (a cluster answers CROSSSLOT to an MGET over
  several slots), every reply kept in place, error replies as values so MOVED can be retried.
"""

from __future__ import annotations

import logging
import threading
import time
from binascii import crc_hqx
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlparse

from . import ops
from .config import ClientConfig, parse_url
from .connection import Connection
from .resp import ReadBuffer, Reader, ReplyError, encode_pipeline, read_reply
from .serde import Encoded

log = logging.getLogger("connector.cluster")

SLOTS = 16384
REFRESH_MIN_S = 0.5       # slot map refreshes at most this often (MOVED storms)
BACKOFF_START_S = 0.1     # first wait before retrying a failed node
BACKOFF_MAX_S = 2.0       # longest wait: a restarted node is used again within ~2 s
LOG_INTERVAL_S = 10.0     # one log line per node per interval while it is down
SCHEME = "redis-cluster"

Addr = tuple[str, int]


def key_slot(key: bytes) -> int:
    """Redis Cluster's keyHashSlot (CRC16-XMODEM, {hash tag} rules)."""
    s = key.find(b"{")
    if s >= 0:
        e = key.find(b"}", s + 1)
        if e > s + 1:
            return crc_hqx(key[s + 1:e], 0) & (SLOTS - 1)
    return crc_hqx(key, 0) & (SLOTS - 1)


def is_cluster_url(url: object) -> bool:
    return isinstance(url, str) and url.startswith(SCHEME + "://")


def parse_cluster_url(url: str, **options: object) -> tuple[list[Addr], ClientConfig]:
    """Seed addresses and the per-node config of a redis-cluster:// URL."""
    rest = url[len(SCHEME) + 3:]
    auth, _, hosts = rest.rpartition("@") if "@" in rest.split("/")[0] else ("", "", rest)
    hosts, slash, tail = hosts.partition("/")
    seeds: list[Addr] = []
    for part in hosts.split(","):
        if part:
            p = urlparse(f"redis://{part}")
            seeds.append((p.hostname or "127.0.0.1", p.port or 6379))
    if not seeds:
        raise ValueError(f"redis-cluster:// URL names no nodes: {url!r}")
    first = f"{seeds[0][0]}:{seeds[0][1]}"
    cfg = parse_url(f"redis://{auth + '@' if auth else ''}{first}{slash}{tail}", **options)
    if cfg.db:
        raise ValueError("a cluster has only database 0")
    return seeds, cfg


def node_config(cfg: ClientConfig, addr: Addr) -> ClientConfig:
    return replace(cfg, host=addr[0], port=addr[1])


def parse_redirect(err: object) -> tuple[int, Addr] | None:
    """(slot, address) of a `MOVED slot host:port` (or ASK) error reply, else None."""
    if not isinstance(err, ReplyError):
        return None
    words = str(err).split()
    if len(words) != 3 or words[0] not in ("MOVED", "ASK"):
        return None
    host, _, port = words[2].rpartition(":")
    return int(words[1]), (host, int(port))


class SlotMap:
    """slot -> node address; thread-safe enough (whole-list swaps, single-slot patches)."""

    def __init__(self, seeds: list[Addr]) -> None:
        self.seeds = list(seeds)
        self.owner: list[Addr] = [seeds[i * len(seeds) // SLOTS] for i in range(SLOTS)]
        self.loaded = False
        self.stale = True
        self.refreshed_at = 0.0
        self.refreshes = 0

    def nodes(self) -> list[Addr]:
        return list(dict.fromkeys(self.owner)) if self.loaded else list(self.seeds)

    def candidates(self) -> list[Addr]:
        """Where to ask for CLUSTER SLOTS: known nodes first, then the seeds."""
        return list(dict.fromkeys(self.nodes() + self.seeds))

    def due(self) -> bool:
        return self.stale and time.monotonic() - self.refreshed_at >= REFRESH_MIN_S

    def load(self, reply: object, asked: Addr) -> None:
        """Install a CLUSTER SLOTS reply (ValueError when it is not one)."""
        if not isinstance(reply, list) or not reply:
            raise ValueError(f"bad CLUSTER SLOTS reply from {asked}: {reply!r}")
        owner = list(self.owner)
        for entry in reply:
            start, end, master = int(entry[0]), int(entry[1]), entry[2]
            host = bytes(master[0]).decode() or asked[0]
            for s in range(start, end + 1):
                owner[s] = (host, int(master[1]))
        self.owner = owner
        self.loaded, self.stale = True, False
        self.refreshed_at = time.monotonic()
        self.refreshes += 1

    def moved(self, slot: int, addr: Addr) -> None:
        self.owner[slot] = addr
        self.stale = True

    def group(self, keys: Sequence[bytes]) -> dict[Addr, list[int]]:
        """Indexes of `keys` per owning node, in key order."""
        out: dict[Addr, list[int]] = {}
        owner = self.owner
        for i, k in enumerate(keys):
            out.setdefault(owner[key_slot(k)], []).append(i)
        return out


@dataclass
class ClusterStats:
    """Counters of degraded work (since the client was made)."""

    missed_keys: int = 0          # reads answered as misses because their node was down
    skipped_puts: int = 0         # writes dropped because their node was down
    node_failures: int = 0        # calls that failed with a connection error or timeout
    redirects: int = 0            # MOVED/ASK replies followed
    refresh_errors: int = 0       # CLUSTER SLOTS that no node answered


@dataclass
class _Down:
    until: float = 0.0
    backoff: float = BACKOFF_START_S
    logged_at: float = 0.0
    missed: int = 0               # keys missed / puts skipped since the last log line
    error: str = ""


@dataclass
class NodeHealth:
    stats: ClusterStats = field(default_factory=ClusterStats)
    down: dict[Addr, _Down] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def usable(self, addr: Addr) -> bool:
        d = self.down.get(addr)
        return d is None or time.monotonic() >= d.until

    def failed(self, addr: Addr, exc: BaseException) -> None:
        with self.lock:
            d = self.down.setdefault(addr, _Down())
            now = time.monotonic()
            if d.until:
                d.backoff = min(d.backoff * 2, BACKOFF_MAX_S)
            d.until, d.error = now + d.backoff, f"{type(exc).__name__}: {exc}"
            self.stats.node_failures += 1

    def ok(self, addr: Addr) -> None:
        if addr in self.down:
            with self.lock:
                d = self.down.pop(addr, None)
            if d is not None:
                log.warning("cluster node %s:%d is back (%d key(s) missed or skipped since "
                            "the last report)", addr[0], addr[1], d.missed)

    def degraded(self, addr: Addr, n: int, puts: bool) -> None:
        """n keys of a down node answered as misses (or puts skipped): count, log sometimes."""
        with self.lock:
            if puts:
                self.stats.skipped_puts += n
            else:
                self.stats.missed_keys += n
            d = self.down.setdefault(addr, _Down())
            d.missed += n
            now = time.monotonic()
            if now - d.logged_at >= LOG_INTERVAL_S:
                log.warning("cluster node %s:%d unavailable (%s): %d key(s) missed or skipped "
                            "since the last report; retrying with backoff", addr[0], addr[1],
                            d.error or "down", d.missed)
                d.logged_at, d.missed = now, 0


def cluster_wanted(url: object, options: dict[str, Any]) -> bool:
    """A redis-cluster:// URL, or (unless cluster_detect=False) a redis:// URL whose server
    answers `cluster_enabled:1` to INFO cluster (one short probe; any failure: standalone)."""
    detect = options.pop("cluster_detect", True)
    if not isinstance(url, str):
        return False
    if is_cluster_url(url):
        return True
    return bool(detect) and url.startswith("redis://") and _probe_cluster(url, options)


PROBE_TIMEOUT = 2.0   # seconds for the cluster auto-detection probe


def _probe_cluster(url: str, options: dict[str, Any]) -> bool:
    try:
        cfg = parse_url(url, **options)
        timeout = min(cfg.connect_timeout or PROBE_TIMEOUT, PROBE_TIMEOUT)
        conn = Connection(replace(cfg, connect_timeout=timeout, socket_timeout=timeout))
    except (OSError, ValueError):
        return False
    try:
        info = conn.run(ops.simple(b"INFO", b"cluster"))
    except Exception:
        return False
    finally:
        conn.close()
    return isinstance(info, bytes | bytearray) and b"cluster_enabled:1" in info


# --- per-key ops: one node, one round trip, replies in place -------------------------------

def _each(commands: list[tuple], read_one) -> ops.Op:
    def read(rb: ReadBuffer) -> Reader:
        out = []
        for _ in commands:
            try:
                out.append((yield from read_one(rb)))
            except ops.STREAM_SAFE as exc:
                out.append(exc)
        return out

    return ops.Op(encode_pipeline(commands), read)


def get_each(keys: Sequence[bytes], sinks: Sequence[ops.Sink]) -> ops.Op:
    """Pipelined GETs read into the sinks: a header, None, or the key's stream-safe error."""
    it = iter(sinks)
    return _each([(b"GET", k) for k in keys], lambda rb: ops.read_chunk(rb, next(it)))


def set_each(keys: Sequence[bytes], values: Sequence[Encoded]) -> ops.Op:
    from .resp import Parts

    return _each([(b"SET", k, Parts(v.parts)) for k, v in zip(keys, values, strict=True)],
                 read_reply)


def exists_each(keys: Sequence[bytes]) -> ops.Op:
    return _each([(b"EXISTS", k) for k in keys], read_reply)


def del_each(keys: Sequence[bytes]) -> ops.Op:
    return _each([(b"DEL", k) for k in keys], read_reply)
