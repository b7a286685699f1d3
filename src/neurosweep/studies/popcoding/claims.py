"""The paper's claims, computed from the aggregated sweeps (one function per sweep).

Tolerances are those of the research notes §1.1, measured at quick scale (N = 8, 1500 epochs)
before this study was written; see README for which claims are weaker at quick scale.
Quantities are population values on the prior's quadrature grid (exact expectations under π),
averaged over seeds where the paper shows seed means.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from neurosweep.aggregate import Run
from neurosweep.claims import Claim
from neurosweep.statistics import spearman

from .moore import read_moore

INF = math.inf


# --- helpers -------------------------------------------------------------------------------------
def seed_mean(runs: Sequence[Run], key: str) -> np.ndarray:
    """The per-rate array ``key`` averaged over the runs (seeds) given."""
    return np.mean([run.arrays[key] for run in runs], axis=0)


def rates_of(runs: Sequence[Run]) -> np.ndarray:
    return np.asarray(runs[0].arrays["rates"], dtype=float)


def by_axis(runs: Sequence[Run], axis: str) -> dict:
    """Runs grouped by one grid axis, in the order the values first appear."""
    groups: dict = {}
    for run in runs:
        groups.setdefault(run.point[axis], []).append(run)
    return groups


def in_range(rates: np.ndarray, low: float, high: float) -> np.ndarray:
    return (rates >= low - 1e-9) & (rates <= high + 1e-9)


def from_rate(rates: np.ndarray, low: float) -> np.ndarray:
    """The rates ≥ low, or the highest rate when a (test) grid stops below it."""
    return rates >= min(low, rates.max()) - 1e-9


def rate_error(runs: Sequence[Run], low: float, high: float) -> float:
    """Largest |R − R*| over every model whose target lies in [low, high]."""
    rates = rates_of(runs)
    mask = in_range(rates, low, high)
    return float(max(np.max(np.abs(run.arrays["R"][mask] - rates[mask])) for run in runs))


def fmt(values) -> str:
    return ", ".join(f"{v:.3g}" for v in np.atleast_1d(values))


# --- the main sweep (log-normal prior) ------------------------------------------------------------
def lognormal(runs: Sequence[Run]) -> list[Claim]:
    rates = rates_of(runs)
    gap, kl = seed_mean(runs, "gap"), seed_mean(runs, "KL_pi_q")
    mi, r = seed_mean(runs, "MI"), seed_mean(runs, "R")
    mse = seed_mean(runs, "MSE")
    mid = in_range(rates, 0.5, 1.8)
    high = from_rate(rates, 1.8)
    low_rate, high_rate = np.argmin(rates), int(np.argmin(np.abs(rates - 2.1)))
    width_rho = max(float(np.max(run.arrays["width_rho"][rates >= 0.5])) for run in runs)
    median_width = np.median(np.stack([run.arrays["width"] for run in runs]), axis=(0, 2))
    return [
        Claim("P1", "dual ascent reaches every target rate: max |R - R*| over models with R* in [0.5, 2.1] (nats)",
              rate_error(runs, 0.5, 2.1), 0, 0.05),
        Claim("P2", "D-R points lie near the bound D = H(pi) - R: max seed-mean D + R - H(pi) for R* in [0.5, 1.8] (nats)",
              float(gap[mid].max()), 0, 0.1, note=f"gap per R*: {fmt(gap)}"),
        Claim("P2b", "no model beats the bound: min D + R - H(pi) over all models (nats; -0.005 allows quadrature error)",
              float(min(run.arrays["gap"].min() for run in runs)), -0.005, INF),
        Claim("P3", "the generative model fits the prior: max seed-mean KL(pi||q) for R* in [0.5, 1.8] (nats)",
              float(kl[mid].max()), 0, 0.06, note=f"KL per R*: {fmt(kl)}"),
        Claim("P4", "mutual information never exceeds the rate: max MI - R over all models (nats)",
              float(max(np.max(run.arrays["MI"] - run.arrays["R"]) for run in runs)), -INF, 0.01),
        Claim("P5", "almost all the rate is information: min seed-mean MI / R for R* <= 1.8",
              float(np.min((mi / r)[rates <= 1.8 + 1e-9])), 0.95, 1.01, note=f"MI per R*: {fmt(mi)}"),
        Claim("P6", "mutual information rises with the rate: Spearman rho(R*, seed-mean MI)",
              float(spearman(rates, mi)), 0.9, 1),
        Claim("P7", "reconstruction error falls with the rate: MSE(R* = 2.1) / MSE(R* = 0.2), seed means",
              float(mse[high_rate] / mse[low_rate]), 0, 0.5, note=f"MSE per R*: {fmt(mse)}"),
        Claim("P8", "at high rate neurons crowd where pi is high: seed-mean exponent gamma_d of centre density ~ pi^gamma_d, R* >= 1.8",
              float(seed_mean(runs, "density_exponent")[high].mean()), 0, INF),
        Claim("P9", "widths shrink where pi is high: max Spearman rho(log pi(c), log width) over models with R* >= 0.5",
              width_rho, -1, -0.7),
        Claim("P10", "tuning curves narrow as the rate grows: Spearman rho(R*, median width)",
              float(spearman(rates, median_width)), -1, -0.8,
              note=f"median width per R*: {fmt(median_width)}"),
    ]


# --- side sweeps -----------------------------------------------------------------------------------
def gaussian(runs: Sequence[Run]) -> list[Claim]:
    rates = rates_of(runs)
    gap = seed_mean(runs, "gap")
    mid = in_range(rates, 0.7, 1.5)
    return [
        Claim("P11", "Gaussian prior: D-R points near the bound, max seed-mean gap for R* in [0.7, 1.5] (nats)",
              float(gap[mid].max()), 0, 0.1, note=f"gap per R*: {fmt(gap)}"),
        Claim("P11b", "Gaussian prior: rates reached, max |R - R*| for R* in [0.6, 1.8] (nats)",
              rate_error(runs, 0.6, 1.8), 0, 0.05),
    ]


def mixture(runs: Sequence[Run]) -> list[Claim]:
    groups = by_axis(runs, "n_samples")
    largest = groups[max(groups)]
    rates = rates_of(largest)
    density = seed_mean(largest, "density_exponent")
    return [
        Claim("P12", f"mixture prior (n = {max(groups)}): neurons crowd on the modes, seed-mean density exponent at the highest R*",
              float(density[np.argmax(rates)]), 0, INF, note=f"exponent per R*: {fmt(density)}"),
    ]


def train_test_gap(runs: Sequence[Run]) -> np.ndarray:
    return seed_mean(runs, "test_D") - seed_mean(runs, "train_D")


def samples(runs: Sequence[Run]) -> list[Claim]:
    groups = by_axis(runs, "n_samples")
    small, large = min(groups), max(groups)
    gap_small, gap_large = train_test_gap(groups[small]), train_test_gap(groups[large])
    # Over every R* ≥ 1 (where the paper sees the gap open), not at the highest R* alone: there
    # a small population is saturated (R > its information capacity) and the train-test
    # difference of that one model is erratic (at quick scale, N = 6: 0.2 nats at R* = 2.4 but
    # 2.5-14 nats at R* = 1.1-2.1).
    high = from_rate(rates_of(runs), 1.0)
    return [
        Claim("P13", f"few training samples open a train-test gap: mean over R* >= 1 of (D_test - D_train) "
              f"at n = {small} minus at n = {large} (nats)",
              float(np.mean(gap_small[high] - gap_large[high])), 0.1, INF,
              note=f"test-train per R*, n={small}: {fmt(gap_small)}; n={large}: {fmt(gap_large)}"),
    ]


def reach(gap: np.ndarray, rates: np.ndarray, tolerance: float = 0.1) -> float:
    """The highest target rate up to which every point stays within ``tolerance`` of the bound
    (points below R* = 0.5, where any finite decoder is far from it, are not counted)."""
    reached = 0.0
    for rate, value in zip(rates, gap):
        if rate < 0.5:
            continue
        if value > tolerance:
            break
        reached = float(rate)
    return reached


def neurons(runs: Sequence[Run]) -> list[Claim]:
    groups = by_axis(runs, "n_neurons")
    rates = rates_of(runs)
    reaches = {n: reach(seed_mean(group, "gap"), rates) for n, group in sorted(groups.items())}
    small, large = min(groups), max(groups)
    return [
        Claim("P14", f"larger populations track the bound to higher rates: highest R* with gap <= 0.1 nats, "
              f"N = {large} minus N = {small}",
              reaches[large] - reaches[small], 0.1, INF,
              note="; ".join(f"N={n}: up to R*={r:.3g}" for n, r in reaches.items())),
    ]


def activity(runs: Sequence[Run]) -> list[Claim]:
    groups = by_axis(runs, "activity_prior")
    ising, bernoulli = seed_mean(groups["ising"], "gap"), seed_mean(groups["bernoulli"], "gap")
    return [
        Claim("P15", "an independent (Bernoulli) prior over activity lies further from the bound than Ising: mean gap difference over R* (nats)",
              float(np.mean(bernoulli - ising)), 0, INF,
              note=f"gap per R*, ising: {fmt(ising)}; bernoulli: {fmt(bernoulli)}"),
    ]


def decoder(runs: Sequence[Run]) -> list[Claim]:
    claims = []
    for likelihood, group in by_axis(runs, "likelihood").items():
        rates = rates_of(group)
        gap = seed_mean(group, "gap")
        mid = in_range(rates, 0.5, 1.4)
        claims.append(Claim(
            f"P16-{likelihood}", f"{likelihood} decoder: D-R points near the bound, max seed-mean gap for R* in [0.5, 1.4] (nats)",
            float(gap[mid].max()), 0, 0.1, note=f"gap per R*: {fmt(gap)}"))
    return claims


def threshold_correlations(runs: Sequence[Run], moore_path: str) -> tuple[np.ndarray, np.ndarray]:
    """Spearman rho between model thresholds 1/sqrt(FI(f)) at Moore's frequencies and Moore's
    DLs (mean over listeners at each frequency), per rate; and the rates."""
    moore = read_moore(moore_path).groupby("f_hz")["dl_hz"].mean()
    f_khz = moore.index.to_numpy() / 1000.0
    rates = rates_of(runs)
    rhos = []
    for i in range(len(rates)):
        fisher = seed_mean(runs, "fisher")[i]
        grid = runs[0].arrays["grid_x"]
        threshold = np.interp(np.log(f_khz), np.log(grid), 1.0 / np.sqrt(fisher))
        rhos.append(spearman(threshold, moore.to_numpy()))
    return np.array(rhos), rates


def frequency(runs: Sequence[Run], moore: str) -> list[Claim]:
    claims = []
    for likelihood, group in by_axis(runs, "likelihood").items():
        rhos, rates = threshold_correlations(group, moore)
        used = rates >= 0.7 - 1e-9
        claims.append(Claim(
            f"P17-{likelihood}", f"frequency prior, {likelihood} decoder: thresholds rise with frequency as Moore's do, "
            "mean Spearman rho(model 1/sqrt(FI), Moore DL) over R* >= 0.7",
            float(np.mean(rhos[used])), 0.8, 1, note=f"rho per R*: {fmt(rhos)}"))
    return claims
