"""Atheris (libFuzzer) target for the request parser; run by test_fuzz.py with -runs=N.

Each input is split in two parts by its first byte and fed with and without the batch fast
path; the two paths must agree and no sink may outlive its request. Start it by hand for a long
run: `python tests/hardening/atheris_parser.py -max_total_time=600`.
"""

from __future__ import annotations

import os
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

with atheris.instrument_imports():
    from resp_server.resp import parser as _parser  # noqa: F401  (instrumented)
    from tests.hardening.fuzzing import run


def target(data: bytes) -> None:
    if not data:
        return
    cut = [data[0] * 8]
    body = data[1:]
    a = run(body, cut, batch=False)
    b = run(body, cut, batch=True)
    c = run(body, [], batch=True)
    for d in (a, b, c):
        assert not d.live, "a sink outlived its request"
    assert (a.out, a.error) == (b.out, b.error) == (c.out, c.error), (a.out, a.error, b.out, b.error)


def main() -> None:
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
