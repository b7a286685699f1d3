"""Baroni, Bashiri, Willeke, Antolik & Sinz (2022), Learning invariance manifolds of visual
sensory neurons, NeurIPS workshop NeurReps (PMLR 197:301-326, 2023). openreview 2dQyENiU330

The map from the paper to the workflow: sweeps, figures and claims (no torch import here). The
original runs one notebook per figure panel with one hand-picked seed; these sweeps cross cell
type, latent topology, seed and temperature (research notes §4). Runs that share the latent
topology, grid, image size and schedule train together in one job, one pack per seed.
"""

import hashlib
import json

from neurosweep.study import FigureSpec, StudySpec

#: Settings that must agree within one pack: its tensor shapes and its training loop.
PACK_SETTINGS = ("topology", "grid", "res", "steps_per_phase", "reg_coefs", "lr", "norm",
                 "neighbour_fraction", "width", "layers", "n_eval", "render")

SWEEPS = ("circle", "temperature", "torus", "sheet", "grid_size", "macaque")
MACAQUE_DIR = "results/invariances/data/macaque"
MACAQUE_FILES = {"weights_10": "monkey_model10.pt", "weights_3": "monkey_model3.pt",
                 "weights_12": "monkey_model12.pt"}
TWO_D = {"torus", "sheet", "cylinder"}


def pack_name(params: dict) -> str:
    shared = {key: params.get(key) for key in PACK_SETTINGS}
    digest = hashlib.sha256(json.dumps(shared, sort_keys=True).encode()).hexdigest()[:8]
    return (f"topology~{params['topology']}/grid~{params['grid']}/res~{params['res']}/"
            f"seed~{params['seed']}/ensemble~{digest}")


def check_point(params: dict) -> str | None:
    """Settings that only make sense together (the schema checks each one alone)."""
    if params["cell"] == "macaque":
        if "neuron" not in params:
            return "cell: macaque needs a neuron (A, B or C)"
        if int(params["res"]) != 93:
            return "the macaque model sees 93 x 93 images: set res: 93"
    if params["topology"] in TWO_D and int(params["grid"]) ** 2 > 2500:
        return "a 2-D grid of more than 50 x 50 latents does not fit one batch; lower grid"
    if int(float(params.get("neighbour_fraction", 0.1)) * int(params["grid"])) < 1:
        return "grid * neighbour_fraction must be at least 1, or no latent has a positive"
    return None


def figure(title: str, sweep: str, name: str, draw: str | None = None) -> FigureSpec:
    """``draw``: the drawing module, when the figure shares another's layout."""
    return FigureSpec(title, sweep, f"figures:{name}_data", f"plots.{draw or name}")


SPEC = StudySpec(
    name="invariances",
    paper="Baroni et al. 2022, NeurReps (PMLR 197:301-326)",
    trainers={sweep: "jobs:train_point" for sweep in SWEEPS},
    claims={sweep: f"claims:{sweep}" for sweep in SWEEPS},
    figures={
        "fig2": figure("1-D invariance manifolds: images along the circle latent and activation (Fig. 2)",
                       "circle", "fig2"),
        "fig3": figure("2-D latents on a torus: image grids, activation and phase maps (Fig. 3)",
                       "torus", "fig3"),
        "fig3_sheet": figure("2-D latents on a sheet (Fig. 3, sheet panels)", "sheet", "fig3_sheet", draw="fig3"),
        "fig4": figure("Controls: the simple cell's manifold collapses (Fig. 4)", "circle", "fig4"),
        "fig5": figure("Macaque V1 model neurons A, B, C (Fig. 5)", "macaque", "fig5", draw="fig2"),
        "figS1": figure("Success over seeds: winding, coverage, activation (supplement)", "circle", "figS1"),
        "figS2": figure("Temperature of the contrastive term (supplement)", "temperature", "figS2"),
        "figS3": figure("Training curves of both terms, two phases (supplement)", "circle", "figS3"),
        "figS4": figure("Rendering alone vs in the batch: the original's BatchNorm (supplement)",
                        "circle", "figS4"),
        "figS5": figure("Latent grid size G (supplement)", "grid_size", "figS5"),
    },
    inputs={"macaque": {key: f"{MACAQUE_DIR}/{name}" for key, name in MACAQUE_FILES.items()}},
    check_point=check_point,
    optional=("sheet", "grid_size", "macaque"),
    rerun_claim="I0",
    rerun_sweep="circle",
    pack=pack_name,
    pack_trainer="jobs:train_pack",
)
