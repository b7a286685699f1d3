"""Preemption and time limits on the real test cluster: a training job that SLURM requeues, or
warns with USR1 before its time limit, resumes from its checkpoint on the next attempt and ends
with the same bytes as an uninterrupted run."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from helpers import (FAST_POLLING, SNAKEMAKE, TINY, copy_repo, environment, job_field,
                     job_state, snakemake, wait_for)

pytestmark = pytest.mark.slurm

POINT = "results/psychophysics/runs/hue/hue_rotation~0/seed~0"
# One hue point made long enough (~15 s) to be interrupted part-way.
LONG_POINT = """\
psychophysics:
  tiny:
    sweeps:
      hue:
        settings: {steps: 12000, hidden: 64, batch_size: 512}
"""
CONFIG = [*TINY, "long.yaml"]


def scratch_repo(path: Path) -> Path:
    repo = copy_repo(path)
    (repo / "long.yaml").write_text(LONG_POINT)
    return repo


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> bytes:
    repo = scratch_repo(tmp_path_factory.mktemp("uninterrupted") / "repo")
    snakemake(repo, "--profile", "profiles/local", f"{POINT}/result.npz", *CONFIG)
    return (repo / POINT / "result.npz").read_bytes()


def start_on_cluster(repo: Path) -> tuple[subprocess.Popen, str]:
    """Start the controller; return it and the SLURM job id once the job has a checkpoint."""
    env = environment(repo, NEUROSWEEP_CHECKPOINT_SECONDS="1")
    controller = subprocess.Popen(
        [SNAKEMAKE, "--profile", "profiles/slurm", f"{POINT}/result.npz", *CONFIG, *FAST_POLLING],
        cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    checkpoint = repo / "work/psychophysics/hue/hue_rotation~0/seed~0/checkpoint.pt"
    wait_for(checkpoint.exists, 180, "the training job's first checkpoint")
    return controller, running_job(repo)


def running_job(repo: Path) -> str:
    """The one running SLURM job whose working directory is this scratch repository."""
    out = subprocess.run(["squeue", "-h", "-t", "R", "-o", "%i %Z"], capture_output=True,
                         text=True, check=True).stdout
    jobs = [line.split()[0] for line in out.splitlines() if line.split()[1] == str(repo)]
    assert len(jobs) == 1, out
    return jobs[0]


def finish(controller: subprocess.Popen) -> str:
    output, _ = controller.communicate(timeout=600)
    assert controller.returncode == 0, output
    return output


def hue_point_status(repo: Path) -> tuple[str, str | None]:
    """What `neurosweep status` says of the long hue point: its state and SLURM job id."""
    from neurosweep.status import study_status
    from neurosweep.workflow import load_plan

    plan = load_plan(repo, ["tests/config/tiny.yaml", "long.yaml"])
    row = next(r for r in study_status(plan, "psychophysics", repo)["hue"]
               if r.point == "hue_rotation~0/seed~0")
    return row.state, row.job_id


def test_requeued_job_resumes_from_its_checkpoint(tmp_path, uninterrupted):
    repo = scratch_repo(tmp_path / "repo")
    controller, job = start_on_cluster(repo)
    assert hue_point_status(repo) == ("running", job)  # the live grid sees the SLURM job
    subprocess.run(["scontrol", "requeue", job], check=True)
    wait_for(lambda: job_state(job) == "PENDING", 60, f"job {job} back in the queue")
    assert hue_point_status(repo) == ("queued", job)
    # SLURM holds a requeued job for two minutes; the test cluster lets it go at once.
    subprocess.run(["scontrol", "update", f"JobId={job}", "StartTime=now"], check=True)
    finish(controller)
    record = json.loads((repo / POINT / "record.json").read_text())
    assert record["slurm_job_id"] == job  # the same SLURM job, run again
    assert record["resumed_from_step"] and record["resumed_from_step"] > 0
    assert (repo / POINT / "result.npz").read_bytes() == uninterrupted


def test_time_limit_warning_saves_and_the_retry_resumes(tmp_path, uninterrupted):
    repo = scratch_repo(tmp_path / "repo")
    controller, job = start_on_cluster(repo)
    first_limit, first_memory = job_field(job, "TimeLimit"), job_field(job, "MinMemoryNode")
    # What SLURM sends 120 s before the limit (the profile's --signal=USR1@120): the run saves
    # a checkpoint and exits; Snakemake retries with more time and memory.
    subprocess.run(["scancel", "--signal=USR1", job], check=True)
    finish(controller)
    record = json.loads((repo / POINT / "record.json").read_text())
    retry = record["slurm_job_id"]
    assert retry != job and job_state(job) == "FAILED"
    assert record["resumed_from_step"] and record["resumed_from_step"] > 0
    first_log = repo / f"logs/slurm/group_train_bundle_train/{job}.log"
    assert "stopped by signal after saving step" in first_log.read_text()
    assert minutes(job_field(retry, "TimeLimit")) == 2 * minutes(first_limit)
    assert megabytes(job_field(retry, "MinMemoryNode")) == 2 * megabytes(first_memory)
    assert (repo / POINT / "result.npz").read_bytes() == uninterrupted


def minutes(limit: str) -> int:
    """SLURM's [D-]HH:MM:SS time limit in minutes."""
    days, _, clock = limit.rpartition("-")
    hours, mins, _ = (int(part) for part in clock.split(":"))
    return int(days or 0) * 1440 + hours * 60 + mins


def megabytes(memory: str) -> int:
    """SLURM's memory field (e.g. 2000M, 4G) in MB."""
    scale = {"M": 1, "G": 1024}[memory[-1]]
    return int(float(memory[:-1]) * scale)
