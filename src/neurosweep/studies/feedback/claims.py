"""The paper's claims, computed from the aggregated sweeps (one function per sweep).

Every claim follows the project's standard (neurosweep.claims): it is judged on every seed (the
row names the worst one), it cites the source of its threshold (the research notes' §1.1
checklist B1-B11, the paper's figures, or a stated derivation), a sign claim ("> 0") holds only
when a bootstrap interval over the independent units (test contexts, freeze pairs, grid
contexts) excludes 0, and a claim about a trained network fails when the network did not learn
(a learning guard turns such a seed's value into NaN, which fails, and the note says why).
Where the notes give paper-scale numbers (the authors' pretrained models: SC(y) 0.965 / 0.948 /
0.973 against SC(x) ≈ 0.54, decoding R²(z) 0.96 against R²(x) 0.46), the claim states a "paper"
band beside the "quick" band; the quick band is the threshold the quick configuration was
designed for (notes §5: 400 batches, 10x shorter contexts, orderings and margins only).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from neurosweep.aggregate import Run
from neurosweep.claims import Claim, bootstrap_interval, per_seed, per_seed_interval
from neurosweep.io import read_json
from neurosweep.statistics import spearman

INF = math.inf
#: A member learned when its output clarity beats its inputs' by this much (notes §1.1 B1 quick).
LEARNED = 0.15
LEARNED_SOURCE = "notes §1.1 B1 quick: SC(y) > SC(x) + 0.15"
#: SC(x) of the stimuli at paper scale (notes §1.1: 0.53-0.55 for the authors' test contexts).
PAPER_INPUT = 0.54


def bands(quick: tuple[float, float], paper: tuple[float, float]) -> dict:
    """Only the paper configuration has the paper's numbers; a scale without a band of its own
    (the tests' tiny one, a user's medium one) is judged with the quick band (core)."""
    return {"quick": quick, "paper": paper}


def metric(runs: Sequence[Run], key: str) -> np.ndarray:
    return np.array([run.metrics[key] for run in runs], dtype=float)


def select(runs: Sequence[Run], **values) -> list[Run]:
    """The runs whose grid values (or params) match all of ``values``."""
    return [run for run in runs
            if all(run.point.get(k, run.params.get(k)) == v for k, v in values.items())]


def seed_of(run: Run) -> int:
    return int(run.point["seed"] if "seed" in run.point else run.params["seed"])


def by_seed(runs: Sequence[Run], value: Callable[[list[Run]], float]) -> dict[int, float]:
    """``value`` of each seed's runs, seed by seed (never averaged over seeds)."""
    seeds = sorted({seed_of(run) for run in runs})
    return {seed: value([run for run in runs if seed_of(run) == seed]) for seed in seeds}


def one(runs: Sequence[Run], key: str = "clarity", **values) -> float:
    """The mean of a metric over the runs that match ``values`` (the figures draw seed means;
    claims use :func:`single`, one seed at a time)."""
    chosen = select(runs, **values)
    return float(np.mean(metric(chosen, key))) if chosen else math.nan


def single(runs: Sequence[Run], key: str = "clarity", **values) -> float:
    """A metric of the single run that matches ``values`` (NaN if none; an error if several)."""
    chosen = select(runs, **values)
    if len(chosen) > 1:
        raise ValueError(f"{len(chosen)} runs match {values}; claims are judged per seed")
    return float(chosen[0].metrics[key]) if chosen else math.nan


def gain(runs: Sequence[Run], **values) -> float:
    """Output clarity minus the clarity of the inputs, for the one run matching ``values``."""
    return single(runs, **values) - single(runs, "clarity_input", **values)


def guarded(values: Mapping, learned: Mapping) -> tuple[dict, str]:
    """Values of the seeds whose network learned, NaN (a failure) for the others."""
    out = {k: (v if learned.get(k, False) else math.nan) for k, v in values.items()}
    failed = [str(k) for k, v in values.items() if not learned.get(k, False)]
    return out, (f"learning guard failed in seed(s) {', '.join(failed)}" if failed else "")


def learned_gain(runs: Sequence[Run], **values) -> dict[int, bool]:
    """Per seed: did the run matching ``values`` learn (output clarity > inputs' + LEARNED)?"""
    return {k: v >= LEARNED for k, v in by_seed(runs, lambda rs: gain(rs, **values)).items()}


def fmt(values) -> str:
    return ", ".join(f"{v:.3g}" for v in np.atleast_1d(values))


def join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def mean_and_interval(units) -> tuple[float, tuple[float, float]]:
    units = np.asarray(units, dtype=float)
    return float(np.mean(units)), bootstrap_interval(units)


# --- ModulationNet ---------------------------------------------------------------------------
def seeds(runs: Sequence[Run]) -> list[Claim]:
    gains = by_seed(runs, gain)
    learned = {k: v >= LEARNED for k, v in gains.items()}
    decay = by_seed(runs, lambda rs: single(rs, "error_late") / single(rs, "error_early"))
    n_t = int(runs[0].params["context_length"])

    def memorised(rs):  # clarity on strictly longer test contexts minus clarity at n_t
        lengths, clarity = rs[0].arrays["test_lengths"], rs[0].arrays["test_length_clarity"]
        trained = clarity[lengths == n_t]
        longer = clarity[lengths > n_t]
        return float(np.min(longer - trained[0])) if len(trained) and len(longer) else math.nan

    decay_guarded, decay_note = guarded(decay, learned)
    drop, drop_note = guarded(by_seed(runs, memorised), learned)
    lengths = runs[0].arrays["test_lengths"]
    return [
        per_seed("F1", "Fig. 1d, 1-S2a,b: trained ModulationNets separate the sources in every seed: "
                 "clarity(y) - clarity(x) over 20 test contexts", gains,
                 bands=bands((LEARNED, INF), (0.93 - PAPER_INPUT, INF)),
                 source=f"quick: {LEARNED_SOURCE}; paper: notes §1.1 B1 paper SC(y) >= 0.93 (pretrained "
                 f"0.965) against SC(x) = {PAPER_INPUT} -> gain >= {0.93 - PAPER_INPUT:.2f}",
                 note="clarity(y) " + fmt(metric(runs, "clarity")) + "; clarity(x) " + fmt(metric(runs, "clarity_input"))),
        per_seed("F2", "Fig. 1b,c: the error after a context switch decays: error in [n_t/5, n_t) / error in "
                 "[0, n_t/20)", decay_guarded, bands=bands((0, 0.5), (0, 0.2)),
                 source="notes §1.1 B2: < 0.5 quick, <= 0.2 paper (pretrained 0.034 / 0.26 = 0.13); "
                 f"learning guard: {LEARNED_SOURCE}", note=decay_note),
        per_seed("F3", "Fig. 1-S2d: the network did not memorise n_t: min over test lengths > n_t of "
                 "clarity(test length) - clarity(n_t)", drop, -0.05, INF,
                 source="notes §1 (1-S2d: SC flat over test n_t); derivation: a drop of at most 0.05, "
                 f"the sampling error of a 20-context mean (SD 0.1-0.2 / sqrt 20); learning guard: {LEARNED_SOURCE}",
                 note=join(f"longer test lengths {fmt(lengths[lengths > n_t])}", drop_note)),
    ]


def noise(runs: Sequence[Run]) -> list[Claim]:
    levels = sorted({run.point["noise"] for run in runs})
    least = levels[0]

    def rho(rs):
        return spearman(levels, [single(rs, noise=level) for level in levels])

    def robust(rs):
        low = [single(rs, noise=level) for level in levels if level <= 0.03]
        return single(rs, noise=least) - min(low)

    learned = learned_gain(runs, noise=least)
    rhos, rho_note = guarded(by_seed(runs, rho), learned)
    drops, drop_note = guarded(by_seed(runs, robust), learned)
    table = "; ".join(f"seed {s}: " + fmt([single(select(runs, seed=s), noise=level) for level in levels])
                      for s in sorted({seed_of(r) for r in runs}))
    guard = f"learning guard at sigma_n = {least:g}: {LEARNED_SOURCE}"
    return [
        per_seed("F4a", "Fig. 1e, 1-S2e: clarity falls as the input noise grows: Spearman rho(noise, clarity)",
                 rhos, -1, -0.8, source=f"paper Fig. 1e (SC decreases gradually with sigma_n); derivation: "
                 f"rho <= -0.8 asks a near-monotone fall over the grid; {guard}",
                 note=join(f"noise {fmt(levels)}: clarity {table}", rho_note)),
        per_seed("F4b", "Fig. 1e: robust to moderate noise: clarity at sigma_n <= 0.03 within 0.1 of the least noisy",
                 drops, -INF, 0.1, source="paper Fig. 1e (chance only at SNR ~ 1, sigma_n ~ 0.28); derivation: "
                 f"sigma_n = 0.03 is 1/10 of that, a loss of at most 0.1 clarity; {guard}", note=drop_note),
    ]


def contexts_difference(a: Run, b: Run, key_a: str = "clarity", key_b: str = "clarity"):
    """Effect and bootstrap interval of the mean paired difference a - b over the test contexts
    (both runs are tested on the same 20 contexts: a context is the independent unit)."""
    return mean_and_interval(np.asarray(a.arrays[key_a]) - np.asarray(b.arrays[key_b]))


def tau_input(runs: Sequence[Run]) -> list[Claim]:
    n_t = float(runs[0].params["context_length"])
    taus = sorted({run.point["tau"] for run in runs})
    fast, slowest = min(taus), max(taus)
    tenth = min(taus, key=lambda tau: abs(tau / n_t - 0.1))

    def slow(rs):
        return single(rs, tau=tenth, inputs="xy") - single(rs, tau=slowest, inputs="xy")

    def needs_x(rs):
        """min over x-only and xy of the mean paired difference to y-only over the 20 test
        contexts (the same in every run), with its bootstrap interval over those contexts."""
        clarity = {i: np.asarray(select(rs, tau=fast, inputs=i)[0].arrays["clarity"], dtype=float)
                   for i in ("x", "xy", "y")}
        units = np.stack([clarity["x"] - clarity["y"], clarity["xy"] - clarity["y"]], axis=1)

        def worse(u):
            return float(min(u[:, 0].mean(), u[:, 1].mean()))
        return worse(units), bootstrap_interval(units, worse)

    slow_values, slow_note = guarded(by_seed(runs, slow), learned_gain(runs, tau=tenth, inputs="xy"))
    y_only, y_note = guarded(by_seed(runs, lambda rs: gain(rs, tau=fast, inputs="y")),
                             learned_gain(runs, tau=fast, inputs="x"))
    table = "; ".join(f"seed {s}: " + ", ".join(f"{i} {single(select(runs, seed=s), tau=fast, inputs=i):.3f}"
                                                for i in ("xy", "x", "y"))
                      + f", inputs {single(select(runs, seed=s), 'clarity_input', tau=fast, inputs='y'):.3f}"
                      for s in sorted({seed_of(r) for r in runs}))
    return [
        per_seed("F5", f"Fig. 2a-c: slow modulation works until tau ~ n_t: clarity(tau/n_t = {tenth / n_t:.2g}) - "
                 f"clarity(tau/n_t = {slowest / n_t:.2g}), modulator sees x and y", slow_values, 0.05, INF,
                 source="notes §1.1 B3: SC(tau/n_t = 1) < SC(tau/n_t = 0.1) (prototype 0.39 vs 0.80); derivation: "
                 f"by at least 0.05, above the sampling error of a 20-context mean; learning guard at "
                 f"tau/n_t = 0.1: {LEARNED_SOURCE}",
                 note=join("clarity per tau (xy): " + "; ".join(
                     f"seed {s}: " + fmt([single(select(runs, seed=s), tau=t, inputs='xy') for t in taus])
                     for s in sorted({seed_of(r) for r in runs})), slow_note)),
        per_seed_interval("F6", "Fig. 2d,e: a modulator that sees only the output y does worse than one that "
                          f"sees the input: min(clarity(x only), clarity(xy)) - clarity(y only) at tau = {fast:g}, "
                          "paired over the 20 test contexts", by_seed(runs, needs_x), 0.05, INF,
                          source="notes §1.1 B4: y-only SC < x-only and < xy at the same fast tau; derivation: by "
                          "at least 0.05, above the sampling error of a 20-context mean; the whole 95% interval "
                          "over the contexts must clear it (core rule for a claim with an interval)", note=table),
        per_seed("F6b", f"Fig. 2e: a modulator that sees only y fails where one that sees x succeeds: "
                 f"clarity(y only) - clarity(inputs) at tau = {fast:g}, in seeds whose x-only modulator learned",
                 y_only, -INF, 0.0,
                 source=f"notes §1.1 B4: y-only SC <= SC(x) at quick scale; paper Fig. 2e (SC impaired already "
                 f"for fast tau); guard: the x-only modulator learned ({LEARNED_SOURCE})",
                 note=join(table, y_note)),
    ]


def sources(runs: Sequence[Run]) -> list[Claim]:
    claims = []
    two = [run for run in runs if run.point["sources"] != "ica3"]
    if two:
        claims.append(per_seed(
            "F7a", "Fig. 1-S3: other source pairs are separated too: clarity(y) - clarity(x) per source pair "
            "and seed", {f"{r.point['sources']}/seed {seed_of(r)}": gain([r]) for r in two}, 0.1, INF,
            source="paper Fig. 1-S3 (SC(y) ~ 1 for other pairs); derivation: the margin of F12b/F18, 0.1",
            unit="run"))
    three = select(runs, sources="ica3")
    if three:
        claims.append(per_seed(
            "F7b", "Fig. 1-S4: three sources (sine, square, sawtooth): each output follows one source "
            "(largest minus second largest |r|), y minus x", by_seed(three, gain), 0.1, INF,
            source="paper Fig. 1-S4 (correlation matrix y vs s ~ identity); derivation: the margin of F7a, 0.1",
            note="y " + fmt(metric(three, "clarity")) + ", x " + fmt(metric(three, "clarity_input"))))
    return claims


def frequency(runs: Sequence[Run]) -> list[Claim]:
    return [per_seed(
        "F8", "Fig. 1-S5: trained on some pairs of a frequency bank, clarity on untrained pairs stays above "
        "the inputs': clarity(untrained pairs) - clarity(x)",
        by_seed(runs, lambda rs: single(rs, "bank_clarity_untrained") - single(rs, "clarity_input")), 0.05, INF,
        source="paper Fig. 1-S5 (SC high near and between trained pairs); derivation: above the inputs by at "
        "least 0.05, the sampling error of the mean",
        note="trained pairs " + fmt(metric(runs, "bank_clarity_trained")) + ", untrained " +
        fmt(metric(runs, "bank_clarity_untrained")))]


def generalise(runs: Sequence[Run]) -> list[Claim]:
    normal, unnormal = select(runs, normalised=True), select(runs, normalised=False)
    drop, drop_note = guarded(by_seed(normal, lambda rs: single(rs) - single(rs, "clarity_unnormalised")),
                              learned_gain(normal))
    recovered = {}
    for seed in sorted({seed_of(r) for r in runs}):
        a, b = select(unnormal, seed=seed), select(normal, seed=seed)
        if a and b and "clarity_unnormalised" in a[0].arrays:
            recovered[seed] = contexts_difference(a[0], b[0], "clarity_unnormalised", "clarity_unnormalised")
        elif a and b:  # aggregated before per-context values were kept
            recovered[seed] = (single(a, "clarity_unnormalised") - single(b, "clarity_unnormalised"), (math.nan, math.nan))
    return [
        per_seed("F9a", "Fig. 1-S6: generalisation is limited: trained on normalised contexts, clarity drops "
                 "on unnormalised ones", drop, 0.02, INF,
                 source="paper Fig. 1-S6 (SC drops for 'new ctx'); derivation: a drop of at least 0.02; "
                 f"learning guard: {LEARNED_SOURCE}",
                 note=join(f"normalised {fmt(metric(normal, 'clarity'))}, unnormalised "
                           f"{fmt(metric(normal, 'clarity_unnormalised'))}, new sources "
                           f"{fmt(metric(normal, 'clarity_new_sources'))}", drop_note)),
        per_seed_interval("F9b", "Fig. 1-S6: trained on unnormalised contexts, it does better on them: gain "
                          "in clarity on unnormalised contexts (mean over the 20 test contexts, paired)",
                          recovered, 0.0, INF,
                          source="paper Fig. 1-S6 ('unnorm ctx' recovers); sign claim: the bootstrap interval "
                          "over the 20 test contexts must exclude 0"),
    ]


def distance_correlation(clarity: np.ndarray, distance: np.ndarray) -> tuple[float, tuple[float, float]]:
    """Pearson r(context distance, clarity) over the ordered pairs of different contexts, with a
    bootstrap interval that resamples the contexts (the independent units), not the pairs."""
    n = len(clarity)

    def r_of(index: np.ndarray) -> float:
        c, d = clarity[np.ix_(index, index)], distance[np.ix_(index, index)]
        off = index[:, None] != index[None, :]
        return float(np.corrcoef(d[off], c[off])[0, 1]) if off.sum() > 2 else math.nan

    rng = np.random.default_rng(0)
    stats = np.array([r_of(rng.integers(0, n, n)) for _ in range(2000)])
    stats = stats[np.isfinite(stats)]
    interval = tuple(np.percentile(stats, [2.5, 97.5])) if len(stats) else (math.nan, math.nan)
    return r_of(np.arange(n)), (float(interval[0]), float(interval[1]))


def controls(runs: Sequence[Run], sources_runs: str) -> list[Claim]:
    """The controls train on a chord pair (with pure sines a window of a few periods separates the
    sources by frequency alone, whatever the mixing); they are compared with the ModulationNet
    of the `sources` sweep trained on the same chords, seed by seed."""
    name = runs[0].params["sources"]
    modulated = {int(e["point"].get("seed", e["params"]["seed"])): e["metrics"]
                 for e in read_json(sources_runs) if e["point"].get("sources") == name}
    smallest = min(run.point["window"] for run in runs)
    seeds_ = sorted({seed_of(r) for r in runs})

    def loss_fell(run: Run) -> bool:  # the MLP's training loss fell by at least 10 %
        loss = np.asarray(run.arrays["loss"])
        return bool(loss[-max(1, len(loss) // 10):].mean() <= 0.9 * loss[:max(1, len(loss) // 10)].mean())

    plain = {s: select(runs, seed=s, window=smallest)[0] for s in seeds_}
    mod_learned = {s: s in modulated and modulated[s]["clarity"] - modulated[s]["clarity_input"] >= LEARNED
                   for s in seeds_}
    f10a, f10a_note = guarded({s: gain([plain[s]]) for s in seeds_},
                              {s: loss_fell(plain[s]) and mod_learned[s] for s in seeds_})
    best = {s: max(select(runs, seed=s), key=lambda r: r.metrics["clarity"]) for s in seeds_}
    f10c, f10c_note = guarded({s: best[s].metrics["clarity"] - modulated[s]["clarity"] if s in modulated else math.nan
                               for s in seeds_}, mod_learned)
    per_window = "; ".join(f"seed {s}: " + ", ".join(f"{r.point['window']}: {r.metrics['clarity']:.3f}"
                                                      for r in sorted(select(runs, seed=s), key=lambda r: r.point["window"]))
                           for s in seeds_)
    linear = {s: distance_correlation(np.asarray(plain[s].arrays["linear_clarity"]),
                                      np.asarray(plain[s].arrays["linear_distance"])) for s in seeds_}
    n_ctx = len(plain[seeds_[0]].arrays["linear_clarity"])
    guard = (f"guards: the plain MLP's training loss fell by >= 10 % and the ModulationNet on {name} "
             f"learned ({LEARNED_SOURCE})")
    return [
        per_seed("F10a", f"Fig. 1-S1: a plain MLP (window {smallest}) does no better than the stimuli: "
                 "clarity(MLP) - clarity(x)", f10a, -INF, 0.05,
                 source=f"paper Fig. 1-S1 (MLP SC ~ stimulus level); notes §1.1 B11 (MLP SC < 0.7); derivation: "
                 f"at most 0.05 above the inputs, the sampling error of a 20-context mean; {guard}",
                 note=join(f"MLP clarity per window: {per_window}", f10a_note)),
        per_seed_interval("F10b", "Fig. 1-S1: a read-out fitted to one context fails on others, the more the "
                          f"further: Pearson r(context distance, clarity) over the ordered pairs of {n_ctx} contexts",
                          linear, -1, 0.0,
                          source="paper Fig. 1-S1 (negative correlation); sign claim: the 95% bootstrap interval "
                          f"that resamples the {n_ctx} contexts (not the {n_ctx * (n_ctx - 1)} pairs) must lie below 0"),
        per_seed("F10c", f"Fig. 1-S1: MLPs that see a window of x (up to the paper's 150 samples, scaled) stay "
                 f"below the modulated network on the same sources ({name}): best MLP clarity - ModulationNet "
                 "clarity", f10c, -INF, 0.0,
                 source="paper Fig. 1-S1 (the sequence MLP improves with the window but stays below the modulated "
                 f"model); notes §1.1 B11; guard: the ModulationNet learned ({LEARNED_SOURCE})",
                 note=join(f"MLP clarity per window: {per_window}; ModulationNet "
                           + ", ".join(f"seed {s} {m['clarity']:.3f}" for s, m in sorted(modulated.items())),
                           f10c_note)),
    ]


# --- SpatialNet --------------------------------------------------------------------------------
def nfb(runs: Sequence[Run]) -> list[Claim]:
    counts = sorted({run.point["n_fb"] for run in runs})
    few = [n for n in counts if n >= 4]

    def value(rs):
        return min(single(rs, n_fb=n) for n in few) - single(rs, n_fb=min(counts))

    return [per_seed("F11", "Fig. 3d: a few feedback signals suffice, one does not: min clarity(N_FB >= 4) - "
                     "clarity(N_FB = 1)", by_seed(runs, value), 0.1, INF,
                     source="notes §1.1 B5: SC(N_FB = 1) at least 0.1 below N_FB = 4",
                     note="clarity per N_FB: " + "; ".join(
                         f"seed {s}: " + ", ".join(f"{n}: {single(select(runs, seed=s), n_fb=n):.3f}" for n in counts)
                         for s in sorted({seed_of(r) for r in runs})))]


def width(runs: Sequence[Run]) -> list[Claim]:
    widths = list(dict.fromkeys(run.point["width"] for run in runs))
    broad = [w for w in widths if not isinstance(w, str) and 0.2 <= w <= 1.0]
    default = 0.2 if 0.2 in widths else broad[0]
    learned = learned_gain(runs, width=default)
    uniform, uniform_note = guarded(by_seed(runs, lambda rs: gain(rs, width="uniform")), learned)
    worse = {}
    for seed in sorted({seed_of(r) for r in runs}):
        run = select(runs, seed=seed, width="uniform")[0]
        worse[seed] = contexts_difference(run, run, "clarity", "clarity_input") if learned[seed] \
            else (math.nan, (math.nan, math.nan))
    note = "clarity per width: " + "; ".join(
        f"seed {s}: " + ", ".join(f"{w}: {single(select(runs, seed=s), width=w):.3f}" for w in widths) +
        f", inputs {single(select(runs, seed=s), 'clarity_input', width=default):.3f}"
        for s in sorted({seed_of(r) for r in runs}))
    guard = f"learning guard: sigma^2 = {default} learned ({LEARNED_SOURCE})"
    return [
        per_seed("F12a", "Fig. 3e: uniform feedback (one gain for all units) does no better than the stimuli: "
                 "clarity(uniform) - clarity(x)", uniform, -INF, 0.05,
                 source="notes §1.1 B5 quick: SC(sigma^2 = inf) < SC(x) < SC(sigma^2 = 0.2); derivation: at most "
                 f"0.05 above the inputs, the sampling error of a 20-context mean; {guard}",
                 note=join(note, uniform_note)),
        per_seed("F12b", "Fig. 3e: broad feedback kernels work: min over sigma^2 in [0.2, 1] of clarity - clarity(x)",
                 by_seed(runs, lambda rs: min(gain(rs, width=w) for w in broad)), 0.1, INF,
                 source="notes §1.1 B5 quick: SC(x) < SC(sigma^2 = 0.2) (prototype 0.69-0.76 vs 0.56); derivation: "
                 "by at least 0.1"),
        per_seed_interval("F12c", "Fig. 3e, 3-S1b: uniform feedback is worse than the mixed input in every seed: "
                          "clarity(uniform) - clarity(x), mean over the 20 test contexts",
                          worse, -INF, 0.0,
                          source="notes §1.1 B5 quick: SC(sigma^2 = inf) < SC(x) (prototype 0.28 < 0.56); sign claim: "
                          f"the bootstrap interval over the 20 test contexts must lie below 0; {guard}"),
    ]


def nfb_width(runs: Sequence[Run]) -> list[Claim]:
    def value(rs):
        return single(rs, n_fb=4, width=0.2) - max(single(rs, n_fb=n, width="uniform") for n in {r.point["n_fb"] for r in rs})

    return [per_seed("F13", "Fig. 3-S1b,c: uniform feedback fails for every N_FB: clarity(N_FB = 4, sigma^2 = 0.2) "
                     "- max over N_FB of clarity(uniform)", by_seed(runs, value), 0.2, INF,
                     source="notes §1.1 B5 (uniform at least 0.1 below the default) and the prototype's gap "
                     "(0.69-0.76 vs 0.28, notes §5); derivation: a gap of at least 0.2")]


def label(run: Run) -> str:
    return ",".join(f"{k}={v}" for k, v in run.point.items())


def population(runs: Sequence[Run]) -> list[Claim]:
    learned = {label(r): gain([r]) >= LEARNED for r in runs}
    guard = f"learning guard: the output learned ({LEARNED_SOURCE})"

    def each(key_fn):
        return {label(r): key_fn(r) for r in runs}

    unit, unit_note = guarded(each(lambda r: r.metrics["unit_clarity"]), learned)
    corr, corr_note = guarded(each(lambda r: abs(r.metrics["unit_readout_correlation"])), learned)
    ratio, ratio_note = guarded(each(lambda r: r.metrics["plane_angle_feedback"] / max(r.metrics["plane_angle_context"], 1e-9)),
                                learned)
    far, trend = {}, {}
    for r in runs:
        if not learned[label(r)]:
            far[label(r)] = trend[label(r)] = (math.nan, (math.nan, math.nan))
            continue
        angle = np.asarray(r.arrays["freeze_plane_angles"])[:, 1]
        side = np.asarray(r.arrays["freeze_same_side"]).astype(bool)
        distance = np.asarray(r.arrays["freeze_distance"])
        pairs = np.column_stack([angle, side, distance])

        def far_minus_close(p):
            same = p[:, 1] > 0.5
            return p[~same, 0].mean() - p[same, 0].mean() if same.any() and (~same).any() else math.nan

        def pearson(p):
            return float(np.corrcoef(p[:, 2], p[:, 0])[0, 1]) if np.ptp(p[:, 0]) > 0 else math.nan

        far[label(r)] = (far_minus_close(pairs), bootstrap_interval(pairs, far_minus_close))
        trend[label(r)] = (pearson(pairs), bootstrap_interval(pairs, pearson))
    angles = "; ".join(f"{label(r)}: plane fit {r.metrics['plane_angle_context']:.1f} vs "
                       f"{r.metrics['plane_angle_feedback']:.1f} deg, principal angles "
                       f"{r.metrics['angle_context']:.1f} vs {r.metrics['angle_feedback']:.1f} deg" for r in runs)
    return [
        per_seed("F14", "Fig. 4b,c: single units are not invariant: mean per-unit clarity of z (the output's is high)",
                 unit, 0, 0.6, source=f"notes §1.1 B6: per-unit SC(z) < 0.6 (pretrained 0.42-0.48); {guard}",
                 unit="run", note=join("output clarity " + fmt(metric(runs, "clarity")) + ", inputs " +
                                       fmt(metric(runs, "clarity_input")), unit_note)),
        per_seed("F15", "Fig. 4e: a linear decoder trained on other contexts recovers the sources from the modulated "
                 "population, not from the input: R^2(z) - R^2(x)",
                 each(lambda r: r.metrics["decoding_z"] - r.metrics["decoding_x"]), unit="run",
                 bands=bands((0.1, INF), (0.3, INF)),
                 source="notes §1.1 B6: > 0.1 quick, > 0.3 paper (pretrained R^2 z 0.96-0.99 vs x 0.46-0.47)",
                 note="; ".join(f"{label(r)}: R^2 x {r.metrics['decoding_x']:.3f}, z {r.metrics['decoding_z']:.3f}, "
                                f"y {r.metrics['decoding_y']:.3f}" for r in runs)),
        per_seed("F16", "Fig. 4d: invariance does not come from well-tuned units: |Pearson r(unit clarity, readout weight)|",
                 corr, 0, 0.3, unit="run", source=f"notes §1.1 B7: |r| < 0.3 (pretrained 0.02); {guard}", note=corr_note),
        per_seed("F17", "Fig. 5d: feedback rotates the activity plane back after a switch: plane angle after "
                 "un-freezing / plane angle from the switch alone (the paper's 3-D plane fit, 40 context pairs)",
                 ratio, 3, INF, unit="run",
                 source=f"notes §1.1 B8: > 3x (pretrained 42 +- 28 deg vs 2.8 +- 1.9 deg, ratio 15); {guard}",
                 note=join(angles, ratio_note)),
        per_seed_interval("F17b", "Fig. 5d: the plane rotates more for contexts on opposite sides of the diagonal "
                          "a11 = a21 ('far') than on the same side ('close'): mean angle after un-freezing, far - close",
                          far, 0.0, INF, unit="run",
                          source="paper Fig. 5d ('ctx far' > 'ctx close'); sign claim: the bootstrap interval over "
                          f"the 40 freeze pairs must lie above 0; {guard}"),
        per_seed_interval("F17c", "Fig. 5e: the further apart two contexts, the larger the rotation: Pearson "
                          "r(||A1 - A2||, angle after un-freezing) over the 40 freeze pairs",
                          trend, 0.0, 1.0, unit="run",
                          source="paper Fig. 5e (significant positive Pearson r); sign claim: the bootstrap interval "
                          f"over the 40 pairs must lie above 0; {guard}"),
    ]


# --- DaleRateNet -------------------------------------------------------------------------------
def context_difference(run: Run, a: str, b: str) -> tuple[float, tuple[float, float]]:
    """R²(decoder a) - R²(decoder b) of the context (a11, a21), with a bootstrap interval over
    the grid contexts (their cross-validated predictions are kept per context)."""
    effect = run.metrics[f"context_{a}"] - run.metrics[f"context_{b}"]
    target = run.arrays.get("context_target")
    if target is None:  # aggregated before per-context predictions were kept
        return effect, (math.nan, math.nan)
    target = np.asarray(target)
    pa, pb = np.asarray(run.arrays[f"context_prediction_{a}"]), np.asarray(run.arrays[f"context_prediction_{b}"])
    k = target.shape[1]
    units = np.column_stack([target, pa, pb])

    def r2(t, p):
        return np.mean(1 - ((t - p) ** 2).sum(0) / np.maximum(((t - t.mean(0)) ** 2).sum(0), 1e-12))

    def diff(u):
        return r2(u[:, :k], u[:, k:2 * k]) - r2(u[:, :k], u[:, 2 * k:])

    return float(effect), bootstrap_interval(units, diff, resamples=2000)


def dale(runs: Sequence[Run]) -> list[Claim]:
    learned = {label(r): gain([r]) >= LEARNED for r in runs}
    guard = f"learning guard: the output learned ({LEARNED_SOURCE})"

    def each_interval(a: str, b: str) -> dict:
        return {label(r): context_difference(r, a, b) if learned[label(r)] else (math.nan, (math.nan, math.nan))
                for r in runs}

    decoding, decoding_note = guarded({label(r): r.metrics["decoding_z"] - r.metrics["decoding_z_low"] for r in runs},
                                      learned)
    context_note = "; ".join(
        f"{label(r)}: context R^2 from z_H {r.metrics['context_z']:.3f}, z_L {r.metrics['context_z_low']:.3f}, "
        f"m linear {r.metrics['context_m']:.3f}, m quadratic {r.metrics['context_m_quadratic']:.3f}, "
        f"A^-1 from m {r.metrics['context_m_inverse']:.3f}" for r in runs)
    target = runs[0].params.get("target", "both")
    # a network other than the paper's default is named in every row it is judged on
    variant = "" if target == "both" else (
        f" [judged on a variant: modulation target {target}, not the paper's default 'both' (F24)]")
    low_zl, low_zl_note = guarded({label(r): r.metrics["context_z_low"] for r in runs}, learned)
    low_m, low_m_note = guarded({label(r): r.metrics["context_m"] for r in runs}, learned)
    return [
        per_seed("F18", f"Fig. 6b-d, 6-S1b: with positive rates, Dale's law and gains in (0, 1) the output is still "
                 f"invariant: clarity(y) - clarity(x){variant}",
                 {label(r): gain([r]) for r in runs}, unit="run", bands=bands((0.1, INF), (0.85 - PAPER_INPUT, INF)),
                 source="quick: derivation, a gain of at least 0.1 (the margin of F7a/F12b); paper: notes §1.1 B9 "
                 f"SC(y) > 0.85 against SC(x) = {PAPER_INPUT} -> gain >= {0.85 - PAPER_INPUT:.2f}",
                 note="clarity " + fmt(metric(runs, "clarity"))),
        per_seed("F19", "Fig. 6f: the sources are decodable from the modulated population z_H, not from z_L: "
                 f"R^2(z_H) - R^2(z_L){variant}", decoding, 0.2, INF, unit="run",
                 source=f"notes §1.1 B9: R^2(z_H) > R^2(z_L) + 0.2; {guard}",
                 note=join("; ".join(f"{label(r)}: R^2 z_L {r.metrics['decoding_z_low']:.3f}, z_H "
                                     f"{r.metrics['decoding_z']:.3f}, m {r.metrics['decoding_m']:.3f}" for r in runs),
                           decoding_note)),
        per_seed_interval("F20", "Fig. 7b-d: the context is decodable from the modulators nonlinearly better than "
                          f"linearly: R^2(quadratic decoder on m) - R^2(linear decoder on m), 5-fold cross-validated{variant}",
                          each_interval("m_quadratic", "m"), 0.0, INF, unit="run",
                          source="notes §1.1 B10: quadratic decoder on m > linear on m; sign claim: the bootstrap "
                          f"interval over the grid contexts must lie above 0; {guard}", note=context_note),
        per_seed_interval("F21", "Fig. 7a: the context is linearly decodable from z_H better than from the modulators "
                          f"m: R^2(z_H) - R^2(m), linear, 5-fold cross-validated{variant}",
                          each_interval("z", "m"), 0.0, INF, unit="run",
                          source="notes §1.1 B10: R^2(z_H) > R^2(m); paper Fig. 7a (R^2(m) low); sign claim: the "
                          f"bootstrap interval over the grid contexts must lie above 0; {guard}"),
        per_seed("F22a", "Fig. 7a: the context is poorly decodable (linearly) from the lower population z_L: "
                 f"R^2(z_L), 5-fold cross-validated{variant}", low_zl, -INF, 0.5, unit="run",
                 source="paper Fig. 7a (R^2(z_L) low; notes §1 table); derivation: 'low' read as at most half "
                 f"the variance of (a11, a21) explained; {guard}", note=low_zl_note),
        per_seed("F22b", "Fig. 7a: the context is poorly decodable linearly from the modulators m: R^2(m), "
                 f"linear, 5-fold cross-validated (nonlinearly it is well decodable: F20){variant}", low_m, -INF, 0.5,
                 unit="run", source="paper Fig. 7a (R^2(m) low; notes §1 table); derivation: 'low' read as at "
                 f"most half the variance of (a11, a21) explained; {guard}", note=low_m_note),
    ]


def dale_target(runs: Sequence[Run]) -> list[Claim]:
    """Fig. 6-S1c-e: the modulation target x the number of inhibitory units."""
    inhibited = sorted({r.point["n_inh"] for r in runs if r.point["n_inh"] > 0})
    default = max(inhibited) if inhibited else None
    targets = sorted({r.point["target"] for r in runs})
    inhibition = {}
    for seed in sorted({seed_of(r) for r in runs}):
        both, none = select(runs, seed=seed, target="both", n_inh=default), select(runs, seed=seed, target="both", n_inh=0)
        inhibition[seed] = contexts_difference(both[0], none[0]) if both and none else (math.nan, (math.nan, math.nan))
    table = "; ".join(f"seed {s}: " + ", ".join(
        f"{t}/N_I={n}: {single(select(runs, seed=s), target=t, n_inh=n):.3f}" for t in targets
        for n in sorted({r.point['n_inh'] for r in runs})) + f", inputs {metric(select(runs, seed=s), 'clarity_input')[0]:.3f}"
        for s in sorted({seed_of(r) for r in runs}))
    return [
        per_seed_interval("F23", f"Fig. 6-S1d,e: feed-forward inhibition is needed: clarity(both paths modulated, "
                          f"N_I = {default}) - clarity(both, no inhibition), mean over the 20 test contexts",
                          inhibition, 0.0, INF,
                          source="paper Fig. 6-S1 (without inhibition the modulation fluctuates fast and does not "
                          "switch with the context; notes §1 table); sign claim: the bootstrap interval over the 20 "
                          "test contexts must lie above 0", note=table),
        per_seed("F24", f"Fig. 6-S1c: every modulation target works with inhibition: min over targets "
                 f"({', '.join(targets)}) and N_I > 0 of clarity(y) - clarity(x)",
                 by_seed(runs, lambda rs: min(gain(rs, target=t, n_inh=n) for t in targets for n in inhibited)),
                 bands=bands((0.1, INF), (0.85 - PAPER_INPUT, INF)),
                 source="paper Fig. 6-S1c (SC ~ 1 for all targets and N_I); thresholds as F18 (quick: gain >= 0.1; "
                 "paper: notes §1.1 B9 SC(y) > 0.85)"),
    ]
