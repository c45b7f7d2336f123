#!/usr/bin/env bash
# Install what the server, the tests and the benchmarks need on a fresh Debian/Ubuntu machine:
# redis-server + redis-tools (for comparisons and redis-cli), prometheus-redis-exporter (the
# exporter test), then this package with its extras -
# into python3, or into .venv/ when python3 is externally managed (PEP 668; python3-venv then) -
# and LMCache 0.5.6 with a CPU torch for the LMCache tests (RESP_SKIP_LMCACHE=1: not; ~1.5 min).
# Idempotent: skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pyenv.sh
APT=()
command -v redis-server >/dev/null && command -v redis-cli >/dev/null && command -v redis-benchmark >/dev/null \
    || APT+=(redis-server redis-tools)
command -v prometheus-redis-exporter >/dev/null || APT+=(prometheus-redis-exporter)
if [ ! -x .venv/bin/python ] && py_externally_managed python3 && ! python3 -c "import ensurepip" 2>/dev/null; then
    APT+=(python3-venv)
fi
if [ ${#APT[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${APT[@]}" >/dev/null
fi
choose_python
"$PY" -m pip install -q --disable-pip-version-check -e ".[test,bench]"
# LMCache 0.5.6 (tests/connector/test_lmcache*.py, tests/cluster/test_optional_clients.py) needs
# torch: only the CPU build 2.13.0+cpu is taken (a local wheel where the machine has one; PyPI's
# plain torch is a multi-GB CUDA build). Any failure leaves those tests skipping with a reason.
if [ "${RESP_SKIP_LMCACHE:-0}" != 1 ] && ! "$PY" -c "import lmcache, torch" 2>/dev/null; then
    if "$PY" -m pip install -q --disable-pip-version-check "torch==2.13.0+cpu" \
        && "$PY" -m pip install -q --disable-pip-version-check -e ".[test,bench,lmcache]"; then
        "$PY" -c "import lmcache, torch" 2>/dev/null \
            || echo "setup.sh: lmcache installed but does not import: the LMCache tests skip" >&2
    else
        echo "setup.sh: could not install lmcache 0.5.6 + torch 2.13.0+cpu: the LMCache tests skip" >&2
    fi
fi
