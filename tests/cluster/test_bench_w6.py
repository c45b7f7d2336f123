"""resp-bench W6 end to end in its quick form: one node, two of ours, a real Redis cluster of
two; the table has every metric for every pool (figures are not judged here: W6's bars are
ratios read from a full run, never timed asserts)."""

from __future__ import annotations

import re
import shutil

import pytest

from scripts import bench_w6

pytestmark = [pytest.mark.timeout(240), pytest.mark.slow]

METRICS = ["SET rps", "GET rps", "SET rps (-r per node)", "GET rps (-r per node)", "3 MiB SET GB/s", "3 MiB GET GB/s", "32 MiB SET GB/s",
           "32 MiB GET GB/s"]


def test_quick_w6_prints_the_table(capsys):
    if not (shutil.which("redis-server") and shutil.which("redis-benchmark")):
        pytest.skip("redis-server/redis-benchmark not installed (scripts/setup.sh installs them)")
    assert bench_w6.main(["--quick", "--reps", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == ("| metric | ours x1 | ours x2 | redis x2 | ours x2 / ours x1 | "
                        "ours x2 / redis x2 |")
    rows = {ln.split(" | ")[0].lstrip("| "): ln for ln in lines[2:]}
    assert list(rows) == METRICS
    for row in rows.values():
        cells = [c.strip() for c in row.strip("|").split("|")][1:]
        assert len(cells) == 5 and all(re.fullmatch(r"[\d,]+(\.\d+)?x?", c) for c in cells), row
        assert all(float(c.rstrip("x").replace(",", "")) > 0 for c in cells), row
