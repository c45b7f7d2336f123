"""W5's trace families and offline references (kept apart from bench_w5.py's replay machinery).

Families: `kimi` (Kimi's production conversations, the first 30 minutes) and `mooncake` (Mooncake's
synthetic trace) from scripts/data/ (Apache-2.0, see its README), replayed whole; `chat`, `rag`,
`mixed` from scripts.traces with REALISTIC gaps: minutes between the turns of a conversation
while other sessions keep writing, as in the real trace (the generator's defaults put 10 s between
turns at 200 requests/s, so a whole 10,000-request trace spanned 50 s of conversation).
Hit rates are also counted after a warm-up (`warm_from`): minute 10 for the real traces (their
README), the first fifth of the trace's time span for generated ones.
"""

from __future__ import annotations

from pathlib import Path

from . import policy_sim, traces

DATA = Path(__file__).resolve().parent / "data"
FILES = {"kimi": "kimi_conversation_first30min.jsonl.gz", "mooncake": "mooncake_synthetic_trace.jsonl.gz"}
REALISTIC = traces.TraceParams(rate=20.0, warmup_s=1800.0, turn_gap_median_s=120.0,
                               followup_gap_median_s=180.0)
REAL_WARMUP_S = 600.0
GENERATED_WARMUP_SHARE = 0.2


def make(name: str, requests: int, seed: int) -> traces.Trace:
    """The trace of family `name` (files: whole, `requests` ignored; generated: that many)."""
    if name in FILES:
        return policy_sim.load_mooncake(DATA / FILES[name], name)
    return traces.generate(name, requests, seed, REALISTIC)


def head(name: str, requests: int) -> traces.Trace:
    """The first `requests` requests of a file family (test-sized replays)."""
    tr = policy_sim.load_mooncake(DATA / FILES[name], name)
    return traces.Trace(name, 0, tr.requests[:requests], tr.kinds[:requests], tr.times[:requests])


def warm_from(tr: traces.Trace) -> float:
    """Trace time (s) from which hits count as warm."""
    if tr.name in FILES:
        return REAL_WARMUP_S
    return tr.times[0] + GENERATED_WARMUP_SHARE * (tr.times[-1] - tr.times[0]) if tr.times else 0.0


def belady_rates(tr: traces.Trace, capacity: int) -> tuple[float, float]:
    out = policy_sim.belady(tr, capacity, warm_from(tr))
    return out.hit_rate, out.warm_rate


def ceiling_rates(tr: traces.Trace) -> tuple[float, float]:
    out = policy_sim.ceiling(tr, warm_from(tr))
    return out.hit_rate, out.warm_rate


def policy_rates(tr: traces.Trace, capacity: int, policy: str) -> tuple[float, float]:
    out, _ = policy_sim.simulate(tr, capacity, policy, warm_from(tr))
    return out.hit_rate, out.warm_rate
