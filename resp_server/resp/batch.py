"""The batch path: pipelines of small, complete requests parsed in one go (hiredis, or Python).

RequestParser.parse_batch hands a buffered pipeline here when no request is half-parsed. Either
every request in `buf[pos:end]` is complete, canonical and made of bulk strings under BIG_ARG -
then all are returned at once - or the caller falls back to the general parser for what is left.
Nothing here keeps a reference into `buf`: arguments are bytes copies.

The hiredis batch path accepts a buffer only when it can prove the buffer is made of complete,
canonical requests of bulk strings (what Redis itself would accept), at C speed:
- one translate pass maps digits to '0', '*' to itself and the other types whose replies decode
  to bytes or lists (+ ( = ~ % > |) to '!'. hiredis builds aggregates eagerly, so `*2147483648`
  would make it allocate gigabytes: "*0000000" or "!0000000" sends the buffer to the Python parser.
- hiredis itself rejects lengths with signs or leading zeros, and inline requests;
- no '!' anywhere (text values: redis-benchmark's, keys, JSON...): every element hiredis read
  is a bulk string or a type that does not decode to bytes - `b"".join` over all arguments
  raises for ints, nils, errors and nested aggregates - and a sentinel `:1\r\n` fed after the
  batch comes back as the integer 1 only when the reader stopped at a request boundary;
- a '!' in the data (binary values): `_canonical_offsets` walks the canonical layout of what
  hiredis returned and finds '*' at every request's offset, '$' at every argument's and the
  end at `end`. By induction from the first byte, hiredis then read exactly that layout (a type
  byte hidden behind a lax bulk terminator, which Redis also skips unchecked, would sit at one of
  those offsets).
"""

from __future__ import annotations

from itertools import chain

from resp_server.resp.sinks import BIG_ARG

try:  # hiredis parses pipelines of small requests in C; the pure-Python path is the fallback
    from hiredis import ProtocolError as _HiredisError
    from hiredis import Reader as _Reader
except ImportError:  # pragma: no cover - hiredis is a declared dependency
    _Reader = None

FAST_BATCH_MAX = 64 * 1024        # the batch path copies at most this much of the buffer
FAST_ARGS_MAX = 1024              # requests with more arguments go through the general path
READER_KEEP_MAX = 16 * 1024       # the hiredis reader is kept after batches this small
_GUARD = bytes.maketrans(b"0123456789*+(=~%>|", b"0000000000*!!!!!!!")
_HUGE_AGGREGATE = b"*0000000"
_HUGE_OTHER = b"!0000000"
_SENTINEL = b":1\r\n"


class HiredisBatch:
    """One connection's hiredis reader, kept while its batches stay small."""

    __slots__ = ("reader",)

    def __init__(self) -> None:
        self.reader = None

    def parse(self, buf: bytearray, pos: int, end: int) -> list | None:
        """Parse buf[pos:end] with hiredis when it holds only complete, canonical requests of
        bulk strings (see the module docstring); None means "not that simple": use the Python
        parser."""
        if _Reader is None:
            return None
        marks = buf[pos:end].translate(_GUARD)
        if marks.rfind(_HUGE_AGGREGATE) >= 0:
            return None
        exotic = marks.find(b"!") >= 0
        if exotic and marks.rfind(_HUGE_OTHER) >= 0:
            return None
        reader = self.reader
        if reader is None:
            reader = self.reader = _Reader()
        reader.feed(buf, pos, end - pos)
        try:
            got = list(iter(reader.gets, False))
            if exotic:
                ok = _canonical_offsets(buf, pos, end, got)
            else:
                b"".join(chain.from_iterable(got))    # TypeError unless all arguments are bytes
                reader.feed(_SENTINEL)
                boundary = reader.gets()
                ok = type(boundary) is int and boundary == 1
            if not (ok and all(got)):
                self.reader = None
                return None
        except (_HiredisError, TypeError, IndexError):
            self.reader = None
            return None
        if end - pos > READER_KEEP_MAX:
            self.reader = None                 # its buffer grew to this batch: let it go
        return got


def parse_batch_py(buf: bytearray, pos: int, end: int, out: list) -> int:
    """The same batch path in Python (no hiredis, or a buffer hiredis may not take): complete
    requests of bulk strings under BIG_ARG each; returns the first position not consumed."""
    data = bytes(buf[pos:end])      # one small copy; slicing bytes yields bytes directly
    find = data.find
    limit = FAST_ARGS_MAX
    p, n_end = 0, len(data)
    while p < n_end and data[p] == 42:
        nl = find(b"\r\n", p)
        if nl < 0:
            break
        digits = data[p + 1:nl]
        if not digits.isdigit() or digits[0] == 48:  # plain digits, no sign or leading 0
            break
        n = int(digits)
        if not 0 < n <= limit:
            break
        q = nl + 2
        argv = []
        for _ in range(n):
            if q >= n_end or data[q] != 36:
                break
            nl = find(b"\r\n", q)
            if nl < 0:
                break
            digits = data[q + 1:nl]
            if not digits.isdigit() or (digits[0] == 48 and len(digits) > 1):
                break
            ln = int(digits)
            q = nl + 2
            if not 0 <= ln < BIG_ARG or q + ln + 2 > n_end:
                break
            argv.append(data[q:q + ln])
            q += ln + 2
        else:
            out.append(argv)
            p = q
            continue
        break
    return pos + p


# Encoded size of a bulk argument of length L (`$L\r\n` + L bytes + `\r\n`) and of a multibulk
# header for n arguments (`*n\r\n`), by table: the fast path checks sizes without str().
_BULK_SIZE = [5 + len(str(n)) + n for n in range(BIG_ARG)]
_HEADER_SIZE = [3 + len(str(n)) for n in range(FAST_ARGS_MAX + 1)]


def _canonical_offsets(buf: bytearray, pos: int, end: int, requests: list) -> bool:
    """Does every request start with '*' and every argument with '$' at its canonical offset,
    the last one ending at `end`?"""
    bulk = _BULK_SIZE
    head = _HEADER_SIZE
    for r in requests:
        if type(r) is not list or buf[pos] != 42:
            return False
        pos += head[len(r)]
        for a in r:
            if buf[pos] != 36:
                return False
            pos += bulk[len(a)]
    return pos == end
