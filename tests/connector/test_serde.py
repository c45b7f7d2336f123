"""Unit tests of the chunk header, naive and lz4 payloads, and the chunk reply reader."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from connector import ops
from connector.resp import ReadBuffer, ReplyError, feed
from connector.serde import (
    BY_NAME,
    FLAG_LZ4,
    HEADER_SIZE,
    SerdeError,
    byte_view,
    decode_header,
    encode,
    encode_header,
)


def _value(array, serde="naive", **kw) -> bytes:
    return b"".join(bytes(p) for p in encode(array, serde, **kw).parts)


def _bulk(value: bytes) -> bytes:
    return b"$%d\r\n" % len(value) + value + b"\r\n"


def _recrc(head: bytearray) -> bytes:
    struct.pack_into("<I", head, 12, 0)
    struct.pack_into("<I", head, 12, zlib.crc32(head))
    return bytes(head)


def test_header_layout_is_the_documented_one():
    head = encode_header(BY_NAME["bfloat16"], (2, 24, 256, 128), 2 * 24 * 256 * 128 * 2, fmt=1)
    assert len(head) == HEADER_SIZE == 64
    assert head[:4] == b"RKV1" and head[4] == 1 and head[5] == 2 and head[6] == 4 and head[7] == 0
    assert struct.unpack_from("<I", head, 8)[0] == 1
    assert struct.unpack_from("<QQ", head, 16) == (3 * 2**20, 3 * 2**20)
    assert struct.unpack_from("<8I", head, 32) == (2, 24, 256, 128, 0, 0, 0, 0)
    h = decode_header(head, 3 * 2**20)
    assert (h.dtype.name, h.shape, h.fmt, h.compressed) == ("bfloat16", (2, 24, 256, 128), 1, False)


def test_payload_is_the_arrays_own_memory():
    arr = np.arange(64, dtype=np.float32).reshape(4, 16)
    enc = encode(arr)
    assert enc.nbytes == HEADER_SIZE + arr.nbytes
    assert np.shares_memory(np.frombuffer(enc.parts[1], np.uint8), arr)


@pytest.mark.parametrize("name", ["bfloat16", "float8_e4m3fn", "float8_e5m2"])
def test_dtype_override_keeps_the_name(name):
    storage = np.uint16 if name == "bfloat16" else np.uint8
    arr = np.arange(12, dtype=storage).reshape(3, 4)
    h = decode_header(_value(arr, dtype_name=name), arr.nbytes)
    assert h.dtype.name == name and h.dtype.storage == np.dtype(storage)


def test_dtype_override_must_match_item_size():
    with pytest.raises(SerdeError, match="2 bytes"):
        encode(np.zeros(4, np.uint8), dtype_name="bfloat16")


def test_unknown_dtype_and_too_many_dims():
    with pytest.raises(SerdeError, match="unsupported dtype"):
        encode(np.zeros(2, np.complex64))
    with pytest.raises(SerdeError, match="at most 8"):
        encode(np.zeros((1,) * 9, np.uint8))


def test_plain_buffers_are_uint8():
    h = decode_header(_value(bytearray(b"abcdef")), 6)
    assert h.dtype.name == "uint8" and h.shape == (6,)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda h: h.__setitem__(slice(0, 4), b"XXXX"), "bad magic"),
        (lambda h: h.__setitem__(4, 9), "version"),
        (lambda h: h.__setitem__(40, 7), "checksum"),
    ],
)
def test_corrupt_headers_raise(mutate, match):
    head = bytearray(encode_header(BY_NAME["float16"], (4, 4), 32))
    mutate(head)
    with pytest.raises(SerdeError, match=match):
        decode_header(head, 32)


@pytest.mark.parametrize(
    ("offset", "value", "match"),
    [
        (5, 99, "unknown dtype"),
        (6, 9, "ndim"),
        (7, 0x80, "unknown flags"),
        (16, 31, "raw length"),
        (24, 31, "payload length"),
    ],
)
def test_inconsistent_fields_with_good_crc_raise(offset, value, match):
    head = bytearray(encode_header(BY_NAME["float16"], (4, 4), 32))
    head[offset] = value
    with pytest.raises(SerdeError, match=match):
        decode_header(_recrc(head), 32)


def test_length_mismatch_and_short_values():
    head = encode_header(BY_NAME["uint8"], (10,), 10)
    with pytest.raises(SerdeError, match="truncated"):
        decode_header(head, 9)
    with pytest.raises(SerdeError, match="shorter"):
        decode_header(head[:20])


def test_lz4_round_trip_and_flag():
    arr = np.zeros((64, 64), np.float16)
    value = _value(arr, "lz4")
    h = decode_header(value[:HEADER_SIZE], len(value) - HEADER_SIZE)
    assert h.flags == FLAG_LZ4 and len(value) < arr.nbytes // 4
    out = np.ones_like(arr)
    got = feed(ops.read_chunk(ReadBuffer(), lambda _: byte_view(out, writable=True)), _bulk(value))
    assert got.compressed and np.array_equal(out, arr)


def test_read_chunk_at_every_split_point():
    arr = np.arange(300, dtype=np.float32).reshape(3, 100)
    wire = _bulk(_value(arr))
    for cut in range(0, len(wire), 7):
        out = np.zeros_like(arr)
        h = feed(ops.read_chunk(ReadBuffer(32), lambda _, o=out: byte_view(o, writable=True)), wire, [cut])
        assert h.shape == (3, 100) and np.array_equal(out, arr)


def test_read_chunk_validates_header_before_touching_the_destination():
    arr = np.arange(100, dtype=np.uint8)
    value = bytearray(_value(arr))
    value[0:4] = b"JUNK"
    out = np.full(100, 7, np.uint8)
    with pytest.raises(SerdeError, match="bad magic"):
        feed(ops.read_chunk(ReadBuffer(), lambda _: byte_view(out, writable=True)), _bulk(bytes(value)))
    assert (out == 7).all()


def test_mget_reader_stays_in_step_after_a_bad_value():
    good = np.arange(50, dtype=np.int16)
    wire = b"*3\r\n" + _bulk(b"garbage, not a chunk" * 5) + b"$-1\r\n" + _bulk(_value(good))
    outs = [np.zeros(50, np.int16) for _ in range(3)]
    op = ops.get_many([b"a", b"b", b"c"], [lambda _, o=o: byte_view(o, writable=True) for o in outs])
    rb = ReadBuffer()
    with pytest.raises(SerdeError, match="key 'a'"):
        feed(op.read(rb), wire + b"+NEXT\r\n")
    assert np.array_equal(outs[2], good)  # later values still read
    assert feed(ops.read_reply(rb), b"") == b"NEXT"  # and the stream is in step


def test_wrong_size_destination_is_a_clear_error():
    arr = np.arange(100, dtype=np.uint8)
    out = np.zeros(99, np.uint8)
    with pytest.raises(ValueError, match="destination holds 99 bytes"):
        feed(ops.read_chunk(ReadBuffer(), lambda _: byte_view(out, writable=True)), _bulk(_value(arr)))


def test_error_reply_to_get():
    with pytest.raises(ReplyError, match="WRONGTYPE"):
        feed(ops.read_chunk(ReadBuffer(), lambda _: memoryview(bytearray())), b"-WRONGTYPE x\r\n")
