#!/usr/bin/env bash
# The benchmark's own environment (benchmarks/.venv, git-ignored): the project, the facts
# package and the peer agents. Peers are never project dependencies.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/benchmarks/.venv"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null || python=python3
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet -e "$root[local]" \
    "countryinfo==1.0.1" \
    "llmcompiler==2.0.1" \
    "langchain-openai>=1,<2" \
    "langgraph>=1,<2"
"$venv/bin/pip" check
echo "ready: $venv/bin/python $root/benchmarks/parallel_calls/run.py --help"
