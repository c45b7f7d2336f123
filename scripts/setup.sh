#!/usr/bin/env bash
# Install what the server, the tests and the benchmarks need on a fresh Debian/Ubuntu machine:
# redis-server + redis-tools (for comparisons and redis-cli), then this package with its extras.
# Idempotent: skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null || ! command -v redis-benchmark >/dev/null; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server redis-tools >/dev/null
fi
python3 -m pip install -q --disable-pip-version-check -e ".[test,bench]"
