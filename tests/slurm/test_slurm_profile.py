"""profiles/slurm on the real test cluster: the tiny psychophysics sweep runs under SLURM, GPU
sweeps ask for GPUs on the GPU partition, CPU points are bundled, and every result equals a
local run's, byte for byte."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FAST_POLLING, SNAKEMAKE, TINY, copy_repo, environment, job_field, snakemake

pytestmark = pytest.mark.slurm


def records(repo: Path) -> dict[str, dict]:
    """Every training record, keyed by its run directory relative to results/."""
    runs = repo / "results/psychophysics/runs"
    return {str(path.parent.relative_to(runs)): json.loads(path.read_text())
            for path in sorted(runs.rglob("record.json"))}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The tiny configuration run twice: locally and through profiles/slurm, side by side."""
    base = tmp_path_factory.mktemp("slurm-profile")
    local, cluster = copy_repo(base / "local"), copy_repo(base / "cluster")
    local_run = subprocess.Popen([SNAKEMAKE, "--profile", "profiles/local", *TINY], cwd=local,
                                 env=environment(local), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
    proc = snakemake(cluster, "--profile", "profiles/slurm", *TINY, *FAST_POLLING)
    output, _ = local_run.communicate(timeout=900)
    assert local_run.returncode == 0, output
    return local, cluster, proc.stdout + proc.stderr


def test_every_training_job_ran_under_slurm(runs):
    _, cluster, _ = runs
    found = records(cluster)
    assert len(found) == 2 + 6 + 2 + 5  # linear, orientation, hue, supervised in tiny.yaml
    for run, record in found.items():
        assert record["slurm_job_id"], f"{run} did not run under SLURM"
        assert record["slurm"]["job_id"] == record["slurm_job_id"]


def test_gpu_sweep_asks_for_a_gpu_on_the_gpu_partition(runs):
    _, cluster, _ = runs
    for run, record in records(cluster).items():
        job = record["slurm_job_id"]
        if run.startswith("orientation/"):  # tiny.yaml: orientation has resources {gpu: 1}
            assert record["slurm"]["partition"] == "gpu", run
            assert record["slurm"]["gpus"] not in (None, ""), f"{run} saw no CUDA_VISIBLE_DEVICES"
            assert "gpu:1" in job_field(job, "TresPerJob"), run
            assert record["cuda_available"] is False  # fake GPUs: training ran on the CPU
        else:
            assert record["slurm"]["partition"] == "cpu", run
            assert record["slurm"]["gpus"] in (None, ""), run


def test_cpu_points_are_bundled_and_gpu_points_are_not(runs):
    _, cluster, _ = runs
    cpu_jobs, gpu_jobs = [], []
    for run, record in records(cluster).items():
        (gpu_jobs if run.startswith("orientation/") else cpu_jobs).append(record["slurm_job_id"])
    assert len(set(gpu_jobs)) == len(gpu_jobs) == 6  # one SLURM job per GPU point
    assert len(cpu_jobs) == 9 and len(set(cpu_jobs)) <= 2  # 20 points to a bundle
    assert job_field(cpu_jobs[0], "NumCPUs") == "1"


def test_quick_rules_ran_beside_the_controller(runs):
    _, cluster, output = runs
    submitted = {path.name for path in (cluster / "logs/slurm").iterdir()}
    assert submitted <= {"group_train_bundle_train", "rule_train", "rule_rerun_check"}, submitted
    assert (cluster / "results/psychophysics/figures/fig5.png").exists()


def test_results_equal_a_local_run(runs):
    local, cluster, _ = runs
    local_runs = sorted((local / "results/psychophysics/runs").rglob("result.npz"))
    assert len(local_runs) == 15
    for path in local_runs:
        twin = cluster / path.relative_to(local)
        assert twin.read_bytes() == path.read_bytes(), f"{twin} differs from the local run"
    for table in ("results/psychophysics/claims.tsv", "results/psychophysics/rerun_check.json"):
        assert (cluster / table).read_text() == (local / table).read_text(), table


def test_figure_cards_name_the_slurm_jobs_of_their_points(runs):
    _, cluster, _ = runs
    by_run = {run: record["slurm_job_id"] for run, record in records(cluster).items()}
    card = json.loads((cluster / "results/psychophysics/figures/fig2.json").read_text())
    assert len(card["points"]) == 6
    for point in card["points"]:
        run = point["run_dir"].split("results/psychophysics/runs/", 1)[1]
        assert point["slurm_job_id"] == by_run[run] and point["slurm_job_id"]


def test_status_and_plan_after_a_slurm_run(runs):
    _, cluster, _ = runs
    env = environment(cluster)
    status = subprocess.run([sys.executable, "-m", "neurosweep", "status", *TINY], cwd=cluster,
                            env=env, capture_output=True, text=True, check=True).stdout
    assert "(SLURM queue read)" not in status or "queued" not in status.split("\n", 1)[1]
    assert "orientation (6 points: 6 done)" in status and "supervised (5 points: 5 done)" in status
    plan = subprocess.run([sys.executable, "-m", "neurosweep", "plan", *TINY], cwd=cluster, env=env,
                          capture_output=True, text=True, check=True).stdout
    assert "nothing to run" in plan
