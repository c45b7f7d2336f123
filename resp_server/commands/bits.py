"""Bitmap commands (bitops.c): SETBIT GETBIT BITCOUNT BITPOS BITOP, on string values.

A value is a bit array, bit 0 being the most significant bit of byte 0. Reads work on the value's
bytes (missing bytes read as zero; a missing key is an empty string); writes build the new value
and store it with the key's TTL kept, as SETRANGE does - a SETBIT past the end grows the value,
zero-padded. Bit offsets are limited as Redis limits them: offset / 8 < proto-max-bulk-len.
Ranges (BITCOUNT, BITPOS) are inclusive, in bytes or (BIT) in bits, negative from the end, then
clamped exactly as Redis's bitcountCommand / bitposCommand clamp them. Values that a bit command
writes are "raw" strings (OBJECT ENCODING), as Redis's unshared sds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resp_server.commands.args import arg_bytes, get_ll, parse_ll
from resp_server.commands.db import mark_raw, peek, put, read, value_bytes, value_slice
from resp_server.commands.table import spec
from resp_server.resp.numbers import LLONG_MIN
from resp_server.resp.replies import ERR_OOM, ERR_SYNTAX, RespError

if TYPE_CHECKING:
    from resp_server.client import ClientState

ERR_BIT_OFFSET = "ERR bit offset is not an integer or out of range"
ERR_BIT_VALUE = "ERR bit is not an integer or out of range"


def wrap64(n: int) -> int:
    """A C int64 after overflow: n reduced into [LLONG_MIN, LLONG_MAX]."""
    return (n - LLONG_MIN) % (1 << 64) + LLONG_MIN


def bit_offset(c: ClientState, arg: bytes, hash_ok: bool = False, bits: int = 0) -> int:
    """getBitOffsetFromArgument: a bit offset, `#N` meaning N * bits (BITFIELD); the C string up
    to a NUL byte is parsed; offset / 8 must stay below proto-max-bulk-len."""
    raw = arg_bytes(arg)
    use_hash = hash_ok and bits > 0 and raw[:1] == b"#"
    value = parse_ll(raw[1:] if use_hash else raw)
    if value is None:
        raise RespError(ERR_BIT_OFFSET)
    if use_hash:
        value = wrap64(value * bits)
    if value < 0 or (value >> 3) >= c.server.proto_max_bulk_len:
        raise RespError(ERR_BIT_OFFSET)
    return value


def grown_value(c: ClientState, key: bytes, max_bit: int) -> tuple[bytearray, bool]:
    """lookupStringForBitCommand: the key's value as a mutable copy grown (zero-padded) to hold
    bit `max_bit`, and its `dirty` flag: whether the key is new or the value grew."""
    item = peek(c, key)
    need = (max_bit >> 3) + 1
    if need > (item.length if item is not None else 0) and \
            not c.server.keyspace.could_fit(need):
        raise RespError(ERR_OOM)     # could never be stored: refuse before building it
    buf = bytearray(value_bytes(item)) if item is not None else bytearray()
    grew = len(buf) < need
    if grew:
        buf.extend(bytes(need - len(buf)))
    return buf, item is None or grew


def store_raw(c: ClientState, key: bytes, value: bytes | bytearray, keep_ttl: bool) -> None:
    """Store a value a bit command built (a raw string)."""
    mark_raw(c, put(c, key, bytes(value), keep_ttl=keep_ttl))


# --- SETBIT / GETBIT --------------------------------------------------------------------------

def setbit(c: ClientState, argv: list) -> object:
    """SETBIT key offset 0|1: the bit's old value; the value grows as needed. As Redis, a SETBIT
    that changes nothing (same bit, no growth) stores nothing: WATCH and the dirty count stay."""
    offset = bit_offset(c, argv[2])
    on = get_ll(argv[3], ERR_BIT_VALUE)
    if on & ~1:
        raise RespError(ERR_BIT_VALUE)
    buf, dirty = grown_value(c, argv[1], offset)
    byte, shift = offset >> 3, 7 - (offset & 7)
    old = (buf[byte] >> shift) & 1
    if not dirty and old == on:
        c.server.stats.dirty_adjust -= 1
        return old
    buf[byte] = (buf[byte] & ~(1 << shift)) | (on << shift)
    store_raw(c, argv[1], buf, keep_ttl=True)
    return old


def getbit(c: ClientState, argv: list) -> object:
    offset = bit_offset(c, argv[2])
    item = read(c, argv[1])
    byte = offset >> 3
    if item is None or byte >= item.length:
        return 0
    return (value_slice(item, byte, byte + 1)[0] >> (7 - (offset & 7))) & 1


# --- ranges -----------------------------------------------------------------------------------

def _unit(arg: bytes) -> bool:
    """BYTE | BIT (case-insensitive, as a C string): True for BIT."""
    word = arg_bytes(arg).lower()
    if word not in (b"bit", b"byte"):
        raise RespError(ERR_SYNTAX)
    return word == b"bit"


def clamp_range(start: int, end: int, total: int) -> tuple[int, int]:
    """Redis's index conversion: negatives from the end, then clamped into [0, total - 1]."""
    if start < 0:
        start += total
    if end < 0:
        end += total
    start, end = max(start, 0), max(end, 0)
    return start, min(end, total - 1)


def _masked(data: bytes, bstart: int, bend: int, fill: int) -> bytearray:
    """Bytes holding bits [bstart, bend] (inclusive); the bits of the first and last byte
    outside the range set to `fill` (0 or 1)."""
    seg = bytearray(data[bstart >> 3:(bend >> 3) + 1])
    head = 0xFF >> (bstart & 7)                      # bits of byte 0 inside the range
    tail = (0xFF << (7 - (bend & 7))) & 0xFF         # bits of the last byte inside the range
    if fill:
        seg[0] |= ~head & 0xFF
        seg[-1] |= ~tail & 0xFF
    else:
        seg[0] &= head
        seg[-1] &= tail
    return seg


def popcount(data: bytes | bytearray) -> int:
    return int.from_bytes(data, "little").bit_count()


def bitcount(c: ClientState, argv: list) -> object:
    """BITCOUNT key [start end [BYTE|BIT]]: set bits in the (inclusive) range."""
    item = read(c, argv[1])
    if item is None:
        return 0
    data = value_bytes(item)
    n = len(data)
    if len(argv) == 2:
        return popcount(data)
    if len(argv) not in (4, 5):
        raise RespError(ERR_SYNTAX)
    start, end = get_ll(argv[2]), get_ll(argv[3])
    if start < 0 and end < 0 and start > end:
        return 0
    is_bit = len(argv) == 5 and _unit(argv[4])
    start, end = clamp_range(start, end, n * 8 if is_bit else n)
    if start > end:
        return 0
    if not is_bit:
        return popcount(data[start:end + 1])
    return popcount(_masked(data, start, end, 0))


def first_bit(data: bytes, bit: int, bstart: int, bend: int) -> int | None:
    """The first bit position in [bstart, bend] holding `bit`, or None."""
    seg = _masked(data, bstart, bend, 1 - bit)
    rest = seg.lstrip(b"\xff" if bit == 0 else b"\x00")
    if not rest:
        return None
    byte = rest[0] if bit else ~rest[0] & 0xFF
    return ((bstart >> 3) + len(seg) - len(rest)) * 8 + 8 - byte.bit_length()


def bitpos(c: ClientState, argv: list) -> object:
    """BITPOS key 0|1 [start [end [BYTE|BIT]]]: the first bit set (or clear) in the range; a
    missing key is all zeros. Looking for 0 without an end, the bit after the value counts."""
    bit = get_ll(argv[2])
    if bit not in (0, 1):
        raise RespError("ERR The bit argument must be 1 or 0.")
    item = read(c, argv[1])
    if item is None:
        return -1 if bit else 0
    data = value_bytes(item)
    n = len(data)
    argc = len(argv)
    if argc > 6:
        raise RespError(ERR_SYNTAX)
    start, end, is_bit, end_given = 0, n - 1, False, argc >= 5
    if argc >= 4:
        start = get_ll(argv[3])
        is_bit = argc == 6 and _unit(argv[5])
        end = get_ll(argv[4]) if end_given else (n << 3) + 7 if is_bit else n - 1
        start, end = clamp_range(start, end, n * 8 if is_bit else n)
    if start > end:
        return -1
    bstart, bend = (start, end) if is_bit else (start * 8, end * 8 + 7)
    pos = first_bit(data, bit, bstart, bend)
    if pos is not None:
        return pos
    if bit == 1 or end_given:
        return -1
    return ((bend >> 3) + 1) * 8


# --- BITOP ------------------------------------------------------------------------------------

_OPS = {b"and": "and", b"or": "or", b"xor": "xor", b"not": "not"}


def bitop(c: ClientState, argv: list) -> object:
    """BITOP AND|OR|XOR|NOT destkey key [key ...]: the result's length (the longest source);
    shorter and missing sources count as zero bytes; an empty result deletes destkey."""
    op = _OPS.get(arg_bytes(argv[1]).lower())
    if op is None:
        raise RespError(ERR_SYNTAX)
    if op == "not" and len(argv) != 4:
        raise RespError("ERR BITOP NOT must be called with a single source key.")
    sources = []
    for key in argv[3:]:
        item = read(c, key)
        sources.append(value_bytes(item) if item is not None else b"")
    maxlen = max(len(s) for s in sources)
    dest = argv[2]
    if not maxlen:
        c.server.keyspace.delete(c.db, dest)
        return 0
    store_raw(c, dest, _combine(op, sources, maxlen), keep_ttl=False)
    return maxlen


def _combine(op: str, sources: list[bytes], maxlen: int) -> bytes:
    """The bitwise result over sources zero-padded to maxlen bytes (big-endian integers)."""
    nums = [int.from_bytes(s.ljust(maxlen, b"\0"), "big") for s in sources]
    acc = nums[0]
    if op == "not":
        acc = ~acc & ((1 << (8 * maxlen)) - 1)
    for x in nums[1:]:
        if op == "and":
            acc &= x
        elif op == "or":
            acc |= x
        else:
            acc ^= x
    return acc.to_bytes(maxlen, "big")


# --- table ------------------------------------------------------------------------------------

K1 = (1, 1, 1)
COMMANDS = [
    spec("setbit", setbit, 4, "write denyoom", K1, "bitmap",
         "Sets or clears the bit at offset in the string value stored at key", "2.2.0"),
    spec("getbit", getbit, 3, "readonly fast", K1, "bitmap",
         "Returns the bit value at offset in the string value stored at key", "2.2.0"),
    spec("bitcount", bitcount, -2, "readonly", K1, "bitmap", "Count set bits in a string",
         "2.6.0"),
    spec("bitpos", bitpos, -3, "readonly", K1, "bitmap", "Find first bit set or clear in a string",
         "2.8.7"),
    spec("bitop", bitop, -4, "write denyoom", (2, -1, 1), "bitmap",
         "Perform bitwise operations between strings", "2.6.0"),
]

