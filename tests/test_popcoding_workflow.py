"""The popcoding study through Snakemake (tiny config): data rules, the Moore download rule
against a local server, every figure, claims, and figures redrawn alone."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from moore_server import MooreServer, write_files
from test_workflow import copy_repo, planned_jobs, snakemake

pytestmark = pytest.mark.workflow
TINY = ["--configfile", "tests/config/tiny_popcoding.yaml"]
CLAIMS = ["P1", "P2", "P2b", "P3", "P4", "P5", "P6", "P7", "P18", "P8", "P9", "P10", "P19", "P20",
          "P21", "P11", "P11b", "P12", "P14", "P13", "P15", "P16-gaussian", "P16-lognormal",
          "P17-gaussian", "P22-gaussian", "P17-lognormal", "P22-lognormal", "P0"]
FIGURES = ["fig2", "fig3", "fig4", "fig5", "fig6", "fig7", "fig8", "fig9",
           "figS1", "figS2", "figS3", "figS4", "figS5", "figS7"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with MooreServer(write_files(tmp_path_factory.mktemp("moore"))) as server:
        yield server


@pytest.fixture(scope="module")
def finished(tmp_path_factory, served):
    repo = copy_repo(tmp_path_factory.mktemp("popcoding") / "repo")
    os.environ["NEUROSWEEP_MOORE_BASE_URL"] = served.url
    try:
        snakemake(repo, "--profile", "profiles/local", *TINY)
    finally:
        del os.environ["NEUROSWEEP_MOORE_BASE_URL"]
    return repo


def test_tiny_run_makes_every_figure_claims_and_downloads_moore(finished, served):
    results = finished / "results" / "popcoding"
    for figure in FIGURES:
        for ext in ["npz", "pdf", "png"]:
            assert (results / "figures" / f"{figure}.{ext}").stat().st_size > 0, (figure, ext)
    claims = pd.read_csv(results / "claims.tsv", sep="\t", keep_default_na=False)
    assert claims["claim"].tolist() == CLAIMS
    checks = {"P0", "P1", "P2b", "P4", "P11b"}
    assert set(claims.loc[claims["kind"] == "check", "claim"]) == checks
    paper = claims[claims["kind"] == "paper"]
    assert (paper["source"] != "").all() and (paper["worst"].str.startswith("seed")).all()
    assert claims.loc[claims["claim"] == "P2", "band"].item() == "quick (scale tiny has no band of its own)"
    # 4 epochs do not train a model: the learning guard gives NaN and the claim fails
    assert (claims.loc[claims["measured"] == "nan", "passed"] == "FAIL").all()
    moore = pd.read_csv(results / "data" / "moore1979.csv")
    assert len(moore) == 24 and (moore["source"] == served.url).all()
    # one stimulus file per (prior, training-set size, seed), shared by the sweeps that use it
    stimuli = sorted(p.relative_to(results / "data" / "stimuli").as_posix()
                     for p in (results / "data" / "stimuli").rglob("*.npz"))
    assert "prior~lognormal/samples~40/seed~1.npz" in stimuli and len(stimuli) == 7
    assert planned_jobs(snakemake(finished, "-n", *TINY).stdout) == {}
    # neurons N = 5 is the lognormal sweep's seed 0: trained once, aggregated in both sweeps
    runs = results / "runs"
    assert not (runs / "neurons" / "n_neurons~5").exists()
    assert (runs / "lognormal" / "seed~0" / "result.npz").exists()
    table = pd.read_csv(results / "neurons" / "metrics.csv")
    assert table["n_neurons"].tolist() == [2, 5]


def test_each_figure_redraws_alone(finished):
    """Forcing every drawing re-runs the drawings and nothing else: no figure data, no training."""
    targets = [f"results/popcoding/figures/{figure}.pdf" for figure in FIGURES]
    jobs = planned_jobs(snakemake(finished, "-n", "--forcerun", "draw_figure", *TINY, "--", *targets).stdout)
    assert jobs == {"draw_figure": len(FIGURES)}


def test_paper_named_target_redraws_fig9_without_training(finished):
    (finished / "results" / "popcoding" / "figures" / "fig9.pdf").unlink()
    proc = snakemake(finished, "--profile", "profiles/local", *TINY, "--", "popcoding_fig9")
    assert planned_jobs(proc.stdout + proc.stderr) == {"draw_figure": 1, "popcoding_fig9": 1}
    assert (finished / "results" / "popcoding" / "figures" / "fig9.pdf").exists()


def test_corrupted_moore_download_fails_the_rule(finished, tmp_path):
    with MooreServer(write_files(tmp_path / "bad", corrupt="subj_2")) as bad:
        os.environ["NEUROSWEEP_MOORE_BASE_URL"] = bad.url
        try:
            (finished / "results" / "popcoding" / "data" / "moore" / "subj_2").unlink()
            proc = snakemake(finished, "-c1", "--forcerun", "popcoding_moore", *TINY, "--",
                             "results/popcoding/data/moore1979.csv", check=False)
        finally:
            del os.environ["NEUROSWEEP_MOORE_BASE_URL"]
    assert proc.returncode != 0
    log = (finished / "logs" / "popcoding" / "moore.log").read_text()
    assert "checksum mismatch" in log and "subj_2" in log
    assert not (finished / "results" / "popcoding" / "data" / "moore1979.csv").exists()
