# Sourced by serve.sh, setup.sh and test.sh: sets PY to the Python that runs the project.
# That is python3 itself, unless python3 is "externally managed" (PEP 668: newer Debian/Ubuntu
# refuse `pip install` into the system Python): then a project venv, .venv/, is created on first
# use and used from then on. An existing .venv/ is always used.

py_externally_managed() {   # $1: interpreter; true when pip would refuse to install into it
    "$1" - <<'PYEOF'
import os, sys, sysconfig
marker = os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")
sys.exit(0 if sys.prefix == sys.base_prefix and os.path.exists(marker) else 1)
PYEOF
}

choose_python() {
    PY=python3
    if [ -x .venv/bin/python ]; then
        PY=.venv/bin/python
    elif py_externally_managed python3; then
        echo "python3 is externally managed (PEP 668): using a project venv in .venv/" >&2
        if ! python3 -m venv .venv; then
            rm -rf .venv
            echo "could not create .venv: install the venv module (apt-get install python3-venv)" >&2
            exit 1
        fi
        PY=.venv/bin/python
    fi
}
