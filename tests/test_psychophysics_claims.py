"""Every psychophysics claim function on synthetic runs: each verdict flips across its threshold,
one failing seed among passing ones fails the claim, and a network that did not learn fails."""

import math

import numpy as np
import pytest

from neurosweep.aggregate import Run
from neurosweep.studies.psychophysics import hue, linear, orientation, pretrained, supervised


def verdicts(claims):
    return {c.claim: c for c in claims}


# ----------------------------------------------------------------------------------------------
# linear (T1, T2a/b, T3, T4, T5a/b, T6a/b/c)
# ----------------------------------------------------------------------------------------------

STEPS = 400
DEPTH_M0 = {"tied": 2e-2, "2": 4e-4, "3": 1e-5}  # smaller m0 with depth: longer, sharper
EIGVALS = 1.0 / np.arange(1, 11)


def linear_run(depth="tied", seed=0, slope=-1.3, order_slope=-1.0, decreases=0, growth=0.5,
               error=0.05, m0=None):
    """A fake linear run: logistic PC traces with t½ ∝ λ^order_slope, acuity ∝ t^growth."""
    steps = np.arange(STEPS + 1, dtype=float)
    m0 = DEPTH_M0[depth] if m0 is None else m0
    t_half = 20.0 * (EIGVALS / EIGVALS[0]) ** order_slope
    rate = math.log(1 / m0 - 1) / t_half
    trace = 1 / (1 + (1 / m0 - 1) * np.exp(-np.outer(steps, rate)))
    snaps = np.arange(20, STEPS + 1, 20, dtype=float)
    acuity = 0.05 * (snaps / 20) ** growth
    for k in range(decreases):
        acuity[5 + 3 * k] = acuity[4 + 3 * k] * 0.9
    params = {"depth": depth, "seed": seed}
    arrays = {"t_half": t_half, "eigvals": EIGVALS, "trace": trace, "snap_steps": snaps,
              "acuity": acuity, "freqs": np.array([0.01, 1.0])}
    metrics = {"eigen_slope": slope, "theory_max_error": error, "theory_nominal_max_error": error,
               "fisher_max_rel_error": error, "predicted_acuity_exponent": 0.5}
    return Run(dict(params), params, metrics, arrays)


def linear_sweep(changes=None):
    changes = changes or {}
    """Three depths × three seeds; ``changes`` maps (depth, seed) to keyword overrides."""
    return [linear_run(d, s, **changes.get((d, s), {})) for d in ("tied", "2", "3") for s in (0, 1, 2)]


def test_linear_claims_hold_on_good_runs():
    v = verdicts(linear.claims(linear_sweep()))
    for claim in ("T1", "T2a", "T2b", "T3", "T4", "T5a", "T5b", "T6a", "T6b", "T6c"):
        assert v[claim].passed, (claim, v[claim].row())
    assert {v[c].kind for c in ("T3", "T4")} == {"check"}
    assert all(v[c].kind == "paper" and v[c].source for c in ("T1", "T2a", "T5a", "T6b"))


@pytest.mark.parametrize("claim, change, worst", [
    ("T1", {"slope": -0.5}, "seed 1"),
    ("T2b", {"order_slope": -1.4}, "run tied/s1"),
    ("T3", {"error": 0.2}, "seed 1"),
    ("T4", {"error": 0.2}, "seed 1"),
    ("T6a", {"decreases": 1}, "seed 1"),
    ("T6b", {"growth": 0.9}, "seed 1"),
    ("T6b", {"growth": 0.2}, "seed 1"),  # the low side of 0.5 +- 0.15 too
])
def test_one_failing_tied_seed_fails_the_linear_claim(claim, change, worst):
    v = verdicts(linear.claims(linear_sweep({("tied", 1): change})))
    assert not v[claim].passed and v[claim].worst == worst


def test_learning_order_needs_five_learned_pcs_and_the_right_order():
    # a run whose PCs are learned in reverse order of variance fails T2a
    v = verdicts(linear.claims(linear_sweep({("2", 2): {"order_slope": 1.0}})))
    assert not v["T2a"].passed and v["T2a"].worst == "run 2/s2"
    # nothing learned: t½ never reached (all NaN) → NaN → FAIL
    runs = linear_sweep()
    runs[0].arrays["t_half"] = np.full(10, np.nan)
    assert not verdicts(linear.claims(runs))["T2a"].passed


def test_acuity_that_never_grows_fails_t6a_even_without_decreases():
    v = verdicts(linear.claims(linear_sweep({("tied", 0): {"growth": 0.0}})))
    assert not v["T6a"].passed and math.isnan(v["T6a"].measured)


def test_depth_ordering_t5_flips_when_one_seed_is_out_of_order():
    # seed 2's three-layer net starts as far from 0 as its two-layer net: no longer plateau
    v = verdicts(linear.claims(linear_sweep({("3", 2): {"m0": DEPTH_M0["tied"]}})))
    assert not v["T5a"].passed and not v["T5b"].passed
    assert v["T5a"].worst == "seed 2" and v["T5a"].measured < 1
    # a missing depth makes the seed NaN (the claim cannot hold)
    runs = [r for r in linear_sweep() if not (r.params["depth"] == "3" and r.params["seed"] == 1)]
    assert not verdicts(linear.claims(runs))["T5a"].passed


def test_t6c_r2_threshold():
    runs = linear_sweep()
    noisy = runs[1].arrays["acuity"]
    noisy[::2] *= 1.6  # zig-zag: acuity² far from a line (and decreases)
    v = verdicts(linear.claims(runs))
    assert not v["T6c"].passed and v["T6c"].worst == "seed 1"


# ----------------------------------------------------------------------------------------------
# orientation (T0a, T7a/b, T8a/b, T9a/b, T10, T0c)
# ----------------------------------------------------------------------------------------------

THETAS = np.arange(0, 180, 2.5)


def curve(card_obl_ratio, shift_deg=0.0):
    """J(θ) with a given card/obl (cos 4θ modulation), optionally rotated by shift_deg."""
    c = (card_obl_ratio - 1) / (card_obl_ratio + 1)
    return 1 + c * np.cos(np.deg2rad(4 * (THETAS - shift_deg)))


def orientation_run(model="linear", kappa=0.5, theta0=0.0, seed=0, trained=2.5, init=1.0,
                    shuffles=(1.0, 1.0), flat=1.2, loss_end=0.1, pearson=0.9, fd=1e-6,
                    rise=1.3, iso=1.0, shift=0.0):
    layers = 1 if model == "linear" else 3
    if model == "deep":
        per_layer = [trained / rise ** (layers - 1 - i) for i in range(layers)]
    else:
        per_layer = [trained]
    fisher = np.stack([np.stack([curve(init)] * layers),
                       np.stack([curve(v, shift) for v in per_layer]),
                       np.stack([curve(1.0)] * layers)])
    ratios = orientation.card_obl(fisher, THETAS, 5.0)
    arrays = {"thetas_deg": THETAS, "fisher": fisher, "card_obl": ratios,
              "loss": np.array([1.0, loss_end]),
              "max_min": np.full((3, layers), flat),
              "card_obl_shuffles": np.tile(np.array(shuffles)[:, None], (1, layers)),
              "max_min_shuffles": np.full((len(shuffles), layers), flat)}
    params = {"model": model, "kappa": kappa, "theta0": theta0, "seed": seed}
    metrics = {"fisher_fd_rel_error": fd, "fisher_variance_pearson": pearson,
               "card_obl_trained_code": iso, "card_obl_theory": 1.0}
    return Run(dict(params), params, metrics, arrays)


def orientation_sweep(changes=None):
    changes = changes or {}
    runs = []
    for model in ("linear", "deep"):
        for kappa, theta0 in ((0.5, 0.0), (0.5, 45.0), (0.0, 0.0)):
            for seed in (0, 1, 2):
                trained = {(0.5, 0.0): 2.5, (0.5, 45.0): 1 / 2.5, (0.0, 0.0): 1.0}[kappa, theta0]
                kwargs = {"trained": trained, **changes.get((model, kappa, theta0, seed), {})}
                runs.append(orientation_run(model, kappa, theta0, seed, **kwargs))
    return runs


def test_orientation_claims_hold_on_good_runs():
    v = verdicts(orientation.claims(orientation_sweep()))
    for claim in ("T0a", "T7a", "T7b", "T8a", "T8b", "T9a", "T9b", "T10", "T0c"):
        assert v[claim].passed, (claim, v[claim].row())
    assert v["T0a"].kind == v["T0c"].kind == "check"


@pytest.mark.parametrize("claim, key, change, worst", [
    # one single shuffle outside the band fails T7a even though the mean of shuffles is ~1
    ("T7a", ("deep", 0.5, 0.0, 1), {"shuffles": (1.0, 0.77, 1.2)}, "run deep/k0.5/t0/s1"),
    ("T7a", ("linear", 0.5, 45.0, 2), {"init": 1.3}, "run linear/k0.5/t45/s2"),
    ("T7b", ("deep", 0.5, 45.0, 0), {"flat": 1.4}, "run deep/k0.5/t45/s0"),
    ("T8a", ("deep", 0.5, 0.0, 2), {"trained": 1.4}, "run deep/k0.5/t0/s2"),
    ("T8b", ("deep", 0.5, 0.0, 1), {"rise": 0.9}, "seed 1"),
    ("T9a", ("linear", 0.5, 45.0, 1), {"shift": 15.0}, "run linear/k0.5/t45/s1"),
    ("T10", ("linear", 0.5, 0.0, 2), {"pearson": 0.7}, "seed 2"),
    ("T0a", ("deep", 0.0, 0.0, 0), {"fd": 1e-3}, "run deep/k0/t0/s0"),
    ("T0c", ("linear", 0.0, 0.0, 1), {"iso": 1.2}, "seed 1"),
])
def test_one_failing_run_fails_the_orientation_claim(claim, key, change, worst):
    v = verdicts(orientation.claims(orientation_sweep({key: change})))
    assert not v[claim].passed and v[claim].worst == worst, v[claim].row()


def test_t9_fails_when_the_rotated_run_is_not_oblique():
    v = verdicts(orientation.claims(orientation_sweep({("deep", 0.5, 45.0, 0): {"trained": 0.8}})))
    assert not v["T9b"].passed and v["T9b"].worst == "run deep/k0.5/t45/s0"


@pytest.mark.parametrize("claim", ["T8a", "T8b", "T9a", "T9b", "T10"])
def test_orientation_claims_about_trained_nets_need_learning(claim):
    """Loss that did not fall: the run counts as NaN even where its numbers look right."""
    key = ("linear", 0.5, 45.0, 0) if claim.startswith("T9") else \
        ("deep" if claim == "T8b" else "linear", 0.5, 0.0, 0)
    v = verdicts(orientation.claims(orientation_sweep({key: {"loss_end": 0.9}})))
    assert not v[claim].passed and math.isnan(v[claim].measured)


# ----------------------------------------------------------------------------------------------
# hue (T11, T12)
# ----------------------------------------------------------------------------------------------

HUES = np.arange(0, 360, 2.0)


def hue_density(rotation):
    return np.exp(2.5 * np.cos(np.deg2rad(HUES - 30 - rotation))) + \
        0.5 * np.exp(6 * np.cos(np.deg2rad(HUES - 220 - rotation)))


def hue_run(rotation, seed, follow=1.0, shift=0.0, loss_end=0.2):
    """J_trained = J_init·(1 + follow·density shifted by ``shift``)."""
    density = hue_density(rotation)
    layer = hue.LAYER_NAMES.index(hue.CLAIM_LAYER)
    init = np.ones((len(hue.LAYER_NAMES), len(HUES)))
    trained = init.copy()
    gain = 1 + follow * np.roll(hue_density(rotation + shift), 0) / density.max()
    trained[layer] = gain if follow else np.ones_like(HUES) + 1e-3 * np.sin(np.deg2rad(7 * HUES))
    params = {"hue_rotation": rotation, "seed": seed}
    arrays = {"J_opponent": np.stack([init, trained]), "density": density, "hue_deg": HUES,
              "loss": np.array([3.0, loss_end])}
    return Run(dict(params), params, {"hue_space": "opponent"}, arrays)


def hue_sweep(changes=None):
    changes = changes or {}
    return [hue_run(rot, s, **changes.get((rot, s), {})) for rot in (0.0, 90.0) for s in (0, 1, 2)]


def test_hue_claims_hold_on_good_runs():
    v = verdicts(hue.claims(hue_sweep()))
    assert v["T11"].passed and v["T11"].measured == pytest.approx(90, abs=2)
    assert v["T12"].passed and v["T12"].measured <= 0.05


def test_one_seed_with_the_wrong_lag_fails_t11():
    v = verdicts(hue.claims(hue_sweep({(90.0, 2): {"shift": -30.0}})))
    assert not v["T11"].passed and v["T11"].worst == "seed 2"


def test_t11_needs_both_runs_to_learn():
    v = verdicts(hue.claims(hue_sweep({(0.0, 1): {"loss_end": 2.0}})))
    assert not v["T11"].passed and math.isnan(v["T11"].measured)


def test_one_run_whose_gain_ignores_the_density_fails_t12():
    v = verdicts(hue.claims(hue_sweep({(0.0, 1): {"follow": 0.0}})))
    assert not v["T12"].passed and v["T12"].worst == "run rot0/s1"
    # a gain following a shifted density (peaks at the wrong hues) fails too
    v = verdicts(hue.claims(hue_sweep({(90.0, 0): {"shift": 120.0}})))
    assert not v["T12"].passed and v["T12"].worst == "run rot90/s0"


# ----------------------------------------------------------------------------------------------
# supervised (T13–T16b)
# ----------------------------------------------------------------------------------------------

def supervised_run(condition, seed, ratio, growth=100.0):
    params = {"condition": condition, "seed": seed}
    metrics = {"ratio_common_rare": ratio, "ratio_highkeep_lowkeep": ratio,
               "sensitivity_growth": growth, "final_accuracy": 0.5}
    return Run(dict(params), params, metrics, {})


GOOD = {"frequency": 5.0, "uniform": 1.1, "label_noise": 3.0, "balanced": 6.0, "equal_rate": 1.0}
CLAIM_OF = {"frequency": "T13", "uniform": "T14", "label_noise": "T15", "balanced": "T16",
            "equal_rate": "T16b"}


def supervised_sweep(bad=None, **change):
    return [supervised_run(c, s, **(change if (c, s) == bad else {"ratio": value}))
            for c, value in GOOD.items() for s in (0, 1, 2)]


def test_supervised_claims_hold_on_good_runs():
    v = verdicts(supervised.claims(supervised_sweep()))
    assert all(v[c].passed and v[c].source for c in CLAIM_OF.values())
    assert [c for c in CLAIM_OF.values() if v[c].kind == "check"] == ["T16b"]  # the notes' control


@pytest.mark.parametrize("condition, ratio", [
    ("frequency", 2.9), ("uniform", 2.1), ("uniform", 0.45), ("label_noise", 1.4),
    ("balanced", 2.9), ("equal_rate", 2.1), ("equal_rate", 0.45)])
def test_one_failing_seed_fails_the_supervised_claim(condition, ratio):
    v = verdicts(supervised.claims(supervised_sweep((condition, 1), ratio=ratio)))
    claim = v[CLAIM_OF[condition]]
    assert not claim.passed and claim.worst == "seed 1" and claim.measured == pytest.approx(ratio)


@pytest.mark.parametrize("condition", list(GOOD))
def test_supervised_claims_need_a_network_that_learned(condition):
    v = verdicts(supervised.claims(supervised_sweep(
        (condition, 2), ratio=GOOD[condition], growth=supervised.MIN_GROWTH * 0.9)))
    claim = v[CLAIM_OF[condition]]
    assert not claim.passed and math.isnan(claim.measured) and claim.worst == "seed 2"


# ----------------------------------------------------------------------------------------------
# pretrained (P1, P3; optional stage)
# ----------------------------------------------------------------------------------------------

def pretrained_run(seed, trained=3.0, init=1.0, shuffled=1.0):
    metrics = {"card_obl/trained/fc": trained, "card_obl/init/fc": init,
               "card_obl/shuffled/fc": shuffled}
    return Run({"arch": "resnet18", "seed": seed}, {"arch": "resnet18", "seed": seed}, metrics,
               {"layers": np.array(["conv1", "fc"])})


@pytest.mark.parametrize("claim, change", [
    ("P1-resnet18", {"trained": 1.4}), ("P3-resnet18-init", {"init": 1.3}),
    ("P3-resnet18-shuffled", {"shuffled": 0.75})])
def test_pretrained_claims_flip_per_seed(claim, change):
    good = verdicts(pretrained.claims([pretrained_run(0), pretrained_run(1)]))
    assert all(c.passed for c in good.values())
    v = verdicts(pretrained.claims([pretrained_run(0), pretrained_run(1, **change)]))
    assert not v[claim].passed and v[claim].worst == "seed 1"
