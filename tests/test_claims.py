"""The claims standard: kinds, cited sources, per-seed worst cases, rates, intervals, bands, the
claims.tsv round trip, gathering and the summary that counts paper claims and checks apart."""

import math

import numpy as np
import pytest

from neurosweep.claims import (COLUMNS, Claim, apply_scale, bootstrap_interval, check,
                               gather_claims, per_seed, per_seed_interval, read_claims,
                               success_rate, summary, write_claims, write_rows)

SRC = "derivation: test"


@pytest.mark.parametrize("measured, low, high, passed", [
    (0.5, 0.0, 1.0, True),
    (0.0, 0.0, 1.0, True),      # closed range: both ends included
    (1.0, 0.0, 1.0, True),
    (-1e-12, 0.0, 1.0, False),
    (1.0 + 1e-12, 0.0, 1.0, False),
    (2.0, 2.0, 2.0, True),
    (math.nan, 0.0, 1.0, False),  # NaN never passes
    (math.nan, -math.inf, math.inf, False),
    (1e300, 0.0, math.inf, True),
    (math.inf, 0.0, math.inf, True),
    (-5.0, -math.inf, 0.0, True),
    (0.5, 1.0, 0.0, False),     # empty range
])
def test_passed(measured, low, high, passed):
    assert Claim("c", "d", measured, low, high, source=SRC).passed is passed


def test_default_range_is_unbounded():
    claim = Claim("c", "d", -1e308, source=SRC)
    assert claim.low == -math.inf and claim.high == math.inf and claim.passed


def test_a_paper_claim_must_cite_its_threshold_and_kinds_are_known():
    with pytest.raises(ValueError, match="c7: a paper claim must name the source"):
        Claim("c7", "d", 1.0, 0.0, 2.0)
    with pytest.raises(ValueError, match="kind must be one of"):
        Claim("c", "d", 1.0, kind="claim", source=SRC)
    assert check("c", "an identity", 0.0, 0.0, 0.0).kind == "check"  # checks need no source


def test_per_seed_reports_the_worst_seed_and_one_failing_seed_fails():
    holds = per_seed("F6", "gap", {0: 0.2, 1: 0.08, 2: 0.3}, 0.05, source=SRC)
    assert holds.passed and holds.measured == 0.08 and holds.worst == "seed 1"
    assert holds.margin == pytest.approx(0.03)
    assert "seed 0 0.2, 1 0.08, 2 0.3" in holds.note.replace("per seed: ", "seed ")
    # the mean (0.18) would pass; seed 0 does not, so the claim fails and names it
    fails = per_seed("F6", "gap", {0: 0.01, 1: 0.23, 2: 0.3}, 0.05, source=SRC)
    assert not fails.passed and fails.worst == "seed 0" and fails.margin == pytest.approx(-0.04)


def test_per_seed_two_sided_band_and_nan_seed():
    claim = per_seed("T7", "ratio near 1", {"a": 0.9, "b": 1.3, "c": 1.0}, 0.8, 1.25, source=SRC)
    assert claim.worst == "seed b" and not claim.passed
    nan_seed = per_seed("x", "d", {0: 1.0, 1: math.nan}, 0.0, 2.0, source=SRC)
    assert nan_seed.worst == "seed 1" and not nan_seed.passed
    empty = per_seed("x", "d", {}, 0.0, 2.0, source=SRC)
    assert math.isnan(empty.measured) and not empty.passed


def test_success_rate_states_rate_seeds_and_failures():
    claim = success_rate("I12", "winds once", {41: False, 42: True, 43: True, 44: True, 45: True},
                         0.8, source=SRC)
    assert claim.measured == 0.8 and claim.passed and claim.worst == "seed 41"
    assert "4 of 5 seeds succeed (at least 0.8 needed); failing seeds: 41" in claim.note
    assert not success_rate("I12", "d", {1: False, 2: True}, 0.8, source=SRC).passed


def test_interval_must_lie_inside_the_band():
    inside = Claim("F9b", "gain > 0", 0.1, 0.0, source=SRC, interval=(0.02, 0.2))
    assert inside.passed and inside.margin == pytest.approx(0.02)
    straddles = Claim("F9b", "gain > 0", 0.1, 0.0, source=SRC, interval=(-0.01, 0.2))
    assert not straddles.passed and straddles.margin == pytest.approx(-0.01)
    # a seed outside the band fails even when the interval (of another quantity) lies inside
    seeds = per_seed("P15", "gap", {0: -0.1, 1: 0.3}, 0.0, source=SRC)
    seeds.interval = (0.05, 0.2)
    assert not seeds.passed and seeds.margin == pytest.approx(-0.1)
    unknown = Claim("F9b", "gain > 0", 0.1, 0.0, source=SRC, interval=(math.nan, math.nan))
    assert not unknown.passed and math.isnan(unknown.margin)


def test_per_seed_interval_names_the_seed_whose_interval_comes_closest():
    estimates = {0: (0.2, (0.1, 0.3)), 1: (0.1, (-0.02, 0.2)), 2: (0.3, (0.2, 0.4))}
    fails = per_seed_interval("F9b", "gain > 0", estimates, 0.0, source=SRC)
    assert not fails.passed and fails.worst == "seed 1" and fails.margin == pytest.approx(-0.02)
    assert "seed (95% bootstrap interval): 0 0.2 [0.1, 0.3], 1 0.1 [-0.02, 0.2]" in fails.note
    estimates[1] = (0.1, (0.01, 0.2))
    holds = per_seed_interval("F9b", "gain > 0", estimates, 0.0, source=SRC)
    assert holds.passed and holds.worst == "seed 1" and holds.interval == (0.01, 0.2)
    unknown = per_seed_interval("F9b", "d", {0: (0.2, (math.nan, math.nan))}, 0.0, source=SRC)
    assert not unknown.passed and math.isnan(unknown.measured)
    assert not per_seed_interval("F9b", "d", {}, 0.0, source=SRC).passed


def test_bootstrap_interval_resamples_units():
    rng = np.random.default_rng(1)
    clear = bootstrap_interval(rng.normal(1.0, 0.1, 20))
    assert 0.9 < clear[0] < 1.0 < clear[1] < 1.1
    noisy = bootstrap_interval(np.array([-1.0, 2.0, -0.5, 1.0]))
    assert noisy[0] < 0 < noisy[1]
    # units can be rows: a statistic over pairs built from resampled units
    rows = np.array([[1.0, 2.0], [1.5, 2.5], [0.5, 2.0], [1.0, 3.0]])
    low, high = bootstrap_interval(rows, lambda r: float(np.mean(r[:, 1] - r[:, 0])))
    assert 0.5 < low <= high < 2.0
    assert all(math.isnan(v) for v in bootstrap_interval([1.0]))


def test_bands_follow_the_scale_and_repick_the_worst_seed():
    bands = {"quick": (0.15, math.inf), "paper": (0.9, math.inf)}
    claim = per_seed("F1", "clarity", {0: 0.95, 1: 0.85}, source=SRC, bands=bands)
    (quick,) = apply_scale([claim], "quick")
    assert quick.band == "quick" and quick.passed and quick.low == 0.15
    paper = per_seed("F1", "clarity", {0: 0.95, 1: 0.85}, source=SRC, bands=bands).apply_scale("paper")
    assert paper.band == "paper" and not paper.passed and paper.worst == "seed 1"
    plain = Claim("c", "d", 1.0, 0.0, 2.0, source=SRC).apply_scale("paper")
    assert plain.band == "any" and plain.passed
    own = Claim("c", "d", 1.5, source=SRC, bands={"quick": (0, 1), "paper": (0, 2)}).apply_scale("tiny")
    assert own.band == "quick (scale tiny has no band of its own)" and not own.passed
    with pytest.raises(ValueError, match="neither for scale 'medium' nor 'quick'"):
        Claim("c", "d", 1.0, source=SRC, bands={"paper": (0, 1)}).apply_scale("medium")


def _claims():
    return [
        Claim("T1", "slope is positive", 0.123456, 0.0, math.inf, source="paper Fig. 2"),
        Claim("T2", "error is small", 0.5, 0.0, 0.1, note="quick scale", source="notes §1"),
        check("T3", "nan metric", math.nan, 0.0, 1.0),
    ]


def test_write_read_round_trip(tmp_path):
    path = tmp_path / "results" / "s" / "claims.tsv"
    write_claims(path, _claims(), study="psychophysics")
    rows = read_claims(path)
    assert [list(r) for r in rows] == [COLUMNS] * 3
    assert [r["claim"] for r in rows] == ["T1", "T2", "T3"]
    assert [r["kind"] for r in rows] == ["paper", "paper", "check"]
    assert {r["study"] for r in rows} == {"psychophysics"}
    assert [r["passed"] for r in rows] == ["pass", "FAIL", "FAIL"]
    assert rows[0]["measured"] == "0.1235" and rows[0]["low"] == "0" and rows[0]["high"] == "inf"
    assert rows[1]["margin"] == "-0.4" and rows[1]["source"] == "notes §1"
    assert rows[2]["measured"] == "nan" and rows[0]["band"] == "any"
    assert rows[1]["note"] == "quick scale" and rows[0]["note"] == ""
    assert path.read_text().splitlines()[0] == "\t".join(COLUMNS)
    assert sorted(p.name for p in path.parent.iterdir()) == ["claims.tsv"]


def test_an_old_table_is_named(tmp_path):
    old = tmp_path / "claims.tsv"
    old.write_text("study\tclaim\tpassed\ns\tT1\tpass\n")
    with pytest.raises(ValueError, match="claims.tsv is a claims table of an older format"):
        read_claims(old)


def test_tabs_and_newlines_in_text_survive(tmp_path):
    claim = Claim("T9", "has\ta tab and\na newline", 1.0, 0.0, 2.0, note='quote " here', source=SRC)
    write_claims(tmp_path / "c.tsv", [claim], study="s")
    (row,) = read_claims(tmp_path / "c.tsv")
    assert row["description"] == "has\ta tab and\na newline" and row["note"] == 'quote " here'


def test_gather(tmp_path):
    write_claims(tmp_path / "a.tsv", _claims()[:2], study="alpha")
    write_claims(tmp_path / "b.tsv", [Claim("U1", "holds", 3.0, 1.0, 5.0, source=SRC)], study="beta")
    out = tmp_path / "all" / "claims.tsv"
    rows = gather_claims([tmp_path / "a.tsv", tmp_path / "b.tsv"], out)
    assert [(r["study"], r["claim"]) for r in rows] == [("alpha", "T1"), ("alpha", "T2"),
                                                       ("beta", "U1")]
    assert read_claims(out) == rows


def test_summary_counts_paper_claims_and_checks_apart(tmp_path):
    seeds = per_seed("T4", "per seed", {0: 1.0, 1: -1.0}, 0.0, source=SRC,
                     bands={"quick": (0.0, math.inf), "paper": (0.5, math.inf)}).apply_scale("quick")
    write_claims(tmp_path / "a.tsv", _claims() + [seeds, check("T5", "identity", 0.0, 0, 0)],
                 study="alpha")
    write_claims(tmp_path / "b.tsv", [Claim("U1", "holds", 3.0, 1.0, 5.0, source=SRC)], study="beta")
    rows = gather_claims([tmp_path / "a.tsv", tmp_path / "b.tsv"], tmp_path / "all.tsv")
    text = summary(rows)
    lines = text.splitlines()
    assert lines[0] == "alpha: 1 of 3 paper claims hold (quick band); 1 of 2 checks pass"
    assert "FAIL T2 (paper): error is small (measured 0.5, expected [0, 0.1], margin -0.4)" in text
    assert "FAIL T3 (check): nan metric (measured nan, expected [0, 1], margin nan)" in text
    assert "FAIL T4 (paper): per seed (measured -1, worst seed 1, expected [0, inf]" in text
    assert "T1" not in text and "U1" not in text and "T5" not in text  # passing rows are counted
    assert lines[-1] == "beta: 1 of 1 paper claims hold; 0 of 0 checks pass"
    assert summary([]) == ""
    write_rows(tmp_path / "empty.tsv", [])
    assert read_claims(tmp_path / "empty.tsv") == []
