"""BITFIELD and BITFIELD_RO (bitops.c): integer fields of 1..64 bits at any bit offset of a value.

A field `i<bits>` / `u<bits>` (u63 at most) at bit offset `o` (or `#n`: n * bits) is read
big-endian, most significant bit first, zero-padded past the value's end. All operations are
parsed and validated first (Redis's errors, in order); a command with a SET or INCRBY then grows
the value to its highest written bit (creating the key) and runs each operation in order on that
buffer, storing it once with the TTL kept. Overflow is checked on exact integers: a result outside
the field's range WRAPs (modulo 2^bits, sign-extended), SATurates, or FAILs (reply nil, no write).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from resp_server.commands.args import arg_bytes, get_ll, parse_ll
from resp_server.commands.bits import bit_offset, grown_value, store_raw
from resp_server.commands.db import read, value_bytes
from resp_server.commands.table import spec
from resp_server.resp.replies import ERR_SYNTAX, RespError

if TYPE_CHECKING:
    from resp_server.client import ClientState

ERR_TYPE = ("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
            "supported but i64 is.")
_OVERFLOW = {b"wrap": "wrap", b"sat": "sat", b"fail": "fail"}
_ARGS = {b"get": 2, b"set": 3, b"incrby": 3}      # arguments after the subcommand name


@dataclass(frozen=True, slots=True)
class FieldOp:
    opcode: bytes        # get / set / incrby
    offset: int          # bit offset
    bits: int            # field width
    signed: bool
    value: int           # SET value or INCRBY increment
    overflow: str        # wrap / sat / fail, as in force when the op was parsed


def field_type(arg: bytes) -> tuple[bool, int]:
    """getBitfieldTypeFromArgument: (signed, bits) from `i1`..`i64` / `u1`..`u63`."""
    raw = arg_bytes(arg)
    if raw[:1] not in (b"i", b"u"):
        raise RespError(ERR_TYPE)
    signed = raw[:1] == b"i"
    bits = parse_ll(raw[1:])
    if bits is None or bits < 1 or bits > (64 if signed else 63):
        raise RespError(ERR_TYPE)
    return signed, bits


def parse_ops(c: ClientState, argv: list) -> list[FieldOp]:
    """The operations of a BITFIELD command, validated in order as Redis does."""
    ops: list[FieldOp] = []
    overflow = "wrap"
    j = 2
    while j < len(argv):
        name = arg_bytes(argv[j]).lower()
        more = len(argv) - j - 1
        if name == b"overflow" and more >= 1:
            overflow = _OVERFLOW.get(arg_bytes(argv[j + 1]).lower(), "")
            if not overflow:
                raise RespError("ERR Invalid OVERFLOW type specified")
            j += 2
            continue
        if name not in _ARGS or more < _ARGS[name]:
            raise RespError(ERR_SYNTAX)
        signed, bits = field_type(argv[j + 1])
        offset = bit_offset(c, argv[j + 2], True, bits)
        value = get_ll(argv[j + 3]) if name != b"get" else 0
        ops.append(FieldOp(name, offset, bits, signed, value, overflow))
        j += 1 + _ARGS[name]
    return ops


def get_field(buf: bytes | bytearray, offset: int, bits: int, signed: bool) -> int:
    """The field's value; bytes past the end of buf read as zero."""
    first, last = offset >> 3, (offset + bits - 1) >> 3
    chunk = bytes(buf[first:last + 1]).ljust(last - first + 1, b"\0")
    shift = (last + 1) * 8 - (offset + bits)
    value = (int.from_bytes(chunk, "big") >> shift) & ((1 << bits) - 1)
    if signed and value >> (bits - 1):
        value -= 1 << bits
    return value


def set_field(buf: bytearray, offset: int, bits: int, value: int) -> None:
    """Write the low `bits` bits of value at offset (buf already holds the field)."""
    first, last = offset >> 3, (offset + bits - 1) >> 3
    shift = (last + 1) * 8 - (offset + bits)
    mask = ((1 << bits) - 1) << shift
    old = int.from_bytes(buf[first:last + 1], "big")
    new = (old & ~mask) | ((value << shift) & mask)
    buf[first:last + 1] = new.to_bytes(last - first + 1, "big")


def _limits(bits: int, signed: bool) -> tuple[int, int]:
    if signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def _wrap(value: int, bits: int, signed: bool) -> int:
    value &= (1 << bits) - 1
    if signed and value >> (bits - 1):
        value -= 1 << bits
    return value


def checked(total: int, op: FieldOp) -> int | None:
    """The value to store for `total` under the op's overflow rule; None for FAIL."""
    lo, hi = _limits(op.bits, op.signed)
    if lo <= total <= hi:
        return total
    if op.overflow == "fail":
        return None
    if op.overflow == "sat":
        return hi if total > hi else lo
    return _wrap(total, op.bits, op.signed)


def _int64(x: int) -> int:
    return ((x + (1 << 63)) & ((1 << 64) - 1)) - (1 << 63)


def _redis_signed_set(value: int, bits: int) -> int:
    """What Redis's checkSignedBitfieldOverflow(value, 0, ...) makes of a signed SET value under
    SAT: its `max - value` and `min - value` wrap as C int64s, so a value far below the field's
    range (e.g. -2^63 into i1) is judged a positive overflow and saturates to max. Returns a
    stand-in with Redis's verdict (above the range, below it, or the value itself)."""
    if bits == 64:
        return value
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if value > hi or _int64(hi - value) < 0:
        return hi + 1
    if value < lo or _int64(lo - value) > 0:
        return lo - 1
    return value


def _write_op(buf: bytearray, op: FieldOp) -> int | None:
    """SET (reply: the old value) or INCRBY (reply: the new value); None when FAIL refuses."""
    old = get_field(buf, op.offset, op.bits, op.signed)
    if op.opcode == b"set":
        # Redis checks the value as a C integer of the field's signedness: an unsigned field
        # sees a negative value as 2^64 + value.
        target = op.value if op.signed or op.value >= 0 else op.value + (1 << 64)
        if op.signed and op.overflow == "sat":
            target = _redis_signed_set(target, op.bits)
        new = checked(target, op)
    else:
        new = checked(old + op.value, op)
    if new is None:
        return None
    set_field(buf, op.offset, op.bits, new)
    return old if op.opcode == b"set" else new


def bitfield_generic(c: ClientState, argv: list, readonly_cmd: bool) -> object:
    ops = parse_ops(c, argv)
    writes = [op for op in ops if op.opcode != b"get"]
    key = argv[1]
    if not writes:
        if not readonly_cmd:
            c.server.stats.dirty_adjust -= 1     # a BITFIELD of GETs changes nothing
        item = read(c, key)
        data = value_bytes(item) if item is not None else b""
        return [get_field(data, op.offset, op.bits, op.signed) for op in ops]
    if readonly_cmd:
        raise RespError("ERR BITFIELD_RO only supports the GET subcommand")
    highest = max(op.offset + op.bits - 1 for op in writes)
    buf, dirty = grown_value(c, key, highest)
    replies: list[object] = []
    changes = 0           # Redis's count: writes that ran (not FAILed) and changed the field
    for op in ops:
        if op.opcode == b"get":
            replies.append(get_field(buf, op.offset, op.bits, op.signed))
            continue
        before = get_field(buf, op.offset, op.bits, op.signed)
        reply = _write_op(buf, op)
        replies.append(reply)
        if reply is not None and (dirty or get_field(buf, op.offset, op.bits, op.signed) != before):
            changes += 1
    if dirty or changes:  # Redis creates / grows the key even when every write FAILs
        store_raw(c, key, buf, keep_ttl=True)
    c.server.stats.dirty_adjust += changes - 1
    return replies


def bitfield(c: ClientState, argv: list) -> object:
    return bitfield_generic(c, argv, False)


def bitfield_ro(c: ClientState, argv: list) -> object:
    return bitfield_generic(c, argv, True)


def bitfield_keys(args: list) -> list[tuple[bytes, str]]:
    """bitfieldGetKeys (COMMAND GETKEYSANDFLAGS): RO for GET/OVERFLOW only, else RW update."""
    i = 2
    readonly = True
    while i < len(args):
        op = arg_bytes(args[i]).lower()
        more = len(args) - i - 1
        if op == b"get" and more >= 2:
            i += 3
        elif op == b"overflow" and more >= 1:
            i += 2
        else:                       # SET / INCRBY, or a syntax error: assume a write
            readonly = False
            break
    return [(args[1], "RO access" if readonly else "RW access update")]


COMMANDS = [
    spec("bitfield", bitfield, -2, "write denyoom", (1, 1, 1), "bitmap",
         "Perform arbitrary bitfield integer operations on strings", "3.2.0"),
    spec("bitfield_ro", bitfield_ro, -2, "readonly fast", (1, 1, 1), "bitmap",
         "Perform arbitrary bitfield integer operations on strings. Read-only variant of "
         "BITFIELD", "6.0.0"),
]
