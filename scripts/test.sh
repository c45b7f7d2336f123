#!/usr/bin/env bash
# Quick start: set up (once) and run the whole test suite (unit, live-server, comparison vs redis-server).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
python3 -m ruff check resp_server connector scripts tests
exec python3 -m pytest -q -x --timeout=300 "$@"
