#!/usr/bin/env bash
# Quick start: set up (once) and run resp-server on 127.0.0.1:6380. Extra arguments go to resp-server,
# e.g.  scripts/serve.sh --maxmemory 4gb --maxmemory-policy allkeys-lru
# On a system Python that refuses pip install (PEP 668) it installs into and runs from .venv/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pyenv.sh
choose_python
"$PY" -c "import resp_server, uvloop, hiredis" 2>/dev/null || "$PY" -m pip install -q --disable-pip-version-check -e .
exec "$PY" -m resp_server --port 6380 "$@"
