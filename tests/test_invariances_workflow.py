"""The invariances study through Snakemake (tiny config): runs packed per seed and published
per point, every figure and claim, each figure redrawn alone, a sweep extended without
retraining what exists."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from neurosweep.io import read_json
from neurosweep.studies.invariances import macaque
from moore_server import MooreServer
from test_workflow import copy_repo, planned_jobs, snakemake

pytestmark = pytest.mark.workflow
TINY = ["--configfile", "tests/config/tiny_invariances.yaml"]
FIGURES = ["fig2", "fig3", "fig4", "figS1", "figS2", "figS3", "figS4"]
CHECKS = {"I0", "I1", "I1b", "I2", "I3", "I4a", "I4b", "I4c", "I16"}
# the tiny config's sweeps: circle (complex, simple), temperature (tau 0.3 and 1.0), torus (complex)
CLAIMS = [*CHECKS, "I5", "I6", "I7", "I8", "I9", "I10", "I14", "I15", "I17", "I18", "I19", "I19a", "I19b"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    repo = copy_repo(tmp_path_factory.mktemp("invariances") / "repo")
    snakemake(repo, "--profile", "profiles/local", *TINY)
    return repo


def test_tiny_run_makes_every_figure_and_claim(finished):
    results = finished / "results" / "invariances"
    for figure in FIGURES:
        for ext in ("npz", "pdf", "png"):
            assert (results / "figures" / f"{figure}.{ext}").stat().st_size > 0, (figure, ext)
    claims = pd.read_csv(results / "claims.tsv", sep="\t")
    assert sorted(claims["claim"]) == sorted(CLAIMS)
    # checks of the code itself hold at any size; every paper claim names its source
    for claim in ("I0", "I1", "I1b", "I2", "I3", "I4a", "I4b", "I4c"):
        row = claims.loc[claims["claim"] == claim]
        assert row["passed"].item() == "pass" and row["kind"].item() == "check", claim
    assert set(claims.loc[claims["kind"] == "check", "claim"]) == CHECKS
    assert claims.loc[claims["kind"] == "paper", "source"].notna().all()
    assert planned_jobs(snakemake(finished, "-n", *TINY).stdout) == {}


def test_runs_train_in_packs_per_seed_and_shared_points_train_once(finished):
    results = finished / "results" / "invariances"
    manifests = [read_json(m) for m in sorted((results / "packs").rglob("pack.json"))]
    # circle seed 41 (2 cells + tau 1.0 of the temperature sweep), circle seed 42, torus seed 41
    assert sorted(len(m["members"]) for m in manifests) == [1, 2, 3]
    record = read_json(results / "runs" / "temperature" / "cell~complex" / "tau~1.0" / "seed~41" / "record.json")
    assert record["pack"]["trained_together"] == 3 and record["params"]["tau"] == 1.0
    # the temperature sweep's tau 0.3 point is the circle sweep's: trained once
    assert not (results / "runs" / "temperature" / "cell~complex" / "tau~0.3").exists()
    table = pd.read_csv(results / "temperature" / "metrics.csv")
    assert len(table) == 2 and table["act_min"].notna().all()


def test_figure_targets_redraw_alone(finished):
    targets = [f"results/invariances/figures/{figure}.pdf" for figure in FIGURES]
    jobs = planned_jobs(snakemake(finished, "-n", "--forcerun", "draw_figure", *TINY, "--", *targets).stdout)
    assert jobs == {"draw_figure": len(FIGURES)}
    named = planned_jobs(snakemake(finished, "-n", "--forcerun", "draw_figure", *TINY, "--", "invariances_fig2").stdout)
    assert named == {"draw_figure": 1, "invariances_fig2": 1}


def test_extending_a_sweep_trains_only_the_new_points(finished, tmp_path):
    results = finished / "results" / "invariances"
    old = results / "runs" / "circle" / "cell~complex" / "seed~41" / "tau~0.3" / "result.npz"
    before = old.read_bytes()
    extra = tmp_path / "extra.yaml"
    extra.write_text("invariances: {tiny: {sweeps: {circle: {grid: {cell: [complex, simple, orientation], "
                     "seed: [41, 42], tau: [0.3]}}}}}\n")
    proc = snakemake(finished, "--profile", "profiles/local", *TINY, str(extra))
    jobs = planned_jobs(proc.stdout + proc.stderr)
    assert jobs["train_pack"] == 2  # the two circle packs gain the orientation cell
    for manifest in (read_json(m) for m in (results / "packs").rglob("pack.json")):
        trained = [m["point"] for m in manifest["members"] if not m["reused"]]
        if manifest["pack"].startswith("invariances/topology~circle"):
            assert trained and all(p.startswith("cell~orientation") for p in trained)
    assert old.read_bytes() == before


def test_macaque_weights_rule_checks_the_download(finished, tmp_path, monkeypatch):
    """The download rule against a local server: files that are not the published ones fail
    it with the checksum in the log; the published files (when this machine has them) pass."""
    served = tmp_path / "served"
    served.mkdir()
    for name in macaque.FILES:
        (served / name).write_bytes(b"not the published weights")
    target = "results/invariances/data/macaque/monkey_model10.pt"
    with MooreServer(served) as server:
        monkeypatch.setenv(macaque.BASE_URL_ENV, server.url)
        proc = snakemake(finished, "-c1", *TINY, "--", target, check=False)
    assert proc.returncode != 0
    log = (finished / "logs" / "invariances" / "macaque_weights.log").read_text()
    assert "checksum mismatch" in log and "monkey_model10.pt" in log
    assert not (finished / target).exists()
    published = os.environ.get("NEUROSWEEP_MACAQUE_WEIGHTS")
    if published and all((Path(published) / name).exists() for name in macaque.FILES):
        with MooreServer(Path(published)) as server:
            monkeypatch.setenv(macaque.BASE_URL_ENV, server.url)
            snakemake(finished, "-c1", *TINY, "--", target)
        assert (finished / target).read_bytes() == (Path(published) / "monkey_model10.pt").read_bytes()
