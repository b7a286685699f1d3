"""Benchmark: `neurosweep plan` against `snakemake -n` on a 10,000-point sweep.

Run from the repository root:

    .venv/bin/python benchmarks/plan.py              # half the points finished, as mid-sweep
    .venv/bin/python benchmarks/plan.py --done 0     # nothing run yet

It builds a scratch root (links to config/, workflow/, src/ and tests/, an empty results/) for
tests/config/synthetic_10k.yaml, writes result and record files for the first --done points (with
the params, code and software the plan expects, so they count as done), then times, side by side
in this one run, each in its own process: `python -m neurosweep plan` and `snakemake -n`, and
checks they plan the same training jobs. The target is a plan in at most 10 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = "tests/config/synthetic_10k.yaml"
TARGET_SECONDS = 10.0


def scratch_root(directory: Path) -> Path:
    for name in ("config", "workflow", "src", "tests", "Snakefile", "profiles"):
        (directory / name).symlink_to(ROOT / name)
    return directory


def fake_finished(root: Path, count: int) -> int:
    """Result and record files for the first ``count`` points of the orientation sweep, as a
    training job would leave them."""
    sys.path.insert(0, str(ROOT / "src"))
    from neurosweep.codehash import params_hash, software
    from neurosweep.workflow import load_plan

    plan = load_plan(root, [CONFIG])
    sweep = plan.sweep("psychophysics", "orientation")
    code = plan.train_code("psychophysics", "orientation")
    for point in sweep.points[:count]:
        run = root / plan.run_dir("psychophysics", "orientation", point.path)
        run.mkdir(parents=True, exist_ok=True)
        params = {**sweep.params(point.path), **plan.inputs("psychophysics", "orientation", point.path)}
        (run / "record.json").write_text(json.dumps({
            "params": params, "params_hash": params_hash(params), "code_hash": code,
            "software": software(), "metrics": {"final_loss": 0.1}, "wall_seconds": 3.0}))
        (run / "result.npz").write_bytes(b"")
    return len(sweep.points)


def timed(command: list[str], root: Path) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return seconds, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--done", type=int, default=5000, help="points to mark finished (default 5000)")
    args = parser.parse_args()
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    with tempfile.TemporaryDirectory() as scratch:
        root = scratch_root(Path(scratch))
        (root / "results").mkdir()
        total = fake_finished(root, args.done)
        plan_s, plan_out = timed([sys.executable, "-m", "neurosweep", "plan", "--json",
                                  "--configfile", CONFIG], root)
        dry_s, dry_out = timed([snakemake, "-n", "--configfile", CONFIG], root)
    planned = json.loads(plan_out)["jobs"].get("train", 0)
    match = re.search(r"^train\s+(\d+)$", dry_out, re.M)
    dry_train = int(match.group(1)) if match else 0
    print(f"synthetic sweep: {total} orientation points (+3 others), {args.done} finished")
    print(f"neurosweep plan : {plan_s:6.2f} s   (target <= {TARGET_SECONDS:g} s: "
          f"{'met' if plan_s <= TARGET_SECONDS else 'NOT met'})")
    print(f"snakemake -n    : {dry_s:6.2f} s")
    print(f"ratio           : plan is {dry_s / plan_s:.1f}x faster than the dry run")
    print(f"training jobs   : plan {planned}, snakemake -n {dry_train} "
          f"({'agree' if planned == dry_train else 'DISAGREE'})")


if __name__ == "__main__":
    main()
