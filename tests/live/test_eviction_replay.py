"""Test-sized replays of the real Kimi trace (scripts/data, Apache-2.0 from Mooncake FAST'25).

Offline, on the server's own policy classes: the references order as they must (ceiling >= Belady
>= every policy) and the default is not below exact LRU. Live, over a real socket with the W5
replayer (each request's lookup overlaps the previous request's writes): lookup leases bring
found-then-gone GETs to 0, and without leases the same replay does lose chunks (so the count can
fail).
"""

from __future__ import annotations

import pytest

from scripts import bench_w5, bench_w5_families, policy_sim
from scripts.rawclient import RawClient
from tests.conftest import start_ours

REQUESTS = 1500            # offline: the first 1,500 requests (about 8 minutes of traffic)
LIVE_REQUESTS = 1200       # live: the first 1,200
VALUE = 1024
LIVE_MAXMEMORY = "2mb"     # about 950 chunks of 1 KiB: a few per cent of what those requests ask for


@pytest.fixture(scope="module")
def kimi() -> policy_sim.traces.Trace:
    return bench_w5_families.head("kimi", REQUESTS)


def test_default_policy_holds_up_against_references(kimi) -> None:
    cap = round(0.05 * kimi.distinct())
    rates = {p: policy_sim.simulate(kimi, cap, p)[0].hit_rate
             for p in ("allkeys-adaptive", "allkeys-lru", "allkeys-s3fifo")}
    opt = policy_sim.belady(kimi, cap).hit_rate
    top = policy_sim.ceiling(kimi).hit_rate
    assert top >= opt >= max(rates.values())
    assert rates["allkeys-adaptive"] >= rates["allkeys-lru"] - 0.003, rates


def _replay(*args: str) -> tuple[int, int]:
    """(found-then-gone GETs, leading chunks fetched) of the overlapped replay."""
    tr = bench_w5_families.head("kimi", LIVE_REQUESTS)
    server = start_ours("--maxmemory", LIVE_MAXMEMORY, *args)
    try:
        with RawClient("127.0.0.1", server.port) as c:
            rp = bench_w5.Replayer(c, VALUE)
            flags = rp.lookup(tr.requests[0])
            gone = hits = 0
            for i, req in enumerate(tr.requests):
                nxt = rp.lookup(tr.requests[i + 1]) if i + 1 < len(tr.requests) else []
                got, lost = rp.fetch_store(req, flags)
                flags = nxt
                gone += lost
                hits += got
            assert rp.errors == 0
            info = c.call("INFO", "memory")
            assert b"maxmemory_policy_state:c" in info      # type: ignore[operator]
    finally:
        server.stop()
    return gone, hits


@pytest.mark.slow
def test_lookup_leases_bring_found_then_gone_to_zero() -> None:
    gone_without, _ = _replay("--lookup-lease-ms", "0")
    gone_with, hits = _replay()
    assert gone_without > 0
    assert gone_with == 0 and hits > 0
