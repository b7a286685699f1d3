"""The feedback study through Snakemake (tiny config): packs trained as ensembles and published
per point, every figure, claims, figures redrawn alone, a sweep extended without retraining."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from neurosweep.io import read_json
from test_workflow import copy_repo, planned_jobs, snakemake

pytestmark = pytest.mark.workflow
TINY = ["--configfile", "tests/config/tiny_feedback.yaml"]
FIGURES = ["fig1", "fig1e", "fig2", "fig3", "fig3e", "fig4", "fig5", "fig6", "fig7",
           "figS1", "figS2", "figS3", "figS5", "figS6", "figS7", "figS8"]
# every claim of the study, sweep by sweep (paper.SWEEPS order), then the rerun check
CLAIMS = ["F1", "F2", "F3", "F4a", "F4b", "F7a", "F7b", "F8", "F9a", "F9b", "F10a", "F10b", "F10c",
          "F5", "F6", "F6b", "F11", "F12a", "F12b", "F12c", "F13", "F14", "F15", "F16", "F17", "F17b",
          "F17c", "F18", "F19", "F20", "F21", "F22a", "F22b", "F23", "F24", "F0"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    repo = copy_repo(tmp_path_factory.mktemp("feedback") / "repo")
    snakemake(repo, "--profile", "profiles/local", *TINY)
    return repo


def test_tiny_run_makes_every_figure_and_claim(finished):
    results = finished / "results" / "feedback"
    for figure in FIGURES:
        for ext in ("npz", "pdf", "png"):
            assert (results / "figures" / f"{figure}.{ext}").stat().st_size > 0, (figure, ext)
    claims = pd.read_csv(results / "claims.tsv", sep="\t")
    assert list(claims["claim"]) == CLAIMS  # exact ids, in sweep order, each once
    assert claims.loc[claims["claim"] == "F0", "passed"].item() == "pass"
    assert set(claims.loc[claims["claim"] != "F0", "kind"]) == {"paper"}
    assert claims.loc[claims["claim"] == "F0", "kind"].item() == "check"
    assert claims.loc[claims["kind"] == "paper", "source"].notna().all()
    assert set(claims.loc[claims["claim"].isin(["F1", "F2", "F15", "F18", "F24"]), "band"]) == {"quick (scale tiny has no band of its own)"}
    assert planned_jobs(snakemake(finished, "-n", *TINY).stdout) == {}


def test_points_are_trained_in_packs_and_published_one_by_one(finished):
    results = finished / "results" / "feedback"
    manifests = sorted((results / "packs").rglob("pack.json"))
    # tiny: modulation (2 seeds), three sources, spatial, dale, controls
    assert len(manifests) == 6
    biggest = max((read_json(m) for m in manifests), key=lambda m: len(m["members"]))
    assert biggest["pack"].startswith("feedback/variant~modulation/sources~2/seed~0")
    assert len(biggest["members"]) >= 8
    record = read_json(results / "runs" / "tau_input" / "tau~20" / "inputs~y" / "seed~0" / "record.json")
    assert record["pack"]["trained_together"] == len(biggest["members"])
    assert record["params"]["tau"] == 20 and record["params"]["inputs"] == "y"
    # the default point of tau_input is the seeds sweep's seed 0: trained once
    assert not (results / "runs" / "tau_input" / "tau~1" / "inputs~xy").exists()
    table = pd.read_csv(results / "tau_input" / "metrics.csv")
    assert len(table) == 6 and table["clarity"].notna().all()


def test_figure_targets_redraw_alone(finished):
    targets = [f"results/feedback/figures/{figure}.pdf" for figure in FIGURES]
    jobs = planned_jobs(snakemake(finished, "-n", "--forcerun", "draw_figure", *TINY, "--", *targets).stdout)
    assert jobs == {"draw_figure": len(FIGURES)}


def test_plan_agrees_with_snakemake_on_a_packed_study(finished):
    """After a model edit every pack re-trains and publishes every member; the plan says so."""
    def plan_jobs() -> dict:
        env = {**os.environ, "PYTHONPATH": str(finished / "src")}
        out = subprocess.run([sys.executable, "-m", "neurosweep", "plan", "--json", *TINY], cwd=finished,
                             env=env, capture_output=True, text=True, check=True).stdout
        return json.loads(out)["jobs"]

    assert plan_jobs() == {}
    model = finished / "src" / "neurosweep" / "studies" / "feedback" / "model.py"
    original = model.read_text()
    try:
        model.write_text(original + "\nUNUSED_BUT_CODE = 1\n")
        dry = planned_jobs(snakemake(finished, "-n", *TINY).stdout)
        dry.pop("all")
        assert plan_jobs() == dry
        assert dry["train_pack"] >= 2 and dry["publish_point"] > dry["train_pack"]
    finally:
        model.write_text(original)


def test_extending_a_sweep_trains_only_the_new_points(finished, tmp_path):
    """One more N_I: the Dale pack gains members; it trains only them, copies the others, and
    every earlier result stays byte-identical."""
    results = finished / "results" / "feedback"
    old = results / "runs" / "dale_target" / "target~both" / "n_inh~3" / "seed~0" / "result.npz"
    before = old.read_bytes()
    extra = tmp_path / "extra.yaml"
    extra.write_text("feedback: {tiny: {sweeps: {dale_target: {grid: {target: [both, exc], n_inh: [0, 3, 5], seed: [0]}}}}}\n")
    proc = snakemake(finished, "--profile", "profiles/local", "--configfile", "tests/config/tiny_feedback.yaml",
                     str(extra))
    jobs = planned_jobs(proc.stdout + proc.stderr)
    assert jobs["train_pack"] == 1
    manifest = next(read_json(m) for m in (results / "packs").rglob("pack.json")
                    if read_json(m)["pack"].startswith("feedback/variant~dale/"))
    trained = [m for m in manifest["members"] if not m["reused"]]
    assert sorted(m["point"] for m in trained) == ["target~both/n_inh~5/seed~0", "target~exc/n_inh~5/seed~0"]
    assert old.read_bytes() == before

