"""resp_server: a Redis-protocol (RESP2/RESP3) KV-cache server with slab memory and exact LRU."""

from resp_server.config import VERSION as __version__

__all__ = ["__version__"]
