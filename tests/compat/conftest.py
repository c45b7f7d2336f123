"""Fixtures for the compatibility tier: a private pair (real redis-server, our server) per session.

The pair is private to tests/compat because the differential corpus runs FLUSHALL, SWAPDB and
CONFIG SET between and inside cases; the suite-wide `server` / `redis_server` fixtures stay
untouched. Both servers get the same memory settings so CONFIG GET compares exactly.

`RESP_COMPAT_TARGET=redis` puts a second real redis-server in the place of ours: the harness
self-test (every exact case must then pass trivially).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conftest import ServerProc, start_ours, start_redis

SERVER_ARGS = ("--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru")
TARGET = os.environ.get("RESP_COMPAT_TARGET", "ours")


@dataclass(frozen=True)
class Pair:
    """The oracle and the server under test."""

    redis: ServerProc
    ours: ServerProc
    ours_is_redis: bool


@pytest.fixture(scope="session")
def compat_redis() -> Iterator[ServerProc]:
    sp = start_redis(*SERVER_ARGS)
    yield sp
    sp.stop()


@pytest.fixture(scope="session")
def compat_ours() -> Iterator[ServerProc]:
    sp = start_redis(*SERVER_ARGS) if TARGET == "redis" else start_ours(*SERVER_ARGS)
    yield sp
    sp.stop()


AUTH_PASSWORD = "s3cret"
"""requirepass of the auth pair (corpus/auth.txt runs there)."""


@pytest.fixture(scope="session")
def auth_pair() -> Iterator[Pair]:
    """A second pair started with --requirepass, for the authentication cases."""
    args = (*SERVER_ARGS, "--requirepass", AUTH_PASSWORD)
    r = start_redis(*args)
    try:
        o = start_redis(*args) if TARGET == "redis" else start_ours(*args)
    except BaseException:
        r.stop()
        raise
    yield Pair(r, o, TARGET == "redis")
    o.stop()
    r.stop()


@pytest.fixture(scope="session")
def pair(compat_redis: ServerProc, compat_ours: ServerProc) -> Pair:
    return Pair(compat_redis, compat_ours, TARGET == "redis")
