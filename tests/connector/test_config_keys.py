"""URL parsing (checked against redis-py's own parse_url) and LMCache key strings."""

from __future__ import annotations

import pytest
from redis.connection import parse_url as redis_parse_url

from connector import ChunkKey, chunk_key, parse_url
from connector.keys import split_key, with_namespace

URLS = [
    "redis://localhost",
    "redis://127.0.0.1:6380",
    "redis://127.0.0.1:6380/3",
    "redis://:s3cret@127.0.0.1:6380/2",
    "redis://alice:p%40ss@127.0.0.1:6380",
    "redis://127.0.0.1:6380?db=5",
    "redis://127.0.0.1:6380/1?db=4",
    "redis://127.0.0.1:6380?password=pw&socket_timeout=2.5",
    "rediss://user:pw@example.com:6390/0",
    "unix:///tmp/redis.sock",
    "unix://:pw@/tmp/redis.sock?db=2",
]


@pytest.mark.parametrize("url", URLS)
def test_url_fields_match_redis_py(url):
    ours = parse_url(url)
    theirs = redis_parse_url(url)
    if "path" in theirs:
        assert ours.unix_path == theirs["path"]
    else:
        assert (ours.host, ours.port) == (theirs["host"], theirs.get("port", 6379))
        assert ours.tls == url.startswith("rediss://")
    assert ours.db == int(theirs.get("db", 0))
    assert ours.password == theirs.get("password")
    assert ours.username == theirs.get("username")
    if "socket_timeout" in theirs:
        assert ours.socket_timeout == theirs["socket_timeout"]


def test_overrides_win_and_are_validated():
    cfg = parse_url("redis://h:1/2", db=0, serde="lz4", protocol=3, socket_timeout=None)
    assert (cfg.db, cfg.serde, cfg.protocol) == (0, "lz4", 3)
    with pytest.raises(ValueError, match="serde"):
        parse_url("redis://h", serde="zstd")
    with pytest.raises(ValueError, match="protocol"):
        parse_url("redis://h", protocol=4)
    with pytest.raises(ValueError, match="scheme"):
        parse_url("http://h")
    with pytest.raises(ValueError, match="unknown client options"):
        parse_url("redis://h", colour="blue")


def test_lmcache_key_string():
    k = ChunkKey("Qwen/Qwen2.5-0.5B-Instruct", 1, 0, 0x2B763DD00AFA89C8, "torch.bfloat16")
    assert k.to_string() == "Qwen/Qwen2.5-0.5B-Instruct@1@0@2b763dd00afa89c8@bfloat16"
    assert ChunkKey.parse(k.to_string()) == ChunkKey(k.model, 1, 0, k.chunk_hash, "bfloat16")
    assert chunk_key("m", 2, 1, 255, "float16", namespace="prod") == b"prod:m@2@1@ff@float16"


def test_namespace_round_trip():
    wire = with_namespace("m@1@0@a@bfloat16", "ns")
    assert split_key(wire, "ns") == "m@1@0@a@bfloat16"
    assert split_key(b"other:x", "ns") is None
    with pytest.raises(ValueError):
        with_namespace("k", "a:b")
    with pytest.raises(ValueError):
        ChunkKey("bad@model", 1, 0, 1, "float16").to_string()
