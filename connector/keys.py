"""Chunk keys: LMCache's `CacheEngineKey.to_string()` layout, with an optional namespace.

    [namespace:]model@world_size@worker_id@hexhash@dtype
    e.g. Qwen/Qwen2.5-0.5B-Instruct@1@0@2b763dd00afa89c8@bfloat16

The hash is lower-case hex without padding (`f"{h:x}"`, as LMCache prints it; negative hashes keep
their minus sign). Model names may contain "/" and ":" but not "@"; the namespace may not contain
":" so `split_key` can strip it again. Keys go on the wire as UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass

NAMESPACE_SEP = ":"


@dataclass(frozen=True, slots=True)
class ChunkKey:
    """The fields of one LMCache chunk key."""

    model: str
    world_size: int
    worker_id: int
    chunk_hash: int
    dtype: str

    def to_string(self) -> str:
        if "@" in self.model:
            raise ValueError(f"model name may not contain '@': {self.model!r}")
        dtype = self.dtype.removeprefix("torch.")
        return f"{self.model}@{self.world_size}@{self.worker_id}@{self.chunk_hash:x}@{dtype}"

    @classmethod
    def parse(cls, text: str) -> ChunkKey:
        """Inverse of `to_string` (namespace already removed)."""
        parts = text.split("@")
        if len(parts) != 5:
            raise ValueError(f"not a chunk key (model@world@worker@hash@dtype): {text!r}")
        model, world, worker, hexhash, dtype = parts
        return cls(model, int(world), int(worker), int(hexhash, 16), dtype)


def with_namespace(key: str | bytes, namespace: str = "") -> bytes:
    """The wire key: `namespace:key` (or `key` alone), UTF-8 encoded."""
    raw = key.encode() if isinstance(key, str) else bytes(key)
    if not namespace:
        return raw
    if NAMESPACE_SEP in namespace:
        raise ValueError(f"namespace may not contain {NAMESPACE_SEP!r}: {namespace!r}")
    return namespace.encode() + NAMESPACE_SEP.encode() + raw


def split_key(wire: bytes, namespace: str = "") -> str | None:
    """The key without its namespace, or None if `wire` is not in that namespace."""
    text = wire.decode(errors="replace")
    if not namespace:
        return text
    prefix = namespace + NAMESPACE_SEP
    return text[len(prefix) :] if text.startswith(prefix) else None


def chunk_key(
    model: str, world_size: int, worker_id: int, chunk_hash: int, dtype: str, namespace: str = ""
) -> bytes:
    """Wire key of one chunk from its fields."""
    return with_namespace(ChunkKey(model, world_size, worker_id, chunk_hash, dtype).to_string(), namespace)


def lmcache_key(key: object, namespace: str = "") -> bytes:
    """Wire key of an LMCache `CacheEngineKey` (anything with `to_string()`)."""
    return with_namespace(key.to_string(), namespace)  # type: ignore[attr-defined]
