"""8 concurrent writers/readers on a small key set under a 16 MiB cap, values with checksums.

Each thread has its own connection and runs a bounded number of random SET / GET / DEL on six
keys with value sizes from 24 KiB (read-buffer path) to 1.5 MiB (reserved chunks, chains), so
evictions, page moves, pins and reservations interleave. Every value carries its own length and
blake2b digest (helpers.checked_value). Every GET must return nil (deleted or evicted) or a
value whose checksum verifies and which was written to that key, and that value must not be
stale: no other write to the key (SET or DEL) may have started after the returned value's SET
completed and completed before the GET started (client-side monotonic timestamps; a write
"started" before its bytes were sent and "completed" after its reply arrived, so the check is
sound). Verified values are counted and printed.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

import pytest

from scripts.rawclient import RawClient
from tests.live.helpers import (
    HOST,
    KIB,
    MIB,
    check_value,
    checked_value,
    client,
    info,
    info_int,
    server,
    set_reply,
)

THREADS = 8
KEYS = [b"cc:%d" % i for i in range(16)]
SIZES = [24 * KIB, 64 * KIB + 3, 200 * KIB, 700 * KIB + 9, MIB + 17, 2 * MIB - 5]


@dataclass
class Write:
    digest: bytes | None          # None for DEL
    start: float
    end: float | None = None      # set when the reply arrived


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    writes: dict[bytes, list[Write]] = field(default_factory=lambda: {k: [] for k in KEYS})
    verified: int = 0
    nils: int = 0
    sets: int = 0
    dels: int = 0
    bytes_verified: int = 0
    errors: list[str] = field(default_factory=list)

    def begin(self, key: bytes, digest: bytes | None) -> Write:
        w = Write(digest, time.monotonic())
        with self.lock:
            self.writes[key].append(w)
        return w

    def check_read(self, key: bytes, digest: bytes, read_start: float) -> None:
        """The value read is one written to key and not superseded before the read started."""
        with self.lock:
            history = list(self.writes[key])
        mine = [w for w in history if w.digest == digest]
        assert mine, f"{key!r}: GET returned a value never written to this key"
        w = mine[0]
        if w.end is None:
            return                                  # its SET is still in flight: fine
        newer = [x for x in history
                 if x is not w and x.start > w.end and x.end is not None and x.end < read_start]
        assert not newer, (f"{key!r}: stale value: {len(newer)} later write(s) completed before "
                           f"the GET started")


def _worker(port: int, tid: int, tally: Tally, seed: int, iterations: int) -> None:
    rng = random.Random(seed)
    buf = bytearray(max(SIZES) + 1)
    view = memoryview(buf)
    with RawClient(HOST, port, timeout=60) as c:
        for i in range(iterations):
            key = rng.choice(KEYS)
            r = rng.random()
            if r < 0.45:
                value, digest = checked_value(key, tid * 1_000_000 + i, rng.choice(SIZES))
                w = tally.begin(key, digest)
                reply = set_reply(c, key, value)
                w.end = time.monotonic()
                assert reply == b"OK", f"thread {tid}: SET {key!r} of {len(value)} B: {reply!r}"
                with tally.lock:
                    tally.sets += 1
            elif r < 0.50:
                w = tally.begin(key, None)
                c.call("DEL", key)
                w.end = time.monotonic()
                with tally.lock:
                    tally.dels += 1
            else:
                start = time.monotonic()
                n = c.get_into(key, view)
                if n < 0:
                    with tally.lock:
                        tally.nils += 1
                    continue
                digest = check_value(key, view[:n])
                tally.check_read(key, digest, start)
                with tally.lock:
                    tally.verified += 1
                    tally.bytes_verified += n


@pytest.mark.parametrize(("iterations", "debug"), [
    pytest.param(150, (), id="150-ops-per-thread"),
    pytest.param(20, ("--debug-invariants", "yes"), id="20-ops-per-thread-invariants-checked"),
])
def test_concurrent_writers_readers_see_only_whole_current_values(
        iterations: int, debug: tuple[str, ...]) -> None:
    tally = Tally()
    with server("--maxmemory", "16mb", *debug) as sp, client(sp) as c:
        for i, key in enumerate(KEYS):          # start full: 16 x 2 MiB through 16 MiB
            value, digest = checked_value(key, 99_000_000 + i, SIZES[-1])
            w = tally.begin(key, digest)
            assert set_reply(c, key, value) == b"OK"
            w.end = time.monotonic()
        evicted_before = info_int(c, "stats", "evicted_keys")
        assert evicted_before > 0
        threads = []

        def run(tid: int) -> None:
            try:
                _worker(sp.port, tid, tally, 1000 + tid, iterations)
            except BaseException as e:  # noqa: BLE001 - reported by the main thread
                with tally.lock:
                    tally.errors.append(f"thread {tid}: {type(e).__name__}: {e}")

        t0 = time.monotonic()
        for tid in range(THREADS):
            t = threading.Thread(target=run, args=(tid,), daemon=True)
            threads.append(t)
            t.start()
        for t in threads:
            t.join(120)
        elapsed = time.monotonic() - t0
        assert not any(t.is_alive() for t in threads), "a worker hung"
        assert not tally.errors, "\n".join(tally.errors)
        # Quiescent: each key holds nil or a value no completed later write superseded.
        final = 0
        buf = memoryview(bytearray(max(SIZES) + 1))
        for key in KEYS:
            start = time.monotonic()
            n = c.get_into(key, buf)
            if n >= 0:
                tally.check_read(key, check_value(key, buf[:n]), start)
                final += 1
        mem = info(c, "memory")
        evicted = info_int(c, "stats", "evicted_keys")
        assert int(mem["used_memory"]) <= 16 * MIB
        assert int(mem["reservations"]) == 0 and int(mem["pinned_zombies"]) == 0
        print(f"\nconcurrency: {THREADS} threads x {iterations} ops in {elapsed:.1f} s: "
              f"{tally.sets} SETs, {tally.dels} DELs, {tally.verified} GET values verified "
              f"({tally.bytes_verified / MIB:.0f} MiB, checksum + not stale), {tally.nils} nil, "
              f"{final} keys verified at the end, {evicted - evicted_before} evictions "
              f"during the run")
        assert tally.verified >= THREADS * iterations // 5
        assert evicted > evicted_before, "nothing was evicted while the threads ran"
