"""The profiles as Snakemake reads them (YTE templates evaluated against the environment)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import yte

ROOT = Path(__file__).resolve().parents[1]


def slurm_profile(monkeypatch, tmp_path, sacct_exit: int | None = 1, **env: str) -> dict:
    """profiles/slurm/config.yaml evaluated with NEUROSWEEP_SLURM_* = env and a fake sacct
    that exits with sacct_exit (None: no sacct on PATH)."""
    for key in list(os.environ):
        if key.startswith("NEUROSWEEP_SLURM_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(f"NEUROSWEEP_SLURM_{key}", value)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    if sacct_exit is not None:
        fake = bin_dir / "sacct"
        fake.write_text(f"#!/bin/sh\nexit {sacct_exit}\n")
        fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bin_dir))
    with open(ROOT / "profiles/slurm/config.yaml") as file:
        return yte.process_yaml(file, require_use_yte=True)


def test_status_command_follows_whether_sacct_works(monkeypatch, tmp_path):
    assert slurm_profile(monkeypatch, tmp_path / "a", sacct_exit=0)["slurm-status-command"] == "sacct"
    # accounting disabled: sacct exists but fails
    assert slurm_profile(monkeypatch, tmp_path / "b", sacct_exit=1)["slurm-status-command"] == "squeue"
    assert slurm_profile(monkeypatch, tmp_path / "c", sacct_exit=None)["slurm-status-command"] == "squeue"
    chosen = slurm_profile(monkeypatch, tmp_path / "d", sacct_exit=0, STATUS="squeue")
    assert chosen["slurm-status-command"] == "squeue"


def test_site_settings_come_from_the_environment(monkeypatch, tmp_path):
    bare = slurm_profile(monkeypatch, tmp_path / "a")
    assert set(bare["default-resources"]) == {"mem_mb", "runtime"}
    assert "gpu" not in bare["set-resources"]["train"]  # the sweep's config decides
    assert bare["group-components"] == ["train_bundle=20"]
    site = slurm_profile(monkeypatch, tmp_path / "b", ACCOUNT="lab", PARTITION="short", QOS="hi",
                         GPUS="0", BUNDLE="50")
    assert site["default-resources"]["slurm_account"] == "lab"
    assert site["default-resources"]["slurm_partition"] == "short"
    assert site["default-resources"]["qos"] == "hi"
    assert site["set-resources"]["train"]["gpu"] == 0  # a site without GPUs
    assert site["set-resources"]["rerun_check"]["gpu"] == 0
    assert site["group-components"] == ["train_bundle=50"]


def test_training_jobs_ask_for_a_warning_signal_and_are_requeued(monkeypatch, tmp_path):
    profile = slurm_profile(monkeypatch, tmp_path)
    assert "--signal=USR1@120" in profile["set-resources"]["train"]["slurm_extra"]
    assert profile["slurm-requeue"] is True and profile["retries"] >= 1


@pytest.mark.parametrize("name", ["local", "slurm"])
def test_profiles_use_only_options_snakemake_knows(name, monkeypatch, tmp_path):
    """Every key is a long option of `snakemake --help` (a typo would be ignored silently)."""
    import subprocess
    import sys

    help_text = subprocess.run([str(Path(sys.executable).with_name("snakemake")), "--help"],
                               capture_output=True, text=True, env={**os.environ, "PATH": os.defpath}).stdout
    if name == "slurm":
        keys = slurm_profile(monkeypatch, tmp_path).keys()
    else:
        with open(ROOT / "profiles/local/config.yaml") as file:
            keys = yte.process_yaml(file).keys()
    unknown = [key for key in keys if f"--{key}" not in help_text]
    assert not unknown, f"profiles/{name}: unknown options {unknown}"
