"""Reply encoder: RESP2 vs RESP3 for every reply type, and the zero-copy item path."""

from __future__ import annotations

import pytest

from resp_server.resp.encoder import ZEROCOPY_MIN, ReplyWriter, encode
from resp_server.resp.replies import NULL_ARRAY, OK, RespError, Verbatim


@pytest.mark.parametrize("value,r2,r3", [
    (b"hi", b"$2\r\nhi\r\n", b"$2\r\nhi\r\n"),
    (OK, b"+OK\r\n", b"+OK\r\n"),
    (None, b"$-1\r\n", b"_\r\n"),
    (NULL_ARRAY, b"*-1\r\n", b"_\r\n"),
    (42, b":42\r\n", b":42\r\n"),
    (-7, b":-7\r\n", b":-7\r\n"),
    (10**12, b":1000000000000\r\n", b":1000000000000\r\n"),
    (True, b":1\r\n", b"#t\r\n"),
    (False, b":0\r\n", b"#f\r\n"),
    (1.5, b"$3\r\n1.5\r\n", b",1.5\r\n"),
    (float("inf"), b"$3\r\ninf\r\n", b",inf\r\n"),
    ([b"a", 1, None], b"*3\r\n$1\r\na\r\n:1\r\n$-1\r\n", b"*3\r\n$1\r\na\r\n:1\r\n_\r\n"),
    ({b"k": 1}, b"*2\r\n$1\r\nk\r\n:1\r\n", b"%1\r\n$1\r\nk\r\n:1\r\n"),
    ({b"m"}, b"*1\r\n$1\r\nm\r\n", b"~1\r\n$1\r\nm\r\n"),
    (Verbatim("a:1"), b"$3\r\na:1\r\n", b"=7\r\ntxt:a:1\r\n"),
    (RespError("ERR bad\r\nthing"), b"-ERR bad  thing\r\n", b"-ERR bad  thing\r\n"),
    ("text", b"$4\r\ntext\r\n", b"$4\r\ntext\r\n"),
])
def test_resp2_resp3(value, r2, r3):
    assert encode(value, 2) == r2
    assert encode(value, 3) == r3


class FakeItem:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = [bytearray(c) for c in chunks]
        self.length = sum(map(len, chunks))

    def views(self):
        return [memoryview(c) for c in self.chunks]


def test_small_item_is_copied_big_item_is_referenced_and_pinned():
    pinned = []
    w = ReplyWriter(pin=pinned.append)
    small = FakeItem([b"abc"])
    big = FakeItem([b"x" * ZEROCOPY_MIN, b"y" * 10])
    w.write([small, big])
    parts, pins = w.take()
    assert pins == [big] and pinned == [big]
    assert any(isinstance(p, memoryview) and p.obj is big.chunks[0] for p in parts)
    wire = b"".join(bytes(p) for p in parts)
    assert wire == (b"*2\r\n$3\r\nabc\r\n$%d\r\n" % big.length + b"x" * ZEROCOPY_MIN + b"y" * 10 + b"\r\n")
