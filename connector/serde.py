"""Chunk serde: one value = a fixed 64-byte header followed by the tensor payload.

The header is validated completely *before* a single payload byte is written anywhere, so a value
with a bad header is reported as `SerdeError` and never turns into a wrong tensor.

Header layout, version 1 (all integers little-endian, 64 bytes so the payload starts 64-aligned):

    offset size type       field
    0      4    bytes      magic  b"RKV1"
    4      1    uint8      version (1)
    5      1    uint8      dtype code (table DTYPES below)
    6      1    uint8      ndim, 0..8
    7      1    uint8      flags: bit 0 = payload is one LZ4 frame; other bits must be 0
    8      4    uint32     LMCache MemoryFormat value (0 = unspecified)
    12     4    uint32     CRC-32 (zlib) of the 64 header bytes with this field zeroed
    16     8    uint64     raw_nbytes: tensor bytes = prod(shape) * itemsize
    24     8    uint64     payload_nbytes: bytes stored after the header (== raw_nbytes unless LZ4)
    32     32   8 x uint32 shape; slots past ndim are 0

Invariants checked by `decode_header`: magic, version, CRC, known dtype, ndim <= 8, unused shape
slots zero, raw_nbytes == prod(shape) * itemsize, no unknown flag, payload_nbytes == raw_nbytes for
an uncompressed value, and payload_nbytes == the value length minus 64 (the caller passes it).

dtype codes: several LLM dtypes have no numpy equivalent; they travel as their bit pattern in an
unsigned integer array of the same width ("storage dtype") and keep their name in the header:
bfloat16 -> uint16, float8_e4m3fn / float8_e5m2 -> uint8.

Serde flavours: "naive" writes the payload as is (sent with scatter-gather, no copy); "lz4" writes
one LZ4 frame of the payload (flag bit 0 set). Readers follow the flag, whatever their own flavour.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from math import prod

import numpy as np

MAGIC = b"RKV1"
VERSION = 1
HEADER_SIZE = 64  # bytes; a multiple of 64 keeps the payload cache-line aligned in the value
MAX_NDIM = 8
FLAG_LZ4 = 0x01
KNOWN_FLAGS = FLAG_LZ4

_HEAD = struct.Struct("<4sBBBBIIQQ")  # 32 bytes: everything but the shape slots
_SHAPE = struct.Struct(f"<{MAX_NDIM}I")  # 32 bytes
_CRC_OFFSET = 12
assert _HEAD.size + _SHAPE.size == HEADER_SIZE


class SerdeError(ValueError):
    """A stored value is not a valid chunk (bad magic, version, CRC, lengths, dtype, ...)."""


@dataclass(frozen=True, slots=True)
class DType:
    """A dtype the serde knows: its wire code, name and numpy storage dtype."""

    code: int
    name: str
    storage: np.dtype


def _dt(code: int, name: str, storage: str) -> DType:
    return DType(code, name, np.dtype(storage).newbyteorder("<"))


DTYPES: tuple[DType, ...] = (
    _dt(1, "float16", "f2"),
    _dt(2, "bfloat16", "u2"),
    _dt(3, "float32", "f4"),
    _dt(4, "float64", "f8"),
    _dt(5, "uint8", "u1"),
    _dt(6, "int8", "i1"),
    _dt(7, "float8_e4m3fn", "u1"),
    _dt(8, "float8_e5m2", "u1"),
    _dt(9, "int16", "i2"),
    _dt(10, "int32", "i4"),
    _dt(11, "int64", "i8"),
    _dt(12, "uint16", "u2"),
    _dt(13, "uint32", "u4"),
    _dt(14, "uint64", "u8"),
    _dt(15, "bool", "?"),
)
BY_CODE: dict[int, DType] = {d.code: d for d in DTYPES}
BY_NAME: dict[str, DType] = {d.name: d for d in DTYPES}


def dtype_for(array_dtype: np.dtype, dtype_name: str | None = None) -> DType:
    """The wire dtype of an array: its own numpy name, or `dtype_name` (e.g. "bfloat16" for a
    uint16 view) when given; the override must have the array's item size."""
    name = dtype_name or np.dtype(array_dtype).name
    name = name.removeprefix("torch.")
    dt = BY_NAME.get(name)
    if dt is None:
        raise SerdeError(f"unsupported dtype {name!r}; known: {sorted(BY_NAME)}")
    if dt.storage.itemsize != np.dtype(array_dtype).itemsize:
        raise SerdeError(
            f"dtype {name!r} needs items of {dt.storage.itemsize} bytes, "
            f"the array has {np.dtype(array_dtype).itemsize}"
        )
    return dt


@dataclass(frozen=True, slots=True)
class ChunkHeader:
    """The decoded header of one stored chunk."""

    dtype: DType
    shape: tuple[int, ...]
    fmt: int = 0  # LMCache MemoryFormat value, 0 = unspecified
    flags: int = 0
    raw_nbytes: int = 0
    payload_nbytes: int = 0

    @property
    def compressed(self) -> bool:
        return bool(self.flags & FLAG_LZ4)

    @property
    def value_nbytes(self) -> int:
        """Length of the whole stored value (header + payload)."""
        return HEADER_SIZE + self.payload_nbytes


def encode_header(
    dt: DType, shape: tuple[int, ...], payload_nbytes: int, fmt: int = 0, flags: int = 0
) -> bytes:
    """The 64 header bytes for a tensor of `dt` and `shape` followed by `payload_nbytes`."""
    if len(shape) > MAX_NDIM:
        raise SerdeError(f"at most {MAX_NDIM} dimensions are supported, got {len(shape)}")
    if any(d < 0 or d >= 1 << 32 for d in shape):
        raise SerdeError(f"dimension out of range in shape {shape}")
    raw = prod(shape) * dt.storage.itemsize
    slots = tuple(shape) + (0,) * (MAX_NDIM - len(shape))
    head = bytearray(HEADER_SIZE)
    _HEAD.pack_into(head, 0, MAGIC, VERSION, dt.code, len(shape), flags, fmt, 0, raw, payload_nbytes)
    _SHAPE.pack_into(head, _HEAD.size, *slots)
    struct.pack_into("<I", head, _CRC_OFFSET, zlib.crc32(head))
    return bytes(head)


def decode_header(data: bytes | bytearray | memoryview, payload_nbytes: int | None = None) -> ChunkHeader:
    """Parse and validate 64 header bytes; `payload_nbytes` is what actually follows them."""
    if len(data) < HEADER_SIZE:
        raise SerdeError(f"value of {len(data)} bytes is shorter than the {HEADER_SIZE}-byte header")
    head = bytearray(data[:HEADER_SIZE])
    magic, version, code, ndim, flags, fmt, crc, raw, stored = _HEAD.unpack_from(head, 0)
    if magic != MAGIC:
        raise SerdeError(f"bad magic {bytes(magic)!r}: not a chunk written by this serde")
    if version != VERSION:
        raise SerdeError(f"unsupported header version {version} (this reader knows {VERSION})")
    struct.pack_into("<I", head, _CRC_OFFSET, 0)
    if zlib.crc32(head) != crc:
        raise SerdeError("header checksum mismatch: corrupt header")
    return _check_fields(code, ndim, flags, fmt, raw, stored, _SHAPE.unpack_from(head, _HEAD.size), payload_nbytes)


def _check_fields(
    code: int, ndim: int, flags: int, fmt: int, raw: int, stored: int,
    slots: tuple[int, ...], actual: int | None,
) -> ChunkHeader:
    dt = BY_CODE.get(code)
    if dt is None:
        raise SerdeError(f"unknown dtype code {code}")
    if ndim > MAX_NDIM or any(slots[ndim:]):
        raise SerdeError(f"bad ndim {ndim} / shape slots {slots}")
    if flags & ~KNOWN_FLAGS:
        raise SerdeError(f"unknown flags 0x{flags:02x}")
    shape = tuple(slots[:ndim])
    if raw != prod(shape) * dt.storage.itemsize:
        raise SerdeError(f"raw length {raw} does not match shape {shape} of {dt.name}")
    if not flags & FLAG_LZ4 and stored != raw:
        raise SerdeError(f"payload length {stored} != tensor bytes {raw} for an uncompressed chunk")
    if actual is not None and actual != stored:
        raise SerdeError(f"value carries {actual} payload bytes, header says {stored}: truncated or corrupt")
    return ChunkHeader(dt, shape, fmt, flags, raw, stored)


def byte_view(obj: object, writable: bool = False) -> memoryview:
    """A flat unsigned-byte memoryview of a C-contiguous buffer (numpy array, bytearray, ...)."""
    if isinstance(obj, np.ndarray):
        if not obj.flags.c_contiguous:
            raise ValueError("buffer must be C-contiguous")
        obj = obj.reshape(-1).view(np.uint8)
    mv = memoryview(obj)  # type: ignore[arg-type]
    if not mv.c_contiguous:
        raise ValueError("buffer must be C-contiguous")
    if writable and mv.readonly:
        raise ValueError("destination buffer is read-only")
    if mv.format != "B" or mv.ndim != 1:
        mv = mv.cast("B")
    return mv


@dataclass(frozen=True, slots=True)
class Encoded:
    """A value ready to send: header plus payload buffers (never joined)."""

    parts: tuple[bytes | memoryview, ...]
    nbytes: int


def encode(array: object, serde: str = "naive", dtype_name: str | None = None, fmt: int = 0) -> Encoded:
    """Header + payload parts for `array` (numpy array or any C-contiguous buffer).

    "naive" sends the array's own memory (a memoryview, no copy); "lz4" compresses it into one
    LZ4 frame. A non-numpy buffer is stored as uint8 of its byte length unless `dtype_name` says
    otherwise (then its length must be a multiple of the item size and it is stored 1-D).
    """
    payload, dt, shape = _as_payload(array, dtype_name)
    if serde == "naive":
        head = encode_header(dt, shape, payload.nbytes, fmt)
        return Encoded((head, payload), HEADER_SIZE + payload.nbytes)
    if serde == "lz4":
        packed = _lz4().compress(payload, store_size=True)
        head = encode_header(dt, shape, len(packed), fmt, FLAG_LZ4)
        return Encoded((head, packed), HEADER_SIZE + len(packed))
    raise ValueError(f"unknown serde {serde!r}: use 'naive' or 'lz4'")


def _as_payload(array: object, dtype_name: str | None) -> tuple[memoryview, DType, tuple[int, ...]]:
    if isinstance(array, np.ndarray):
        dt = dtype_for(array.dtype, dtype_name)
        if not array.flags.c_contiguous:
            raise ValueError("array must be C-contiguous (use np.ascontiguousarray)")
        return byte_view(array), dt, tuple(array.shape)
    mv = byte_view(array)
    dt = BY_NAME.get(dtype_name or "uint8")
    if dt is None:
        raise SerdeError(f"unsupported dtype {dtype_name!r}")
    if mv.nbytes % dt.storage.itemsize:
        raise SerdeError(f"{mv.nbytes} bytes is not a whole number of {dt.name} items")
    return mv, dt, (mv.nbytes // dt.storage.itemsize,)


def decompress_into(header: ChunkHeader, packed: bytes | bytearray | memoryview, out: memoryview) -> None:
    """Expand an LZ4 payload into `out` (exactly `header.raw_nbytes` bytes)."""
    try:
        raw = _lz4().decompress(packed)
    except RuntimeError as exc:
        raise SerdeError(f"corrupt LZ4 payload: {exc}") from exc
    if len(raw) != header.raw_nbytes:
        raise SerdeError(f"LZ4 payload expands to {len(raw)} bytes, header says {header.raw_nbytes}")
    out[:] = raw


def empty_for(header: ChunkHeader) -> np.ndarray:
    """A new array of the header's storage dtype and shape (bfloat16 -> uint16, fp8 -> uint8)."""
    return np.empty(header.shape, dtype=header.dtype.storage)


def _lz4():  # imported lazily: naive users need not have lz4
    import lz4.frame

    return lz4.frame
