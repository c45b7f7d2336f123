"""Unit tests of the sans-IO RESP codec: literal bytes out, every split point in."""

from __future__ import annotations

import numpy as np
import pytest

from connector.resp import (
    BIG_ARG,
    Parts,
    ProtocolError,
    ReadBuffer,
    ReplyError,
    encode_command,
    encode_pipeline,
    feed,
    read_exact_into,
    read_line,
    read_reply,
)


def _joined(parts) -> bytes:
    return b"".join(bytes(p) for p in parts)


def test_encode_small_command_is_one_buffer():
    parts = encode_command([b"SET", "k", 12])
    assert parts == [b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n12\r\n"]


def test_encode_big_argument_is_sent_from_its_own_memory():
    arr = np.arange(BIG_ARG, dtype=np.uint8)
    parts = encode_command([b"SET", b"k", memoryview(arr)])
    big = [p for p in parts if isinstance(p, memoryview)]
    assert len(big) == 1 and np.shares_memory(np.frombuffer(big[0], np.uint8), arr)
    assert _joined(parts) == b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % BIG_ARG + arr.tobytes() + b"\r\n"


def test_encode_parts_argument_frames_the_total_length():
    payload = np.arange(100, dtype=np.uint8)
    parts = encode_command([b"SET", b"k", Parts((b"HDR", memoryview(payload)))])
    assert _joined(parts) == b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$103\r\nHDR" + payload.tobytes() + b"\r\n"
    assert any(isinstance(p, memoryview) and np.shares_memory(np.frombuffer(p, np.uint8), payload)
               for p in parts)


def test_encode_pipeline_coalesces_small_frames():
    parts = encode_pipeline([(b"EXISTS", b"a"), (b"EXISTS", b"b")])
    assert parts == [b"*2\r\n$6\r\nEXISTS\r\n$1\r\na\r\n*2\r\n$6\r\nEXISTS\r\n$1\r\nb\r\n"]


REPLIES = [
    (b"+OK\r\n", b"OK"),
    (b"-ERR boom\r\n", ReplyError("ERR boom")),
    (b":-42\r\n", -42),
    (b"$5\r\nhello\r\n", b"hello"),
    (b"$0\r\n\r\n", b""),
    (b"$-1\r\n", None),
    (b"*-1\r\n", None),
    (b"*3\r\n$1\r\na\r\n$-1\r\n:7\r\n", [b"a", None, 7]),
    (b"_\r\n", None),
    (b"#t\r\n", True),
    (b",1.5\r\n", 1.5),
    (b"(12345678901234567890\r\n", 12345678901234567890),
    (b"%2\r\n+proto\r\n:3\r\n+mode\r\n+standalone\r\n", {b"proto": 3, b"mode": b"standalone"}),
    (b"~1\r\n:1\r\n", {1}),
    (b"=8\r\ntxt:abcd\r\n", b"abcd"),
]


@pytest.mark.parametrize(("wire", "value"), REPLIES)
def test_read_reply_at_every_split_point(wire, value):
    for cut in range(len(wire) + 1):
        got = feed(read_reply(ReadBuffer()), wire, [cut])
        if isinstance(value, ReplyError):
            assert isinstance(got, ReplyError) and str(got) == str(value)
        else:
            assert got == value, cut


def test_read_reply_byte_by_byte_with_tiny_buffer():
    wire = b"*2\r\n$10\r\n0123456789\r\n+OK\r\n"
    assert feed(read_reply(ReadBuffer(4)), wire, range(len(wire))) == [b"0123456789", b"OK"]


def test_long_line_grows_the_buffer():
    wire = b"+" + b"x" * 1000 + b"\r\n"
    assert feed(read_line(ReadBuffer(8)), wire, range(0, len(wire), 3)) == wire[:-2]


def test_read_exact_into_hands_the_destination_to_the_socket():
    rb = ReadBuffer(16)
    dst = np.zeros(1000, np.uint8)
    payload = np.arange(1000, dtype=np.uint32).astype(np.uint8).tobytes()
    reader = read_exact_into(rb, memoryview(dst))
    mv = next(reader)
    assert np.shares_memory(np.frombuffer(mv, np.uint8), dst)  # recv_into writes into dst itself
    mv[:600] = payload[:600]
    mv = reader.send(600)
    mv[:400] = payload[600:]
    with pytest.raises(StopIteration):
        reader.send(400)
    assert dst.tobytes() == payload


def test_eof_is_a_connection_error():
    with pytest.raises(ConnectionError):
        feed(read_reply(ReadBuffer()), b"$10\r\nabc")


@pytest.mark.parametrize("wire", [b"?x\r\n", b"$abc\r\n", b"\r\n"])
def test_garbage_is_a_protocol_error(wire):
    with pytest.raises(ProtocolError):
        feed(read_reply(ReadBuffer()), wire)
