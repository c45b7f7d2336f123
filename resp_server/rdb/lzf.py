"""LZF as Redis uses it for RDB strings (lzf_c.c / lzf_d.c, liblzf 3.6, HLOG 16, VERY_FAST).

`compress` is the C liblzf of the `python-lzf` package (a declared dependency), whose output is
byte-identical to Redis's (tests/unit/test_rdb.py checks it against redis-server's DUMP).
Redis compresses only strings longer than 20 bytes and only when that saves at least 4 bytes;
`compress` returns None otherwise. `decompress` is ours, in Python, following the format:

    control byte c < 32           a literal run of c + 1 bytes follows
    control byte c >= 32          a back reference: length (c >> 5) + 2 (7 means: add the next
                                  byte), distance ((c & 31) << 8 | next byte) + 1 back

It raises LZFError on anything Redis's lzf_decompress rejects (a reference before the start,
input ending inside an item, output larger than expected); the caller checks the final length.
"""

from __future__ import annotations

MIN_COMPRESS_LEN = 20       # rdbSaveRawString: LZF only for strings longer than this
MIN_SAVING = 4              # rdbSaveLzfStringObject: at least 4 bytes shorter, or stored plain


class LZFError(ValueError):
    """A corrupt LZF stream."""


try:
    import lzf as _lzf
except ImportError:  # pragma: no cover - the dependency is declared
    _lzf = None


def compress(data: bytes) -> bytes | None:
    """Redis's LZF attempt for a string of len(data) > 20 bytes: the compressed bytes when they
    are at most len - 4 bytes long, else None (the string is stored plain)."""
    if _lzf is None or len(data) <= MIN_COMPRESS_LEN:
        return None
    try:
        # python-lzf hands liblzf an output buffer one byte larger than max_length
        return _lzf.compress(data, len(data) - MIN_SAVING - 1) or None
    except ValueError:
        return None


def decompress(data: bytes | bytearray | memoryview, out_len: int) -> bytes:
    """Inflate an LZF stream that must produce exactly out_len bytes."""
    src = bytes(data)
    out = bytearray()
    i, n = 0, len(src)
    while i < n:
        ctrl = src[i]
        i += 1
        if ctrl < 32:
            run = ctrl + 1
            if i + run > n:
                raise LZFError("literal run past the end of the input")
            out += src[i:i + run]
            i += run
        else:
            length = ctrl >> 5
            if length == 7:
                if i >= n:
                    raise LZFError("truncated back reference")
                length += src[i]
                i += 1
            if i >= n:
                raise LZFError("truncated back reference")
            back = ((ctrl & 31) << 8 | src[i]) + 1
            i += 1
            _copy_back(out, back, length + 2)
        if len(out) > out_len:
            raise LZFError("output longer than announced")
    if len(out) != out_len:
        raise LZFError("output shorter than announced")
    return bytes(out)


def _copy_back(out: bytearray, back: int, length: int) -> None:
    """Append `length` bytes copied from `back` bytes before the end (the copy may overlap)."""
    start = len(out) - back
    if start < 0:
        raise LZFError("back reference before the start")
    if back >= length:
        out += out[start:start + length]
        return
    pattern = bytes(out[start:])
    whole, part = divmod(length, back)
    out += pattern * whole + pattern[:part]
