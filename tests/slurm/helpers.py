"""Running the workflow on the SLURM test cluster from tests and benchmarks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SNAKEMAKE = str(BIN / "snakemake")
TINY = ["--configfile", "tests/config/tiny.yaml"]
# Status polling: every second at first (the plugin then backs off by 10 s per quiet check).
FAST_POLLING = ["--slurm-init-seconds-before-status-checks", "1",
                "--seconds-between-status-checks", "1"]


def copy_repo(dest: Path) -> Path:
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
        ".venv", "results", "work", "logs", ".snakemake", ".git", "__pycache__", "*.egg-info",
        ".pytest_cache"))
    return dest


def environment(repo: Path, **extra: str) -> dict[str, str]:
    """What a user on the test cluster would export: the partitions file, the venv on PATH."""
    env = {**os.environ, "PYTHONPATH": str(repo / "src"),
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "SNAKEMAKE_SLURM_PARTITIONS": str(repo / "tests/slurm/partitions.yaml")}
    for key in list(env):
        if key.startswith("NEUROSWEEP_SLURM_"):
            del env[key]
    env.update(extra)
    return env


def snakemake(repo: Path, *args: str, env: dict | None = None, check: bool = True,
              timeout: float = 900) -> subprocess.CompletedProcess:
    proc = subprocess.run([SNAKEMAKE, *args], cwd=repo, env=env or environment(repo),
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def job_state(job_id: str) -> str:
    out = subprocess.run(["squeue", "-h", "-j", str(job_id), "-t", "all", "-o", "%T"],
                         capture_output=True, text=True).stdout.strip()
    return out.splitlines()[0] if out else ""


def job_field(job_id: str, field: str) -> str:
    """One field of `scontrol show job` (e.g. Partition, TresPerJob, NumCPUs)."""
    out = subprocess.run(["scontrol", "show", "job", str(job_id)], capture_output=True,
                         text=True).stdout
    for token in out.split():
        if token.startswith(field + "="):
            return token.split("=", 1)[1]
    return ""


def wait_for(condition, timeout: float, what: str, interval: float = 0.5):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
