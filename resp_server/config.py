"""Server configuration: frozen dataclasses, validated on construction.

Names follow redis.conf (`maxmemory`, `maxmemory-policy`, `proto-max-bulk-len`, ...); the
config reader (conffile.py) maps `kebab-case` names onto these snake_case fields. Sizes are in
bytes; `parse_size` accepts Redis's units (`100mb`, `4gb`, `1k`, plain integers).
`client-output-buffer-limit` is an `OutputLimits` (Redis's three client classes), read with
Redis 7.0's rules and error messages, quirks included: CONFIG SET and redis.conf share them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace

VERSION = "0.1.0"
REDIS_COMPAT_VERSION = "7.0.15"  # what INFO reports as redis_version, for client feature checks

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

POLICIES = ("allkeys-adaptive", "allkeys-arc", "allkeys-lru", "volatile-lru", "allkeys-s3fifo", "allkeys-lfu", "noeviction")

LFU_POLICIES = ("allkeys-lfu", "volatile-lfu")   # Redis keeps an LFU counter (OBJECT FREQ) under these

_UNITS = {
    "": 1, "b": 1,
    "k": 1000, "kb": KIB, "m": 1000**2, "mb": MIB, "g": 1000**3, "gb": GIB,
}
_SIZE_RE = re.compile(r"^\s*(\d+)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str | int) -> int:
    """Parse a Redis-style memory size: '100mb' -> 104857600, '1k' -> 1000, '42' -> 42."""
    if isinstance(text, int):
        return text
    m = _SIZE_RE.match(text)
    if not m or m.group(2).lower() not in _UNITS:
        raise ValueError(f"invalid memory size: {text!r}")
    return int(m.group(1)) * _UNITS[m.group(2).lower()]


def parse_size_list(text: str) -> tuple[int, ...]:
    """'3mb,14mb,32mb' -> sorted tuple of byte sizes ('' -> ())."""
    parts = [p for p in text.replace(" ", ",").split(",") if p]
    return tuple(sorted(parse_size(p) for p in parts))


ULLONG_MAX = 2**64 - 1
_MEM_UNITS = {"": 1, "b": 1, "k": 1000, "kb": KIB, "m": 1000**2, "mb": MIB, "g": 1000**3, "gb": GIB}
_MEM_RE = re.compile(r"(\d*)([a-z]*)")
_STRTOLL_RE = re.compile(r"\s*[+-]?\d+")
_OBL_CLASSES = {"normal": "normal", "slave": "slave", "replica": "slave", "pubsub": "pubsub"}
OBL_ERR_ARGS = "Wrong number of arguments in buffer limit configuration."
OBL_ERR_CLASS = "Invalid client class specified in buffer limit configuration."
OBL_ERR_VALUE = "Error in hard, soft or soft_seconds setting in buffer limit configuration."


@dataclass(frozen=True, slots=True)
class OutputLimit:
    """One class of client-output-buffer-limit: a client whose unsent replies reach `hard` bytes,
    or stay at `soft` bytes or more for more than `soft_seconds`, is closed (0 = no limit)."""

    hard: int = 0
    soft: int = 0
    soft_seconds: int = 0


@dataclass(frozen=True, slots=True)
class OutputLimits:
    """client-output-buffer-limit for Redis's three classes. Only `normal` applies here (there
    are no replicas or pub/sub clients); the others are kept so CONFIG GET prints what was set.
    `str()` is CONFIG GET's text; `updated()` applies CONFIG SET's / redis.conf's."""

    normal: OutputLimit = OutputLimit()
    slave: OutputLimit = OutputLimit(256 * MIB, 64 * MIB, 60)
    pubsub: OutputLimit = OutputLimit(32 * MIB, 8 * MIB, 60)

    def __str__(self) -> str:
        return " ".join(f"{name} {lim.hard} {lim.soft} {lim.soft_seconds}"
                        for name, lim in (("normal", self.normal), ("slave", self.slave),
                                          ("pubsub", self.pubsub)))

    def updated(self, text: str) -> OutputLimits:
        return replace(self, **parse_output_limits(text))



def parse_output_limits(text: str) -> dict[str, OutputLimit]:
    """'<class> <hard> <soft> <soft-seconds> ...' -> {class: OutputLimit}, all or nothing, as
    Redis 7.0's setConfigClientOutputBufferLimitOption: the value is split on single spaces,
    classes are normal, slave/replica and pubsub; ValueError carries Redis's message."""
    words = text.split(" ") if text else []
    if len(words) % 4:
        raise ValueError(OBL_ERR_ARGS)
    out = {}
    for i in range(0, len(words), 4):
        name = _OBL_CLASSES.get(words[i].lower())
        if name is None:
            raise ValueError(OBL_ERR_CLASS)
        hard, soft, secs = _memtoull(words[i + 1]), _memtoull(words[i + 2]), _strtoint(words[i + 3])
        if hard is None or soft is None or secs is None or secs < 0:
            raise ValueError(OBL_ERR_VALUE)
        out[name] = OutputLimit(hard, soft, secs)
    return out


def _memtoull(word: str) -> int | None:
    """Redis's memtoull: digits and an optional unit (b k kb m mb g gb); no sign, no fraction.
    Like strtoull, an empty number is 0 and an overflowing one ULLONG_MAX."""
    m = _MEM_RE.fullmatch(word.lower())
    if m is None or m.group(2) not in _MEM_UNITS:
        return None
    return min(int(m.group(1) or 0), ULLONG_MAX) * _MEM_UNITS[m.group(2)] % 2**64


def _strtoint(word: str) -> int | None:
    """strtoll stored in a C int (Redis's soft_seconds): leading spaces and a sign allowed, all of
    the text must be the number; the value wraps to 32 bits like the C cast."""
    if not word:
        return 0                      # nothing converted, nothing left over: accepted as 0
    if _STRTOLL_RE.fullmatch(word) is None:
        return None
    v = max(min(int(word), 2**63 - 1), -(2**63))
    return (v + 2**31) % 2**32 - 2**31


@dataclass(frozen=True, slots=True)
class StoreConfig:
    """Settings of the memory layer (resp_server.store)."""

    maxmemory: int = 0                       # bytes; 0 = no cap (Redis semantics; the program's
                                             # default when not given: memlimit.py)
    policy: str = "allkeys-adaptive"         # ARC / LRU / S3-FIFO by set dueling: docs/eviction.md
    databases: int = 16
    slab_page_size: int = 1 * MIB            # bytes per slab page (memcached's item_size_max)
    slab_growth_factor: float = 1.25         # chunk size ratio between neighbour classes
    slab_min_chunk: int = 64                 # smallest chunk size, bytes
    slab_sizes: tuple[int, ...] = ()         # explicit chunk sizes; replaces the factor series
    prealloc: bool = False                   # touch all pages at start-up (no page faults later)
    debug_invariants: bool = False           # run check_invariants() after every write command
    memory_file: str = ""                    # slab pages in this file's shared mapping; kept
                                             # across clean restarts (store/warm.py); "" = off
    lookup_lease_ms: int = 10_000            # EXISTS leases what it finds until read (0 = off)
    pipeline_chains: bool = True             # one read's accesses are a chain, evicted tail
                                             # first (store/ordering.py)
    lfu_log_factor: int = 10                 # LFU counter (OBJECT FREQ) under LFU policies,
    lfu_decay_time: int = 1                  # store/lfu.py: log factor, minutes per decay step

    def __post_init__(self) -> None:
        if self.maxmemory < 0:
            raise ValueError("maxmemory must be >= 0")
        if self.lookup_lease_ms < 0:
            raise ValueError("lookup-lease-ms must be >= 0")
        if self.policy not in POLICIES:
            raise ValueError(f"maxmemory-policy must be one of {', '.join(POLICIES)}")
        if not 1 <= self.databases <= 1_000_000:
            raise ValueError("databases must be between 1 and 1000000")
        if self.slab_growth_factor <= 1.0:
            raise ValueError("slab-growth-factor must be > 1.0")
        if self.slab_page_size < 64 * KIB:
            raise ValueError("slab-page-size must be >= 64kb")
        if self.memory_file and not self.maxmemory:
            raise ValueError("memory-file needs maxmemory > 0 (the mapping is sized to it)")


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything the server needs; built by conffile.py from argv and an optional redis.conf."""

    bind: tuple[str, ...] = ("127.0.0.1", "::1")
    port: int = 6380
    unixsocket: str = ""
    requirepass: str = ""
    users: tuple[tuple[str, str], ...] = ()   # (name, password) pairs from --user NAME:PASSWORD
    protected_mode: bool = True
    loglevel: str = "notice"
    maxclients: int = 10000
    timeout: int = 0                          # seconds of idleness before a client is closed; 0 = never
    proto_max_bulk_len: int = 512 * MIB
    client_query_buffer_limit: int = 1 * GIB
    client_output_buffer_limit: OutputLimits = OutputLimits()   # only the normal class applies
    slowlog_log_slower_than: int = 10000      # microseconds
    slowlog_max_len: int = 128
    hz: int = 10                              # background ticks per second (active expiry, stats)
    tls_port: int = 0
    tls_cert_file: str = ""
    tls_key_file: str = ""
    tls_ca_cert_file: str = ""
    tls_auth_clients: str = "yes"             # yes | optional | no: client certificates (Redis's)
    logfile: str = ""                         # "" = standard output, as Redis
    pidfile: str = ""                         # written at start (always when daemonized), removed at exit
    daemonize: bool = False                   # fork, detach from the terminal (Redis's semantics)
    config_file: str = ""                     # absolute path of the file we started with ("" = none)
    enable_debug_command: str = "no"          # yes | local | no, Redis 7's (protects DEBUG)
    notify_keyspace_events: str = ""          # canonical flags; kept and shown (no pub/sub to send on)
    maxmemory_clients: str = "0"              # bytes or "N%"; kept and shown, no effect
    maxmemory_auto: bool = False              # maxmemory not given: derived from available memory
    no_effect: tuple[tuple[str, str], ...] = ()   # (directive, value) accepted with no effect here
    cluster_enabled: bool = False             # Redis Cluster protocol (resp_server/cluster/)
    cluster_nodes: str = ""                   # "host:port[@slots,...] ..." (cluster/topology.py)
    cluster_announce_ip: str = ""             # this node's host in cluster-nodes ("" = bind[0])
    cluster_announce_port: int = 0            # ... and port (0 = port)
    cluster_config_file: str = ""             # cluster-nodes kept in a file, reread on SIGHUP
    store: StoreConfig = field(default_factory=StoreConfig)

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535 or not 0 <= self.tls_port <= 65535:
            raise ValueError("port must be between 0 and 65535")
        if self.enable_debug_command not in ("yes", "no", "local"):
            raise ValueError("enable-debug-command must be yes, local or no")
        if self.tls_auth_clients not in ("yes", "no", "optional"):
            raise ValueError("tls-auth-clients must be yes, no or optional")
        if self.loglevel not in ("debug", "verbose", "notice", "warning", "nothing"):
            raise ValueError("loglevel must be debug, verbose, notice, warning or nothing")
        if self.maxclients < 1:
            raise ValueError("maxclients must be >= 1")
        if self.proto_max_bulk_len < 1024 * 1024:
            raise ValueError("proto-max-bulk-len must be >= 1mb")
        if not 0 <= self.cluster_announce_port <= 65535:
            raise ValueError("cluster-announce-port must be between 0 and 65535")
        if self.cluster_enabled and not (self.port or self.cluster_announce_port):
            raise ValueError("cluster-enabled needs a port (or cluster-announce-port)")


SERVER_FIELDS = {f.name for f in fields(ServerConfig)} - {"store"}
STORE_FIELDS = {f.name for f in fields(StoreConfig)}
