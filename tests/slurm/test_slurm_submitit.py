"""submitit on the real test cluster: `neurosweep submit` runs the Snakemake controller itself as
a SLURM job, and `submit_point` trains one point as a SLURM job with the workflow's result."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from helpers import (FAST_POLLING, SNAKEMAKE, TINY, copy_repo, environment, job_state, snakemake,
                     wait_for)

from neurosweep.slurm import submit_point

pytestmark = pytest.mark.slurm

HUE_RUNS = "results/psychophysics/hue/runs.npz"  # the tiny hue sweep: 2 points of a few seconds
HUE_POINT = "hue_rotation~0/seed~0"
HUE_RESULT = f"results/psychophysics/runs/hue/{HUE_POINT}/result.npz"
ENDED = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL",
         "BOOT_FAIL", "DEADLINE", "PREEMPTED"}


# Generous: the tests' jobs wait in the queue behind whatever else runs on the test cluster.
QUEUE_TIMEOUT = 300


def wait_until_ended(job_id: str, timeout: float = QUEUE_TIMEOUT) -> str:
    return wait_for(lambda: job_state(job_id) if job_state(job_id) in ENDED else None, timeout,
                    f"SLURM job {job_id} to end (state now: {job_state(job_id)})", interval=1)


@pytest.fixture(scope="module")
def controller(tmp_path_factory):
    """`neurosweep submit` on a scratch copy, with one point per SLURM job (a NEUROSWEEP_*
    setting that only takes effect if the environment reaches the controller job)."""
    repo = copy_repo(tmp_path_factory.mktemp("submitit") / "repo")
    env = environment(repo, NEUROSWEEP_SLURM_BUNDLE="1")
    proc = subprocess.run([sys.executable, "-m", "neurosweep", "submit", "--profile",
                           "profiles/slurm", HUE_RUNS, "--", *TINY, *FAST_POLLING],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    job_id = re.search(r"SLURM job (\d+)", proc.stdout).group(1)
    try:
        state = wait_until_ended(job_id)
    except AssertionError:  # a failed test leaves no controller queued behind it
        subprocess.run(["scancel", job_id])
        raise
    log = next((repo / "logs/slurm/controller" / job_id).glob("*_log.err"))
    assert state == "COMPLETED", f"controller job {job_id}: {state}\n{log.read_text()}"
    return repo, job_id, proc.stdout


def test_submit_prints_how_to_follow_the_job(controller):
    _, job_id, out = controller
    for text in (f"squeue -j {job_id}", f"scancel {job_id}",
                 f"tail -f logs/slurm/controller/{job_id}/{job_id}_0_log.err"):
        assert text in out, out


def test_the_controller_ran_as_a_slurm_job_and_made_the_target(controller):
    repo, job_id, _ = controller
    assert (repo / HUE_RUNS).exists()
    records = [json.loads(path.read_text())
               for path in (repo / "results/psychophysics/runs/hue").rglob("record.json")]
    training_jobs = {record["slurm_job_id"] for record in records}
    assert len(records) == 2 and len(training_jobs) == 2  # NEUROSWEEP_SLURM_BUNDLE=1 reached it
    assert job_id not in training_jobs  # the controller submitted them; it did not train


def test_the_job_script_exports_the_environment(controller):
    repo, job_id, _ = controller
    script = (repo / "logs/slurm/controller" / job_id / f"{job_id}_submission.sh").read_text()
    for name in ("PATH", "PYTHONPATH", "SNAKEMAKE_SLURM_PARTITIONS", "NEUROSWEEP_SLURM_BUNDLE"):
        assert f"\nexport {name}=" in script, name


def test_submit_point_equals_the_workflows_point(tmp_path, monkeypatch):
    """One point through submit_point, and the same point through the workflow run locally."""
    cluster, local = copy_repo(tmp_path / "cluster"), copy_repo(tmp_path / "local")
    reference = subprocess.Popen([SNAKEMAKE, "--profile", "profiles/local", HUE_RESULT, *TINY],
                                 cwd=local, env=environment(local), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
    for key in [key for key in os.environ if key.startswith("NEUROSWEEP_SLURM_")]:
        monkeypatch.delenv(key)  # the cluster's default partition, whatever this shell says
    job = submit_point("psychophysics", "hue", HUE_POINT, root=cluster, configfiles=[TINY[1]])
    try:
        wait_for(job.done, QUEUE_TIMEOUT, f"point job {job.job_id}", interval=1)
    except AssertionError:
        job.cancel(check=False)
        raise
    record = job.result()
    output, _ = reference.communicate(timeout=300)
    assert reference.returncode == 0, output

    assert record["slurm_job_id"] == job.job_id
    assert record["name"] == f"psychophysics/hue/{HUE_POINT}"
    written = json.loads((cluster / HUE_RESULT).with_name("record.json").read_text())
    assert written["slurm_job_id"] == job.job_id
    local_record = json.loads((local / HUE_RESULT).with_name("record.json").read_text())
    assert written["params_hash"] == local_record["params_hash"]  # same params as the rule's
    assert (cluster / HUE_RESULT).read_bytes() == (local / HUE_RESULT).read_bytes()
    # Snakemake takes the point as done: a dry run has nothing to do for it
    dry_run = snakemake(cluster, "--profile", "profiles/local", "-n", HUE_RESULT, *TINY)
    assert "Nothing to be done" in dry_run.stdout + dry_run.stderr


def test_scancel_stops_the_controller_and_the_jobs_it_submitted(tmp_path):
    """`scancel CONTROLLER` must not leave its training jobs running (or queued) on their own."""
    repo = copy_repo(tmp_path / "repo")
    slow = tmp_path / "slow.yaml"  # minutes of training: the job is still running when cancelled
    slow.write_text("psychophysics: {tiny: {sweeps: {hue: {settings: {steps: 100000}}}}}\n")
    # (one --configfile with both files: Snakemake keeps only the last of repeated --configfile)
    proc = subprocess.run([sys.executable, "-m", "neurosweep", "submit", HUE_RUNS, "--", *TINY,
                           str(slow), *FAST_POLLING],
                          cwd=repo, env=environment(repo), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    controller_id = re.search(r"SLURM job (\d+)", proc.stdout).group(1)
    log = repo / "logs/slurm/controller" / controller_id / f"{controller_id}_0_log.err"
    training_ids = []
    try:
        training_ids += wait_for(
            lambda: log.exists() and re.findall(r"SLURM jobid (\d+)", log.read_text()),
            QUEUE_TIMEOUT, "the controller to submit a training job", interval=1)
        wait_for(lambda: job_state(training_ids[0]) == "RUNNING", QUEUE_TIMEOUT,
                 "training to start")
        subprocess.run(["scancel", controller_id], check=True)
        assert wait_until_ended(controller_id, 60) == "CANCELLED"
        for job_id in training_ids:
            # the controller cancels them by the run's job name (and Snakemake as it shuts down)
            assert wait_until_ended(job_id, 180) == "CANCELLED", log.read_text()
        controller_out = log.with_suffix(".out").read_text()
        assert "cancelled the jobs named" in controller_out, controller_out
    finally:  # whatever happened, leave nothing running on the cluster
        subprocess.run(["scancel", controller_id, *training_ids])
