"""The policy by name: maxmemory-policy -> a fresh policy object (policy.py is the interface).

The one place that knows every implementation; the keyspace and the simulator ask it.
"""

from __future__ import annotations

from resp_server.store.adaptive import AdaptivePolicy
from resp_server.store.arc import ARCPolicy
from resp_server.store.lru import LRUPolicy
from resp_server.store.policy import Policy
from resp_server.store.s3fifo import S3FIFOPolicy


def make_policy(name: str) -> Policy:
    """A fresh, empty policy object for one class."""
    if name == "allkeys-lru":
        return LRUPolicy(name)
    if name == "volatile-lru":
        return LRUPolicy(name, volatile=True)
    if name == "noeviction":
        return LRUPolicy(name, evicts=False)
    if name in ("allkeys-s3fifo", "allkeys-lfu"):
        return S3FIFOPolicy(name)
    if name == "allkeys-adaptive":
        return AdaptivePolicy(name)
    if name == "allkeys-arc":
        return ARCPolicy(name)
    raise ValueError(f"unknown maxmemory-policy {name!r}")
