"""A RequestParser driven the way connection.py drives it, shared by the parser tests and fuzzers.

Received bytes go to a read buffer or, while a big argument is in flight, straight into its sink
(`sink_view` / `sink_advance`, as BufferedProtocol.get_buffer does). After each piece the batch
fast path runs first (with batch=True, as in Connection._process) and the general parser takes
what it leaves. Each complete request goes to `on_request`; a ProtocolError propagates to the
caller, which decides what a connection would do with it.
"""

from __future__ import annotations

from collections.abc import Callable

from resp_server.resp.parser import RequestParser


class ParserDriver:
    def __init__(self, parser: RequestParser, batch: bool,
                 on_request: Callable[[list], None]) -> None:
        self.parser = parser
        self.batch = batch
        self.on_request = on_request
        self.buf = bytearray()
        self.pos = 0

    def feed(self, chunk: bytes) -> None:
        p = self.parser
        data = memoryview(chunk)
        while data:
            if p.sink_left:
                v = p.sink_view()
                n = min(len(v), len(data), p.sink_left)
                v[:n] = data[:n]
                p.sink_advance(n)
                data = data[n:]
                if p.sink_left:
                    continue
            else:
                self.buf += data
                data = data[:0]
            self._parse()

    def _parse(self) -> None:
        p = self.parser
        while True:
            if self.batch:
                got: list = []
                self.pos = p.parse_batch(self.buf, self.pos, len(self.buf), got)
                for argv in got:
                    self.on_request(argv)
                if got:
                    continue
            argv, self.pos = p.parse(self.buf, self.pos, len(self.buf))
            if argv is None:
                return
            self.on_request(argv)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    """`data` cut at the given points (taken modulo its length + 1): a read-boundary pattern."""
    points = sorted({c % (len(data) + 1) for c in cuts})
    chunks, last = [], 0
    for c in points:
        chunks.append(data[last:c])
        last = c
    chunks.append(data[last:])
    return chunks
