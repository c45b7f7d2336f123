"""Warm restart: save the keyspace's metadata next to its memory file at a clean shutdown, and
re-adopt every item at the next start without copying a byte (memcached's restart.c model).

Shutdown, each step only once the previous one is durable:
  1. data      the slab pages already are the file; msync where it is not tmpfs (memfile.sync)
  2. metadata  PATH.meta.tmp written and fsync'd, renamed over PATH.meta, directory fsync'd
  3. marker    header state CLEAN + the metadata's SHA-256 (one pwrite in page 0, fsync)
A crash anywhere before 3 leaves the marker DIRTY (set at start), so the next start is cold; a
marker CLEAN can only exist after 1 and 2 completed, and nothing writes a page after it.
Start: the header is read before anything else. Only CLEAN, a metadata file whose checksum is
intact and equals the marker's digest, the same format version and layout, and a file long
enough for the saved pages lead to adoption; anything else is one log line with the reason and
an empty cache (the stale pages punched out). Either way the file is marked DIRTY (durably) before
any page is changed, and the metadata removed before the server listens, so a SIGKILL during
the start or later can never be taken for clean.

Metadata format (META_VERSION): a MAGIC line, one JSON line (version, layout, policy, counts,
section sizes), the binary sections of SECTIONS in order (little-endian arrays; items in db and
key order, per-class eviction orders as item indices, coldest first), then the SHA-256 of all
that. Times are absolute ms since the epoch (TTLs survive the downtime); adoption drops items
whose TTL passed while the server was down.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import math
import os
import sys
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from resp_server.config import StoreConfig
from resp_server.store.keyspace import Keyspace, time_ms
from resp_server.store.memfile import CLEAN, DIRTY, HEADER_BYTES, NOSAVE, MemoryFile
from resp_server.store.slabs import class_sizes

log = logging.getLogger("resp_server")

MAGIC = b"RESP-KVCACHE-META\n"
META_VERSION = 1
DIGEST_BYTES = 32
SECTIONS = (                       # name, array typecode (i/I 4 bytes, q/Q 8, B 1, little-endian)
    ("page_table", "i"), ("db", "I"), ("length", "Q"), ("cls", "I"), ("expire", "q"),
    ("stamp", "Q"), ("freq", "B"), ("nchunks", "I"), ("key_len", "I"), ("keys", "B"),
    ("chunks", "Q"), ("order_len", "I"), ("order", "I"),
)
NO_TTL = -1                        # "expire" of an item without TTL


@dataclass(slots=True)
class RestartInfo:
    """How the last start went (INFO persistence)."""

    memory_file: str
    adopted_keys: int = 0
    expired_keys: int = 0          # saved items whose TTL passed during the downtime
    seconds: float = 0.0           # from opening the file to ready (adoption included)
    cold_reason: str = ""          # empty after a warm start


class ColdStart(Exception):
    """The saved state cannot be adopted; the message says why."""


# --- encoding -------------------------------------------------------------------------------
def encode(ks: Keyspace, policy: str, file_bytes: int) -> bytes:
    """The metadata file's bytes for the keyspace as it is now."""
    pairs = list(ks.linked_items())
    items = [it for _, it in pairs]
    index = {id(it): i for i, it in enumerate(items)}
    nclasses = len(ks.layout()["slab_sizes"])
    orders = [[index[id(i)] for i in ks.eviction_order(cid)] for cid in range(nclasses)]
    arrays: dict[str, Any] = {
        "page_table": ks.page_table(), "db": [db for db, _ in pairs],
        "length": [it.length for it in items], "cls": [it.cls for it in items],
        "expire": [NO_TTL if it.expire_at is None else it.expire_at for it in items],
        "stamp": [it.stamp for it in items], "freq": [it.freq for it in items],
        "nchunks": [len(it.chunks) for it in items], "key_len": [len(it.key) for it in items],
        "chunks": [h for it in items for h in it.chunks],
        "order_len": [len(o) for o in orders], "order": [i for o in orders for i in o]}
    blobs = [_pack(t, arrays[n]) if n != "keys" else b"".join([it.key for it in items])
             for n, t in SECTIONS]
    head = {"version": META_VERSION, "layout": ks.layout(), "policy": policy,
            "saved_at_ms": time_ms(), "keys": len(items), "file_bytes": file_bytes,
            "sections": [[n, len(b)] for (n, _), b in zip(SECTIONS, blobs, strict=True)]}
    body = MAGIC + json.dumps(head).encode() + b"\n" + b"".join(blobs)
    return body + hashlib.sha256(body).digest()


def decode(data: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """(JSON head, {section: list of ints or bytes}); ColdStart when damaged or of another version."""
    body, digest = data[:-DIGEST_BYTES], data[-DIGEST_BYTES:]
    if not data.startswith(MAGIC) or hashlib.sha256(body).digest() != digest:
        raise ColdStart("metadata file is damaged (checksum mismatch)")
    nl = body.index(b"\n", len(MAGIC))
    head = json.loads(body[len(MAGIC):nl])
    if head.get("version") != META_VERSION:
        raise ColdStart(f"metadata version {head.get('version')} is not supported "
                        f"(this server reads version {META_VERSION})")
    out: dict[str, Any] = {}
    off = nl + 1
    codes = dict(SECTIONS)
    for name, size in head["sections"]:
        raw = body[off:off + size]
        out[name] = raw if name == "keys" else _unpack(codes[name], raw)
        off += size
    return head, out


def _pack(code: str, values: list[int]) -> bytes:
    a = array(code, values)
    if sys.byteorder != "little":
        a.byteswap()
    return a.tobytes()


def _unpack(code: str, raw: bytes) -> array[int]:
    """The section as an array, not a list: adoption reads each value once, and lists of every
    item's ints would leave their freed blocks in the heap (~3 MiB of RSS for 50k keys)."""
    a = array(code)
    a.frombytes(raw)                   # ValueError when raw is not a whole number of items
    if sys.byteorder != "little":
        a.byteswap()
    return a


def meta_digest(data: bytes) -> bytes:
    return data[-DIGEST_BYTES:]


# --- the memory file's life cycle -----------------------------------------------------------
class WarmStore:
    """Owns the memory file of one server: opens (adopting or cold) and closes (saving or not)."""

    def __init__(self, cfg: StoreConfig) -> None:
        page_size, _ = class_sizes(cfg.slab_page_size, cfg.slab_min_chunk,
                                   cfg.slab_growth_factor, cfg.slab_sizes)
        self.cfg = cfg
        self.file = MemoryFile(cfg.memory_file, page_size, math.ceil(cfg.maxmemory / page_size))
        self.info = RestartInfo(cfg.memory_file)

    def open(self, clock: Callable[[], int] = time_ms) -> Keyspace:
        """The keyspace over the memory file: re-adopted when the last stop was clean, else empty.
        The file is marked DIRTY first, before any page is changed (a lower cap's evictions drop
        pages, a cold start punches them all out): a crash during this start is never taken for
        clean. The marker as the last process left it was read when the file was opened."""
        t0 = time.perf_counter()
        self.file.mark(DIRTY)
        ks = None
        try:
            head, sections = self._load()
            ks = self._adopt(head, sections, clock)
        except ColdStart as e:
            self.info.cold_reason = str(e)
        if ks is None:
            self.file.wipe()
            ks = Keyspace(self.cfg, clock, backing=self.file)
        _remove(self.file.meta_path)
        ks.prealloc_pages()
        self.info.seconds = time.perf_counter() - t0
        self._log_open()
        return ks

    def _load(self) -> tuple[dict[str, Any], dict[str, Any]]:
        m = self.file.marker
        path = self.file.meta_path
        if not m.state:
            raise ColdStart("new memory file" if not m.file_bytes else "no warm-restart header")
        if m.state == NOSAVE:
            raise ColdStart("the last run ended with SHUTDOWN NOSAVE")
        if m.state != CLEAN:
            raise ColdStart("not marked clean: the last run did not shut down cleanly "
                            "(SIGKILL or a crash or power loss)")
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise ColdStart(f"metadata file {path} unreadable: {e.strerror}") from None
        try:
            head, sections = decode(data)
        except (ValueError, KeyError, TypeError) as e:
            raise ColdStart(f"metadata file unreadable: {e}") from None
        if meta_digest(data) != m.meta_digest:
            raise ColdStart("metadata file does not belong to the clean marker")
        self._check_layout(head, sections)
        return head, sections

    def _check_layout(self, head: dict[str, Any], sections: dict[str, Any]) -> None:
        page_size, sizes = class_sizes(self.cfg.slab_page_size, self.cfg.slab_min_chunk,
                                       self.cfg.slab_growth_factor, self.cfg.slab_sizes)
        now = {"slab_page_size": page_size, "slab_sizes": sizes, "databases": self.cfg.databases}
        for name, value in now.items():
            saved = head["layout"].get(name)
            if saved != value:
                raise ColdStart(f"layout option {name.replace('_', '-')} changed "
                                f"(saved {_show(saved)}; now {_show(value)})")
        size, saved = self.file.marker.file_bytes, head.get("file_bytes")
        need = HEADER_BYTES + len(sections["page_table"]) * page_size
        if size != saved or size < need:
            raise ColdStart(f"memory file truncated or resized ({size} bytes; {saved} at the "
                            f"clean shutdown)")

    def _adopt(self, head: dict[str, Any], sec: dict[str, Any],
               clock: Callable[[], int]) -> Keyspace:
        ks = Keyspace(self.cfg, clock, backing=self.file)
        gc_was_on = gc.isenabled()
        gc.disable()                   # tens of thousands of new objects, no garbage: no GC passes
        try:
            ks.restore_pages(sec["page_table"])
            items = self._adopt_items(ks, sec, clock())
            start = 0
            order = sec["order"]
            for cid, n in enumerate(sec["order_len"]):
                ks.adopt_order(cid, [items[i] for i in order[start:start + n] if items[i]])
                start += n
            ks.adoption_done()
        except (ValueError, IndexError, KeyError, AssertionError) as e:
            raise ColdStart(f"metadata does not fit the memory file: {e}") from None
        finally:
            if gc_was_on:
                gc.enable()
        if head.get("policy") != self.cfg.policy:
            log.warning("Warm restart: saved under %s, now %s: eviction order kept, "
                        "policy state rebuilt", head.get("policy"), self.cfg.policy)
        return ks

    def _adopt_items(self, ks: Keyspace, sec: dict[str, Any], now: int) -> list[Any]:
        """Adopt every saved item whose TTL has not passed; None in place of the others."""
        rows = []
        keep = []
        keys, chunks = sec["keys"], sec["chunks"]
        koff = coff = 0
        for db, length, cls, expire, stamp, freq, nch, klen in zip(
                *(sec[n] for n in ("db", "length", "cls", "expire", "stamp", "freq", "nchunks",
                                   "key_len")), strict=True):
            alive = expire == NO_TTL or expire > now
            keep.append(alive)
            if alive:
                rows.append((db, keys[koff:koff + klen], tuple(chunks[coff:coff + nch]), cls,
                             length, None if expire == NO_TTL else expire, stamp, freq))
            koff += klen
            coff += nch
        adopted = iter(ks.adopt_items(rows))
        self.info.adopted_keys = len(rows)
        self.info.expired_keys = len(keep) - len(rows)
        return [next(adopted) if alive else None for alive in keep]

    def _log_open(self) -> None:
        i = self.info
        if i.cold_reason:
            log.warning("Warm restart: cold start from %s: %s", i.memory_file, i.cold_reason)
        else:
            log.warning("Warm restart: adopted %d keys from %s in %.3f s (%d expired while down)",
                        i.adopted_keys, i.memory_file, i.seconds, i.expired_keys)

    def close(self, ks: Keyspace, save: bool) -> bool:
        """At exit: save the metadata and mark the file clean (True), or mark it NOSAVE."""
        if self.file.fd < 0:
            return False                       # closed already
        try:
            return self._save(ks) if save else self._nosave()
        finally:
            self.file.close()

    def _nosave(self) -> bool:
        self.file.mark(NOSAVE)
        log.warning("Warm restart: not saved (SHUTDOWN NOSAVE): the next start is cold")
        return False

    def _save(self, ks: Keyspace) -> bool:
        t0 = time.perf_counter()
        gc_was_on = gc.isenabled()
        gc.disable()                   # lists of every key, no garbage: no collection passes
        try:
            data = encode(ks, ks.policy, self.file.size())
            self.file.sync()
            _write_durably(self.file.meta_path, data)
            self.file.mark(CLEAN, meta_digest(data))
        except OSError as e:
            log.error("Warm restart: saving %s failed (%s): the next start is cold",
                      self.file.meta_path, e)
            return False
        finally:
            if gc_was_on:
                gc.enable()
        log.warning("Warm restart: saved %d keys to %s in %.3f s",
                    sum(ks.dbsize(d) for d in range(len(ks.dbs))), self.file.meta_path,
                    time.perf_counter() - t0)
        return True


def open_keyspace(cfg: StoreConfig) -> tuple[Keyspace, WarmStore | None]:
    """The server's keyspace: plain, or over a memory file (adopted when possible)."""
    if not cfg.memory_file:
        return Keyspace(cfg), None
    warm = WarmStore(cfg)
    return warm.open(), warm


def _write_durably(path: str, data: bytes) -> None:
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _show(v: object) -> str:
    if isinstance(v, list) and v:
        return f"{len(v)} classes {v[0]}..{v[-1]}"
    return str(v)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
