"""Hash slots: which of the 16384 slots a key belongs to, and how slots split across nodes.

`key_slot` is Redis Cluster's keyHashSlot: CRC16-XMODEM (poly 0x1021, init 0 - what
`binascii.crc_hqx(data, 0)` computes, in C) of the key modulo 16384, where a key holding a
`{...}` hash tag with at least one byte between the first `{` and the first `}` after it hashes
only that tag. `even_split` divides the slots among N nodes exactly as `redis-cli --cluster
create` does (a float32 cursor, lround), so an untagged `cluster-nodes` list gives the same
ranges as a real Redis cluster of the same size. Ranges are inclusive (start, end) pairs.
"""

from __future__ import annotations

from binascii import crc_hqx

import numpy as np

SLOTS = 16384                 # Redis Cluster's fixed slot count (CLUSTER_SLOTS)
SLOT_MASK = SLOTS - 1

Range = tuple[int, int]       # inclusive: (start, end)


def key_slot(key: bytes) -> int:
    """keyHashSlot: the slot of `key` ({hash tag} rules included)."""
    s = key.find(b"{")
    if s >= 0:
        e = key.find(b"}", s + 1)
        if e > s + 1:
            return crc_hqx(key[s + 1:e], 0) & SLOT_MASK
    return crc_hqx(key, 0) & SLOT_MASK


def even_split(n: int) -> list[Range]:
    """redis-cli's clusterManagerCommandCreate split of all slots over n nodes, in order."""
    if n < 1:
        return []
    per = np.float32(SLOTS) / np.float32(n)
    cursor = np.float32(0.0)
    first = 0
    out = []
    for i in range(n):
        last = _lround(float(cursor + per - np.float32(1)))
        if last > SLOTS or i == n - 1:
            last = SLOTS - 1
        last = max(last, first)
        out.append((first, last))
        first = last + 1
        cursor = np.float32(cursor + per)
    return out


def _lround(x: float) -> int:
    """C's lround: halves away from zero."""
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


def parse_ranges(text: str) -> list[Range]:
    """'0-5460,7000' -> [(0, 5460), (7000, 7000)]; ValueError on a bad or out-of-range slot."""
    out = []
    for part in text.split(","):
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        start, end = _slot(lo), (_slot(hi) if sep else _slot(lo))
        if end < start:
            raise ValueError(f"slot range {part!r} ends before it starts")
        out.append((start, end))
    return out


def _slot(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) < SLOTS:
        raise ValueError(f"invalid slot {text!r} (0..{SLOTS - 1})")
    return int(text)


def ranges_of(slots: list[int] | range) -> list[Range]:
    """Sorted slot numbers -> contiguous inclusive ranges."""
    out: list[Range] = []
    for s in slots:
        if out and out[-1][1] == s - 1:
            out[-1] = (out[-1][0], s)
        else:
            out.append((s, s))
    return out
