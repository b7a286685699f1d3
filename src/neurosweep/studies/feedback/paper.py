"""Naumann, Keijser & Sprekeler (2022), Invariant neural subspaces maintained by feedback
modulation, eLife 11:e76096. doi:10.7554/eLife.76096

The map from the paper to the workflow: sweeps, figures and claims (no torch import here).
The original repository has no sweep code; the sweeps are rebuilt from the paper (research
notes §4, S1-S14). Points that share a network variant, its sizes, its training loop and a
seed are trained together in one job, as one ensemble (``pack_name``).
"""

import hashlib
import json

from neurosweep.study import FigureSpec, StudySpec

from .data import n_sources

TEST_CONTEXTS = "results/feedback/data/test_contexts.npz"
SOURCES_RUNS = "results/feedback/sources/runs.json"

#: Settings that must agree within one ensemble: its shapes and its training loop.
ENSEMBLE_SETTINGS = ("variant", "hidden", "n_z", "n_low", "learn_excitation", "context_length",
                     "batches", "batch_size", "lr")

SWEEPS = ("seeds", "noise", "sources", "frequency", "generalise", "controls", "tau_input",
          "nfb", "width", "nfb_width", "population", "dale", "dale_target")


def pack_name(params: dict) -> str:
    """Points train together when their ensemble settings, number of sources and seed agree;
    the name says which variant, sources and seed, plus a short hash of the rest."""
    shared = {key: params.get(key) for key in ENSEMBLE_SETTINGS}
    digest = hashlib.sha256(json.dumps(shared, sort_keys=True).encode()).hexdigest()[:8]
    return (f"variant~{params['variant']}/sources~{n_sources(params['sources'])}/"
            f"seed~{params['seed']}/ensemble~{digest}")


def check_point(params: dict) -> str | None:
    """Settings that only make sense together (the schema checks each one alone)."""
    if params["sources"] == "bank" and not params.get("bank_pairs"):
        return "sources: bank needs bank_pairs, the pairs of the frequency bank to train on"
    if params["variant"] == "control" and "window" not in params:
        return "variant: control needs a window (samples of x the MLP sees)"
    if params["variant"] in ("spatial", "dale") and params.get("n_fb", 4) > params.get("n_z", 100):
        return "n_fb must not exceed n_z (each feedback signal needs units to drive)"
    if params["variant"] == "control" and n_sources(params["sources"]) != 2:
        return "the feed-forward controls are defined for two sources"
    return None


def figure(title: str, sweep: str, name: str, **inputs) -> FigureSpec:
    return FigureSpec(title, sweep, f"figures:{name}_data", f"plots.{name}", inputs=inputs)


SPEC = StudySpec(
    name="feedback",
    paper="Naumann, Keijser & Sprekeler 2022, eLife 11:e76096",
    trainers={sweep: "jobs:train_point" for sweep in SWEEPS},
    claims={sweep: f"claims:{sweep}" for sweep in SWEEPS},
    figures={
        "fig1": figure("ModulationNet: invariant output in every context (Fig. 1b-d)", "seeds", "fig1"),
        "fig1e": figure("Robustness to input noise (Fig. 1e, 1-S2e)", "noise", "fig1e"),
        "fig2": figure("Slow modulation, and what the modulator must see (Fig. 2)", "tau_input", "fig2"),
        "fig3": figure("SpatialNet: a few feedback signals suffice (Fig. 3c,d)", "nfb", "fig3"),
        "fig3e": figure("SpatialNet: broad but not uniform feedback (Fig. 3e)", "width", "fig3e"),
        "fig4": figure("Single units are not invariant, the population is (Fig. 4)", "population", "fig4"),
        "fig5": figure("Feedback rotates the activity plane back (Fig. 5)", "population", "fig5"),
        "fig6": figure("The same in a network with Dale's law (Fig. 6)", "dale", "fig6"),
        "fig7": figure("The modulators code the context nonlinearly (Fig. 7)", "dale", "fig7"),
        "figS1": figure("Feed-forward controls fail (Fig. 1-S1)", "controls", "figS1"),
        "figS2": figure("Seeds and test-context length (Fig. 1-S2a,b,d)", "seeds", "figS2"),
        "figS3": figure("Other sources and three sources (Figs. 1-S3, 1-S4)", "sources", "figS3"),
        "figS5": figure("Generalisation to untrained frequencies (Fig. 1-S5)", "frequency", "figS5"),
        "figS6": figure("New sources and unnormalised contexts (Fig. 1-S6)", "generalise", "figS6"),
        "figS7": figure("Number of feedback signals x kernel width (Fig. 3-S1)", "nfb_width", "figS7"),
        "figS8": figure("Dale network: modulation target x inhibition (Fig. 6-S1)", "dale_target", "figS8"),
    },
    inputs={sweep: {"test_contexts": TEST_CONTEXTS} for sweep in SWEEPS},
    claim_inputs={"controls": {"sources_runs": SOURCES_RUNS}},
    check_point=check_point,
    rerun_claim="F0",
    pack=pack_name,
    pack_trainer="jobs:train_pack",
)
