"""Paper claims: pass/fail semantics, the claims.tsv round trip, gathering and the summary."""

import math

import pytest

from neurosweep.claims import COLUMNS, Claim, gather_claims, read_claims, summary, write_claims


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
    assert Claim("c", "d", measured, low, high).passed is passed


def test_default_range_is_unbounded():
    claim = Claim("c", "d", -1e308)
    assert claim.low == -math.inf and claim.high == math.inf and claim.passed


def _claims():
    return [
        Claim("T1", "slope is positive", 0.123456, 0.0, math.inf),
        Claim("T2", "error is small", 0.5, 0.0, 0.1, note="quick scale"),
        Claim("T3", "nan metric", math.nan, 0.0, 1.0),
    ]


def test_write_read_round_trip(tmp_path):
    path = tmp_path / "results" / "s" / "claims.tsv"
    write_claims(path, _claims(), study="psychophysics")
    rows = read_claims(path)
    assert [list(r) for r in rows] == [COLUMNS] * 3
    assert [r["claim"] for r in rows] == ["T1", "T2", "T3"]
    assert {r["study"] for r in rows} == {"psychophysics"}
    assert [r["passed"] for r in rows] == ["pass", "FAIL", "FAIL"]
    assert rows[0]["measured"] == "0.1235" and rows[0]["low"] == "0" and rows[0]["high"] == "inf"
    assert rows[2]["measured"] == "nan"
    assert rows[1]["note"] == "quick scale" and rows[0]["note"] == ""
    assert path.read_text().splitlines()[0] == "\t".join(COLUMNS)
    assert sorted(p.name for p in path.parent.iterdir()) == ["claims.tsv"]


def test_tabs_and_newlines_in_text_survive(tmp_path):
    claim = Claim("T9", "has\ta tab and\na newline", 1.0, 0.0, 2.0, note='quote " here')
    write_claims(tmp_path / "c.tsv", [claim], study="s")
    (row,) = read_claims(tmp_path / "c.tsv")
    assert row["description"] == "has\ta tab and\na newline" and row["note"] == 'quote " here'


def test_gather(tmp_path):
    write_claims(tmp_path / "a.tsv", _claims()[:2], study="alpha")
    write_claims(tmp_path / "b.tsv", [Claim("U1", "holds", 3.0, 1.0, 5.0)], study="beta")
    out = tmp_path / "all" / "claims.tsv"
    rows = gather_claims([tmp_path / "a.tsv", tmp_path / "b.tsv"], out)
    assert [(r["study"], r["claim"]) for r in rows] == [("alpha", "T1"), ("alpha", "T2"),
                                                       ("beta", "U1")]
    assert read_claims(out) == rows


def test_summary_names_failing_claims(tmp_path):
    write_claims(tmp_path / "a.tsv", _claims(), study="alpha")
    write_claims(tmp_path / "b.tsv", [Claim("U1", "holds", 3.0, 1.0, 5.0)], study="beta")
    rows = gather_claims([tmp_path / "a.tsv", tmp_path / "b.tsv"], tmp_path / "all.tsv")
    text = summary(rows)
    lines = text.splitlines()
    assert lines[0] == "alpha: 1/3 claims hold"
    assert "FAIL T2: error is small (measured 0.5, expected [0, 0.1])" in text
    assert "FAIL T3: nan metric (measured nan, expected [0, 1])" in text
    assert "T1" not in text and "U1" not in text  # passing claims are only counted
    assert lines[-1] == "beta: 1/1 claims hold"
    assert summary([]) == ""

