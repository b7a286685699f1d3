#!/usr/bin/env bash
# The test suite: set up .venv, then run every test. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
tools/setup-venv.sh
exec .venv/bin/python -m pytest -q "$@"
