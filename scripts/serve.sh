#!/usr/bin/env bash
# Quick start: set up (once) and run resp-server on 127.0.0.1:6380. Extra arguments go to resp-server,
# e.g.  scripts/serve.sh --maxmemory 4gb --maxmemory-policy allkeys-lru
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c "import resp_server, uvloop, hiredis" 2>/dev/null || python3 -m pip install -q --disable-pip-version-check -e .
exec python3 -m resp_server --port 6380 "$@"
