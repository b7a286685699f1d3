"""Every claim function of the invariances study on synthetic runs: each verdict flips when a
seed crosses its threshold, and one failing seed among passing ones fails the claim (or, for
the orientation cell's rate, counts against it)."""

from __future__ import annotations

import math

import pytest

from neurosweep.aggregate import Run
from neurosweep.studies.invariances import claims as C

GOOD = {  # a seed that learned its manifold (values inside every band)
    "act_mean": 0.98, "act_min": 0.97, "act_frac_09": 1.0, "mean_corr": 0.0, "phase_winding": -1.0,
    "phase_coverage": 1.0, "orientation_winding": 1.0, "orientation_coverage": 1.0, "r_max": 14.0,
    "reg_start": 0.25, "reg_end_phase1": 0.37, "act_end_phase1": 0.95, "act_final": 0.97,
    "alone_corr_mean": 0.3, "alone_act_mean": 0.8, "sign_switches": 2, "phase_winding_axis0": 1.0,
    "phase_winding_axis1": 0.0, "phase_alignment": 1.0, "orientation_alignment": 1.0,
}
COLLAPSED = {**GOOD, "mean_corr": 0.99, "act_min": 0.99}


def run(cell="complex", seed=41, tau=0.3, grid=40, neuron=None, **metrics) -> Run:
    params = {"cell": cell, "seed": seed, "tau": tau, "grid": grid, "res": 10}
    if neuron:
        params["neuron"] = neuron
    base = COLLAPSED if cell == "simple" else GOOD
    return Run(point={"cell": cell, "seed": seed}, params=params, metrics={**base, **metrics}, arrays={})


def verdict(claims, claim_id, scale="quick"):
    [claim] = [c for c in claims if c.claim == claim_id]
    return claim.apply_scale(scale)


def passes(claims, claim_id, scale="quick") -> bool:
    return verdict(claims, claim_id, scale).passed


def flips(function, claim_id, cell, key, good, bad, seeds=(41, 42, 43), scale="quick", **kw):
    """All seeds good: holds. One seed bad among good ones: fails, and that seed is the worst."""
    assert passes(function([run(cell, s, **kw, **{key: good}) for s in seeds]), claim_id, scale)
    mixed = function([run(cell, s, **kw, **{key: bad if s == seeds[1] else good}) for s in seeds])
    claim = verdict(mixed, claim_id, scale)
    assert not claim.passed and claim.worst.endswith(str(seeds[1])), (claim_id, claim.row())


@pytest.mark.parametrize("claim_id,key,good,bad", [
    ("I5", "act_min", 0.96, 0.94), ("I6", "phase_winding", -1.2, 0.3), ("I6", "phase_winding", 1.4, 1.6),
    ("I7", "phase_coverage", 0.92, 0.88), ("I8", "mean_corr", 0.15, 0.25)])
def test_complex_circle(claim_id, key, good, bad):
    flips(C.complex_circle, claim_id, "complex", key, good, bad)


def test_activation_band_is_scale_aware():
    runs = [run(act_min=0.96)]
    assert passes(C.complex_circle(runs), "I5", "quick")
    assert not passes(C.complex_circle(runs), "I5", "paper")  # paper band: >= 0.97
    assert passes(C.complex_circle([run(act_min=0.975)]), "I5", "paper")


def test_learning_guard_fails_a_seed_that_did_not_learn():
    # images at init are diverse and may even wind: without learning, I8 must still fail
    runs = [run(seed=41), run(seed=42, act_mean=0.2, act_min=0.1)]
    for claim_id in ("I6", "I7", "I8"):
        claim = verdict(C.complex_circle(runs), claim_id)
        assert not claim.passed and claim.worst == "seed 42" and "did not learn" in claim.note


@pytest.mark.parametrize("claim_id,key,good,bad", [("I9", "mean_corr", 0.95, 0.85), ("I10", "act_min", 0.96, 0.9)])
def test_simple_circle(claim_id, key, good, bad):
    flips(C.simple_circle, claim_id, "simple", key, good, bad)


def test_orientation_cell_is_a_rate_of_three_in_five():
    seeds = (1, 41, 42, 43, 44)
    def rate(n_bad, **bad):
        return C.orientation_circle([run("orientation", s, **(bad if i < n_bad else {})) for i, s in enumerate(seeds)])
    for n_bad, holds in ((0, True), (1, True), (2, True), (3, False)):
        assert passes(rate(n_bad, act_min=0.8), "I11") is holds
        assert passes(rate(n_bad, orientation_winding=0.1), "I12") is holds
        assert passes(rate(n_bad, orientation_winding=0.1), "I11")  # winding does not affect I11
    claim = verdict(rate(3, orientation_winding=2.0), "I12")
    assert claim.measured == pytest.approx(0.4) and "2 of 5" in claim.note and claim.worst == "seed 1"
    assert not passes(rate(3, act_mean=0.5), "I12")  # not learned: not a success


@pytest.mark.parametrize("claim_id,key,good,bad", [("I13", "sign_switches", 2, 4), ("I13", "sign_switches", 2, 0),
                                                    ("I13b", "act_frac_09", 0.92, 0.85)])
def test_polarity(claim_id, key, good, bad):
    flips(C.polarity_circle, claim_id, "polarity", key, good, bad)


@pytest.mark.parametrize("claim_id,key,good,bad", [("I14", "reg_end_phase1", 0.31, 0.29),
                                                    ("I15", "act_final", 0.945, 0.935)])
def test_training_claims(claim_id, key, good, bad):
    # reg_start 0.25: a rise of 0.06 holds, 0.04 does not; act_end_phase1 0.95: -0.005 holds, -0.015 not
    flips(C.training_claims, claim_id, "complex", key, good, bad)


def test_training_claims_ignore_the_simple_cell():
    assert C.training_claims([run("simple", reg_end_phase1=0.0)]) == []


def test_render_check():
    flips(C.render_claims, "I16", "complex", "alone_corr_mean", 0.5, 0.95)
    assert verdict(C.render_claims([run()]), "I16").kind == "check"
    # a collapsed simple cell renders the same alone: not judged
    assert passes(C.render_claims([run(), run("simple", alone_corr_mean=1.0)]), "I16")


def test_temperature_judged_on_its_own_runs_at_tau_03():
    runs = [run(seed=s, tau=t) for s in (43, 44) for t in (0.1, 0.3, 1.0)]
    assert passes(C.temperature(runs), "I17")
    bad = [run(seed=s, tau=t, phase_winding=0.1 if (s, t) == (44, 0.3) else -1.0) for s in (43, 44) for t in (0.1, 0.3, 1.0)]
    claim = verdict(C.temperature(bad), "I17")
    assert not claim.passed and claim.worst == "seed 44"
    low_act = [run(seed=s, tau=0.3, act_min=0.9 if s == 43 else 0.97) for s in (43, 44)]
    assert not passes(C.temperature(low_act), "I17")
    # other temperatures are reported, not judged
    other = [run(seed=43, tau=0.3), run(seed=43, tau=1.0, phase_winding=0.0)]
    claim = verdict(C.temperature(other), "I17")
    assert claim.passed and "tau 1: seed 43 winding 0.00" in claim.note
    assert C.temperature([run(tau=1.0)]) == []


@pytest.mark.parametrize("claim_id,key,good,bad", [
    ("I18", "act_min", 0.96, 0.94), ("I19", "phase_coverage", 0.85, 0.75),
    ("I19a", "phase_winding_axis0", 0.9, 0.2),  # the seed that winds (0, 0) fails
    ("I19b", "phase_winding_axis1", 0.3, 0.8)])  # a diagonal code (1, 1) fails
def test_torus_per_axis(claim_id, key, good, bad):
    flips(C.torus, claim_id, "complex", key, good, bad)


def test_torus_either_axis_may_carry_the_phase():
    runs = [run(seed=41), run(seed=42, phase_winding_axis0=0.05, phase_winding_axis1=-1.0)]
    for claim_id in ("I19a", "I19b"):
        assert passes(C.torus(runs), claim_id)


def test_torus_disentanglement_and_collapse():
    flips(C.torus, "I20", "phase_orientation", "orientation_alignment", 0.85, 0.6)
    flips(C.torus, "I21", "simple", "mean_corr", 0.95, 0.8)


def test_sheet():
    flips(C.sheet, "I22", "complex", "act_frac_09", 0.95, 0.85)


def test_grid_size_judges_the_largest_grid():
    runs = [run(seed=s, grid=g, phase_winding=0.0 if g == 24 else 1.0) for s in (41, 42) for g in (24, 100)]
    claim = verdict(C.grid_size(runs), "I23")
    assert claim.passed and "G 24: 0 of 2" in claim.note and "G = 100" in claim.description
    runs[-1] = run(seed=42, grid=100, phase_winding=0.2)
    assert not verdict(C.grid_size(runs), "I23").passed


def test_macaque_every_neuron_and_seed():
    runs = [run("macaque", s, neuron=n, act_mean=0.95) for n in "ABC" for s in (41, 42)]
    assert passes(C.macaque(runs), "I24")
    runs[3] = run("macaque", 42, neuron="B", act_mean=0.85)
    claim = verdict(C.macaque(runs), "I24")
    assert not claim.passed and claim.worst == "neuron and seed neuron B 42"


def test_every_paper_claim_cites_a_source_and_checks_are_apart():
    runs = [run(cell, s) for cell in ("complex", "simple", "orientation", "polarity") for s in (41, 42)]
    claims = (C.complex_circle(runs[:2]) + C.simple_circle(runs[2:4]) + C.orientation_circle(runs[4:6])
              + C.polarity_circle(runs[6:]) + C.training_claims(runs) + C.render_claims(runs)
              + C.torus(runs[:2]) + C.temperature(runs[:2]))
    assert all(c.source for c in claims if c.kind == "paper")
    assert {c.claim for c in claims if c.kind == "check"} == {"I16"}


def test_model_checks_hold_and_are_checks():
    checks = C.model_claims(10)
    assert [c.claim for c in checks] == ["I1", "I1b", "I2", "I3", "I4a", "I4b", "I4c"]
    assert all(c.kind == "check" and c.passed for c in checks), [c.row() for c in checks if not c.passed]


def test_nan_seed_fails():
    assert not passes(C.complex_circle([run(), run(seed=42, act_min=math.nan)]), "I5")


def test_torus_learning_guard():
    # a seed that did not learn fails every claim about its manifold, even with a winding that looks right
    runs = [run(seed=41), run(seed=42, act_mean=0.3)]
    for claim_id in ("I19", "I19a", "I19b"):
        claim = verdict(C.torus(runs), claim_id)
        assert not claim.passed and claim.worst == "seed 42" and math.isnan(claim.measured), claim.row()
