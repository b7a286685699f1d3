"""The paper's claims, computed from the aggregated sweeps (one function per sweep).

The standard (neurosweep.claims): a paper claim cites its figure and the source of its
threshold, and holds when it holds in every seed (``per_seed``: the row names the worst one).
The original shows one hand-picked seed per panel and admits a seed that fails, so where our
seeds are chaotic (the orientation cell) the claim is a rate over at least 5 seeds, with the
threshold fixed before those seeds were run (``success_rate``, ORIENTATION_RATE). Thresholds
are the research notes' §1.1 checklist ("notes §1.1 item 3" = cppn_invariances.md) unless a row
says otherwise. Claims about the model neurons and the contrastive term (I1-I4c) are checks of
the closed forms every run relies on, computed from the library's own code on the spot.

Learning guard: a claim about a trained manifold (winding, coverage, diversity, collapse) counts
a seed whose mean activation stayed below LEARNED (the CPPN did not learn to drive the neuron;
at init it reaches about 0.13 of r*, notes §1.1 item 2d) as a failing seed (NaN).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from neurosweep.aggregate import Run
from neurosweep.claims import Claim, check, per_seed, success_rate

INF = math.inf
LEARNED = 0.9  # mean act / r* a trained seed reaches (notes §1.1 items 3-7: >= 0.9 on the manifold)
ONCE = (0.5, 1.5)  # |winding| that rounds to 1 (notes §1.1 item 3: "|winding| == 1 (rounded)")
NONE = (0.0, 0.5)  # |winding| that rounds to 0

# Activation bands: quick from notes §1.1 item 3 (min act >= 0.95; 0.976 measured at quick
# scale); paper from the original's own curves (notes §1 C1, C2, C7: act ~1.00 of the notebooks'
# normaliser 32.566 = 0.989 r*; the prototype's min sat 0.012 below its mean, so min >= 0.97).
# A scale without a band of its own (the workflow tests' tiny one) is judged with quick's.
ACT_SOURCE = ("notes §1.1 item 3: min act >= 0.95 at quick scale (measured 0.976); paper band: the "
              "original's act ~1.00 of 32.566 = 0.989 r* (notes §1 C1/C2/C7) less the prototype's "
              "0.012 mean-min gap, so >= 0.97")
ACT_BANDS = {"quick": (0.95, INF), "paper": (0.97, INF)}

# The orientation cell (I11, I12) as a rate, threshold fixed BEFORE its five seeds were run:
# the original shows one hand-picked seed per panel and one of its notebooks (the phase+orientation
# "cylinder" cell on a 2-D torus, not this 1-D orientation cell) admits a seed (40) that goes
# "one direction and back" (notes §1 C5, §2.4, §6.3), so the paper claims the manifold is found
# typically, not always. A majority of seeds is the weakest reading under which the method
# "finds the orientation manifold" for a seed more often than not: at least 3 of 5.
ORIENTATION_RATE = 0.6
ORIENTATION_SOURCE = ("derivation: the original reports one hand-picked seed per panel and admits a "
                      "seed that fails (on another cell, the phase+orientation cylinder on a torus; "
                      "notes §1 C5, §2.4, §6.3): the claim is that a majority of seeds "
                      "succeed, at least 3 of 5 (threshold fixed before the seeds were run)")


def metric(runs: Sequence[Run], key: str) -> np.ndarray:
    return np.array([run.metrics.get(key, math.nan) for run in runs], dtype=float)


def select(runs: Sequence[Run], **values) -> list[Run]:
    return [run for run in runs
            if all(run.point.get(k, run.params.get(k)) == v for k, v in values.items())]


def fmt(values) -> str:
    return ", ".join(f"{v:.3g}" for v in np.atleast_1d(values))


def label(run: Run, with_cell: bool = False) -> str:
    seed = run.params.get("seed", run.point.get("seed"))
    extra = [f"{k} {run.params[k]}" for k in ("neuron",) if k in run.params]
    return " ".join(([run.params["cell"]] if with_cell else []) + extra + [str(seed)])


def learned(run: Run) -> bool:
    return run.metrics.get("act_mean", math.nan) >= LEARNED


def values(runs: Sequence[Run], key, guard: bool = True, with_cell: bool = False) -> dict[str, float]:
    """One value per run (``key``: a metric name or a function of the run); a run that did not
    learn gives NaN when ``guard``."""
    get = key if callable(key) else (lambda run: run.metrics.get(key, math.nan))
    return {label(run, with_cell): (float(get(run)) if learned(run) or not guard else math.nan)
            for run in runs}


def unlearned(runs: Sequence[Run]) -> str:
    bad = [label(run, True) for run in runs if not learned(run)]
    return f"did not learn (mean act < {LEARNED}): {', '.join(bad)}" if bad else ""


def succeeded(run: Run, key: str = "phase_winding") -> bool:
    """Winds once (|winding| rounds to 1) at min act >= 0.95 (notes §1.1 item 3)."""
    w = abs(run.metrics.get(key, math.nan))
    return ONCE[0] <= w <= ONCE[1] and run.metrics.get("act_min", math.nan) >= 0.95


# --- the model neurons and the objective, from the code ------------------------------------
def model_claims(res: int) -> list[Claim]:
    import torch

    from . import contrastive, neurons

    complex_cell = neurons.make_neuron("complex", res)
    # The quadrature plane of the complex cell at fixed contrast: its two singular images. The
    # even Gabor has a DC term that the zero-mean image cannot see, so the two singular values
    # differ and along the ring r = r* sqrt(cos^2 + (s2/s1)^2 sin^2): exact, and s2/s1 is the
    # best invariance any image family can reach (the learned manifolds sit at it).
    u, ratio = exact_manifold(complex_cell)
    phases = torch.linspace(0, 2 * math.pi, 73)[:-1]
    ring = torch.stack([math.cos(p) * u[0] + math.sin(p) * u[1] for p in phases])
    ring_response = complex_cell.response(ring.reshape(-1, res, res)) / complex_cell.r_max
    predicted = torch.sqrt(torch.cos(phases) ** 2 + ratio ** 2 * torch.sin(phases) ** 2)
    spread = float((ring_response - predicted).abs().max())
    simple = neurons.make_neuron("simple", res)
    falloff = simple_cell_falloff(simple, phases)
    optimised = adam_maximum(complex_cell, steps=300)
    relative = abs(optimised - complex_cell.r_max) / complex_cell.r_max
    pos100, neg100 = contrastive.neighbours(100, (True,))
    pos20, neg20 = contrastive.neighbours(20, (True, True))
    counts = [int(pos100.sum(1)[0]), int(neg100.sum(1)[0]), int(pos20.sum(1)[0]), int(neg20.sum(1)[0])]
    images = torch.randn(1, res, res).expand(40, -1, -1)
    pos40, neg40 = contrastive.neighbours(40, (True,))
    same = float(contrastive.contrastive_term(contrastive.pearson(images), pos40, neg40, 0.3))
    bound = float(contrastive.contrastive_term(contrastive.ideal_correlation(pos40, neg40), pos40, neg40, 0.3))
    return [
        check("I1", "complex cell in closed form: along the ring of its quadrature images r/r* = "
              "sqrt(cos^2 + (s2/s1)^2 sin^2), max error (notes §1.1 item 1)", spread, 0, 1e-4,
              note=f"{res}x{res}, 72 phases"),
        check("I1b", "the complex cell is phase-invariant up to its even filter's DC term: min r/r* "
              "on that ring (s2/s1)", float(ratio), 0.95, 1,
              note="the learned circle manifolds' min activation is bounded by this value"),
        check("I2", "the simple cell is not: max |r(phi)/r* - cos phi| for phase-shifted optimal "
              "images (notes §1.1 item 1)", falloff, 0, 1e-4, note=f"{res}x{res}, 72 phases"),
        check("I3", "closed-form maximum r* agrees with 300 Adam steps of pixel optimisation "
              "(relative difference; notes §1.1 item 1: < 0.1%)", relative, 0, 1e-3,
              note=f"complex cell {res}x{res}: r* = {complex_cell.r_max:.4f}, Adam {optimised:.4f} "
                   f"(the original's hard-coded 32.566 is for 30x30, where r* = 32.914)"),
        check("I4a", "contrastive masks: positives and negatives per latent, 1-D G=100 and 2-D "
              "torus G=20 (expected 20, 79, 24, 375; notes §1.1 item 2a): number of mismatches",
              float(sum(a != b for a, b in zip(counts, [20, 79, 24, 375]))), 0, 0,
              note=f"counted {counts}"),
        check("I4b", "identical images give a contrastive term of exactly 0 (notes §1.1 item 2b)",
              abs(same), 0, 1e-6, note=f"reg = {same:.3g}"),
        check("I4c", "correlation +1 on positives, -1 on negatives reaches the bound 1 (notes §1.1 "
              "item 2c)", bound, 1 - 1e-5, 1 + 1e-5, note=f"reg = {bound:.6f}"),
    ]


def exact_manifold(neuron):
    """The complex cell's two top singular images (orthonormal, scaled to the fixed contrast),
    and the ratio of their singular values."""
    import torch

    from .neurons import contrast_norm

    centred = neuron.filters.double() - neuron.filters.double().mean(1, keepdim=True)
    u, s, _ = torch.linalg.svd(centred.T, full_matrices=False)
    return (u[:, :2].T * contrast_norm(neuron.res)).float(), float(s[1] / s[0])


def simple_cell_falloff(neuron, phases) -> float:
    """Phase-shift the simple cell's optimal image within its (even, odd) plane: r = r* cos phi."""
    import torch

    from .neurons import contrast_norm, gabor

    even = neuron.filters[0].double() - neuron.filters[0].double().mean()
    odd = gabor(neuron.res, 0.0, math.pi / 2).reshape(-1)
    odd = odd - odd.mean()
    odd = odd - (odd @ even) / (even @ even) * even  # orthogonal to the even filter
    even, odd = even / even.norm(), odd / odd.norm()
    norm = contrast_norm(neuron.res)
    shifted = torch.stack([norm * (math.cos(p) * even + math.sin(p) * odd) for p in phases]).float()
    response = neuron.response(shifted.reshape(-1, neuron.res, neuron.res)) / neuron.r_max
    return float((response - torch.cos(phases)).abs().max())


def adam_maximum(neuron, steps: int = 300, seed: int = 0) -> float:
    import torch

    from .neurons import fix_mean_std

    gen = torch.Generator().manual_seed(seed)
    pixels = torch.randn(1, neuron.res, neuron.res, generator=gen).requires_grad_(True)
    optimiser = torch.optim.Adam([pixels], lr=0.05)
    for _ in range(steps):
        loss = -neuron.response(fix_mean_std(pixels)).sum()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        return float(neuron.response(fix_mean_std(pixels)).max())


# --- 1-D circle -------------------------------------------------------------------------------
def circle(runs: Sequence[Run]) -> list[Claim]:
    return (model_claims(int(runs[0].params["res"])) + complex_circle(select(runs, cell="complex"))
            + simple_circle(select(runs, cell="simple")) + orientation_circle(select(runs, cell="orientation"))
            + polarity_circle(select(runs, cell="polarity")) + training_claims(runs) + render_claims(runs))


def complex_circle(runs: Sequence[Run]) -> list[Claim]:
    if not runs:
        return []
    guard = unlearned(runs)
    return [
        per_seed("I5", "complex cell, circle latent: min activation / r* along the manifold (Fig. 2; "
                 "notes §1 C1)", values(runs, "act_min", guard=False), source=ACT_SOURCE,
                 bands=ACT_BANDS),
        per_seed("I6", "complex cell: the image phase winds exactly once around the circle, |winding| "
                 "(Fig. 2: Gabors whose phase rotates once)", values(runs, lambda r: abs(r.metrics["phase_winding"])),
                 *ONCE, source="notes §1.1 item 3: |winding| == 1 rounded, i.e. in [0.5, 1.5]", note=guard),
        per_seed("I7", "complex cell: phase coverage of 36 bins (Fig. 2)", values(runs, "phase_coverage"),
                 0.9, INF, source="notes §1.1 item 3: coverage >= 0.9 (36/36 measured)", note=guard),
        per_seed("I8", "complex cell: the images are diverse, mean pairwise correlation (Fig. 2)",
                 values(runs, "mean_corr"), -INF, 0.2,
                 source="notes §1.1 item 3: <= 0.2 (-0.01 measured)", note=guard),
    ]


def simple_circle(runs: Sequence[Run]) -> list[Claim]:
    if not runs:
        return []
    return [
        per_seed("I9", "the simple-cell control collapses: mean pairwise image correlation (Fig. 4; "
                 "notes §1 C6)", values(runs, "mean_corr"), 0.9, INF,
                 source="notes §1.1 item 4: >= 0.9 (0.9988 measured)", note=unlearned(runs)),
        per_seed("I10", "... while staying at the maximum: min activation / r* (Fig. 4)",
                 values(runs, "act_min", guard=False), source=ACT_SOURCE, bands=ACT_BANDS),
    ]


def orientation_circle(runs: Sequence[Run]) -> list[Claim]:
    if not runs:
        return []
    act, wind = metric(runs, "act_min"), metric(runs, "orientation_winding")
    seeds = [label(run) for run in runs]
    listed = (f"min act {fmt(act)}; windings {fmt(wind)}; coverage "
              f"{fmt(metric(runs, 'orientation_coverage'))} (seeds {', '.join(seeds)}); r* = "
              f"{runs[0].metrics['r_max']:.3f} (below the complex cell's)")
    return [
        success_rate("I11", "orientation-invariant cell on a circle (Fig. 2, notes §1 C2): seeds whose "
                     "min activation / r* is >= 0.95 (notes §1.1 item 3)",
                     {s: a >= 0.95 for s, a in zip(seeds, act)}, ORIENTATION_RATE,
                     source=ORIENTATION_SOURCE, note=listed),
        success_rate("I12", "orientation cell: seeds whose images rotate once around the circle "
                     "(|orientation winding| rounds to 1; Fig. 2)",
                     {s: learned(r) and ONCE[0] <= abs(w) <= ONCE[1] for s, r, w in zip(seeds, runs, wind)},
                     ORIENTATION_RATE, source=ORIENTATION_SOURCE, note=listed),
    ]


def polarity_circle(runs: Sequence[Run]) -> list[Claim]:
    if not runs:
        return []
    return [
        per_seed("I13", "polarity cell: the circle splits into two arcs of opposite polarity, sign "
                 "switches of <image, filter> (notes §1 C3)", values(runs, "sign_switches"), 2, 2,
                 source="notes §1.1 item 5: exactly 2 sign switches", note=unlearned(runs)),
        per_seed("I13b", "polarity cell: fraction of the circle at >= 0.9 r* (notes §1 C3)",
                 values(runs, "act_frac_09", guard=False), 0.9, INF,
                 source="notes §1.1 item 5: act >= 0.9 on >= 90% of z"),
    ]


def training_claims(runs: Sequence[Run]) -> list[Claim]:
    """Loss behaviour (notes §1.1 item 8), over the runs of cells with an invariance."""
    invariant = [run for run in runs if run.params["cell"] != "simple"]
    if not invariant:
        return []
    return [
        per_seed("I14", "the contrastive term rises during phase 1 (lambda = 1): reg(end of phase 1) "
                 "- reg(start), every run (notes §1 training curves)",
                 values(invariant, lambda r: r.metrics["reg_end_phase1"] - r.metrics["reg_start"],
                        with_cell=True), 0.05, INF, unit="run",
                 source="derivation: notes §1 reg 0.21 at init -> 0.35 at convergence (+0.14); at "
                        "least a third of that rise (0.05) per run, an effect and not a sign",
                 note=unlearned(invariant)),
        per_seed("I15", "after the switch to lambda = 0.5 activation holds or rises: act(end) - "
                 "act(end of phase 1), every run", values(invariant, lambda r: r.metrics["act_final"]
                                                          - r.metrics["act_end_phase1"], with_cell=True),
                 -0.01, INF, unit="run",
                 source="notes §1.1 item 8: act goes up or stays at the end-of-phase-1 level (1% "
                        "of r* allowed for step noise)", note=unlearned(invariant)),
    ]


def render_claims(runs: Sequence[Run]) -> list[Claim]:
    """A check, not a paper claim: that our faithful default reproduces the original's BatchNorm
    (notes §6.1): a latent rendered alone is not the image it is in the batch. Judged on the
    cells with an invariance (a collapsed simple cell's images are all alike, alone or not)."""
    varied = [run for run in runs if run.params["cell"] != "simple"]
    if not varied:
        return []
    return [per_seed("I16", "the original's BatchNorm is reproduced (notes §6.1, a weakness of the "
                     "original): rendered alone with batch statistics, an image differs from its "
                     "in-grid render, mean correlation < 0.9 in every run",
                     values(varied, "alone_corr_mean", guard=False, with_cell=True), -INF, 0.9,
                     kind="check", source="", unit="run",
                     note=f"alone activations {fmt(metric(varied, 'alone_act_mean'))} (notes: 0.78-0.82)")]


# --- other sweeps -------------------------------------------------------------------------------
def temperature(runs: Sequence[Run]) -> list[Claim]:
    """The paper claims nothing about the temperature on a circle: it uses tau = 0.3 for
    periodic latents and 1.0 for the sheet without a word on why (notes §2.4, §4). So the claim
    is the original's setting, judged on this sweep's own seeds; the other temperatures are
    reported per seed in the note (README: what they show)."""
    taus = sorted({float(run.params["tau"]) for run in runs})
    per_tau = "; ".join(
        f"tau {t:g}: " + ", ".join(f"seed {label(r)} winding {r.metrics.get('phase_winding', math.nan):.2f} "
                                   f"min act {r.metrics['act_min']:.3f}" for r in runs if float(r.params["tau"]) == t)
        for t in taus)
    at_original = [run for run in runs if float(run.params["tau"]) == 0.3]
    if not at_original:
        return []
    return [per_seed("I17", "complex cell on a circle at the original's temperature tau = 0.3 (notes "
                     "§2.4) succeeds in this sweep's own seeds: winds once at min act >= 0.95 (1 = yes)",
                     {label(r): float(succeeded(r)) for r in at_original}, 1, 1,
                     source="notes §1.1 item 3: |winding| == 1 and min act >= 0.95", note=per_tau)]


def torus(runs: Sequence[Run]) -> list[Claim]:
    claims = []
    complex_runs = select(runs, cell="complex")
    if complex_runs:
        guard = unlearned(complex_runs)
        axes = {label(r): (r.metrics.get("phase_winding_axis0", math.nan),
                           r.metrics.get("phase_winding_axis1", math.nan)) for r in complex_runs}
        listed = "phase winding per axis: " + "; ".join(f"seed {s} ({a:.2f}, {b:.2f})" for s, (a, b) in axes.items())
        claims += [
            per_seed("I18", "complex cell on a 2-D torus: min activation / r* (Fig. 3; notes §1 C7)",
                     values(complex_runs, "act_min", guard=False), source=ACT_SOURCE, bands=ACT_BANDS),
            per_seed("I19", "complex cell on a torus: phase coverage (Fig. 3)",
                     values(complex_runs, "phase_coverage"), 0.8, INF,
                     source="notes §1.1 item 6: coverage >= 0.8 (32/36 measured)", note=guard),
            per_seed("I19a", "complex cell on a torus: one latent axis carries the phase, which winds "
                     "once along it (largest |winding| of the two axes; Fig. 3, notes §1 C7)",
                     values(complex_runs, lambda r: max(map(abs, axes[label(r)]))), *ONCE,
                     source="notes §1 C7 and §1.1 item 7: the winding matrix is a signed permutation, "
                            "so |winding| rounds to 1 on one axis", note=f"{listed}; {guard}".strip("; ")),
            per_seed("I19b", "... and the other axis does not wind (smallest |winding| of the two axes; "
                     "notes §1 C7: the other axis is nearly constant in phase)",
                     values(complex_runs, lambda r: min(map(abs, axes[label(r)]))), *NONE,
                     source="notes §1 C7 and §1.1 item 7: |winding| rounds to 0 on the other axis",
                     note=f"{listed}; {guard}".strip("; ")),
        ]
    claims += disentanglement_claims(runs, "I20")
    simple_runs = select(runs, cell="simple")
    if simple_runs:
        claims.append(per_seed("I21", "simple cell on a torus collapses: mean pairwise correlation (Fig. 3 "
                               "controls, notes §1 C6)", values(simple_runs, "mean_corr"), 0.9, INF,
                               source="notes §1.1 item 4: >= 0.9", note=unlearned(simple_runs)))
    return claims


def disentanglement_claims(runs: Sequence[Run], claim_id: str) -> list[Claim]:
    both = select(runs, cell="phase_orientation")
    if not both:
        return []
    return [per_seed(claim_id, "phase+orientation cell on a torus: each latent axis carries one "
                     "invariance, min of the phase and orientation axis alignment (|w| on its axis - "
                     "|w| on the other; Fig. 3, notes §1 C5)",
                     values(both, lambda r: min(r.metrics["phase_alignment"], r.metrics["orientation_alignment"])),
                     0.8, INF, source="notes §1.1 item 7 (a proposal): |rho| >= 0.8, or a winding matrix "
                     "that is a signed permutation; alignment >= 0.8", note=unlearned(both))]


def sheet(runs: Sequence[Run]) -> list[Claim]:
    complex_runs = select(runs, cell="complex")
    return [per_seed("I22", "complex cell on a 2-D sheet: fraction of latents at >= 0.9 r* (Fig. 3 sheet)",
                     values(complex_runs, "act_frac_09", guard=False), 0.9, INF,
                     source="notes §1.1 item 7: act high on >= 90% of the latent grid")] if complex_runs else []


def grid_size(runs: Sequence[Run]) -> list[Claim]:
    largest = max(int(run.params["grid"]) for run in runs)
    at_largest = [run for run in runs if int(run.params["grid"]) == largest]
    per_g = ", ".join(f"G {g}: {sum(succeeded(r) for r in runs if int(r.params['grid']) == g)} of "
                      f"{sum(int(r.params['grid']) == g for r in runs)}"
                      for g in sorted({int(r.params["grid"]) for r in runs}))
    return [per_seed("I23", f"with the original's grid (G = {largest}) the complex cell winds once, "
                     "|winding| (Fig. 2 settings, notes §2.3)",
                     values(at_largest, lambda r: abs(r.metrics["phase_winding"])), *ONCE,
                     source="notes §1.1 item 3: |winding| == 1 rounded",
                     note=f"winding once at min act >= 0.95 per G: {per_g}")]


def macaque(runs: Sequence[Run]) -> list[Claim]:
    return [per_seed("I24", "macaque V1 neurons: mean activation / MEI activation along the learned "
                     "manifold, every neuron and seed (Fig. 5)", values(runs, "act_mean", guard=False),
                     0.9, INF, unit="neuron and seed",
                     source="notes §1.1 item 9: >= 0.9 (original, neuron A, one seed: 0.99)")]
