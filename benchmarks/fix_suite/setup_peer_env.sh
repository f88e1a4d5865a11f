#!/usr/bin/env bash
# Create benchmarks/.venv-peers: a venv for the peer agents of fix_suite, kept apart from the
# project venv so compilot never imports them. Idempotent; pass a python as $1 (default python3).
#   bash benchmarks/fix_suite/setup_peer_env.sh [PYTHON]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/../.venv-peers"
python="${1:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "mini-swe-agent==2.4.6"
MSWEA_SILENT_STARTUP=1 MSWEA_GLOBAL_CONFIG_DIR="$venv/mswea-config" \
    "$venv/bin/python" -c "import minisweagent; print('mini-swe-agent', minisweagent.__version__, 'in', '$venv')"
