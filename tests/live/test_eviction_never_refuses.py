"""A full cache evicts, it never refuses a write: allkeys policies under writers and readers.

8 writer connections SET self-checking values of 1-4 MiB on a key set four times the 256 MiB cap
while 4 reader connections GET and verify them, so every chunk is read (counters set) and some are
pinned while being sent, and reservations of other writers are in flight during evictions. Under
an allkeys policy no SET may answer -OOM, and every GET answers nil (evicted) or a correct value.
Readers read what was written last, so most chunks are read several times while on probation.
Bounded: DURATION seconds or MAX_SETS writes per writer, whichever comes first.
"""

from __future__ import annotations

import random
import threading
import time

import pytest

from scripts.rawclient import RawClient
from tests.live.helpers import MIB, check_value, checked_value, client, server, set_reply

WRITERS = 8
READERS = 4
KEYS = [b"chunk:%d" % i for i in range(160)]        # ~400 MiB of distinct values: 1.6x the cap
VARIANTS = 1                                        # values per key (each 1-4 MiB)
DURATION = 12.0                                     # seconds per policy
MAX_SETS = 2000                                     # per writer
RECENT = 8                                          # readers pick among the last keys written


def _values(seed: int) -> dict[bytes, list[bytes]]:
    rng = random.Random(seed)
    return {k: [checked_value(k, v, rng.randint(MIB, 4 * MIB))[0] for v in range(VARIANTS)]
            for k in KEYS}


@pytest.fixture(scope="module")
def values() -> dict[bytes, list[bytes]]:
    return _values(7)


@pytest.mark.parametrize("policy", ["allkeys-s3fifo", "allkeys-lru"])
def test_allkeys_policies_never_answer_oom(policy: str, values: dict[bytes, list[bytes]]) -> None:
    errors: list[str] = []
    counts = {"sets": 0, "ooms": 0, "gets": 0, "hits": 0}
    lock = threading.Lock()
    recent: list[bytes] = [KEYS[0]]      # keys written last: readers read these (as LMCache
    stop = time.monotonic() + DURATION   # retrieves what was just stored), so counters rise

    def writer(c: RawClient, seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(MAX_SETS):
            if time.monotonic() > stop or errors:
                return
            key = rng.choice(KEYS)
            reply = set_reply(c, key, values[key][rng.randrange(VARIANTS)])
            with lock:
                counts["sets"] += 1
                recent.append(key)
                del recent[:-RECENT]
                if reply != b"OK" and reply != "OK":
                    counts["ooms"] += 1
                    errors.append(f"SET {key!r}: {reply!r}")

    def reader(c: RawClient, seed: int) -> None:
        rng = random.Random(seed)
        buf = bytearray(4 * MIB + 64)
        while time.monotonic() < stop and not errors:
            with lock:
                key = rng.choice(recent)
            n = c.get_into(key, memoryview(buf))
            with lock:
                counts["gets"] += 1
                counts["hits"] += n >= 0
            if n >= 0:
                try:
                    check_value(key, memoryview(buf)[:n])
                except AssertionError as e:
                    errors.append(str(e))

    with server("--maxmemory", "256mb", "--maxmemory-policy", policy) as sp:
        conns = [client(sp) for _ in range(WRITERS + READERS)]
        threads = [threading.Thread(target=writer, args=(conns[i], i)) for i in range(WRITERS)]
        threads += [threading.Thread(target=reader, args=(conns[WRITERS + i], 100 + i))
                    for i in range(READERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(DURATION + 60)
        for c in conns:
            c.close()
    print(f"{policy}: {counts}")
    assert not errors, errors[:5]
    assert counts["sets"] > 200 and counts["hits"] > 0
