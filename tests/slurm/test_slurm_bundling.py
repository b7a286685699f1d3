"""Small points are bundled: the bundling benchmark at a size CI can afford."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slurm

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "slurm_bundling.py"


def load_benchmark():
    spec = importlib.util.spec_from_file_location("slurm_bundling", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_small_points_share_slurm_jobs(tmp_path):
    bench = load_benchmark()
    before = bench.run_sweep(6, 1, tmp_path, "before")
    after = bench.run_sweep(6, 4, tmp_path, "after")
    assert before.submissions == before.slurm_jobs == 6  # one sbatch call per point
    assert after.submissions == after.slurm_jobs == 2  # 4 + 2 points
    runs = "results/psychophysics/runs/hue"
    for path in sorted((tmp_path / "before" / runs).rglob("result.npz")):
        twin = tmp_path / "after" / path.relative_to(tmp_path / "before")
        assert twin.read_bytes() == path.read_bytes()
