#!/usr/bin/env bash
# Quick start: set up (once) and run the whole test suite (unit, live-server, comparison vs redis-server).
# Uses python3, or .venv/ when python3 is externally managed (PEP 668), as setup.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/pyenv.sh
choose_python
"$PY" -m ruff check resp_server connector scripts tests
exec "$PY" -m pytest -q -x --timeout=300 "$@"
