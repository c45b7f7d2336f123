"""resp-kvcache connector: numpy KV chunks over the Redis protocol, and an LMCache plugin.

    from connector import ChunkClient
    with ChunkClient("redis://127.0.0.1:6380", serde="naive") as c:
        c.put(key, array); c.get_into(key, out); c.batch_get_into(keys, outs); c.prefix_hits(keys)

Modules, lowest layer first: resp (sans-IO RESP codec), serde (64-byte chunk header + payload,
naive/lz4), ops (commands as send+read plans), config, keys (LMCache key strings), connection
(blocking and asyncio sockets), plans (each client call once, as a sans-IO program), pools
(connection pools, reconnect rule), standalone (one-server clients), cluster_map / cluster_core
/ cluster / cluster_async (slot-routed clients), client (`ChunkClient` / `AsyncChunkClient`: the URL picks
standalone or cluster), lmcache (`RespConnector`, imports lmcache lazily), bench (throughput).
No module imports one above it.
Importing this package needs numpy only (lz4 when that serde is used); never lmcache or torch.
"""

from .client import AsyncChunkClient, ChunkClient
from .config import ClientConfig, parse_url
from .keys import ChunkKey, chunk_key, lmcache_key
from .ops import HandshakeError
from .resp import ProtocolError, ReplyError
from .serde import HEADER_SIZE, ChunkHeader, SerdeError

__all__ = [
    "HEADER_SIZE",
    "AsyncChunkClient",
    "ChunkClient",
    "ChunkHeader",
    "ChunkKey",
    "ClientConfig",
    "HandshakeError",
    "ProtocolError",
    "ReplyError",
    "SerdeError",
    "chunk_key",
    "lmcache_key",
    "parse_url",
]
