"""The paper's claims, computed from the aggregated sweeps (one function per sweep).

Every paper claim is judged on every seed (``per_seed``: the row shows the worst seed); where a
claim is about a set of models of one seed (several target rates R*), each seed's value is its
worst model and the row names that model's R*. Quantities are exact population values on the
prior's quadrature grid. Thresholds come from the research notes (shared/research/
neural_vae.md, §1 and the §1.1 acceptance checklist, measured on a prototype at N = 8 before
this study was written) or are derived as each ``source`` says.

Learning guard: a claim about the allocation of a trained code (exponents, widths, thresholds,
information) would also hold for an untrained one, because the centres start at a k-means of
the stimuli and the widths at √(w · gap), which already crowd and narrow where π is high. So a
model counts only when it learned: its rate R is within 0.1 nats of its target (notes §1.1
test 3) and its distortion fell below that of its first training epoch; a model that did not
learn gives NaN, which fails the claim. The near-bound claims (P2, P3, P11, P14, P16) carry the
guard too: a model whose rate collapsed to R ≈ 0 with a decoder that fits π sits on the bound
(D + R − H ≈ 0, KL(π‖q) ≈ 0) without having learned a code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from neurosweep.aggregate import Run
from neurosweep.claims import Claim, bootstrap_interval, check, per_seed
from neurosweep.statistics import spearman

from .moore import read_moore

INF = math.inf
GAP = 0.1  # notes §1.1, tighter acceptance: D + R − H(π) ∈ [0, 0.1] for R* ∈ [0.5, 1.8]
RATE_TOLERANCE = 0.1  # notes §1.1 test 3: |R − R*| ≤ 0.1 nats
# The rates at which the paper fits its power laws (notes §1 Fig. 7 and §4: R-indices 3, 6, 9 of
# linspace(0.2, 2.6, 10)); a sweep uses its rates nearest to these.
FIT_RATES = (1.0, 1.8, 2.6)
FIT_SOURCE = ("notes §1 Figs. 7-8 and §1.1 test 8: exponents fitted at the paper's R-indices 3, 6, "
              "9 (R* ≈ 1.0, 1.8, 2.6; here the sweep's nearest rates), with the sign gamma > 0; "
              "the sign must hold in every seed at every one of those rates")
# P2's bands (a scale without its own band, such as the workflow tests' tiny one, uses quick's).
REACH_BANDS = {"quick": (1.8, INF), "paper": (2.3, INF)}
MOORE_SPLIT_KHZ = (0.125, 2.0, 8.5)  # Moore's range, split where the notes see the steepening


# --- helpers -------------------------------------------------------------------------------------
def seed_mean(runs: Sequence[Run], key: str) -> np.ndarray:
    """The per-rate array ``key`` averaged over the runs (seeds) given (figures only)."""
    return np.mean([run.arrays[key] for run in runs], axis=0)


def rates_of(runs: Sequence[Run]) -> np.ndarray:
    return np.asarray(runs[0].arrays["rates"], dtype=float)


def by_axis(runs: Sequence[Run], axis: str) -> dict:
    """Runs grouped by one grid axis, in the order the values first appear."""
    groups: dict = {}
    for run in runs:
        groups.setdefault(run.point[axis], []).append(run)
    return groups


def by_seed(runs: Sequence[Run]) -> dict:
    """One run per seed (a sweep group has one run per seed)."""
    return {run.point.get("seed", i): run for i, run in enumerate(runs)}


def in_range(rates: np.ndarray, low: float, high: float) -> np.ndarray:
    return (rates >= low - 1e-9) & (rates <= high + 1e-9)


def from_rate(rates: np.ndarray, low: float) -> np.ndarray:
    """The rates ≥ low, or the highest rate when a (test) grid stops below it."""
    return rates >= min(low, rates.max()) - 1e-9


def fit_rates(rates: np.ndarray) -> np.ndarray:
    """The sweep's rates nearest to the paper's fit rates FIT_RATES."""
    mask = np.zeros(len(rates), dtype=bool)
    mask[[int(np.argmin(np.abs(rates - target))) for target in FIT_RATES]] = True
    return mask


def learned(run: Run) -> np.ndarray:
    """Per model: the rate sits at its target and the distortion fell during training."""
    a = run.arrays
    at_rate = np.abs(a["R"] - a["rates"]) <= RATE_TOLERANCE
    improved = a["D"] < a["history_D"][0]
    return at_rate & improved


def guarded(run: Run, values) -> np.ndarray:
    """``values`` [K] with NaN for the models that did not learn."""
    return np.where(learned(run), np.asarray(values, dtype=float), np.nan)


def margin(value: float, low: float, high: float) -> float:
    return -INF if math.isnan(value) else min(value - low, high - value)


def fmt(values) -> str:
    return ", ".join(f"{v:.3g}" for v in np.atleast_1d(values))


def over_models(claim: str, description: str, runs: Sequence[Run],
                value: Callable[[Run], np.ndarray], select: Callable[[np.ndarray], np.ndarray],
                low: float = -INF, high: float = INF, *, guard: bool = True,
                kind: str = "paper", **fields) -> Claim:
    """A claim on every model of every seed: each seed's value is its worst selected model
    (NaN when one did not learn, with ``guard``); the row names the worst seed and its R*."""
    worst = {}
    for seed, run in by_seed(runs).items():
        rates = np.asarray(run.arrays["rates"], dtype=float)
        values = guarded(run, value(run)) if guard else np.asarray(value(run), dtype=float)
        chosen = np.flatnonzero(select(rates))
        if len(chosen) == 0:
            worst[f"{seed} (no R*)"] = math.nan
            continue
        i = min(chosen, key=lambda j: margin(values[j], low, high))
        worst[f"{seed} (R* {rates[i]:.3g})"] = values[i]
    if kind == "check":
        return per_seed(claim, description, worst, low, high, kind="check", source="", **fields)
    return per_seed(claim, description, worst, low, high, **fields)


def per_run(claim: str, description: str, runs: Sequence[Run], value: Callable[[Run], float],
            low: float = -INF, high: float = INF, **fields) -> Claim:
    """A claim on one number per seed."""
    return per_seed(claim, description, {seed: value(run) for seed, run in by_seed(runs).items()},
                    low, high, **fields)


def reach(gap: np.ndarray, rates: np.ndarray, tolerance: float = GAP) -> float:
    """The highest target rate up to which every point stays within ``tolerance`` of the bound
    (points below R* = 0.5, where any finite decoder is far from it, are not counted); a NaN gap
    (a model that did not learn, see ``guarded``) ends the reach like a gap above tolerance."""
    reached = 0.0
    for rate, value in zip(rates, gap):
        if rate < 0.5:
            continue
        if not value <= tolerance:
            break
        reached = float(rate)
    return reached


def distortion_slope(run: Run, low: float = 0.5, high: float = 1.8) -> float:
    """The shallowest slope ΔD/ΔR between neighbouring models with R* in [low, high]."""
    a = run.arrays
    mask = in_range(np.asarray(a["rates"], dtype=float), low, high)
    d, r = a["D"][mask], a["R"][mask]
    if len(d) < 2:
        return math.nan
    return float(np.max(np.diff(d) / np.diff(r)))


# --- the main sweep (log-normal prior) ------------------------------------------------------------
def lognormal(runs: Sequence[Run]) -> list[Claim]:
    def at(low, high):
        return lambda rates: in_range(rates, low, high)

    def every(rates):
        return np.ones(len(rates), dtype=bool)

    def gaps(run):
        return f"seed {run.point.get('seed')}: {fmt(run.arrays['gap'])}"

    gap_note = "gap D + R - H per R*, " + "; ".join(gaps(run) for run in runs)
    return [
        over_models("P1", "dual ascent reaches every target rate: |R - R*| over models with R* in [0.5, 2.1] (nats)",
                    runs, lambda run: np.abs(run.arrays["R"] - run.arrays["rates"]), at(0.5, 2.1), -INF, 0.05,
                    guard=False, kind="check",
                    note="a check of the optimiser (dual ascent + augmented Lagrangian, notes §1.1: "
                         "within 0.05 nats for a 1500-epoch quick run), not a result of the paper"),
        per_run("P2", "Fig. 4: the D-R curve tracks the bound D = H(pi) - R: highest R* up to which "
                "every model from R* = 0.5 has D + R - H(pi) <= 0.1 nats",
                runs, lambda run: reach(guarded(run, run.arrays["gap"]), run.arrays["rates"]),
                bands=REACH_BANDS,
                source="notes §1.1: gap within [0, 0.1] up to R* = 1.8 at quick scale (N = 8, "
                       "1500-epoch prototype); test 4: at paper scale (N = 12) tracking up to R ≈ 2.4 "
                       "(grid rate 2.33)", note=gap_note),
        over_models("P2b", "no model beats the bound: D + R - H(pi) over all models (nats; -0.005 allows quadrature error)",
                    runs, lambda run: run.arrays["gap"], every, -0.005, INF, guard=False, kind="check",
                    note="identity: D + R - H = KL(pi||q) + E KL(q(r|x)||p(r|x)) >= 0"),
        over_models("P3", "Fig. 4: the generative model fits the prior: KL(pi||q) for R* in [0.5, 1.8] (nats)",
                    runs, lambda run: run.arrays["KL_pi_q"], at(0.5, 1.8), -INF, 0.06,
                    source="notes §1.1, tighter acceptance: KL(pi||q_gen) <= 0.06 for R* in [0.5, 1.8]"),
        over_models("P4", "mutual information never exceeds the rate: MI - R over all models (nats)",
                    runs, lambda run: run.arrays["MI"] - run.arrays["R"], every, -INF, 0.01,
                    guard=False, kind="check", note="identity MI = R - KL(q(r)||p(r)) <= R (notes §1.1 test 5)"),
        over_models("P5", "Fig. 4: almost all the rate is information: MI / R for R* <= 1.8",
                    runs, lambda run: run.arrays["MI"] / run.arrays["R"], at(0, 1.8), 0.95, INF,
                    source="notes §1.1, tighter acceptance: MI >= 0.95 R for R <= 1.8 "
                           "(MI <= R is the check P4)"),
        per_run("P6", "Fig. 4: mutual information rises with the rate: Spearman rho(R*, MI)",
                runs, lambda run: spearman(run.arrays["rates"], guarded(run, run.arrays["MI"])), 0.9, INF,
                source="notes §1 Fig. 4 (MI increasing with R); 0.9 = derivation: lets the models "
                       "past the N = 8 capacity (MI saturates above R* ~ 2, notes §1.1) take the "
                       "top three ranks in any order (rho >= 0.905 with 8 rates)"),
        per_run("P7", "Fig. 4: reconstruction error falls with the rate: MSE(R* = 2.1) / MSE(R* = 0.2)",
                runs, mse_ratio, -INF, 0.5,
                source="notes §1.1, tighter acceptance: MSE(R* = 2.1) <= 0.5 MSE(R* = 0.2)"),
        per_run("P18", "Fig. 4: distortion falls with the rate along the bound: the shallowest "
                "slope dD/dR between neighbouring models with R* in [0.5, 1.8]",
                runs, distortion_slope, -INF, -0.5,
                source="notes §1.1 test 4 (D strictly decreasing in R); -0.5 = derivation: on the "
                       "bound the slope is -1, and the 0.1-nat tolerance of P2 over the grids' "
                       "steps of 0.27-0.3 nats lets one step flatten it to at most -0.63"),
        over_models("P8", "Fig. 8: neurons crowd where pi is high: density exponent gamma_d "
                    "(centre density ~ pi^gamma_d) at the paper's fit rates",
                    runs, lambda run: run.arrays["density_exponent"], fit_rates, 0, INF, source=FIT_SOURCE),
        over_models("P9", "Fig. 8: widths shrink where pi is high: Spearman rho(log pi(c), log width) at every R* >= 0.5",
                    runs, lambda run: run.arrays["width_rho"], at(0.5, INF), -INF, -0.7,
                    source="notes §1.1 test 8: rho(log pi(c_i), log w_i) <= -0.7 at every R* >= 0.5"),
        per_run("P10", "Figs. 4, S1: tuning curves narrow as the rate grows: Spearman rho(R*, median width)",
                runs, lambda run: spearman(run.arrays["rates"], guarded(run, np.median(run.arrays["width"], axis=1))),
                -INF, -0.9,
                source="notes §1.1 test 8 (median width decreasing in R*); -0.9 = derivation as P6"),
        over_models("P19", "Fig. 7: the coding error falls where pi is high: exponent gamma_e of "
                    "eps^2(x) ~ pi(x)^-gamma_e at the paper's fit rates",
                    runs, lambda run: run.arrays["error_exponent"], fit_rates, 0, INF, source=FIT_SOURCE,
                    note="infomax reference gamma_e = 2 (notes §1 Fig. 7)"),
        over_models("P20", "Fig. 8: widths follow pi: exponent gamma_w of w(c) ~ pi(c)^-gamma_w at the paper's fit rates",
                    runs, lambda run: -run.arrays["width_exponent"], fit_rates, 0, INF, source=FIT_SOURCE),
        over_models("P21", "Fig. 8: Fisher information follows pi: exponent alpha of FI(x) ~ pi(x)^alpha "
                    "at the paper's fit rates",
                    runs, lambda run: run.arrays["fisher_exponent"], fit_rates, 0, INF, source=FIT_SOURCE,
                    note="infomax reference alpha = 2 (notes §1 Fig. 8); the prediction is made at "
                         "R* >= 1, not at R* = 0.2 where few neurons are informative"),
    ]


def mse_ratio(run: Run) -> float:
    rates, mse = np.asarray(run.arrays["rates"], dtype=float), run.arrays["MSE"]
    return float(mse[int(np.argmin(np.abs(rates - 2.1)))] / mse[int(np.argmin(rates))])


# --- side sweeps -----------------------------------------------------------------------------------
def gaussian(runs: Sequence[Run]) -> list[Claim]:
    return [
        over_models("P11", "Fig. 3: Gaussian prior: D-R points near the bound, D + R - H(pi) for R* in [0.7, 1.5] (nats)",
                    runs, lambda run: run.arrays["gap"], lambda r: in_range(r, 0.7, 1.5), 0, GAP,
                    source="notes §1.1: gap within [0, 0.1] (the log-normal tolerance; the notes give "
                           "none for this prior); R* from 0.7 to 1.5 as N = 6 has less capacity (cf. P14)"),
        over_models("P11b", "Gaussian prior: rates reached, |R - R*| for R* in [0.6, 1.8] (nats)",
                    runs, lambda run: np.abs(run.arrays["R"] - run.arrays["rates"]),
                    lambda r: in_range(r, 0.6, 1.8), -INF, 0.05, guard=False, kind="check",
                    note="a check of the optimiser, as P1"),
    ]


def mixture(runs: Sequence[Run]) -> list[Claim]:
    groups = by_axis(runs, "n_samples")
    return [
        over_models("P12", f"Fig. S4: mixture prior (n = {max(groups)}): neurons crowd on the modes, "
                    "density exponent gamma_d at the paper's fit rates",
                    groups[max(groups)], lambda run: run.arrays["density_exponent"], fit_rates, 0, INF,
                    source=FIT_SOURCE),
    ]


def train_test_gap(run: Run) -> np.ndarray:
    return run.arrays["test_D"] - run.arrays["train_D"]


def samples(runs: Sequence[Run]) -> list[Claim]:
    groups = by_axis(runs, "n_samples")
    small, large = by_seed(groups[min(groups)]), by_seed(groups[max(groups)])
    # Over every R* ≥ 1 (where the paper sees the gap open), not at the highest R* alone: there
    # a small population is saturated (R > its information capacity) and the train-test
    # difference of that one model is erratic.
    high = from_rate(rates_of(runs), 1.0)
    values = {seed: float(np.mean(train_test_gap(small[seed])[high] - train_test_gap(large[seed])[high]))
              if seed in large else math.nan for seed in small}
    return [
        per_seed("P13", f"Fig. 6: few training samples open a train-test gap: mean over R* >= 1 of "
                 f"(D_test - D_train) at n = {min(groups)} minus at n = {max(groups)} (nats)",
                 values, 0.1, INF,
                 source="notes §1 Fig. 6 (small sets overfit, more at high R); 0.1 nats = the D-R "
                        "tolerance of notes §1.1: a smaller difference is not told apart"),
    ]


def neurons(runs: Sequence[Run]) -> list[Claim]:
    groups = by_axis(runs, "n_neurons")
    small, large = min(groups), max(groups)
    reaches = {n: {seed: reach(guarded(run, run.arrays["gap"]), run.arrays["rates"])
                   for seed, run in by_seed(group).items()}
               for n, group in sorted(groups.items())}
    values = {seed: reaches[large][seed] - reaches[small].get(seed, math.nan) for seed in reaches[large]}
    return [
        per_seed("P14", f"Fig. 5: larger populations track the bound to higher rates: highest R* with "
                 f"gap <= 0.1 nats, N = {large} minus N = {small}",
                 values, 0.1, INF,
                 source="notes §1 Fig. 5 (larger N tracks the bound further); 0.1 = derivation: "
                        "reaches are grid rates, so at least one grid step further",
                 note="; ".join(f"N={n}: up to R* " + ", ".join(f"{r:.3g}" for r in per.values())
                                for n, per in reaches.items())),
    ]


def activity(runs: Sequence[Run]) -> list[Claim]:
    groups = by_axis(runs, "activity_prior")
    ising, bernoulli = by_seed(groups["ising"]), by_seed(groups["bernoulli"])
    lower, means = {}, {}
    for seed, run in bernoulli.items():
        diff = guarded(run, run.arrays["gap"]) - guarded(ising[seed], ising[seed].arrays["gap"]) \
            if seed in ising else np.full(len(run.arrays["gap"]), np.nan)
        means[seed] = float(np.mean(diff))
        lower[seed] = bootstrap_interval(diff)[0] if np.isfinite(diff).all() else math.nan
    return [
        per_seed("P15", "Fig. S3: an independent (Bernoulli) prior over activity lies further from the "
                 "bound than Ising: lower end of the 95% bootstrap interval (over the R* models) of "
                 "the mean gap difference, Bernoulli minus Ising (nats)",
                 lower, 0, INF,
                 source="notes §1 Fig. S3 (the Bernoulli D-R curve lies further from the bound); "
                        "a sign claim, so each seed's interval over its independently trained "
                        "models must exclude 0",
                 note="mean difference per seed: " + ", ".join(f"{s} {v:.3g}" for s, v in means.items())),
    ]


def decoder(runs: Sequence[Run]) -> list[Claim]:
    return [
        over_models(f"P16-{likelihood}", f"Figs. S2, S8: {likelihood} decoder: D-R points near the bound, "
                    "D + R - H(pi) for R* in [0.5, 1.5] (nats)",
                    group, lambda run: run.arrays["gap"], lambda r: in_range(r, 0.5, 1.5), 0, GAP,
                    source="notes §1 S2/S8 (same D-R degeneracy) and §1.1: test 4's range "
                           "R* in [0.5, 1.5] with the tighter tolerance 0.1")
        for likelihood, group in by_axis(runs, "likelihood").items()
    ]


# --- frequency prior (Fig. 9) -----------------------------------------------------------------------
def moore_means(moore_path: str):
    """Moore's DLs averaged over listeners at each frequency (Hz)."""
    return read_moore(moore_path).groupby("f_hz")["dl_hz"].mean()


def run_thresholds(run: Run, f_khz: np.ndarray) -> np.ndarray:
    """Model thresholds 1/sqrt(FI) [K, len(f)] at the frequencies f (kHz), interpolated in log f."""
    grid = np.log(run.arrays["grid_x"])
    return np.array([np.interp(np.log(f_khz), grid, 1.0 / np.sqrt(fi)) for fi in run.arrays["fisher"]])


def threshold_rhos(run: Run, moore) -> np.ndarray:
    """Per model, Spearman rho between thresholds at Moore's frequencies and Moore's mean DLs."""
    thresholds = run_thresholds(run, moore.index.to_numpy() / 1000.0)
    return np.array([spearman(t, moore.to_numpy()) for t in thresholds])


def threshold_correlations(runs: Sequence[Run], moore_path: str) -> tuple[np.ndarray, np.ndarray]:
    """Spearman rho per rate of the seed-mean FI's thresholds against Moore's mean DLs (figures)."""
    moore = moore_means(moore_path)
    mean_run = Run(point={}, params={}, metrics={},
                   arrays={"grid_x": runs[0].arrays["grid_x"], "fisher": seed_mean(runs, "fisher")})
    return threshold_rhos(mean_run, moore), rates_of(runs)


def steepening(f_khz: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Log-log slope of thresholds [.., len(f)] above 2 kHz minus below (Moore's range)."""
    low_f, split, high_f = MOORE_SPLIT_KHZ
    logf, logt = np.log(f_khz), np.log(np.atleast_2d(thresholds))
    below = (f_khz >= low_f) & (f_khz <= split)
    above = (f_khz >= split) & (f_khz <= high_f)
    return np.array([np.polyfit(logf[above], t[above], 1)[0] - np.polyfit(logf[below], t[below], 1)[0]
                     for t in logt])


def frequency(runs: Sequence[Run], moore: str) -> list[Claim]:
    table = moore_means(moore)
    moore_steepening = float(steepening(table.index.to_numpy() / 1000.0, table.to_numpy())[0])
    claims = []
    for likelihood, group in by_axis(runs, "likelihood").items():
        def mean_rho(run):
            rates = np.asarray(run.arrays["rates"], dtype=float)
            used = rates >= 0.7 - 1e-9
            return float(np.mean(guarded(run, threshold_rhos(run, table))[used]))

        def steep(run):
            f = run.arrays["grid_x"]
            return steepening(f, 1.0 / np.sqrt(run.arrays["fisher"]))

        claims.append(per_run(
            f"P17-{likelihood}", f"Fig. 9, {likelihood} decoder: thresholds 1/sqrt(FI) rise with frequency "
            "as Moore's do: mean over R* >= 0.7 of Spearman rho(model threshold, Moore DL)",
            group, mean_rho, 0.8, INF,
            source="notes §1 Fig. 9 and §1.1 test 9 (thresholds rise with frequency as Moore's DLs); "
                   "0.8 = derivation: Moore's mean DLs rank their 11 frequencies with rho(f, DL) = 0.98 "
                   "(two neighbours swapped where the DLs are flat); 0.8 allows a few more such swaps"))
        claims.append(over_models(
            f"P22-{likelihood}", f"Fig. 9, {likelihood} decoder: thresholds steepen above 2 kHz: log-log "
            "slope of 1/sqrt(FI) over 2-8.5 kHz minus over 0.125-2 kHz, at every R* >= 0.7",
            group, steep, lambda r: r >= 0.7 - 1e-9, 0, INF,
            source="notes §1 Fig. 9 (monotone rise, steepening above ~2 kHz, as Moore's DLs); "
                   "derivation: with FI ~ pi^alpha the slope rises by alpha p / 2 across f0 = 1.52 kHz "
                   "(p = 2.61), so it is > 0 exactly when alpha > 0 (P21)",
            note=f"Moore's mean DLs steepen by {moore_steepening:.3g}"))
    return claims
