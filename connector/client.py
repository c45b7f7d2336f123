"""`ChunkClient` (blocking) and `AsyncChunkClient` (asyncio): the public clients; the URL picks
standalone or cluster.

    ChunkClient("redis://h:p")                 -> a ChunkClient (standalone.StandaloneClient)
    ChunkClient("redis-cluster://h:p,h:p")     -> a cluster.ClusterChunkClient
    ChunkClient("redis://node-of-a-cluster")   -> a cluster.ClusterChunkClient (auto-detected by
                                                  one INFO cluster probe; cluster_detect=False
                                                  turns the probe off)

AsyncChunkClient does the same with standalone.AsyncStandaloneClient and
cluster_async.AsyncClusterChunkClient. Both kinds have the same public methods
(tests/connector/test_client_surface.py). This module is the top of the client layers: it imports
the standalone and cluster modules, and none of them imports it.
"""

from __future__ import annotations

from typing import Any

from .cluster import ClusterChunkClient
from .cluster_async import AsyncClusterChunkClient
from .cluster_map import cluster_wanted
from .config import ClientConfig
from .serde import SerdeError
from .standalone import DEFAULT_URL, AsyncStandaloneClient, StandaloneClient


class ChunkClient(StandaloneClient):
    """Blocking chunk client; thread-safe (each call takes its own pooled connection).
    A redis-cluster:// URL (or a cluster node's redis:// URL) makes a cluster.ClusterChunkClient
    instead, with the same methods."""

    def __new__(cls, url: str | ClientConfig = DEFAULT_URL, **options: Any) -> Any:
        if cls is ChunkClient and cluster_wanted(url, dict(options)):
            options.pop("cluster_detect", None)
            return ClusterChunkClient(url, **options)
        return super().__new__(cls)


class AsyncChunkClient(AsyncStandaloneClient):
    """asyncio chunk client with the same methods as `ChunkClient`, as coroutines (a cluster
    URL makes a cluster_async.AsyncClusterChunkClient, as for ChunkClient)."""

    def __new__(cls, url: str | ClientConfig = DEFAULT_URL, **options: Any) -> Any:
        if cls is AsyncChunkClient and cluster_wanted(url, dict(options)):
            options.pop("cluster_detect", None)
            return AsyncClusterChunkClient(url, **options)
        return super().__new__(cls)


__all__ = ["AsyncChunkClient", "ChunkClient", "SerdeError"]
