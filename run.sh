#!/usr/bin/env bash
# The main job: set up .venv, then run the quick configuration of every study locally.
# Extra arguments go to Snakemake, e.g.  ./run.sh -n  (dry run)  or  ./run.sh psychophysics_fig5
set -euo pipefail
cd "$(dirname "$0")"
tools/setup-venv.sh
exec .venv/bin/snakemake --profile profiles/local "$@"
