"""The four chunk clients expose one API: same public methods, same parameters.

Blocking vs asyncio twins must match exactly (the async ones are coroutines); a standalone client
and its cluster counterpart share every standalone method, the cluster one adds only the
slot-map calls (`describe`, `refresh`; `describe` does no I/O and is a plain method on both
cluster clients). No server needed: this inspects the classes.
"""

from __future__ import annotations

import inspect

import pytest

from connector import AsyncChunkClient, ChunkClient
from connector.cluster import ClusterChunkClient
from connector.cluster_async import AsyncClusterChunkClient

CLUSTER_ONLY = {"describe", "refresh"}
NO_IO = {"describe"}  # a plain method on both cluster clients: it only formats the slot map
CONTEXT = {"sync": ("__enter__", "__exit__"), "async": ("__aenter__", "__aexit__")}


def public_methods(cls: type) -> dict[str, object]:
    return {name: fn for name, fn in inspect.getmembers(cls, inspect.isfunction)
            if not name.startswith("_")}


def signature(fn: object) -> inspect.Signature:
    return inspect.signature(fn)  # type: ignore[arg-type]


def parameters(fn: object) -> list[tuple[str, object, object, object]]:
    """Parameters by name, kind, default and annotation (the return annotation left out)."""
    return [(p.name, p.kind, p.default, p.annotation) for p in signature(fn).parameters.values()]


@pytest.mark.parametrize(("sync", "coro"), [(ChunkClient, AsyncChunkClient),
                                            (ClusterChunkClient, AsyncClusterChunkClient)],
                         ids=["standalone", "cluster"])
def test_async_twin_has_the_same_methods_and_signatures(sync: type, coro: type) -> None:
    blocking, asynchronous = public_methods(sync), public_methods(coro)
    assert sorted(blocking) == sorted(asynchronous)
    for name, fn in blocking.items():
        assert not inspect.iscoroutinefunction(fn), name
        assert inspect.iscoroutinefunction(asynchronous[name]) is (name not in NO_IO), name
        assert signature(fn) == signature(asynchronous[name]), name
    assert all(callable(getattr(sync, n, None)) for n in CONTEXT["sync"])
    assert all(inspect.iscoroutinefunction(getattr(coro, n)) for n in CONTEXT["async"])


@pytest.mark.parametrize(("single", "cluster"), [(ChunkClient, ClusterChunkClient),
                                                 (AsyncChunkClient, AsyncClusterChunkClient)],
                         ids=["sync", "async"])
def test_cluster_client_has_every_standalone_method(single: type, cluster: type) -> None:
    mine, theirs = public_methods(single), public_methods(cluster)
    assert set(theirs) - set(mine) == CLUSTER_ONLY
    assert set(mine) <= set(theirs)
    for name, fn in mine.items():
        assert parameters(fn) == parameters(theirs[name]), name
        assert signature(fn).return_annotation == signature(theirs[name]).return_annotation, name


def test_the_api_is_not_empty() -> None:
    """Guards the comparisons above against vacuous success (e.g. a filter that drops all)."""
    names = set(public_methods(ChunkClient))
    assert {"put", "batch_put", "get", "get_into", "batch_get", "batch_get_into", "prefix_hits",
            "delete", "exists", "keys", "ping", "close", "get_with_sink",
            "batch_get_with_sinks", "get_with_header"} == names
