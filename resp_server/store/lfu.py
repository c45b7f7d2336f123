"""Redis's LFU access counter (evict.c's LFULogIncr / LFUDecrAndReturn), for OBJECT FREQ.

Under an LFU policy each item carries `lfu = (minutes << 8) | counter`: a logarithmic 8-bit
counter and the minute (mod 2^16) it was last decayed. A new item starts at LFU_INIT_VAL; every
access first decays the counter by one per `decay_time` minutes elapsed, then increments it with
probability 1 / ((counter - LFU_INIT_VAL) * log_factor + 1), so 255 takes about a million hits at
log_factor 10. OBJECT FREQ reads the decayed counter without storing it; RESTORE ... FREQ sets it.

The counter measures; it does not order eviction (allkeys-lfu evicts by S3-FIFO, see s3fifo.py).
Pure functions of (field, now, settings) plus `random()`; the keyspace calls them only while an
LFU policy is selected, so other policies pay nothing.
"""

from __future__ import annotations

from random import random

LFU_INIT_VAL = 5
COUNTER_MAX = 255
MINUTES_MASK = 0xFFFF


def minutes(now_ms: int) -> int:
    """The LFU clock: minutes since the epoch, modulo 2^16."""
    return (now_ms // 60_000) & MINUTES_MASK


def fresh(now_ms: int, counter: int = LFU_INIT_VAL) -> int:
    """The field of an item created (or restored with FREQ `counter`) at `now_ms`."""
    return (minutes(now_ms) << 8) | min(max(counter, 0), COUNTER_MAX)


def decayed(field: int, now_ms: int, decay_time: int) -> int:
    """The counter after decaying it for the minutes elapsed since the field was stamped."""
    counter = field & 0xFF
    if decay_time <= 0:
        return counter
    then, now = field >> 8, minutes(now_ms)
    elapsed = now - then if now >= then else MINUTES_MASK - then + now
    return max(0, counter - elapsed // decay_time)


def accessed(field: int, now_ms: int, log_factor: int, decay_time: int) -> int:
    """The field after one access at `now_ms`: decay, then the logarithmic increment."""
    counter = decayed(field, now_ms, decay_time)
    if counter < COUNTER_MAX:
        base = max(0, counter - LFU_INIT_VAL)
        if random() < 1.0 / (base * log_factor + 1):
            counter += 1
    return (minutes(now_ms) << 8) | counter
