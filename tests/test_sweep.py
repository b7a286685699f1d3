"""Sweep grids: expansion order, zip, exclusions, path round-trips, ids, lookups."""

import math
import random

import pytest

from neurosweep.sweep import (
    Sweep, SweepError, build_sweep, expand_grid, format_value, parse_path, parse_value,
    point_id, point_path)


# --- expansion -------------------------------------------------------------------------------

def test_cartesian_product_order_and_count():
    points = expand_grid({"a": [1, 2, 3], "b": ["x", "y"], "seed": [0, 1]})
    assert len(points) == 3 * 2 * 2
    # last axis varies fastest, declared axis order kept in every point
    assert points[:3] == [{"a": 1, "b": "x", "seed": 0}, {"a": 1, "b": "x", "seed": 1},
                          {"a": 1, "b": "y", "seed": 0}]
    assert points[-1] == {"a": 3, "b": "y", "seed": 1}
    assert all(list(p) == ["a", "b", "seed"] for p in points)
    assert len({tuple(p.values()) for p in points}) == 12


def test_single_axis():
    assert expand_grid({"seed": [4, 5]}) == [{"seed": 4}, {"seed": 5}]


def test_zipped_axes_vary_together():
    grid = {"model": ["lin", "deep"], "kappa": [0.5, 0.5, 0.0], "rotation": [0, 45, 0],
            "seed": [0, 1]}
    points = expand_grid(grid, zip_axes=[["kappa", "rotation"]])
    assert len(points) == 2 * 3 * 2
    pairs = [(p["kappa"], p["rotation"]) for p in points if p["model"] == "lin" and p["seed"] == 0]
    assert pairs == [(0.5, 0), (0.5, 45), (0.0, 0)]
    assert all(list(p) == ["model", "kappa", "rotation", "seed"] for p in points)


def test_zipped_axes_declared_apart_keep_axis_order():
    grid = {"kappa": [1, 2], "seed": [0, 1], "rotation": [10, 20]}
    points = expand_grid(grid, zip_axes=[["rotation", "kappa"]])
    assert len(points) == 4
    assert {(p["kappa"], p["rotation"]) for p in points} == {(1, 10), (2, 20)}
    assert all(list(p) == ["kappa", "seed", "rotation"] for p in points)


def test_zip_unequal_lengths_names_sweep_and_lengths():
    with pytest.raises(SweepError) as info:
        expand_grid({"a": [1, 2], "b": [1, 2, 3], "seed": [0]}, zip_axes=[["a", "b"]],
                    name="orient")
    message = str(info.value)
    assert "'orient'" in message and "equal lengths" in message
    assert "'a': 2" in message and "'b': 3" in message


def test_zip_unknown_axis():
    with pytest.raises(SweepError, match=r"sweep 'sw'.*\['c'\]"):
        expand_grid({"a": [1], "seed": [0]}, zip_axes=[["a", "c"]], name="sw")


def test_exclusions():
    grid = {"kappa": [0, 0.5], "rotation": [0, 45], "seed": [0, 1]}
    points = expand_grid(grid, exclude=[{"kappa": 0, "rotation": 45}])
    assert len(points) == 6
    assert not any(p["kappa"] == 0 and p["rotation"] == 45 for p in points)
    assert sum(p["rotation"] == 45 for p in points) == 2


def test_exclusion_int_zero_and_false_are_distinct():
    grid = {"flag": [False, True, 0, 1], "seed": [0]}
    kept = expand_grid(grid, exclude=[{"flag": 0}])
    assert [p["flag"] for p in kept] == [False, True, 1]
    assert type(kept[0]["flag"]) is bool
    kept = expand_grid(grid, exclude=[{"flag": False}])
    assert [p["flag"] for p in kept] == [True, 0, 1]
    assert type(kept[1]["flag"]) is int
    kept = expand_grid(grid, exclude=[{"flag": True}])
    assert [p["flag"] for p in kept] == [False, 0, 1]


def test_exclusion_unknown_axis_and_all_excluded():
    with pytest.raises(SweepError, match=r"sweep 'sw'.*unknown axes \['nope'\]"):
        expand_grid({"seed": [0]}, exclude=[{"nope": 1}], name="sw")
    with pytest.raises(SweepError, match="every point is excluded"):
        expand_grid({"seed": [0]}, exclude=[{"seed": 0}], name="sw")


@pytest.mark.parametrize("grid", [{}, {"seed": []}, {"seed": 3}])
def test_bad_grids(grid):
    with pytest.raises(SweepError, match="'bad'"):
        expand_grid(grid, name="bad")


def test_duplicate_points_rejected():
    with pytest.raises(SweepError, match="duplicate"):
        build_sweep("dup", {"grid": {"kappa": [0.5, 0.5], "seed": [0]}})


# --- values and paths ------------------------------------------------------------------------

def _assert_exact(back, value):
    assert type(back) is type(value), (value, back)
    assert back == value, (value, back)


@pytest.mark.parametrize("value", [0, 1, -7, 3, 10**20, 0.1, 1e-05, 2.0, -3.5, 1 / 3, 1e300,
                                   -0.0, 5e-324, 0.0, True, False, "tied", "label_noise",
                                   "a.b+c-d", "x1", "e5", "True"])
def test_value_round_trip(value):
    text = format_value(value)
    _assert_exact(parse_value(text), value)
    _assert_exact(parse_path(point_path({"v": value}))["v"], value)


def test_formats():
    assert format_value(2.0) == "2.0"
    assert format_value(2) == "2"
    assert format_value(True) == "true"
    assert format_value(1e-05) == "1e-05"
    assert point_path({"alpha": 0.25, "seed": 3}) == "alpha~0.25/seed~3"
    assert parse_path("alpha~0.25/seed~3") == {"alpha": 0.25, "seed": 3}
    assert type(parse_path("alpha~0.25/seed~3")["seed"]) is int


def test_random_floats_round_trip_exactly():
    rng = random.Random(0)
    for _ in range(3000):
        kind = rng.randrange(4)
        if kind == 0:
            value = rng.random()
        elif kind == 1:
            value = rng.uniform(-1e6, 1e6)
        elif kind == 2:
            value = math.ldexp(rng.random(), rng.randint(-1070, 1020)) * rng.choice([1, -1])
        else:
            value = round(rng.uniform(-10, 10), rng.randint(0, 6))
        back = parse_value(format_value(value))
        assert type(back) is float and back == value, value
        values = {"x": value, "seed": rng.randrange(1000)}
        assert parse_path(point_path(values)) == values


def test_random_ints_round_trip_exactly():
    rng = random.Random(0)
    for _ in range(1000):
        value = rng.randint(-10**12, 10**12)
        _assert_exact(parse_value(format_value(value)), value)


@pytest.mark.parametrize("value", ["a/b", "a~b", "with space", "true", "false", "3", "0.5", "",
                                   "nan", "inf", "Inf", "NaN", "Infinity", "-x", "1e5"])
def test_unsafe_strings_rejected(value):
    with pytest.raises(SweepError, match="cannot appear in a path"):
        format_value(value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, None, [1], {"a": 1}])
def test_unsupported_values_rejected(value):
    with pytest.raises(SweepError, match="cannot be a sweep value"):
        format_value(value)


def test_build_sweep_rejects_unsafe_string_values():
    with pytest.raises(SweepError, match="'with space'"):
        build_sweep("s", {"grid": {"cond": ["ok", "with space"], "seed": [0]}})


def test_parse_path_rejects_malformed():
    with pytest.raises(SweepError, match="not 'axis~value'"):
        parse_path("alpha~1/seed")


# --- ids ------------------------------------------------------------------------------------

def test_point_ids_stable_and_distinct():
    a = point_id({"alpha": 0.25, "seed": 3})
    assert a == point_id({"alpha": 0.25, "seed": 3})
    assert a == point_id({"seed": 3, "alpha": 0.25})  # insertion order irrelevant
    assert len(a) == 8 and int(a, 16) >= 0
    others = [{"alpha": 0.25, "seed": 4}, {"alpha": 0.5, "seed": 3}, {"alpha": 0.25},
              {"alpha": 0.25, "seed": 3, "x": 1}]
    assert len({a} | {point_id(v) for v in others}) == 5
    # same number, different types: different ids (as their paths differ)
    ids = {point_id({"x": v}) for v in (0, 0.0, False, "zero")}
    assert len(ids) == 4


def test_ids_unique_over_a_sweep_and_known_value():
    sweep = build_sweep("s", {"grid": {"a": list(range(20)), "b": [0.1 * i for i in range(20)],
                                       "seed": [0, 1]}})
    assert len({p.id for p in sweep.points}) == len(sweep.points) == 800
    # pinned: ids name files and logs, so they must not change between versions
    import hashlib
    assert point_id({"seed": 1, "a": 2}) == hashlib.sha256(b'{"a":2,"seed":1}').hexdigest()[:8]


# --- Sweep objects ----------------------------------------------------------------------------

def test_build_sweep_points_paths_and_params():
    spec = {"grid": {"depth": ["tied", 2], "lr": [0.1], "seed": [0, 1]},
            "settings": {"steps": 100, "lr": 0.5, "seed": 99}}
    sweep = build_sweep("linear", spec)
    assert isinstance(sweep, Sweep) and sweep.name == "linear"
    assert sweep.paths == ["depth~tied/lr~0.1/seed~0", "depth~tied/lr~0.1/seed~1",
                           "depth~2/lr~0.1/seed~0", "depth~2/lr~0.1/seed~1"]
    point = sweep.lookup("depth~2/lr~0.1/seed~1")
    assert point.values == {"depth": 2, "lr": 0.1, "seed": 1}
    assert point.id == point_id(point.values)
    params = sweep.params("depth~2/lr~0.1/seed~1")
    assert params == {"steps": 100, "lr": 0.1, "seed": 1, "depth": 2}  # point values win
    assert sweep.settings == {"steps": 100, "lr": 0.5, "seed": 99}  # not mutated
    for path in sweep.paths:
        assert parse_path(path) == sweep.lookup(path).values


def test_lookup_unknown_path_is_helpful():
    sweep = build_sweep("hue", {"grid": {"rotation": [0, 90], "seed": [0]}})
    with pytest.raises(SweepError) as info:
        sweep.lookup("rotation~45/seed~0")
    message = str(info.value)
    assert "'rotation~45/seed~0'" in message and "'hue'" in message
    assert "2 points" in message and "rotation~0/seed~0" in message
    with pytest.raises(SweepError):
        sweep.params("rotation~0")


def test_build_sweep_with_zip_and_exclude_from_config_shape():
    spec = {"grid": {"model": ["linear", "deep"], "kappa": [0.5, 0.5, 0], "rotation": [0, 45, 0],
                     "seed": [0, 1]},
            "zip": [["kappa", "rotation"]], "exclude": [{"model": "deep", "kappa": 0}]}
    sweep = build_sweep("orientation", spec)
    assert len(sweep.points) == 12 - 2
    assert "model~deep/kappa~0/rotation~0/seed~0" not in sweep.paths
    assert "model~linear/kappa~0/rotation~0/seed~0" in sweep.paths
    assert "model~deep/kappa~0.5/rotation~45/seed~1" in sweep.paths
