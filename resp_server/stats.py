"""Server counters read by INFO (stats, commandstats) and the SLOWLOG ring.

Counters only grow, except through CONFIG RESETSTAT. `instantaneous_ops_per_sec` is sampled by
the server tick (16 samples of ops/s, averaged), as Redis does in `trackInstantaneousMetric`.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

OPS_SAMPLES = 16  # number of tick samples averaged into instantaneous_ops_per_sec


@dataclass(slots=True)
class CommandStat:
    calls: int = 0
    usec: int = 0
    rejected_calls: int = 0
    failed_calls: int = 0
    hist: dict[int, int] = field(default_factory=dict)   # usec -> calls (latency-tracking)


@dataclass(slots=True)
class Stats:
    total_connections_received: int = 0
    total_commands_processed: int = 0
    rejected_connections: int = 0
    total_net_input_bytes: int = 0
    total_net_output_bytes: int = 0
    total_error_replies: int = 0
    kv_served_bytes: int = 0      # stored value bytes sent in replies (copied or zero-copy)
    kv_chunk_hits: int = 0        # stored values of >= 16 KiB sent (KV chunks, sent zero-copy)
    kv_small_hits: int = 0        # stored values under 16 KiB sent (metadata, ordinary keys)
    kv_get_misses: int = 0        # value reads (GET, MGET, GETEX, ...) that found no key
    # rdb_changes_since_last_save counts one per write call plus this: a write that changed
    # nothing (SETBIT/BITFIELD of the same bits) adds -1, one that made n changes adds n - 1
    dirty_adjust: int = 0
    commands: dict[str, CommandStat] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)     # error code -> count (errorstats)
    _ops_samples: deque = field(default_factory=lambda: deque(maxlen=OPS_SAMPLES))
    _last_sample: tuple[float, int] = (0.0, 0)

    def command(self, name: str) -> CommandStat:
        st = self.commands.get(name)
        if st is None:
            st = self.commands[name] = CommandStat()
        return st

    def sample_ops(self) -> None:
        now = time.monotonic()
        t0, n0 = self._last_sample
        if t0:
            dt = now - t0
            if dt > 0:
                self._ops_samples.append((self.total_commands_processed - n0) / dt)
        self._last_sample = (now, self.total_commands_processed)

    def instantaneous_ops_per_sec(self) -> int:
        s = self._ops_samples
        return int(sum(s) / len(s)) if s else 0

    def reset(self) -> None:
        self.total_connections_received = self.total_commands_processed = 0
        self.rejected_connections = self.total_error_replies = 0
        self.total_net_input_bytes = self.total_net_output_bytes = 0
        self.kv_served_bytes = self.kv_chunk_hits = self.kv_small_hits = self.kv_get_misses = 0
        self.dirty_adjust = 0
        self.commands.clear()
        self.errors.clear()
        self._ops_samples.clear()


@dataclass(slots=True)
class SlowlogEntry:
    id: int
    time: int           # unix seconds
    usec: int           # duration
    argv: list          # truncated as Redis does (32 args, 128 bytes each)
    addr: str
    name: bytes


class Slowlog:
    MAX_ARGS = 32
    MAX_ARG_LEN = 128

    def __init__(self, max_len: int) -> None:
        self.entries: deque[SlowlogEntry] = deque(maxlen=max(1, max_len))
        self.max_len = max_len
        self.next_id = 0

    def add(self, argv: list, usec: int, addr: str, name: bytes) -> None:
        if self.max_len <= 0:
            return
        args = []
        for i, a in enumerate(argv):
            if i == self.MAX_ARGS - 1 and len(argv) > self.MAX_ARGS:
                args.append(b"... (%d more arguments)" % (len(argv) - self.MAX_ARGS + 1))
                break
            b = bytes(a[: self.MAX_ARG_LEN]) if isinstance(a, bytes | bytearray | memoryview) else b"<big value>"
            if isinstance(a, bytes | bytearray) and len(a) > self.MAX_ARG_LEN:
                b += b"... (%d more bytes)" % (len(a) - self.MAX_ARG_LEN)
            args.append(b)
        self.entries.appendleft(SlowlogEntry(self.next_id, int(time.time()), usec, args, addr, name))
        self.next_id += 1

    def resize(self, max_len: int) -> None:
        self.max_len = max_len
        self.entries = deque(list(self.entries)[: max(0, max_len)], maxlen=max(1, max_len))
