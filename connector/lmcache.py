"""`RespConnector`: an LMCache (0.5.6) remote connector over our chunk client.

Loaded by LMCache without patching it:

    remote_storage_plugins: ["respcache"]
    extra_config:
      remote_storage_plugin.respcache.module_path: "connector.lmcache"
      remote_storage_plugin.respcache.class_name: "RespConnector"
      resp_url: "redis://127.0.0.1:6380"     # required; redis://, rediss://, unix:// or
                                             # redis-cluster://h1:p1,h2:p2 (a pool; cluster.py)
      # per instance: remote_storage_plugin.<name>.resp_url (and .resp_serde ...) win
      resp_serde: "naive"                    # optional: naive | lz4
      resp_namespace: ""                     # optional key prefix ("ns:" + key)
      resp_max_connections: 16               # optional

LMCache builds it as `RespConnector(loop=..., local_cpu_backend=..., config=...)`.

Compared with LMCache's `redis://` connector (two keys and two round trips per chunk, a copy on
every get): one key per chunk holding the serde header and the tensor bytes; get reads the header,
allocates the MemoryObj of exactly that shape/dtype/format from the local CPU backend, and the
socket writes the payload straight into it; batched_get is one MGET, batched_put one pipeline,
batched_async_contains one pipelined EXISTS. A missing, corrupt or unallocatable chunk is a miss
(None), never a wrong tensor. Multi-group MemoryObjs (hybrid models) travel as flat uint8 and are
read back into the connector's full-chunk layout (partial chunks via `reshape_partial_chunk`).

lmcache and torch are imported only when `RespConnector` is first accessed (module __getattr__),
so `import connector.lmcache` works without them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from math import prod
from typing import Any

import numpy as np

from .client import AsyncChunkClient, ChunkClient
from .keys import split_key
from .ops import STREAM_SAFE
from .serde import BY_NAME, ChunkHeader, byte_view

log = logging.getLogger(__name__)

URL_KEY = "resp_url"


class AllocationFailed(ValueError):
    """The local CPU backend had no memory for an incoming chunk (treated as a miss)."""


def _options(config: Any, plugin_name: str | None = None) -> dict[str, Any]:
    """The client options of one plugin instance: `remote_storage_plugin.<name>.resp_*` keys of
    extra_config win over the global `resp_*` ones, so two instances can use two pools."""
    extra = dict(getattr(config, "extra_config", None) or {})

    def get(name: str, default: Any = None) -> Any:
        if plugin_name:
            scoped = f"remote_storage_plugin.{plugin_name}.{name}"
            if scoped in extra:
                return extra[scoped]
        return extra.get(name, default)

    url = get(URL_KEY)
    if not url and not plugin_name:
        url = _only_instance_url(extra)
    if not url:
        raise ValueError(f"RespConnector needs extra_config[{URL_KEY!r}], e.g. redis://127.0.0.1:6380 "
                         f"or redis-cluster://h1:7000,h2:7001")
    opts: dict[str, Any] = {"url": url, "serde": get("resp_serde", "naive"),
                            "namespace": get("resp_namespace", "")}
    if get("resp_max_connections") is not None:
        opts["max_connections"] = int(get("resp_max_connections"))
    return opts


def _only_instance_url(extra: dict[str, Any]) -> str | None:
    """With no global `resp_url` and no instance name, the one `remote_storage_plugin.<x>.resp_url`
    given, if there is exactly one (several: ambiguous, say which with `RespConnector@<x>`)."""
    urls = [v for k, v in extra.items()
            if k.startswith("remote_storage_plugin.") and k.endswith("." + URL_KEY)]
    return urls[0] if len(urls) == 1 else None


def _plugin_name(kwargs: dict[str, Any]) -> str | None:
    """The plugin instance name when LMCache passes one (`plugin_name=`, or a context object)."""
    name = kwargs.get("plugin_name")
    if name is None and kwargs.get("context") is not None:
        name = getattr(kwargs["context"], "plugin_name", None)
    return name


def _dtype_name(torch_dtype: Any) -> str:
    return str(torch_dtype).removeprefix("torch.")


class _RespConnectorImpl:
    """The connector's behaviour; `RespConnector` adds LMCache's RemoteConnector base."""

    def __init__(self, loop: Any = None, local_cpu_backend: Any = None, config: Any = None,
                 **kwargs: Any) -> None:
        # In RespConnector's MRO the next class is LMCache's RemoteConnector.
        super().__init__(local_cpu_backend.config, local_cpu_backend.metadata)  # type: ignore[call-arg]
        opts = _options(config if config is not None else local_cpu_backend.config,
                        _plugin_name(kwargs))
        url = opts.pop("url")
        self.loop = loop
        self.local_cpu_backend = local_cpu_backend
        self.namespace = opts["namespace"]
        self.client = AsyncChunkClient(url, **opts)
        self.sync_client = ChunkClient(url, **opts)  # for the *_sync calls from other threads
        log.info("RespConnector on %s (serde %s)", self._where(), opts["serde"])

    # -- encoding a MemoryObj ----------------------------------------------------------------
    def _as_array(self, memory_obj: Any) -> tuple[np.ndarray, str, int]:
        """A zero-copy numpy view of the object's bytes, its dtype name and format code."""
        view = byte_view(memory_obj.byte_array)
        fmt = int(memory_obj.get_memory_format().value)
        shapes, dtypes = memory_obj.get_shapes(), memory_obj.get_dtypes()
        if len(shapes) == 1:
            name = _dtype_name(dtypes[0])
            dt = BY_NAME.get(name)
            shape = tuple(int(d) for d in shapes[0])
            if dt is not None and prod(shape) * dt.storage.itemsize == view.nbytes:
                return np.frombuffer(view, dtype=dt.storage).reshape(shape), name, fmt
        return np.frombuffer(view, dtype=np.uint8), "uint8", fmt

    # -- decoding into a MemoryObj -----------------------------------------------------------
    def _sink(self, found: list[Any], i: int):
        def make(header: ChunkHeader) -> memoryview:
            obj = self._allocate(header)
            found[i] = obj
            view = byte_view(obj.byte_array, writable=True)
            return view if view.nbytes == header.raw_nbytes else view[: header.raw_nbytes]

        return make

    def _allocate(self, header: ChunkHeader) -> Any:
        import torch
        from lmcache.v1.memory_management import MemoryFormat

        if len(self.meta_shapes) == 1 and header.dtype.name != "uint8":  # type: ignore[attr-defined]
            fmt = MemoryFormat(header.fmt) if header.fmt else self.meta_fmt  # type: ignore[attr-defined]
            obj = self.local_cpu_backend.allocate(
                torch.Size(header.shape), getattr(torch, header.dtype.name), fmt)
        else:
            if header.raw_nbytes > self.full_chunk_size_bytes:  # type: ignore[attr-defined]
                raise ValueError(f"chunk of {header.raw_nbytes} bytes exceeds a full chunk")
            obj = self.local_cpu_backend.allocate(
                self.meta_shapes, self.meta_dtypes, self.meta_fmt)  # type: ignore[attr-defined]
        if obj is None:
            raise AllocationFailed("local CPU backend could not allocate a chunk")
        return obj

    def _finish(self, obj: Any, header: ChunkHeader | Exception | None) -> Any:
        """The MemoryObj for a completed read, or None (releasing it) for a miss or error."""
        if isinstance(header, ChunkHeader) and obj is not None:
            if obj.get_size() != header.raw_nbytes:
                return self.reshape_partial_chunk(obj, header.raw_nbytes)  # type: ignore[attr-defined]
            return obj
        if isinstance(header, Exception):
            log.warning("RespConnector: treating chunk as a miss: %s", header)
        if obj is not None:
            obj.ref_count_down()
        return None

    # -- RemoteConnector API -----------------------------------------------------------------
    async def exists(self, key: Any) -> bool:
        return await self.client.exists(key.to_string())

    def exists_sync(self, key: Any) -> bool:
        return self.sync_client.exists(key.to_string())

    async def get(self, key: Any) -> Any:
        found: list[Any] = [None]
        try:
            header = await self.client.get_with_sink(key.to_string(), self._sink(found, 0))
        except STREAM_SAFE as exc:
            return self._finish(found[0], exc)
        except BaseException:
            self._finish(found[0], None)
            raise
        return self._finish(found[0], header)

    async def put(self, key: Any, memory_obj: Any) -> None:
        arr, name, fmt = self._as_array(memory_obj)
        await self.client.put(key.to_string(), arr, dtype_name=name, fmt=fmt)

    def support_batched_put(self) -> bool:
        return True

    async def batched_put(self, keys: Sequence[Any], memory_objs: Sequence[Any]) -> None:
        parts = [self._as_array(m) for m in memory_objs]
        await self.client.batch_put([k.to_string() for k in keys], [p[0] for p in parts],
                                    dtype_name=[p[1] for p in parts], fmt=[p[2] for p in parts])

    def support_batched_get(self) -> bool:
        return True

    async def batched_get(self, keys: Sequence[Any]) -> list[Any]:
        found: list[Any] = [None] * len(keys)
        sinks = [self._sink(found, i) for i in range(len(keys))]
        try:
            headers = await self.client.batch_get_with_sinks(
                [k.to_string() for k in keys], sinks, return_errors=True)
        except BaseException:
            for obj in found:
                self._finish(obj, None)
            raise
        return [self._finish(o, h) for o, h in zip(found, headers, strict=True)]

    def support_batched_get_non_blocking(self) -> bool:
        return True

    async def batched_get_non_blocking(self, lookup_id: str, keys: Sequence[Any]) -> list[Any]:
        """The leading run of found chunks (one MGET); chunks after the first miss are released."""
        out: list[Any] = []
        missed = False
        for obj in await self.batched_get(keys):
            if obj is None:
                missed = True
            elif missed:
                obj.ref_count_down()
            else:
                out.append(obj)
        return out

    def support_batched_async_contains(self) -> bool:
        return True

    async def batched_async_contains(self, lookup_id: str, keys: Sequence[Any], pin: bool = False) -> int:
        return await self.client.prefix_hits([k.to_string() for k in keys])

    def support_batched_contains(self) -> bool:
        return True

    def batched_contains(self, keys: Sequence[Any]) -> int:
        return self.sync_client.prefix_hits([k.to_string() for k in keys])

    def remove_sync(self, key: Any) -> bool:
        return self.sync_client.delete(key.to_string()) > 0

    async def list(self) -> list[str]:
        wire = await self.client.keys("*")
        return [k for k in (split_key(w, self.namespace) for w in wire) if k is not None]

    def support_ping(self) -> bool:
        return True

    async def ping(self) -> int:
        try:
            return 0 if await self.client.ping() else 1
        except (ConnectionError, OSError) as exc:
            log.warning("RespConnector ping failed: %s", exc)
            return 1

    async def close(self) -> None:
        await self.client.close()
        self.sync_client.close()

    def __repr__(self) -> str:
        return f"<RespConnector {self._where()}>"

    def _where(self) -> str:
        """redis://h:p/db, or redis-cluster://h:p,h:p for a pool (its nodes)."""
        return getattr(self.client, "describe", self.client.config.describe)()


_built: dict[str, type] = {}


def _build(plugin_name: str | None = None) -> type:
    try:
        from lmcache.v1.storage_backend.connector.base_connector import RemoteConnector
    except ImportError as exc:
        raise ImportError(
            f"{__name__}.RespConnector needs lmcache (pip install 'resp-kvcache[lmcache]')"
        ) from exc
    ns: dict[str, Any] = {
        "__module__": __name__,
        "__doc__": "LMCache RemoteConnector over resp-kvcache (see module docstring).",
    }
    if plugin_name is not None:
        ns["__init__"] = _bound_init(plugin_name)
    return type("RespConnector", (_RespConnectorImpl, RemoteConnector), ns)


def _bound_init(plugin_name: str) -> Any:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("plugin_name", plugin_name)
        _RespConnectorImpl.__init__(self, *args, **kwargs)
    return __init__


def __getattr__(name: str) -> Any:
    """`RespConnector`, or `RespConnector@<plugin name>`: the same class bound to one plugin
    instance's `remote_storage_plugin.<name>.resp_*` keys (LMCache 0.5.6 builds plugin
    connectors with loop/local_cpu_backend/config only, so the instance name travels in the
    class name LMCache looks up: `class_name: "RespConnector@respcache"`)."""
    base, sep, plugin = name.partition("@")
    if base == "RespConnector" and (plugin or not sep):
        if name not in _built:
            _built[name] = _build(plugin or None)
        return _built[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
