"""Scan resistance, live: a hot set read repeatedly survives a scan of one-off keys under
allkeys-s3fifo (and allkeys-lfu, which maps to it) but not under allkeys-lru.

Under a 16 MiB cap (15 values of ~1 MiB), four hot keys are written and read twice, the cache is
filled with one-off keys, then each round writes a scan of 20 one-off keys (more than the cache
holds) and reads the hot set; a miss re-SETs the key, as a cache client would. Exact LRU loses the
whole hot set to every scan; S3-FIFO keeps it in its main queue while the one-off keys leave
through the probation queue. Hot hit ratios of the policies are printed side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.live.helpers import KIB, MIB, client, get_exact, info_int, pattern, server, set_reply

ROUNDS = 4


@dataclass(frozen=True)
class Workload:
    size: int       # value bytes
    hot: int        # hot keys
    fill: int       # one-off keys written to fill the cache after the hot set
    scan: int       # one-off keys per scan (more than the cache holds)


WORKLOADS = {
    "1MiB-values": Workload(MIB - 100, 4, 11, 20),
    "2.3MiB-chains": Workload(2 * MIB + 300 * KIB, 2, 4, 10),
}


def _run(policy: str, w: Workload) -> tuple[int, int, int]:
    """(hot hits, hot reads, evictions) for one policy."""
    size = w.size
    hot = [b"hot:%d" % i for i in range(w.hot)]
    with server("--maxmemory", "16mb", "--maxmemory-policy", policy) as sp, client(sp) as c:
        buf = bytearray(size + 1)
        for k in hot:
            assert set_reply(c, k, pattern(k, 0, size)) == b"OK"
        for _ in range(2):
            for k in hot:
                assert get_exact(c, k, pattern(k, 0, size), buf)
        n = 0
        for _ in range(w.fill):                               # fill up with one-off keys
            k = b"once:%d" % n
            assert set_reply(c, k, pattern(k, 0, size)) == b"OK"
            n += 1
        hits = reads = 0
        for _ in range(ROUNDS):
            for _ in range(w.scan):
                k = b"once:%d" % n
                assert set_reply(c, k, pattern(k, 0, size)) == b"OK"
                n += 1
            for k in hot:
                reads += 1
                if get_exact(c, k, pattern(k, 0, size), buf):
                    hits += 1
                else:
                    assert set_reply(c, k, pattern(k, 0, size)) == b"OK"
        return hits, reads, info_int(c, "stats", "evicted_keys")


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_hot_set_survives_scan_under_s3fifo_not_lru(name: str) -> None:
    w = WORKLOADS[name]
    results = {p: _run(p, w) for p in ("allkeys-lru", "allkeys-s3fifo", "allkeys-lfu")}
    print(f"\nscan resistance ({w.hot} hot keys, scans of {w.scan} one-off {w.size} B keys, "
          f"16 MiB cap):")
    for policy, (hits, reads, evicted) in results.items():
        print(f"  {policy:15s} hot hits {hits}/{reads} = {hits / reads:.0%}, {evicted} evictions")
    hits, reads, _ = results["allkeys-lru"]
    assert hits == 0, "exact LRU kept hot keys through a scan larger than the cache"
    for policy in ("allkeys-s3fifo", "allkeys-lfu"):
        hits, reads, _ = results[policy]
        assert hits == reads, f"{policy} lost hot keys to a scan of one-off keys"
