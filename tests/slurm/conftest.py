"""The `slurm` tests run against the real test cluster of tests/slurm/cluster.sh.

Without a cluster they skip, saying how to start one; under CI (CI=true) a missing cluster is
an error instead, so a broken bring-up cannot pass as skipped tests.
"""

from __future__ import annotations

import os
import subprocess

import pytest

HOW = "start the SLURM test cluster first: `sudo tests/slurm/cluster.sh up` (CI does this)"


def cluster_problem() -> str | None:
    """None when the test cluster answers, else what is wrong."""
    try:
        proc = subprocess.run(["sinfo", "-h", "-o", "%P %T"], capture_output=True, text=True,
                              timeout=20)
    except FileNotFoundError:
        return "SLURM is not installed (no sinfo)"
    except subprocess.TimeoutExpired:
        return "sinfo did not answer in 20 s"
    if proc.returncode != 0:
        return f"sinfo failed: {proc.stderr.strip()}"
    partitions = {line.split()[0].rstrip("*") for line in proc.stdout.splitlines() if line.strip()}
    if not {"cpu", "gpu"} <= partitions:
        return f"this is not the test cluster (partitions {sorted(partitions)}, want cpu and gpu)"
    return None


def pytest_collection_modifyitems(config, items):
    slurm_items = [item for item in items if "slurm" in item.keywords]
    if not slurm_items:
        return
    problem = cluster_problem()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI: the slurm tests need the test cluster, but {problem}; {HOW}")
    skip = pytest.mark.skip(reason=f"{problem}; {HOW}")
    for item in slurm_items:
        item.add_marker(skip)
