"""The default memory cap: what the process may use (cgroup limit or MemTotal), 80%, less slack.

Started without `maxmemory`, a cache would grow until the kernel kills it; like Dragonfly we cap
it at 80% of the memory available to the process minus DEFAULT_SLACK (the RSS the README allows
above maxmemory), never below a quarter of it. Available = the lowest of MemTotal and the cgroup
v2 `memory.max` / v1 `memory.limit_in_bytes` of our cgroup (or of the cgroup root a container
sees), when one is set. All sizes in bytes.
"""

from __future__ import annotations

import os

DEFAULT_SHARE = 0.80             # of the available memory
DEFAULT_SLACK = 64 << 20         # bytes: interpreter, connections, fragmentation (README bound)
_UNLIMITED = 1 << 60             # cgroup v1 writes ~2^63 for "no limit"


def _read_int(path: str) -> int | None:
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None      # v2 writes "max" for no limit


def _cgroup_limits() -> list[int]:
    paths = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                _, ctrl, rel = line.rstrip("\n").split(":", 2)
                if ctrl == "":
                    paths.append(f"/sys/fs/cgroup{rel}/memory.max")
                elif "memory" in ctrl.split(","):
                    paths.append(f"/sys/fs/cgroup/memory{rel}/memory.limit_in_bytes")
    except (OSError, ValueError):
        pass
    limits = (_read_int(p) for p in paths)
    return [v for v in limits if v is not None and 0 < v < _UNLIMITED]


def mem_total() -> int:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 0


def available_memory() -> int:
    """Bytes this process may use: MemTotal, or a lower cgroup limit."""
    return min([mem_total(), *_cgroup_limits()])


def default_maxmemory(available: int | None = None) -> int:
    """80% of the available memory minus DEFAULT_SLACK, at least a quarter of it."""
    avail = available_memory() if available is None else available
    return max(int(avail * DEFAULT_SHARE) - DEFAULT_SLACK, avail // 4)
