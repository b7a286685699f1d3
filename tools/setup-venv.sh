#!/usr/bin/env bash
# Create .venv/ with the pinned dependencies of pyproject.toml (idempotent and quick when
# nothing changed). Used by run.sh, test.sh and .ci/run; needs only python3 (>= 3.11) and pip.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $($python --version)"
    "$python" -m venv .venv
fi
stamp=.venv/.installed-from-pyproject
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "setup: installing pinned dependencies into .venv (first time: a few minutes)"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
    touch "$stamp"
fi
