"""Fuzzing material shared by the parser, live and atheris fuzzers: a corpus of valid requests,
mutations (bit flips, inserted/deleted bytes, lengths replaced by huge, negative or malformed
numbers, truncation), and a driver that feeds a RequestParser like connection.py does (the
shared tests/parser_driver.py) while tracking every sink it hands out (none may outlive a
request, an error or a discard)."""

from __future__ import annotations

import random
import re

from resp_server.resp.parser import ByteSink, FixedLimits, ProtocolError, RequestParser
from scripts.rawclient import encode as resp
from tests.parser_driver import ParserDriver, split

BIG = 40_000                       # > parser.BIG_ARG: the big-argument (sink) path


def _corpus() -> list[bytes]:
    v = bytes(range(256)) * 2
    big = (b"0123456789abcdef" * (BIG // 16 + 1))[:BIG]
    reqs = [
        resp("SET", "k", "v"), resp("SET", "k", v, "EX", "100"), resp("SET", "big", big),
        resp("SET", "big2", big + big, "PX", "50000", "GET"), resp("GET", "k"), resp("GET", "big"),
        resp("MGET", "k", "big", "nokey"), resp("MSET", "a", "1", "b", big), resp("DEL", "a", "k"),
        resp("APPEND", "k", "xyz"), resp("INCR", "n"), resp("INCRBY", "n", "-5"),
        resp("INCRBYFLOAT", "f", "1.5"), resp("GETRANGE", "big", "0", "100"),
        resp("SETRANGE", "k", "5", "abc"), resp("STRLEN", "big"), resp("EXPIRE", "k", "10"),
        resp("PEXPIRE", "big", "100000"), resp("TTL", "k"), resp("PERSIST", "k"),
        resp("EXISTS", "k", "big"), resp("RENAME", "big", "big3"), resp("COPY", "big3", "big4"),
        resp("GETDEL", "big4"), resp("GETEX", "k", "EX", "5"), resp("SETNX", "k", "1"),
        resp("SETEX", "k", "10", "v"), resp("PSETEX", "k", "10000", "v"), resp("MSETNX", "x", "1"),
        resp("GETSET", "k", big), resp("MULTI"), resp("EXEC"), resp("DISCARD"), resp("WATCH", "k"),
        resp("UNWATCH"), resp("SELECT", "1"), resp("SELECT", "0"), resp("PING"), resp("ECHO", big),
        resp("HELLO", "3"), resp("HELLO", "2"), resp("CLIENT", "SETNAME", "fz"), resp("CLIENT", "INFO"),
        resp("INFO"), resp("DBSIZE"), resp("KEYS", "*"), resp("SCAN", "0", "COUNT", "5"),
        resp("TYPE", "k"), resp("OBJECT", "ENCODING", "big"), resp("MEMORY", "USAGE", "big"),
        resp("RANDOMKEY"), resp("FLUSHDB"), resp("SWAPDB", "0", "1"), resp("MOVE", "k", "2"),
        resp("LCS", "k", "big"), resp("QUIT"), resp("NOSUCHCMD", "x"),
        b"SET inl v\r\n", b'SET "q k" "a\\x41b"\r\n', b"GET inl\r\n", b"PING\r\n", b"\r\n",
    ]
    return reqs


CORPUS = _corpus()
INTERESTING = [b"-1", b"-2", b"0", b"1", b"2147483647", b"2147483648", b"4294967296",
               b"9223372036854775807", b"9223372036854775808", b"99999999999999999999",
               b"32767", b"32768", b"536870912", b"536870913", b"1048577", b"-9223372036854775808",
               b"", b"+1", b"01", b" 1", b"1_0", b"0x10", b"1e3"]
MUTATIONS = ("flip", "insert", "delete", "number", "truncate", "dup", "crlf", "splice")
_DIGITS = re.compile(rb"-?\d+")


def mutate(data: bytes, muts: list[tuple[str, int, bytes]]) -> bytes:
    """Apply mutations (name, position, payload) to data."""
    b = bytearray(data)
    for op, at, blob in muts:
        i = at % (len(b) + 1)
        if op == "flip" and b:
            b[i % len(b)] ^= 1 << ((blob[0] if blob else 0) % 8)
        elif op == "insert":
            b[i:i] = blob
        elif op == "delete":
            del b[i:i + 1 + (blob[0] if blob else 0) % 16]
        elif op == "number":
            m = _DIGITS.search(b, i) or _DIGITS.search(b)
            if m:
                b[m.start():m.end()] = blob
        elif op == "truncate":
            del b[i:]
        elif op == "dup":
            b[i:i] = b[i:i + 64]
        elif op == "crlf":
            b[i:i] = b"\r\n"
        elif op == "splice":
            other = CORPUS[(blob[0] if blob else 0) % len(CORPUS)]
            b[i:i] = other[: (len(blob) * 7) % (len(other) + 1)]
    return bytes(b)


def random_input(rnd: random.Random) -> bytes:
    """A pipeline of 1-4 corpus requests with 0-4 mutations, or plain random bytes."""
    if rnd.random() < 0.1:
        return rnd.randbytes(rnd.randint(1, 300))
    data = b"".join(rnd.choice(CORPUS) for _ in range(rnd.randint(1, 4)))
    muts = []
    for _ in range(rnd.randint(0, 4)):
        blob = rnd.choice(INTERESTING) if rnd.random() < 0.5 else rnd.randbytes(rnd.randint(0, 8))
        muts.append((rnd.choice(MUTATIONS), rnd.randint(0, 1 << 20), blob))
    return mutate(data, muts)


# --- a connection-like driver with sink accounting ------------------------------------------

class TrackedSink:
    """A stand-in for a store Reservation."""

    def __init__(self, n: int, live: set) -> None:
        self.buf = bytearray(n)
        self.consumed = False
        self.live = live
        live.add(self)

    def views(self) -> list[memoryview]:
        return [memoryview(self.buf)]


class Driver:
    """Feeds chunks to a RequestParser as connection.py does (tests/parser_driver.py), tracking
    sinks; collects requests, or the protocol error that ends them."""

    def __init__(self, batch: bool, max_query: int = 1 << 30) -> None:
        self.live: set = set()
        self.parser = RequestParser(self._sink_for, self._release,
                                    FixedLimits(client_query_buffer_limit=max_query))
        self.driver = ParserDriver(self.parser, batch, self._take)
        self.out: list[list[bytes]] = []
        self.error: str | None = None

    def _sink_for(self, argv: list, n: int) -> object:
        name = bytes(argv[0]).lower() if argv else b""
        return TrackedSink(n, self.live) if name in (b"set", b"mset", b"getset") else ByteSink(n)

    def _release(self, sink: object) -> None:
        if isinstance(sink, TrackedSink):
            self.live.discard(sink)

    def _take(self, argv: list) -> None:
        row = []
        for a in argv:
            if isinstance(a, TrackedSink):
                self.live.discard(a)            # handed to the command (stored or released)
                row.append(bytes(a.buf))
            else:
                row.append(bytes(a))
        self.out.append(row)

    def feed(self, chunk: bytes) -> None:
        if self.error is not None:
            return
        try:
            self.driver.feed(chunk)
        except ProtocolError as e:
            self.error = str(e)
            self.parser.discard()

    def close(self) -> None:
        """The connection goes away: a half-parsed request is dropped."""
        self.parser.discard()


def run(data: bytes, cuts: list[int], batch: bool) -> Driver:
    d = Driver(batch)
    for chunk in split(data, cuts):
        d.feed(chunk)
    d.close()
    return d
