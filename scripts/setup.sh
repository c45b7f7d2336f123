#!/usr/bin/env bash
# Install what the server, the tests and the benchmarks need on a fresh Debian/Ubuntu machine:
# redis-server + redis-tools (for comparisons and redis-cli), prometheus-redis-exporter (the
# exporter test), then this package with its extras -
# into python3, or into .venv/ when python3 is externally managed (PEP 668; python3-venv then).
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
