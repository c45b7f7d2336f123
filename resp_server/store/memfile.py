"""Slab pages in one shared file mapping (`--memory-file PATH`), with a clean marker in its header.

File layout: HEADER_BYTES of header, then slab page `pid` at byte HEADER_BYTES + pid * page_size.
The pages are MAP_SHARED views of the file, so on tmpfs (/dev/shm) the mapping *is* the file: what
the server writes into a chunk is in the file at once and survives the process. The slab allocator
takes its pages from here instead of from fresh bytearrays (`page(pid)`), and gives back dropped
pages with `discard(pid)` (the range is punched out, so tmpfs returns the memory).

The mapping grows in segments: when a page id lies beyond the mapped range (CONFIG SET maxmemory
grew the cap) the file is extended with ftruncate and the new range mapped as one more mmap;
segments are never unmapped, so a page's memoryview stays valid for the life of the process.

Header (in the first OS page, written with a single pwrite + fsync): MAGIC, HEADER_VERSION, a state word
(CLEAN, DIRTY or NOSAVE) and the SHA-256 of the metadata file a clean shutdown wrote next to the
file (warm.py). `read_marker()` reports what the last process left; the running process marks the
file DIRTY before it writes any page, and CLEAN only as the last step of a clean shutdown.

A running server holds an exclusive flock on the file: two servers never share one mapping.
Invariant: every page id below `mapped_pages` has a view; the file is at least
HEADER_BYTES + mapped_pages * page_size bytes long.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
from dataclasses import dataclass

MAGIC = b"RESPKVMF"
HEADER_VERSION = 1
HEADER_BYTES = 4096                   # one OS page: pages start page-aligned in the file
CLEAN = b"CLEAN"                      # a clean shutdown wrote the metadata, then this
DIRTY = b"DIRTY"                      # a process is (or was) writing the pages
NOSAVE = b"NOSAVE"                    # SHUTDOWN NOSAVE: exited on purpose without metadata
_HEADER = struct.Struct("<8sI8s32sQ")  # magic, version, state, metadata sha256, page size
GROW_MIN_PAGES = 64                   # a new segment maps at least this many pages (few VMAs)
TMPFS_TYPES = ("tmpfs", "ramfs", "hugetlbfs")


@dataclass(frozen=True, slots=True)
class Marker:
    """What the header said when the file was opened."""

    state: bytes                      # CLEAN / DIRTY / NOSAVE, or b"" (new or foreign file)
    meta_digest: bytes                # SHA-256 of the metadata file (CLEAN only)
    page_size: int
    file_bytes: int                   # size of the file before this process touched it


class MemoryFile:
    """The shared mapping of one memory file; see the module docstring."""

    def __init__(self, path: str, page_size: int, min_pages: int) -> None:
        self.path = path
        self.page_size = page_size
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise OSError(f"memory file {path} is in use by another process") from None
        self.marker = self._read_marker()
        self.on_tmpfs = fs_type(path) in TMPFS_TYPES
        self._segments: list[tuple[int, int, mmap.mmap, memoryview]] = []  # (first, count, map, view)
        self.mapped_pages = 0
        have = max(0, (self.marker.file_bytes - HEADER_BYTES) // page_size)
        self.ensure(max(have, min_pages, 1))

    # --- header -----------------------------------------------------------------------------
    def _read_marker(self) -> Marker:
        size = os.fstat(self.fd).st_size
        raw = os.pread(self.fd, _HEADER.size, 0)
        if len(raw) < _HEADER.size:
            return Marker(b"", b"", 0, size)
        magic, version, state, digest, page_size = _HEADER.unpack(raw)
        if magic != MAGIC or version != HEADER_VERSION:
            return Marker(b"", b"", 0, size)
        return Marker(state.rstrip(b"\0"), digest, page_size, size)

    def mark(self, state: bytes, meta_digest: bytes = b"") -> None:
        """Write the header's state (one pwrite) and make it durable (fsync)."""
        raw = _HEADER.pack(MAGIC, HEADER_VERSION, state, meta_digest.ljust(32, b"\0"),
                           self.page_size)
        os.pwrite(self.fd, raw, 0)
        os.fsync(self.fd)

    # --- pages ------------------------------------------------------------------------------
    def ensure(self, npages: int) -> None:
        """Map pages up to id npages - 1 (extending the file; a new segment)."""
        if npages <= self.mapped_pages:
            return
        first = self.mapped_pages
        count = max(npages - first, GROW_MIN_PAGES if first else 0)
        end = HEADER_BYTES + (first + count) * self.page_size
        if os.fstat(self.fd).st_size < end:
            os.ftruncate(self.fd, end)
        start = HEADER_BYTES + first * self.page_size
        base = start - start % mmap.ALLOCATIONGRANULARITY
        mm = mmap.mmap(self.fd, end - base, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE,
                       offset=base)
        view = memoryview(mm)[start - base:]
        self._segments.append((first, count, mm, view))
        self.mapped_pages = first + count

    def page(self, pid: int) -> memoryview:
        """Writable view of page pid (mapping it first if needed)."""
        self.ensure(pid + 1)
        for first, count, _, view in reversed(self._segments):
            if first <= pid < first + count:
                off = (pid - first) * self.page_size
                return view[off:off + self.page_size]
        raise AssertionError(f"page {pid} not mapped")  # unreachable: ensure() mapped it

    def discard(self, pid: int) -> None:
        """Give a dropped page's memory back (punch the range out); its contents are lost."""
        for first, count, mm, view in self._segments:
            if first <= pid < first + count:
                start = len(mm) - len(view) + (pid - first) * self.page_size
                if start % mmap.PAGESIZE == 0 and self.page_size % mmap.PAGESIZE == 0:
                    try:
                        mm.madvise(mmap.MADV_REMOVE, start, self.page_size)
                    except (OSError, AttributeError, ValueError):
                        pass          # the file system cannot punch holes: memory stays held
                return

    def wipe(self) -> None:
        """Cold start: punch out every mapped page (stale values vanish, tmpfs memory returns)."""
        for _, count, mm, view in self._segments:
            start = len(mm) - len(view)
            if start % mmap.PAGESIZE == 0:
                try:
                    mm.madvise(mmap.MADV_REMOVE, start, count * self.page_size)
                except (OSError, AttributeError, ValueError):
                    view[:] = bytes(len(view))   # cannot punch: at least no stale bytes
            else:
                view[:] = bytes(len(view))

    def sync(self) -> None:
        """Make written pages durable (msync) where the file is not memory itself."""
        if self.on_tmpfs:
            return                    # tmpfs pages are the file: nothing to write back
        for _, _, mm, _ in self._segments:
            mm.flush()

    def size(self) -> int:
        """Current length of the file in bytes."""
        return os.fstat(self.fd).st_size

    def close(self) -> None:
        """Release the lock and the descriptor (the mapping stays valid until exit)."""
        if self.fd >= 0:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = -1

    @property
    def meta_path(self) -> str:
        return self.path + ".meta"


def fs_type(path: str) -> str:
    """File system type of the mount holding path (from /proc/mounts; "" when unknown)."""
    real = os.path.realpath(path)
    best, kind = "", ""
    try:
        with open("/proc/mounts", encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) < 3:
                    continue
                mnt = parts[1].replace("\\040", " ")
                inside = real == mnt or real.startswith(mnt.rstrip("/") + "/")
                if inside and len(mnt) > len(best):
                    best, kind = mnt, parts[2]
    except OSError:
        return ""
    return kind
