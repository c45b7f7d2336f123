"""Tests of resp-bench's generators and parsers: prefix-cache traces, the exact-LRU reference,
dead-capacity accounting, redis-benchmark CSV parsing, the report's bar, and one end-to-end
`resp-bench --quick`-like smoke run (marked slow; skipped without redis-server).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter

import pytest

from scripts import traces
from scripts.bench_report import Row, bar_verdicts, build_rows
from scripts.bench_w3 import parse_csv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def chat() -> traces.Trace:
    return traces.generate("chat", 4000, seed=7)


@pytest.fixture(scope="module")
def mixed() -> traces.Trace:
    return traces.generate("mixed", 6000, seed=3)


# --- the generator ------------------------------------------------------------------------------

def test_same_seed_same_trace_other_seed_other_trace(chat: traces.Trace) -> None:
    again = traces.generate("chat", 4000, seed=7)
    assert again.requests == chat.requests
    assert traces.generate("chat", 4000, seed=8).requests != chat.requests


def test_request_count_order_and_lengths(mixed: traces.Trace) -> None:
    assert len(mixed.requests) == 6000
    assert mixed.times == sorted(mixed.times) and mixed.times[0] >= 0.0
    lengths = [len(r) for r in mixed.requests]
    assert min(lengths) >= traces.MIN_CHUNKS and max(lengths) <= traces.MAX_CHUNKS


def test_keys_form_a_trie(mixed: traces.Trace) -> None:
    """A chunk id always has the same parent, and a root chunk never appears deeper."""
    parent: dict[int, int | None] = {}
    for req in mixed.requests:
        for i, c in enumerate(req):
            p = req[i - 1] if i else None
            assert parent.setdefault(c, p) == p
    assert len({c for r in mixed.requests for c in r}) == mixed.distinct()


def test_chunk_hash_covers_the_prefix() -> None:
    a = traces.chunk_hash(traces.chunk_hash(0, b"x"), b"y")
    b = traces.chunk_hash(traces.chunk_hash(0, b"z"), b"y")
    assert a != b and traces.chunk_hash(0, b"x") == traces.chunk_hash(0, b"x")


def test_chunk_key_looks_like_lmcache() -> None:
    key = traces.chunk_key(0x2B763DD00AFA89C8)
    assert key == "Qwen/Qwen2.5-0.5B-Instruct@1@0@2b763dd00afa89c8@bfloat16"
    assert int(key.split("@")[3], 16) == 0x2B763DD00AFA89C8


@pytest.mark.parametrize("name", ["chat", "rag", "mixed"])
def test_request_shares_follow_the_mix(name: str) -> None:
    tr = traces.generate(name, 8000, seed=1)
    counts = Counter(tr.kinds)
    for kind, share in zip(traces.KINDS, traces.MIXES[name], strict=True):
        assert abs(counts[kind] / len(tr.requests) - share) < 0.06, (kind, counts)


def test_oneoff_chunks_are_never_reused(mixed: traces.Trace) -> None:
    seen: Counter[int] = Counter()
    for req, kind in zip(mixed.requests, mixed.kinds, strict=True):
        if kind == "oneoff":
            seen.update(req)
    uses = Counter(c for r in mixed.requests for c in r)
    assert seen and all(uses[c] == 1 for c in seen)


def test_chat_turns_extend_their_own_chain(chat: traces.Trace) -> None:
    """Some chat request must be a strict prefix-extension of an earlier one (a later turn)."""
    by_last = {r[-1]: r for r, k in zip(chat.requests, chat.kinds, strict=True) if k == "chat"}
    extended = sum(1 for r in chat.requests if any(r[i] in by_last for i in range(len(r) - 1)))
    assert extended > len(chat.requests) // 4


def test_unknown_trace_is_refused() -> None:
    with pytest.raises(ValueError):
        traces.generate("tweets", 10)


# --- the reference simulation -------------------------------------------------------------------

def _toy(requests: list[tuple[int, ...]]) -> traces.Trace:
    return traces.Trace("toy", 0, requests, ["chat"] * len(requests), [float(i) for i in range(len(requests))])


def test_simulate_counts_leading_hits_only() -> None:
    tr = _toy([(1, 2), (1, 2, 3), (9, 2, 3), (1, 2, 3, 4)])
    res = traces.simulate(tr, None, samples=0)
    assert (res.hits, res.requested) == (0 + 2 + 0 + 3, 2 + 3 + 3 + 4)


def test_simulate_evicts_least_recently_used() -> None:
    # capacity 2: (1,2) stored; (5,6) evicts both; (1,2) misses again.
    tr = _toy([(1, 2), (5, 6), (1, 2)])
    assert traces.simulate(tr, 2, samples=0).hits == 0
    # capacity 3: fetching (1,2) again refreshes them, so storing 7 evicts 3, not 1
    tr = _toy([(1, 2), (3,), (1, 2), (7,), (1, 2)])
    assert traces.simulate(tr, 3, samples=0).hits == 2 + 2


def test_dead_share_follows_ancestors() -> None:
    parents = {2: 1, 3: 2, 4: 3}
    assert traces.dead_share([1, 2, 3, 4], parents) == (0.0, 4)
    assert traces.dead_share([1, 3, 4], parents) == (2 / 3, 3)
    assert traces.dead_share([], parents) == (0.0, 0)


def test_hit_rate_grows_with_capacity_up_to_the_ceiling(chat: traces.Trace) -> None:
    d = chat.distinct()
    rates = [traces.simulate(chat, int(f * d), samples=0).hit_rate for f in (0.02, 0.1, 0.4)]
    ceiling = traces.simulate(chat, None, samples=0).hit_rate
    assert rates == sorted(rates) and rates[-1] <= ceiling + 1e-9 and ceiling > 0.2


def test_exact_lru_keeps_little_dead_capacity(chat: traces.Trace) -> None:
    res = traces.simulate(chat, int(0.05 * chat.distinct()), samples=3)
    assert len(res.dead) == 3 and max(res.dead) < 0.05


@pytest.mark.slow
def test_chat_trace_matches_the_published_simulation() -> None:
    """CONTEXT.md: 60k chat requests; exact LRU 35.6% / 50.7% at 5% / 10%; ceiling 63.6%."""
    tr = traces.generate("chat", 60_000, seed=1)
    d = tr.distinct()
    assert traces.simulate(tr, None, samples=0).hit_rate == pytest.approx(0.636, abs=0.05)
    assert traces.simulate(tr, int(0.05 * d), samples=0).hit_rate == pytest.approx(0.356, abs=0.05)
    assert traces.simulate(tr, int(0.10 * d), samples=0).hit_rate == pytest.approx(0.507, abs=0.05)


# --- parsers and the bar ------------------------------------------------------------------------

def test_parse_redis_benchmark_csv() -> None:
    text = ('"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms"\n'
            '"SET","142857.14","0.180","0.050","0.175"\n"GET","151515.16","0.170","0.040","0.167"\n')
    out = parse_csv(text)
    assert out["SET"]["rps"] == pytest.approx(142857.14) and out["GET"]["p50_latency_ms"] == 0.167
    with pytest.raises(ValueError):
        parse_csv("ERROR: connection refused\n")


def _record(samples: list[tuple[str, str, str, dict[str, float]]]) -> dict:
    cases = {}
    for wl, case, _, _ in samples:
        cases[(wl, case)] = {"workload": wl, "name": case, "primary": "GB/s",
                             "servers": ["ours", "redis"], "meta": {}}
    return {"cases": list(cases.values()),
            "samples": [{"workload": w, "case": c, "server": s, "rep": 0, "metrics": m}
                        for w, c, s, m in samples]}


def test_rows_take_medians_and_bars_judge_ratios() -> None:
    rec = _record([("W1", "raw GET 32MiB x1", "ours", {"GB/s": v}) for v in (1.0, 1.4, 1.2)]
                  + [("W1", "raw GET 32MiB x1", "redis", {"GB/s": v}) for v in (0.5, 0.6, 0.7)])
    rows = build_rows(rec)
    assert isinstance(rows[0], Row) and rows[0].ratio == pytest.approx(2.0)
    assert rows[0].stats["ours"] == {"median": 1.2, "min": 1.0, "max": 1.4}
    verdicts = {v.bar: v for v in bar_verdicts(rows, 512 << 20, None)}
    assert verdicts["W1 raw GET 32MiB x1"].passed is True
    assert verdicts["W1 raw SET 32MiB x1"].passed is None


# --- end to end ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_resp_bench_quick_smoke(tmp_path) -> None:
    """A tiny resp-bench run against two real redis-servers: JSON, markdown and PNG appear."""
    if shutil.which("redis-server") is None or shutil.which("redis-benchmark") is None:
        pytest.skip("redis-server / redis-benchmark not installed")
    from scripts.servers import start_redis
    a, b = start_redis(512 << 20), start_redis(512 << 20)
    try:
        cmd = [sys.executable, "-m", "scripts.bench", "--quick", "--only", "W1,W3,W4,W5",
               "--ours", a.url, "--redis", b.url, "--results", str(tmp_path),
               "--w5-speed", "0", "--w5-requests", "800"]
        res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    finally:
        a.stop()
        b.stop()
    assert res.returncode == 0, res.stderr[-2000:]
    record = json.loads((tmp_path / "latest.json").read_text())
    assert record["samples"] and record["w5"]["runs"]
    assert (tmp_path / "latest.md").read_text().count("| W1 |") >= 8
    assert (tmp_path / "latest.png").stat().st_size > 10_000
