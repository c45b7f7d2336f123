"""CRC-64 as Redis computes it (crc64.c): the Jones polynomial, reflected, initial value 0, no
final xor; the check value of b"123456789" is 0xe9c6d914c4b8d9ca.

The C implementation of the `anycrc` package (model "CRC64-REDIS") does the work when it is
installed (a declared dependency); the table-driven fallback below computes the same value
byte by byte, so payloads stay correct without it (only slower: about 10 MB/s).
"""

from __future__ import annotations

from collections.abc import Iterable

POLY_REFLECTED = 0x95AC9329AC4BC9B5      # Jones polynomial 0xad93d23594c935a9, bit-reversed
CHECK_VALUE = 0xE9C6D914C4B8D9CA         # crc64(b"123456789")


def _table() -> list[int]:
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ POLY_REFLECTED if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _table()


def crc64_py(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
    """The reference implementation: one table step per byte."""
    table = _TABLE
    for byte in bytes(data):
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


try:
    import anycrc as _anycrc

    _MODEL = _anycrc.Model("CRC64-REDIS")

    def crc64(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
        """Redis's crc64(crc, data): continue `crc` over `data`."""
        return _MODEL.calc(data, crc)
except ImportError:  # pragma: no cover - the dependency is declared
    crc64 = crc64_py


def crc64_parts(parts: Iterable[bytes | bytearray | memoryview], crc: int = 0) -> int:
    """The CRC of the concatenation of parts (values held in several slab chunks)."""
    for part in parts:
        crc = crc64(part, crc)
    return crc
