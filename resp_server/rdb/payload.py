"""DUMP payloads of string values, byte for byte as Redis 7.0 writes and reads them (rdb.c).

    payload  = object type (1 byte: 0 = string) | string | RDB version (2 bytes LE) | CRC64 (8 LE)
    string   = an integer: 0xC0 int8 | 0xC1 int16 LE | 0xC2 int32 LE   (values that string2ll reads
                                                                          back exactly, int32 range)
             | LZF: 0xC3 | len(compressed) | len(original) | compressed   (> 20 bytes, >= 4 saved)
             | plain: len | bytes
    len      = 00xxxxxx (< 64) | 01xxxxxx xxxxxxxx (< 16384, big-endian) | 0x80 + 4 bytes BE
             | 0x81 + 8 bytes BE

The CRC covers everything before it. Redis chooses the encoding from the value alone (an int-encoded
object and a short raw string of the same digits encode alike; longer integers are plain strings),
so `dump_string` gives Redis's exact payload for any value. `load_string` accepts whatever a
Redis 7.0 (RDB version <= 10) wrote for a string, and raises PayloadError with Redis's RESTORE
error texts for a wrong version or checksum and for a malformed body.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from resp_server.rdb import lzf
from resp_server.rdb.crc64 import crc64, crc64_parts
from resp_server.resp.numbers import parse_ll

RDB_VERSION = 10                 # Redis 7.0
RDB_TYPE_STRING = 0
OTHER_TYPES = frozenset((1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19))
"""Object types Redis 7.0 loads (lists, sets, hashes, sorted sets, modules, streams)."""
ENC_INT8, ENC_INT16, ENC_INT32, ENC_LZF = 0, 1, 2, 3
FOOTER = 10                      # RDB version + CRC64

ERR_CHECKSUM = "ERR DUMP payload version or checksum are wrong"
ERR_FORMAT = "ERR Bad data format"
ERR_TYPE = ("ERR Bad data format: the DUMP payload holds a data type this server does not "
            "store (only strings)")


class PayloadError(ValueError):
    """A payload RESTORE refuses; `msg` is the error reply."""

    def __init__(self, msg: str) -> None:
        super().__init__(msg)
        self.msg = msg


# --- writing ----------------------------------------------------------------------------------

def encode_len(n: int) -> bytes:
    """rdbSaveLen."""
    if n < 1 << 6:
        return bytes((n,))
    if n < 1 << 14:
        return bytes((0x40 | n >> 8, n & 0xFF))
    if n <= 0xFFFFFFFF:
        return b"\x80" + n.to_bytes(4, "big")
    return b"\x81" + n.to_bytes(8, "big")


def encode_int(value: int) -> bytes | None:
    """rdbEncodeInteger: the int8/16/32 encoding of value, or None when it needs more bits."""
    if -(1 << 7) <= value < 1 << 7:
        return bytes((0xC0 | ENC_INT8,)) + struct.pack("<b", value)
    if -(1 << 15) <= value < 1 << 15:
        return bytes((0xC0 | ENC_INT16,)) + struct.pack("<h", value)
    if -(1 << 31) <= value < 1 << 31:
        return bytes((0xC0 | ENC_INT32,)) + struct.pack("<i", value)
    return None


def encode_string_header(value: bytes) -> tuple[bytes, bytes | None]:
    """rdbSaveRawString's choice for `value`: (header, body) where body None means "the value
    itself follows the header" (plain encoding, no copy of big values)."""
    if len(value) <= 11:
        n = parse_ll(value)
        enc = encode_int(n) if n is not None else None
        if enc is not None:
            return enc, b""
    if len(value) > lzf.MIN_COMPRESS_LEN:
        packed = lzf.compress(value)
        if packed is not None:
            head = bytes((0xC0 | ENC_LZF,)) + encode_len(len(packed)) + encode_len(len(value))
            return head, packed
    return encode_len(len(value)), None


def dump_parts(value: bytes, views: Sequence[memoryview] | None = None) -> list:
    """The payload of a string as a list of buffers (a plain big value's own slab views are
    passed through, not copied)."""
    head, body = encode_string_header(value)
    parts: list = [bytes((RDB_TYPE_STRING,)) + head]
    if body is None:
        parts.extend(views if views is not None else [value])
    elif body:
        parts.append(body)
    version = RDB_VERSION.to_bytes(2, "little")
    crc = crc64(version, crc64_parts(parts))
    parts.append(version + crc.to_bytes(8, "little"))
    return parts


def dump_string(value: bytes) -> bytes:
    """DUMP's reply for a string value."""
    return b"".join(dump_parts(value))


# --- reading ----------------------------------------------------------------------------------

def verify(payload: bytes) -> None:
    """verifyDumpPayload: RDB version <= ours and a matching CRC64."""
    if len(payload) < FOOTER:
        raise PayloadError(ERR_CHECKSUM)
    footer = payload[-FOOTER:]
    if int.from_bytes(footer[:2], "little") > RDB_VERSION:
        raise PayloadError(ERR_CHECKSUM)
    if crc64(memoryview(payload)[:-8]) != int.from_bytes(footer[2:], "little"):
        raise PayloadError(ERR_CHECKSUM)


class _Reader:
    """rio over the payload body (without the footer); any overrun is a format error."""

    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            raise PayloadError(ERR_FORMAT)
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def byte(self) -> int:
        return self.take(1)[0]

    def length(self) -> tuple[int, bool]:
        """rdbLoadLenByRef: (length or encoding type, is_encoded)."""
        first = self.byte()
        kind = first >> 6
        if kind == 0:
            return first & 0x3F, False
        if kind == 1:
            return (first & 0x3F) << 8 | self.byte(), False
        if kind == 3:
            return first & 0x3F, True
        if first == 0x80:
            return int.from_bytes(self.take(4), "big"), False
        if first == 0x81:
            return int.from_bytes(self.take(8), "big"), False
        raise PayloadError(ERR_FORMAT)


_INT_FORMATS = {ENC_INT8: "<b", ENC_INT16: "<h", ENC_INT32: "<i"}


def read_string(r: _Reader) -> bytes:
    """rdbGenericLoadStringObject: an int, LZF or plain string."""
    n, encoded = r.length()
    if not encoded:
        return bytes(r.take(n))
    fmt = _INT_FORMATS.get(n)
    if fmt is not None:
        return b"%d" % struct.unpack(fmt, r.take(struct.calcsize(fmt)))[0]
    if n != ENC_LZF:
        raise PayloadError(ERR_FORMAT)
    clen, enc1 = r.length()
    ulen, enc2 = r.length()
    if enc1 or enc2:
        raise PayloadError(ERR_FORMAT)
    try:
        return lzf.decompress(r.take(clen), ulen)
    except lzf.LZFError:
        raise PayloadError(ERR_FORMAT) from None


def load_string(payload: bytes) -> bytes:
    """The string value a DUMP payload holds (RESTORE), after verifying its footer."""
    verify(payload)
    r = _Reader(memoryview(payload))      # as Redis: reads may run into the footer
    kind = r.byte()
    if kind in OTHER_TYPES:
        raise PayloadError(ERR_TYPE)
    if kind != RDB_TYPE_STRING:
        raise PayloadError(ERR_FORMAT)
    return read_string(r)
