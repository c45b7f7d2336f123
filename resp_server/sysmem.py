"""The process's resident memory and Redis's human-readable byte sizes: one of each.

`rss_bytes()` reads /proc/self/statm (peak RSS from getrusage where /proc is missing);
`human_bytes()` is Redis's bytesToHuman (1023B, 1.00K, 12.50M, ...), used by INFO, MEMORY and
the start-up banner alike.
"""

from __future__ import annotations

import os
import resource


def rss_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def human_bytes(n: int | float) -> str:
    """bytesToHuman: 1023B, 1.00K, 12.50M, ..."""
    if n < 1024:
        return f"{int(n)}B"
    for unit in "KMGTPE":
        n /= 1024
        if n < 1024 or unit == "E":
            return f"{n:.2f}{unit}"
    return f"{n:.2f}E"
