"""Reply encoder: reply values -> RESP2 or RESP3 bytes. The only module that knows the version.

`ReplyWriter` accumulates one batch of replies for a connection. Small replies are appended to one
bytearray (`small`); a stored value of `ZEROCOPY_MIN` bytes or more is not copied: its header goes
into `small`, then `small` is cut into `parts` and the value's slab memoryviews are appended as
parts of their own, and the item is recorded in `pins` (the connection keeps it pinned until the
transport has sent those bytes). The connection writes `parts` in order.

RESP2 vs RESP3 differences handled here: null ($-1 / _), null array (*-1 / _), maps (*2n flat /
%n), sets (*n / ~n), doubles (bulk / ,), booleans (:0/:1 / #f/#t), verbatim text (bulk / =).
"""

from __future__ import annotations

import math

from resp_server.resp.replies import NO_REPLY, NULL_ARRAY, RespError, Status, Verbatim

ZEROCOPY_MIN = 16 * 1024   # stored values this big are sent from slab memory, not copied
_CRLF = b"\r\n"
_INT_CACHE = [b":%d\r\n" % i for i in range(-1, 1001)]
BULK_HEADERS = [b"$%d\r\n" % i for i in range(0, 1001)]


class ReplyWriter:
    __slots__ = ("resp", "small", "parts", "pins", "size", "pin", "stats")

    def __init__(self, pin=None) -> None:
        self.resp = 2
        self.pin = pin                # called on an item the moment its memory is referenced
        self.small = bytearray()      # pending small bytes
        self.parts: list = []         # completed parts (bytes / memoryview), in order
        self.pins: list = []          # items whose memory is referenced by `parts`
        self.size = 0                 # bytes referenced by parts (excludes small)
        self.stats = None             # counts values served (kv_* of stats.Stats) when set

    def pending(self) -> int:
        return self.size + len(self.small)

    def take(self) -> tuple[list, list]:
        """Return (parts, pins) of everything written so far and start afresh."""
        if self.small:
            self.parts.append(bytes(self.small))
            self.small.clear()
        parts, pins = self.parts, self.pins
        self.parts, self.pins, self.size = [], [], 0
        return parts, pins

    # --- encoding -----------------------------------------------------------------------------
    def write(self, r: object) -> None:
        t = type(r)
        if t is bytes:
            n = len(r)
            self.small += BULK_HEADERS[n] if n <= 1000 else b"$%d\r\n" % n
            self.small += r
            self.small += _CRLF
        elif t is Status:
            self.small += b"+" + r + _CRLF
        elif r is None:
            self.small += b"$-1\r\n" if self.resp == 2 else b"_\r\n"
        elif t is int:
            self.small += _INT_CACHE[r + 1] if -1 <= r <= 999 else b":%d\r\n" % r
        elif t is list or t is tuple:
            self.small += b"*%d\r\n" % len(r)
            for x in r:
                self.write(x)
        else:
            self._write_other(r, t)

    def _write_other(self, r: object, t: type) -> None:
        if isinstance(r, RespError):
            self.error(r.msg)
        elif t is bool:
            if self.resp == 3:
                self.small += b"#t\r\n" if r else b"#f\r\n"
            else:
                self.small += b":1\r\n" if r else b":0\r\n"
        elif hasattr(r, "views"):
            self.item(r)
        elif isinstance(r, bytearray | memoryview):
            self.write(bytes(r))
        elif t is Verbatim:
            self._verbatim(r)
        elif isinstance(r, str):
            self.write(r.encode())
        elif isinstance(r, dict):
            self._map(r)
        elif isinstance(r, set | frozenset):
            self.small += (b"~%d\r\n" if self.resp == 3 else b"*%d\r\n") % len(r)
            for x in r:
                self.write(x)
        elif isinstance(r, float):
            self._double(r)
        elif r is NULL_ARRAY:
            self.small += b"*-1\r\n" if self.resp == 2 else b"_\r\n"
        elif isinstance(r, int):
            self.write(int(r))
        elif r is NO_REPLY:
            pass
        else:
            raise TypeError(f"cannot encode reply of type {t.__name__}")

    def error(self, msg: str) -> None:
        text = msg.replace("\r", " ").replace("\n", " ")
        self.small += b"-" + text.encode("utf-8", "surrogateescape") + _CRLF  # raw bytes echoed

    def _map(self, r: dict) -> None:
        self.small += (b"%%%d\r\n" if self.resp == 3 else b"*%d\r\n") % (
            len(r) if self.resp == 3 else 2 * len(r))
        for k, v in r.items():
            self.write(k)
            self.write(v)

    def _double(self, r: float) -> None:
        if math.isinf(r):
            text = b"inf" if r > 0 else b"-inf"
        elif math.isnan(r):
            text = b"nan"
        else:
            text = repr(r).encode()
            if text.endswith(b".0"):
                text = text[:-2]
        if self.resp == 3:
            self.small += b"," + text + _CRLF
        else:
            self.write(text)

    def _verbatim(self, r: str) -> None:
        data = r.encode()
        if self.resp == 3:
            self.small += b"=%d\r\ntxt:" % (len(data) + 4) + data + _CRLF
        else:
            self.write(data)

    def item(self, item) -> None:
        """A stored value: copied when small, else sent from slab memory (pinned)."""
        n = item.length
        self.small += b"$%d\r\n" % n
        st = self.stats
        if st is not None:
            st.kv_served_bytes += n
            if n < ZEROCOPY_MIN:
                st.kv_small_hits += 1
            else:
                st.kv_chunk_hits += 1
        if n < ZEROCOPY_MIN:
            for v in item.views():
                self.small += v
            self.small += _CRLF
            return
        self.parts.append(bytes(self.small))
        self.size += len(self.small)
        self.small.clear()
        self.parts.extend(item.views())
        self.size += n
        self.pins.append(item)
        if self.pin is not None:
            self.pin(item)
        self.small += _CRLF


def encode(reply: object, resp: int = 2) -> bytes:
    """Encode one reply to bytes (tests, MONITOR lines). Stored values are copied."""
    w = ReplyWriter()
    w.resp = resp
    w.write(reply)
    parts, _ = w.take()
    return b"".join(bytes(p) for p in parts)
