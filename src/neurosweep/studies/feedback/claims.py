"""The paper's claims, computed from the aggregated sweeps (one function per sweep).

The thresholds are the research notes' §1.1 checklist at quick scale (B1-B11): orderings and
margins that the paper's figures show, not the paper-scale values (SC(y) ≈ 0.95-0.97 for the
authors' trained models), which need 25x more training than the quick configuration has. Each
claim's note gives the values it was computed from.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from neurosweep.aggregate import Run
from neurosweep.claims import Claim
from neurosweep.statistics import spearman
from neurosweep.io import read_json

INF = math.inf


def metric(runs: Sequence[Run], key: str) -> np.ndarray:
    return np.array([run.metrics[key] for run in runs], dtype=float)


def select(runs: Sequence[Run], **values) -> list[Run]:
    """The runs whose grid values (or params) match all of ``values``."""
    return [run for run in runs
            if all(run.point.get(k, run.params.get(k)) == v for k, v in values.items())]


def one(runs: Sequence[Run], key: str = "clarity", **values) -> float:
    """The mean of a metric over the runs (seeds) that match ``values``."""
    chosen = select(runs, **values)
    if not chosen:
        return math.nan
    return float(np.mean(metric(chosen, key)))


def fmt(values) -> str:
    return ", ".join(f"{v:.3g}" for v in np.atleast_1d(values))


# --- ModulationNet ---------------------------------------------------------------------------
def seeds(runs: Sequence[Run]) -> list[Claim]:
    gain = metric(runs, "clarity") - metric(runs, "clarity_input")
    decay = metric(runs, "error_late") / metric(runs, "error_early")
    n_t = int(runs[0].params["context_length"])
    lengths = np.asarray(runs[0].arrays["test_lengths"])
    longer = lengths >= n_t
    # longer test contexts must not do worse (they may do better: the switch is a smaller part)
    drop = [float(np.min(run.arrays["test_length_clarity"][longer] - run.metrics["clarity"])) for run in runs]
    return [
        Claim("F1", "trained ModulationNets separate the sources: min over seeds of clarity(y) - clarity(x) "
              "(inputs stay near 0.5-0.6)", float(gain.min()), 0.15, INF,
              note=f"clarity(y) per seed: {fmt(metric(runs, 'clarity'))}; clarity(x) {fmt(metric(runs, 'clarity_input')[0])}"),
        Claim("F2", "the error after a context switch decays: max over seeds of error in [n_t/5, n_t) / error in [0, n_t/20)",
              float(decay.max()), 0, 0.5, note=f"per seed: {fmt(decay)}"),
        Claim("F3", "the network did not memorise n_t: min over test lengths >= n_t and seeds of clarity(test length) - clarity(n_t)",
              float(min(drop)), -0.05, INF, note=f"test lengths {fmt(lengths[longer])}: " +
              "; ".join(fmt(run.arrays["test_length_clarity"][longer]) for run in runs)),
    ]


def noise(runs: Sequence[Run]) -> list[Claim]:
    levels = sorted({run.point["noise"] for run in runs})
    clarity = np.array([one(runs, noise=level) for level in levels])
    low = [c for level, c in zip(levels, clarity) if level <= 0.03]
    return [
        Claim("F4a", "clarity falls as the input noise grows: Spearman rho(noise, clarity)",
              float(spearman(levels, clarity)), -1, -0.8,
              note=f"noise {fmt(levels)}: clarity {fmt(clarity)}"),
        Claim("F4b", "robust to moderate noise: clarity at sigma_n <= 0.03 within 0.1 of the least noisy",
              float(clarity[0] - min(low)), -INF, 0.1),
    ]


def tau_input(runs: Sequence[Run]) -> list[Claim]:
    n_t = float(runs[0].params["context_length"])
    taus = sorted({run.point["tau"] for run in runs})
    fast, slowest = min(taus), max(taus)
    tenth = min(taus, key=lambda tau: abs(tau / n_t - 0.1))
    by_input = {inputs: one(runs, tau=fast, inputs=inputs) for inputs in ("xy", "x", "y")}
    return [
        Claim("F5", f"slow modulation works until tau ~ n_t: clarity(tau/n_t = {tenth / n_t:.2g}) - clarity(tau/n_t = {slowest / n_t:.2g}), input xy",
              one(runs, tau=tenth, inputs="xy") - one(runs, tau=slowest, inputs="xy"), 0.05, INF,
              note="clarity per tau (xy): " + fmt([one(runs, tau=t, inputs="xy") for t in taus])),
        Claim("F6", "a modulator that sees only the output y does worse than one that sees the input: "
              f"min(clarity(x only), clarity(xy)) - clarity(y only) at tau = {fast:g}",
              min(by_input["x"], by_input["xy"]) - by_input["y"], 0.05, INF,
              note=f"xy {by_input['xy']:.3f}, x {by_input['x']:.3f}, y {by_input['y']:.3f}"),
    ]


def sources(runs: Sequence[Run]) -> list[Claim]:
    claims = []
    two = [run for run in runs if run.point["sources"] != "ica3"]
    if two:
        gain = metric(two, "clarity") - metric(two, "clarity_input")
        claims.append(Claim("F7a", "other source pairs are separated too: min clarity(y) - clarity(x)",
                            float(gain.min()), 0.1, INF,
                            note=", ".join(f"{r.point['sources']}: {r.metrics['clarity']:.3f}" for r in two)))
    three = select(runs, sources="ica3")
    if three:
        claims.append(Claim("F7b", "three sources (sine, square, sawtooth): each output follows one source, "
                            "clarity generalised to three (largest minus second largest |r|), y minus x",
                            one(three) - one(three, "clarity_input"), 0.1, INF,
                            note=f"y {one(three):.3f}, x {one(three, 'clarity_input'):.3f}"))
    return claims


def frequency(runs: Sequence[Run]) -> list[Claim]:
    trained, untrained = one(runs, "bank_clarity_trained"), one(runs, "bank_clarity_untrained")
    return [Claim("F8", "trained on some pairs of a frequency bank, clarity on untrained pairs stays above "
                  "the inputs': clarity(untrained pairs) - clarity(x)",
                  untrained - one(runs, "clarity_input"), 0.05, INF,
                  note=f"trained pairs {trained:.3f}, untrained {untrained:.3f}")]


def generalise(runs: Sequence[Run]) -> list[Claim]:
    normal, unnormal = select(runs, normalised=True), select(runs, normalised=False)
    drop = one(normal) - one(normal, "clarity_unnormalised")
    recovered = one(unnormal, "clarity_unnormalised") - one(normal, "clarity_unnormalised")
    return [
        Claim("F9a", "generalisation is limited: trained on normalised contexts, clarity drops on unnormalised ones",
              drop, 0.02, INF, note=f"normalised {one(normal):.3f}, unnormalised {one(normal, 'clarity_unnormalised'):.3f}, "
              f"new sources {one(normal, 'clarity_new_sources'):.3f}"),
        Claim("F9b", "trained on unnormalised contexts, it recovers on them: gain in clarity on unnormalised contexts",
              recovered, 0.0, INF),
    ]


def controls(runs: Sequence[Run], sources_runs: str) -> list[Claim]:
    """The controls train on a chord pair (with pure sines a window of a few periods separates the
    sources by frequency alone, whatever the mixing); they are compared with the ModulationNet
    of the `sources` sweep trained on the same chords."""
    name = runs[0].params["sources"]
    modulated = [entry["metrics"]["clarity"] for entry in read_json(sources_runs)
                 if entry["point"].get("sources") == name]
    windows = sorted(runs, key=lambda run: run.point["window"])
    plain = windows[0]
    best = max(run.metrics["clarity"] for run in runs)
    pairs = plain.arrays["linear_clarity"].size - len(plain.arrays["linear_clarity"])
    critical = -2.33 / math.sqrt(pairs - 2 + 2.33 ** 2)  # one-sided p = 0.01 for Pearson r
    per_window = ", ".join(f"{run.point['window']}: {run.metrics['clarity']:.3f}" for run in windows)
    return [
        Claim("F10a", f"a plain MLP (window {plain.point['window']}) does no better than the stimuli: clarity(MLP) - clarity(x)",
              plain.metrics["clarity"] - plain.metrics["clarity_input"], -INF, 0.05, note=f"MLP clarity per window: {per_window}"),
        Claim("F10b", "a read-out fitted to one context fails on others, the more the further: Pearson r(context distance, "
              f"clarity) over {pairs} pairs, below the one-sided p = 0.01 bound",
              float(np.mean(metric(runs, "linear_distance_correlation"))), -1, critical),
        Claim("F10c", f"MLPs that see a window of x stay below the modulated network on the same sources ({name}): "
              "best MLP clarity - ModulationNet clarity",
              best - float(np.mean(modulated)) if modulated else math.nan, -INF, 0.0,
              note=f"ModulationNet {np.mean(modulated) if modulated else math.nan:.3f}"),
    ]


# --- SpatialNet --------------------------------------------------------------------------------
def nfb(runs: Sequence[Run]) -> list[Claim]:
    counts = sorted({run.point["n_fb"] for run in runs})
    clarity = {n: one(runs, n_fb=n) for n in counts}
    few = [n for n in counts if n >= 4]
    return [Claim("F11", "a few feedback signals suffice, one does not: min clarity(N_FB >= 4) - clarity(N_FB = 1)",
                  min(clarity[n] for n in few) - clarity[min(counts)], 0.1, INF,
                  note="clarity per N_FB: " + ", ".join(f"{n}: {c:.3f}" for n, c in clarity.items()) +
                  f"; inputs {one(runs, 'clarity_input'):.3f}")]


def width(runs: Sequence[Run]) -> list[Claim]:
    widths = list(dict.fromkeys(run.point["width"] for run in runs))
    clarity = {w: one(runs, width=w) for w in widths}
    stimuli = one(runs, "clarity_input")
    broad = [w for w in widths if not isinstance(w, str) and 0.2 <= w <= 1.0]
    note = "clarity per width (seed means): " + ", ".join(f"{w}: {c:.3f}" for w, c in clarity.items()) + \
        f"; inputs {stimuli:.3f}"
    return [
        Claim("F12a", "uniform feedback (one gain for all units) does no better than the stimuli: clarity(uniform) - clarity(x)",
              clarity["uniform"] - stimuli, -INF, 0.05, note=note),
        Claim("F12b", "broad feedback kernels work: min over sigma^2 in [0.2, 1] of clarity - clarity(x)",
              min(clarity[w] for w in broad) - stimuli, 0.1, INF),
    ]


def nfb_width(runs: Sequence[Run]) -> list[Claim]:
    uniform = max(one(runs, n_fb=n, width="uniform") for n in {r.point["n_fb"] for r in runs})
    best = one(runs, n_fb=4, width=0.2)
    return [Claim("F13", "uniform feedback fails for every N_FB: clarity(N_FB = 4, sigma^2 = 0.2) - max clarity(uniform)",
                  best - uniform, 0.2, INF)]


def population(runs: Sequence[Run]) -> list[Claim]:
    unit, output = one(runs, "unit_clarity"), one(runs, "clarity")
    decoding_gain = one(runs, "decoding_z") - one(runs, "decoding_x")
    ratio = one(runs, "angle_feedback") / max(one(runs, "angle_context"), 1e-9)
    return [
        Claim("F14", "single units are not invariant: mean per-unit clarity of z (the output's is high)",
              unit, 0, 0.6, note=f"output clarity {output:.3f}, inputs {one(runs, 'clarity_input'):.3f}"),
        Claim("F15", "a linear decoder trained on other contexts recovers the sources from the modulated "
              "population, not from the input: R^2(z) - R^2(x)",
              decoding_gain, 0.1, INF,
              note=f"R^2 x {one(runs, 'decoding_x'):.3f}, z {one(runs, 'decoding_z'):.3f}, y {one(runs, 'decoding_y'):.3f}"),
        Claim("F16", "invariance does not come from well-tuned units: |Pearson r(unit clarity, readout weight)|",
              abs(one(runs, "unit_readout_correlation")), 0, 0.3),
        Claim("F17", "feedback rotates the activity plane back after a switch: angle after un-freezing / angle "
              "from the switch alone (subspace angles, 40 context pairs)",
              ratio, 3, INF, note=f"switch alone {one(runs, 'angle_context'):.1f} deg, feedback "
              f"{one(runs, 'angle_feedback'):.1f} deg; 3-D plane fit as the original: "
              f"{one(runs, 'plane_angle_context'):.1f} vs {one(runs, 'plane_angle_feedback'):.1f} deg"),
    ]


# --- DaleRateNet -------------------------------------------------------------------------------
def dale(runs: Sequence[Run]) -> list[Claim]:
    return [
        Claim("F18", "with positive rates, Dale's law and gains in (0, 1) the output is still invariant: clarity(y) - clarity(x)",
              one(runs) - one(runs, "clarity_input"), 0.1, INF, note=f"clarity {one(runs):.3f}"),
        Claim("F19", "the sources are decodable from the modulated population z_H, not from z_L: R^2(z_H) - R^2(z_L)",
              one(runs, "decoding_z") - one(runs, "decoding_z_low"), 0.2, INF,
              note=f"R^2 z_L {one(runs, 'decoding_z_low'):.3f}, z_H {one(runs, 'decoding_z'):.3f}, m {one(runs, 'decoding_m'):.3f}"),
        Claim("F20", "the context is decodable from the modulators nonlinearly better than linearly: "
              "R^2(quadratic decoder on m) - R^2(linear decoder on m), 5-fold cross-validated",
              one(runs, "context_m_quadratic") - one(runs, "context_m"), 0.0, INF,
              note=f"linear {one(runs, 'context_m'):.3f}, quadratic {one(runs, 'context_m_quadratic'):.3f}, "
              f"inverse mixing {one(runs, 'context_m_inverse'):.3f}; from z_H {one(runs, 'context_z'):.3f}, "
              f"z_L {one(runs, 'context_z_low'):.3f}"),
    ]


def dale_target(runs: Sequence[Run]) -> list[Claim]:
    """No claim: at quick scale the 'both' target does not learn (README); the sweep is drawn."""
    return []
