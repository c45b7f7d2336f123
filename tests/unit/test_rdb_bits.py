"""Pure units: RDB string payloads, LZF, CRC64, LCS rows, bit fields (no server).

Each piece is checked against an independent reference: CRC64's check value and its byte-wise
table implementation; LZF's Python decompressor against liblzf (python-lzf) on random data; LCS's
bit-parallel rows and walk against Redis's full-table algorithm written out naively; bit fields
against a bit-by-bit reader; payload encode/decode round trips, and random bodies with a valid
footer that must fail only with Redis's RESTORE errors.
"""

from __future__ import annotations

import lzf as liblzf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resp_server.commands.bitfield import get_field, set_field
from resp_server.commands.lcs import lcs_len, lcs_rows, lcs_walk
from resp_server.rdb import lzf
from resp_server.rdb.crc64 import CHECK_VALUE, crc64, crc64_parts, crc64_py
from resp_server.rdb.payload import (
    ERR_CHECKSUM,
    ERR_FORMAT,
    ERR_TYPE,
    PayloadError,
    dump_string,
    encode_len,
    load_string,
)

COMPRESSIBLE = st.lists(st.sampled_from([b"ab", b"abc", b"\x00", b"kv ", b"z"]), max_size=400).map(
    b"".join)


def test_crc64_check_value_and_chunks() -> None:
    assert crc64(b"123456789") == crc64_py(b"123456789") == CHECK_VALUE
    data = bytes(range(256)) * 10
    assert crc64_parts([data[:100], memoryview(data)[100:]]) == crc64_py(data)


@settings(max_examples=200, deadline=None)
@given(data=st.one_of(st.binary(max_size=300), COMPRESSIBLE))
def test_lzf_round_trip_and_liblzf_agree(data: bytes) -> None:
    packed = lzf.compress(data)
    if len(data) <= 20:
        assert packed is None
        return
    if packed is None:
        return
    assert len(packed) <= len(data) - 4
    assert lzf.decompress(packed, len(data)) == data == liblzf.decompress(packed, len(data))


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=60), out_len=st.integers(min_value=0, max_value=200))
def test_lzf_decompress_rejects_garbage_cleanly(data: bytes, out_len: int) -> None:
    try:
        out = lzf.decompress(data, out_len)
    except lzf.LZFError:
        return
    assert len(out) == out_len


@settings(max_examples=200, deadline=None)
@given(value=st.one_of(st.binary(max_size=100), COMPRESSIBLE,
                       st.integers(min_value=-(2**63), max_value=2**63 - 1).map(b"%d".__mod__)))
def test_payload_round_trip(value: bytes) -> None:
    assert load_string(dump_string(value)) == value


def test_payload_encodings() -> None:
    assert dump_string(b"12345")[:4] == b"\x00\xc190"             # int16 LE
    assert dump_string(b"-1")[:3] == b"\x00\xc0\xff"
    assert dump_string(b"007")[:5] == b"\x00\x03007"              # not an integer for Redis
    assert dump_string(b"abc" * 30)[1] == 0xC3                    # LZF
    assert encode_len(63) == b"\x3f" and encode_len(64) == b"\x40\x40"
    assert encode_len(16384) == b"\x80\x00\x00\x40\x00"
    assert dump_string(b"x")[-10:-8] == b"\x0a\x00"               # RDB version 10


def _with_footer(body: bytes, version: int = 10) -> bytes:
    head = body + version.to_bytes(2, "little")
    return head + crc64(head).to_bytes(8, "little")


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=40))
def test_random_bodies_fail_only_with_restore_errors(body: bytes) -> None:
    try:
        load_string(_with_footer(body))
    except PayloadError as e:
        assert e.msg in (ERR_FORMAT, ERR_TYPE)


def test_footer_checks() -> None:
    good = dump_string(b"hello")
    for bad in (good[:-1] + bytes([good[-1] ^ 1]), _with_footer(b"\x00\x01x", 11), b"short"):
        with pytest.raises(PayloadError) as e:
            load_string(bad)
        assert e.value.msg == ERR_CHECKSUM
    assert load_string(_with_footer(b"\x00\x01x", 9)) == b"x"       # older versions load
    with pytest.raises(PayloadError) as e:
        load_string(_with_footer(b"\x04\x00"))                      # a hash: not ours to store
    assert e.value.msg == ERR_TYPE


def _redis_lcs(a: bytes, b: bytes) -> tuple[bytes, list[tuple[int, int, int, int]]]:
    """lcsCommand's table and walk, written out with the full table."""
    t = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            t[i][j] = t[i - 1][j - 1] + 1 if a[i - 1] == b[j - 1] else max(t[i - 1][j], t[i][j - 1])
    i, j, out, ranges, cur = len(a), len(b), bytearray(), [], None
    while i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            out.append(a[i - 1])
            if cur is None:
                cur = [i - 1, i - 1, j - 1, j - 1]
            elif cur[0] == i and cur[2] == j:
                cur[0] -= 1
                cur[2] -= 1
            else:
                emit = True
            emit = emit or cur[0] == 0 or cur[2] == 0
            i, j = i - 1, j - 1
        else:
            if t[i - 1][j] > t[i][j - 1]:
                i -= 1
            else:
                j -= 1
            emit = cur is not None
        if emit and cur is not None:
            ranges.append(tuple(cur))
            cur = None
    return bytes(reversed(out)), ranges


@settings(max_examples=300, deadline=None)
@given(a=st.binary(max_size=30).map(lambda b: bytes(x % 4 + 97 for x in b)),
       b=st.binary(max_size=30).map(lambda b: bytes(x % 5 + 97 for x in b)))
def test_lcs_bit_parallel_matches_redis_table(a: bytes, b: bytes) -> None:
    rows = lcs_rows(a, b)
    text, ranges = lcs_walk(a, b, rows)
    assert (text, ranges) == _redis_lcs(a, b)
    assert lcs_len(rows, len(a), len(b)) == len(text)


def _bits(buf: bytes, offset: int, bits: int) -> int:
    value = 0
    for pos in range(offset, offset + bits):
        byte = buf[pos >> 3] if pos >> 3 < len(buf) else 0
        value = value << 1 | (byte >> (7 - (pos & 7))) & 1
    return value


@settings(max_examples=300, deadline=None)
@given(buf=st.binary(min_size=0, max_size=20), offset=st.integers(min_value=0, max_value=200),
       bits=st.integers(min_value=1, max_value=64), value=st.integers(min_value=0,
                                                                       max_value=2**64 - 1))
def test_bitfield_get_set_match_bitwise_reference(buf: bytes, offset: int, bits: int,
                                                  value: int) -> None:
    raw = _bits(buf, offset, bits)
    assert get_field(buf, offset, bits, False) == raw
    signed = raw - (1 << bits) if raw >> (bits - 1) else raw
    assert get_field(buf, offset, bits, True) == signed
    grown = bytearray(buf) + bytes(max(0, (offset + bits + 7) // 8 - len(buf)))
    before = bytes(grown)
    set_field(grown, offset, bits, value)
    assert _bits(grown, offset, bits) == value & ((1 << bits) - 1)
    for pos in (offset - 1, offset + bits):                       # neighbours untouched
        if 0 <= pos < len(before) * 8:
            assert _bits(grown, pos, 1) == _bits(before, pos, 1)
