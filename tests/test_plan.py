"""`neurosweep plan` from files alone: states, reasons, cost and targets (no Snakemake run).

The workflow tests (test_workflow.py) check that the plan agrees with `snakemake -n` after real
runs and edits; these check the parts on a synthetic 10,000-point sweep and hand-made records.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from neurosweep.codehash import params_hash, software
from neurosweep.forecast import as_json, figure_targets, forecast, render, resolve_targets
from neurosweep.workflow import load_plan

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = "tests/config/synthetic_10k.yaml"
TINY = "tests/config/tiny.yaml"


@pytest.fixture
def root(tmp_path) -> Path:
    """A scratch repository root: the real config, rules and schemas, no results."""
    for name in ("config", "workflow", "tests"):
        (tmp_path / name).symlink_to(ROOT / name)
    return tmp_path


def finish(plan, root: Path, sweep: str, point: str, seconds: float | None = None, **changes) -> Path:
    """Leave the files a finished training job leaves (record with what the plan expects now,
    ``changes`` overriding record fields) and optionally its Snakemake benchmark file."""
    run = root / plan.run_dir("psychophysics", sweep, point)
    run.mkdir(parents=True, exist_ok=True)
    params = {**plan.params("psychophysics", sweep, point), **plan.inputs("psychophysics", sweep, point)}
    record = {"params": params, "params_hash": params_hash(params),
              "code_hash": plan.train_code("psychophysics", sweep), "software": software(),
              "metrics": {}, "wall_seconds": 1.0, **changes}
    (run / "record.json").write_text(json.dumps(record))
    (run / "result.npz").write_bytes(b"")
    if seconds is not None:
        bench = root / "results/psychophysics/benchmarks" / sweep / f"{point}.tsv"
        bench.parent.mkdir(parents=True, exist_ok=True)
        bench.write_text(f"s\th:m:s\tmax_rss\n{seconds}\t0:00:01\t100\n")
    return run


def test_a_10000_point_sweep_is_planned_from_files(root):
    plan = load_plan(root, [SYNTHETIC])
    orientation = plan.sweep("psychophysics", "orientation").paths
    assert len(orientation) == 10_000
    for point in orientation[:3]:
        finish(plan, root, "orientation", point, seconds=36.0)
    result = as_json(plan, forecast(plan, [], root), root)
    study = result["studies"]["psychophysics"]
    assert study["points"] == {"done": 3, "stale": 0, "missing": 10_000}
    assert result["jobs"]["train"] == 10_000
    assert result["jobs"]["rerun_check"] == 1 and result["jobs"]["all_claims"] == 1
    # 9,997 orientation jobs at the measured mean (36 s; the sweep asks for a GPU in no config
    # here), the other three sweeps' jobs at their configured runtime, the rerun check too
    runtimes = sum(plan.resource("psychophysics", s, "runtime") for s in ("linear", "hue", "supervised"))
    rerun = plan.resource("psychophysics", "supervised", "runtime")
    expected = (9_997 * 36 + (runtimes + rerun) * 60) / 3600
    assert result["cost"]["cpu_hours"] == pytest.approx(expected, rel=1e-3)
    assert result["cost"]["jobs_measured"] == 9_997 and result["cost"]["jobs_estimated"] == 4
    assert "config estimate" in result["cost"]["source"]
    text = render(plan, forecast(plan, [], root), root)
    assert "train 10000" in text and "CPU-hours" in text
    assert len(text.splitlines()) < 30  # one screen, whatever the sweep's size


def test_stale_points_name_their_reason(root):
    plan = load_plan(root, [TINY])
    photos = root / "results/psychophysics/data/photos.npz"  # the linear sweep's input file
    photos.parent.mkdir(parents=True, exist_ok=True)
    photos.write_bytes(b"")
    linear = plan.sweep("psychophysics", "linear").paths
    hue = plan.sweep("psychophysics", "hue").paths
    run = finish(plan, root, "linear", linear[0])
    os.utime(run / "result.npz", (1, 1))  # older than its input file
    finish(plan, root, "linear", linear[1], code_hash="an older code")
    finish(plan, root, "hue", hue[0], params_hash="other params")
    finish(plan, root, "hue", hue[1], software="python 3.11, torch 1.9.0, numpy 1.20.0")
    result = as_json(plan, forecast(plan, ["psychophysics"], root), root)
    reasons = {(p["sweep"], p["point"]): p["reasons"] for p in result["studies"]["psychophysics"]["points_to_train"]
               if p["state"] == "stale"}
    assert reasons == {("linear", linear[1]): ["code"], ("hue", hue[0]): ["params"],
                       ("hue", hue[1]): ["software"], ("linear", linear[0]): ["input"]}
    assert result["studies"]["psychophysics"]["stale_reasons"] == {"code": 1, "params": 1,
                                                                    "software": 1, "input": 1}


def test_targets_are_studies_paper_rules_or_figures(root):
    plan = load_plan(root, [TINY])
    assert figure_targets(ROOT, "psychophysics")["figS2"] == "psychophysics_controls"
    assert figure_targets(ROOT, "feedback")["figS7"] == "feedback_supplement"
    assert resolve_targets(plan, [], root) == {"psychophysics": None}
    assert resolve_targets(plan, ["psychophysics_fig5", "psychophysics/fig6"], root) == {
        "psychophysics": ["fig5", "fig6"]}
    assert resolve_targets(plan, ["psychophysics_controls"], root) == {"psychophysics": ["figS1", "figS2"]}
    assert resolve_targets(plan, ["psychophysics_fig5", "psychophysics"], root) == {"psychophysics": None}
    with pytest.raises(KeyError, match="unknown target 'fig9'"):
        resolve_targets(plan, ["fig9"], root)


def test_software_names_python_torch_and_numpy_without_importing_torch():
    import subprocess

    code = ("import sys; from neurosweep.codehash import software; print(software()); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")}).stdout.split("\n")
    from importlib.metadata import version

    assert out[0].startswith("python 3.") and f", torch {version('torch')}," in out[0]
    assert f", numpy {version('numpy')}" in out[0]
    assert out[1] == "False"


def test_planning_imports_no_torch():
    """The plan of a big sweep must start fast: neither it nor the code hashes import torch."""
    import subprocess

    code = ("import sys; from neurosweep.workflow import load_plan; from neurosweep.forecast import forecast; "
            f"plan = load_plan({str(ROOT)!r}, [{TINY!r}]); forecast(plan, [], {str(ROOT)!r}); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")}).stdout.strip()
    assert out == "False"


def test_slurm_job_scripts_name_every_point_they_run():
    from neurosweep.status import targets_in_script

    script = ("#!/bin/sh\n/venv/bin/python -m snakemake --snakefile /r/Snakefile --target-jobs "
              "'train:study=psychophysics,sweep=hue,point=hue_rotation~0/seed~0' "
              "'train:study=psychophysics,sweep=hue,point=hue_rotation~90/seed~0' --allowed-rules "
              "train --cores all\n")
    assert targets_in_script(script) == [("train", "psychophysics", "hue", "hue_rotation~0/seed~0"),
                                         ("train", "psychophysics", "hue", "hue_rotation~90/seed~0")]
    packed = "--target-jobs 'train_pack:study=feedback,pack=variant~spatial/seed~0' --nolock"
    assert targets_in_script(packed) == [("train_pack", "feedback", "variant~spatial/seed~0")]
