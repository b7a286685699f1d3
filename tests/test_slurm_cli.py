"""`neurosweep submit` and neurosweep.slurm without a cluster: help, refusal, argument plumbing,
and what submit_point checks before it submits anything."""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from neurosweep import slurm
from neurosweep.cli import main
from neurosweep.workflow import load_plan

ROOT = Path(__file__).resolve().parents[1]
TINY = "tests/config/tiny.yaml"


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "neurosweep", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_submit_help_lists_the_options():
    result = _cli("submit", "--help")
    assert result.returncode == 0, result.stderr
    for word in ("--profile", "--time", "--partition", "--account", "--qos", "--mem-mb",
                 "targets", "-- snakemake arguments", "NEUROSWEEP_SLURM_PARTITION", "scancel"):
        assert word in result.stdout, word


def test_top_level_help_mentions_submit():
    result = _cli("--help")
    assert result.returncode == 0 and "submit" in result.stdout


def test_submit_refuses_without_sbatch(tmp_path):
    """A PATH with python on it but no SLURM commands, as on a laptop."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    result = _cli("submit", "--profile", "profiles/slurm", env={**os.environ, "PATH": str(bin_dir)})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "SLURM was not found: sbatch is not on PATH" in result.stderr
    assert "snakemake --profile profiles/local" in result.stderr
    assert result.stdout == ""


def test_submit_refuses_when_sinfo_fails(monkeypatch, capsys):
    monkeypatch.setattr(slurm, "slurm_problem", lambda: "sinfo failed: unable to contact slurmctld")
    assert main(["--root", str(ROOT), "submit"]) == 2
    err = capsys.readouterr().err
    assert "SLURM was not found: sinfo failed: unable to contact slurmctld" in err
    assert "snakemake --profile profiles/local" in err


def test_submit_refuses_an_unknown_profile_directory(capsys):
    assert main(["--root", str(ROOT), "submit", "--profile", "profiles/nowhere"]) == 2
    assert "no profile directory profiles/nowhere" in capsys.readouterr().err


@pytest.fixture
def submissions(monkeypatch, tmp_path):
    """submit_controller replaced by a recorder that returns a job-like object."""
    calls = []

    def fake_submit(profile, targets, snakemake_args, **options):
        calls.append((profile, targets, snakemake_args, options))
        log = tmp_path / "logs/slurm/controller/42/42_0_log"
        return SimpleNamespace(job_id="42", paths=SimpleNamespace(
            stdout=Path(f"{log}.out"), stderr=Path(f"{log}.err")))

    monkeypatch.setattr(slurm, "submit_controller", fake_submit)
    return calls


def test_submit_passes_targets_and_snakemake_args(submissions, capsys):
    argv = ["--root", str(ROOT), "submit", "--profile", "profiles/slurm", "--time", "90",
            "--qos", "short", "--mem-mb", "4000", "psychophysics_fig5", "results/claims.tsv",
            "--", "--configfile", TINY, "-n"]
    assert main(argv) == 0
    (profile, targets, snakemake_args, options), = submissions
    assert profile == "profiles/slurm"
    assert targets == ["psychophysics_fig5", "results/claims.tsv"]
    assert snakemake_args == ["--configfile", TINY, "-n"]
    assert options == dict(root=ROOT, time_min=90, partition=None, account=None, qos="short",
                           mem_mb=4000)
    out = capsys.readouterr().out
    for text in ("SLURM job 42", "42_0_log.err", "42_0_log.out", "squeue -j 42", "tail -f",
                 "scancel 42"):
        assert text in out, text


def test_submit_defaults(submissions):
    assert main(["--root", str(ROOT), "submit"]) == 0
    (profile, targets, snakemake_args, options), = submissions
    assert (profile, targets, snakemake_args) == ("profiles/slurm", [], [])
    assert options["time_min"] == 4320 and options["mem_mb"] == 2000


def test_arguments_after_double_dash_are_for_submit_only(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--root", str(ROOT), "validate", "--", "--configfile", TINY])
    assert exit_info.value.code == 2
    assert "for `submit` only" in capsys.readouterr().err


def test_controller_command_uses_this_pythons_snakemake():
    command = slurm.controller_command("profiles/slurm", ["t"], ["--configfile", TINY])
    assert command[0] == str(Path(sys.executable).parent / "snakemake")
    assert command[1:] == ["--profile", "profiles/slurm", "t", "--local-cores", "1",
                           "--configfile", TINY]


def test_job_environment_carries_paths_and_site_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    monkeypatch.setenv("NEUROSWEEP_SLURM_BUNDLE", "1")
    monkeypatch.setenv("SNAKEMAKE_SLURM_PARTITIONS", "/site/partitions.yaml")
    monkeypatch.setenv("UNRELATED_SECRET", "x")
    env = slurm._job_environment(tmp_path)
    assert env["PATH"] == f"{Path(sys.executable).parent}:/usr/bin:/bin"
    assert env["PYTHONPATH"] == f"{tmp_path / 'src'}:/elsewhere"
    assert env["NEUROSWEEP_SLURM_BUNDLE"] == "1"
    assert env["SNAKEMAKE_SLURM_PARTITIONS"] == "/site/partitions.yaml"
    assert "UNRELATED_SECRET" not in env
    assert slurm._export_lines({"A": "two words"}) == ["export A='two words'"]


def test_site_settings_fill_unset_arguments(monkeypatch):
    monkeypatch.setenv("NEUROSWEEP_SLURM_PARTITION", "long")
    assert slurm._site(None, "PARTITION") == "long"
    assert slurm._site("short", "PARTITION") == "short"
    monkeypatch.delenv("NEUROSWEEP_SLURM_PARTITION")
    assert slurm._site(None, "PARTITION") is None


def test_load_plan_merges_configfiles_like_snakemake():
    plan = load_plan(ROOT, [TINY])
    assert plan.scale == "tiny"
    hue = plan.sweep("psychophysics", "hue")
    assert [p.path for p in hue.points] == ["hue_rotation~0/seed~0", "hue_rotation~90/seed~0"]
    assert hue.settings["steps"] == 60  # from tiny.yaml, merged over config/psychophysics.yaml


def test_a_point_can_be_named_by_path_or_id():
    plan = load_plan(ROOT, [TINY])
    point = plan.sweep("psychophysics", "hue").points[1]
    assert slurm.point_path(plan, "psychophysics", "hue", point.id) == point.path
    assert slurm.point_path(plan, "psychophysics", "hue", point.path) == point.path


def test_submit_point_needs_the_sweeps_data_file_first(monkeypatch, tmp_path):
    """The linear sweep reads photos.npz, made by its own rule: say which file and how."""
    for folder in ("config", "workflow/schemas", "tests/config"):
        shutil.copytree(ROOT / folder, tmp_path / folder)

    def must_not_submit():
        raise AssertionError("submit_point went on to submit a job")

    monkeypatch.setattr(slurm, "require_slurm", must_not_submit)
    with pytest.raises(FileNotFoundError) as error:
        slurm.submit_point("psychophysics", "linear", "depth~tied/seed~0", root=tmp_path,
                           configfiles=[TINY])
    message = str(error.value)
    assert "results/psychophysics/data/photos.npz" in message
    assert "snakemake --profile profiles/local results/psychophysics/data/photos.npz" in message
