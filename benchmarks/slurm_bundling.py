"""Benchmark: many small training points on SLURM, one job per point vs bundled group jobs.

Needs the SLURM test cluster (`sudo tests/slurm/cluster.sh up`). Run from the repository root:

    .venv/bin/python benchmarks/slurm_bundling.py               # 200 points, bundles of 20
    .venv/bin/python benchmarks/slurm_bundling.py --points 40

Both runs use profiles/slurm on a scratch copy of the repository and the same sweep: the tiny
configuration's hue sweep widened to N seeds (each point trains for about a second; with
Snakemake's and torch's start-up a point costs a few seconds). "before" sets
NEUROSWEEP_SLURM_BUNDLE=1 (each point its own sbatch call and scheduler entry), "after" uses
the profile's bundles. Printed side by side: sbatch submissions, SLURM jobs, wall time.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "slurm"))
from helpers import FAST_POLLING, TINY, copy_repo, environment, snakemake  # noqa: E402

TARGET = "results/psychophysics/hue/runs.npz"


@dataclass
class Outcome:
    mode: str
    points: int
    submissions: int
    slurm_jobs: int
    wall_seconds: float


def sweep_config(points: int) -> str:
    seeds = ", ".join(str(seed) for seed in range(points))
    return ("psychophysics:\n  tiny:\n    sweeps:\n      hue:\n"
            f"        grid: {{hue_rotation: [0], seed: [{seeds}]}}\n"
            "        settings: {steps: 600}\n")


def run_sweep(points: int, bundle: int, workdir: Path, mode: str) -> Outcome:
    """Run the widened hue sweep through profiles/slurm; count what reached the scheduler."""
    repo = copy_repo(workdir / mode)
    (repo / "many.yaml").write_text(sweep_config(points))
    env = environment(repo, NEUROSWEEP_SLURM_BUNDLE=str(bundle))
    started = time.monotonic()
    proc = snakemake(repo, "--profile", "profiles/slurm", TARGET, *TINY, "many.yaml",
                     *FAST_POLLING, env=env, timeout=3600)
    wall = time.monotonic() - started
    job_ids = re.findall(r"has been submitted with SLURM jobid (\d+)", proc.stdout + proc.stderr)
    finished = len(list((repo / "results/psychophysics/runs/hue").rglob("result.npz")))
    if finished != points:
        raise RuntimeError(f"{mode}: {finished} of {points} points finished")
    return Outcome(mode, points, len(job_ids), len(set(job_ids)), wall)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200, help="sweep points (default 200)")
    parser.add_argument("--bundle", type=int, default=20, help="points per job (default 20)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bundling-") as tmp:
        before = run_sweep(args.points, 1, Path(tmp), "before")
        after = run_sweep(args.points, args.bundle, Path(tmp), "after")
    print(f"{args.points}-point sweep on the SLURM test cluster (profiles/slurm)")
    print(f"{'':24}{'one job per point':>20}{f'bundles of {args.bundle}':>18}{'ratio':>8}")
    for label, key in [("sbatch submissions", "submissions"), ("SLURM jobs", "slurm_jobs"),
                       ("wall time (s)", "wall_seconds")]:
        b, a = getattr(before, key), getattr(after, key)
        print(f"{label:24}{b:>20.0f}{a:>18.0f}{b / a:>7.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
