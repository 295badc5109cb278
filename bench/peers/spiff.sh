#!/usr/bin/env bash
# Peer for issue 7: installs SpiffWorkflow (PyPI) into a virtual environment and runs the same
# parallel-approval process in memory for DURATION seconds (default 5).
# Usage: bench/peers/spiff.sh [DURATION]   (venv: $SPIFF_VENV, default target/spiff-venv)
# Exit 3: Python or pip could not provide SpiffWorkflow (the harness reports that and goes on).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${SPIFF_VENV:-$here/../../target/spiff-venv}"
py="$(command -v python3 || true)"
[ -n "$py" ] || { echo "python3 not found" >&2; exit 3; }
if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv" >&2 || { echo "python3 -m venv failed" >&2; exit 3; }
fi
if ! "$venv/bin/python" -c "import SpiffWorkflow" 2>/dev/null; then
    "$venv/bin/pip" install -q "SpiffWorkflow>=3,<4" >&2 || { echo "pip install SpiffWorkflow failed" >&2; exit 3; }
fi
exec "$venv/bin/python" "$here/spiff_parallel.py" "${1:-5}"
