"""Configuration: schema defaults, error messages that name file/key/allowed values, the Plan."""

import copy
import shutil
from pathlib import Path

import pytest
import yaml

from neurosweep.config import ConfigError, deep_merge, load_validated, load_yaml, validate
from neurosweep.study import load_study_config
from neurosweep.workflow import Plan

ROOT = Path(__file__).resolve().parents[1]

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "scale": {"type": "string", "default": "quick"},
        "mode": {"enum": ["fast", "slow"], "default": "fast"},
        "opt": {
            "type": "object",
            "additionalProperties": False,
            "default": {},
            "properties": {
                "lr": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.1},
                "steps": {"type": "integer", "minimum": 1, "default": 10},
                "name": {"type": "string"},
            },
        },
    },
}


def _error(data, schema=SCHEMA, source="conf/my.yaml") -> str:
    with pytest.raises(ConfigError) as info:
        validate(data, copy.deepcopy(schema), source)
    return str(info.value)


# --- schema validation ----------------------------------------------------------------------

def test_defaults_filled_in_place_recursively():
    data = {}
    out = validate(data, SCHEMA, "x.yaml")
    assert out is data
    assert data == {"scale": "quick", "mode": "fast", "opt": {"lr": 0.1, "steps": 10}}
    data = {"opt": {"lr": 0.5}, "mode": "slow"}
    validate(data, SCHEMA, "x.yaml")
    assert data == {"scale": "quick", "mode": "slow", "opt": {"lr": 0.5, "steps": 10}}


def test_default_values_are_copies():
    a, b = {}, {}
    validate(a, SCHEMA, "x")
    validate(b, SCHEMA, "x")
    a["opt"]["lr"] = 0.9
    assert b["opt"]["lr"] == 0.1
    assert SCHEMA["properties"]["opt"]["default"] == {}


def test_unknown_key_names_file_key_and_allowed_keys():
    message = _error({"opt": {"lr": 0.1, "lrate": 0.2}})
    assert message.startswith("conf/my.yaml:")
    assert "'lrate'" in message and "'opt'" in message
    assert "allowed keys: lr, name, steps" in message


def test_unknown_top_level_key():
    message = _error({"bogus": 1})
    assert "conf/my.yaml" in message and "'bogus'" in message and "(top level)" in message
    assert "allowed keys: mode, opt, scale" in message


def test_wrong_type_names_key_and_type():
    message = _error({"opt": {"steps": "many"}})
    assert "conf/my.yaml" in message and "'opt.steps'" in message
    assert "'many'" in message and "integer" in message


def test_out_of_range_names_key_and_range():
    message = _error({"opt": {"lr": 1.5}})
    assert "conf/my.yaml" in message and "'opt.lr'" in message
    assert "1.5" in message and "[0, 1]" in message
    message = _error({"opt": {"steps": 0}})
    assert "'opt.steps'" in message and "[1, inf)" in message


def test_bad_enum_lists_allowed_values():
    message = _error({"mode": "medium"})
    assert "conf/my.yaml" in message and "'mode'" in message and "'medium'" in message
    assert "'fast'" in message and "'slow'" in message


def test_defaults_behind_refs_are_filled():
    schema = {
        "type": "object",
        "$defs": {
            "res": {"type": "object", "default": {},
                    "properties": {"mem": {"type": "integer", "default": 7}}},
            "alias": {"$ref": "#/$defs/res"},
        },
        "properties": {"res": {"$ref": "#/$defs/res"}, "other": {"$ref": "#/$defs/alias"},
                       "given": {"$ref": "#/$defs/res"}},
    }
    data = {"given": {"mem": 3}}
    validate(data, schema, "x")
    assert data == {"res": {"mem": 7}, "other": {"mem": 7}, "given": {"mem": 3}}


def test_valid_data_unchanged_apart_from_defaults():
    data = {"scale": "paper", "mode": "slow", "opt": {"lr": 0.0, "steps": 1, "name": "n"}}
    expected = copy.deepcopy(data)
    assert validate(data, SCHEMA, "x") == expected


# --- deep_merge -----------------------------------------------------------------------------

def test_deep_merge():
    base = {"a": 1, "b": {"c": 2, "d": {"e": 3, "f": 4}}, "l": [1, 2]}
    override = {"b": {"d": {"e": 30}, "g": 5}, "l": [9], "h": {"i": 1}}
    merged = deep_merge(base, override)
    assert merged == {"a": 1, "b": {"c": 2, "d": {"e": 30, "f": 4}, "g": 5}, "l": [9],
                      "h": {"i": 1}}
    # inputs untouched, result shares no mutable state with them
    assert base == {"a": 1, "b": {"c": 2, "d": {"e": 3, "f": 4}}, "l": [1, 2]}
    assert override == {"b": {"d": {"e": 30}, "g": 5}, "l": [9], "h": {"i": 1}}
    merged["h"]["i"] = 2
    merged["b"]["d"]["f"] = 40
    assert override["h"]["i"] == 1 and base["b"]["d"]["f"] == 4


def test_deep_merge_replaces_non_dicts():
    assert deep_merge({"a": {"b": 1}}, {"a": 3}) == {"a": 3}
    assert deep_merge({"a": 3}, {"a": {"b": 1}}) == {"a": {"b": 1}}


# --- files ----------------------------------------------------------------------------------

def test_load_yaml_errors(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_yaml(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n")
    with pytest.raises(ConfigError, match=f"{bad}: not valid YAML"):
        load_yaml(bad)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert load_yaml(empty) == {}


def test_load_validated_with_override_names_file(tmp_path):
    config = tmp_path / "c.yaml"
    schema = tmp_path / "s.yaml"
    config.write_text("opt: {lr: 0.2}\n")
    schema.write_text(yaml.safe_dump(SCHEMA))
    data = load_validated(config, schema, override={"opt": {"steps": 5}})
    assert data["opt"] == {"lr": 0.2, "steps": 5}
    with pytest.raises(ConfigError) as info:
        load_validated(config, schema, override={"opt": {"lr": 2}})
    assert str(config) in str(info.value) and "(with overrides)" in str(info.value)
    assert "'opt.lr'" in str(info.value)


# --- the real study configuration -----------------------------------------------------------

def _study(override=None, scale="quick"):
    return load_study_config("psychophysics", scale, ROOT / "config", ROOT / "workflow" / "schemas",
                             override=override)


def test_real_study_config_defaults():
    block = _study()
    linear = block["sweeps"]["linear"]
    assert linear["grid"] == {"depth": ["tied", 2, 3], "seed": [0, 1]}
    # zip and exclude are not in the file: the schema's defaults fill them
    assert linear["zip"] == [] and linear["exclude"] == [] and linear["settings"]["patch_size"] == 16
    assert linear["resources"] == {"mem_mb": 1000, "runtime": 5, "gpu": 0}  # gpu: a default
    assert block["sweeps"]["orientation"]["resources"]["gpu"] == 1


def test_real_study_config_errors():
    message = str(pytest.raises(ConfigError, _study, {"quick": {"sweeps": {"linear": {
        "grid": {"seed": [0]}, "foo": 1}}}}).value)
    assert "config/psychophysics.yaml" in message
    assert "'foo'" in message and "psychophysics.quick.sweeps.linear" in message
    assert "allowed keys: exclude, grid, resources, settings, zip" in message

    message = str(pytest.raises(ConfigError, _study, {"quick": {"sweeps": {"linear": {
        "grid": {"seed": [-1]}}}}}).value)
    assert "'psychophysics.quick.sweeps.linear.grid.seed.0'" in message and "[0, inf)" in message

    message = str(pytest.raises(ConfigError, _study, {"quick": {"sweeps": {"linear": {
        "grid": {"seed": [0]}, "resources": {"mem_mb": 5}}}}}).value)
    assert "'psychophysics.quick.sweeps.linear.resources.mem_mb'" in message
    assert "[100, inf)" in message


def test_scale_key_not_matching_pattern_is_named():
    message = str(pytest.raises(ConfigError, _study, {"Quick": {"sweeps": {}}}).value)
    assert "config/psychophysics.yaml" in message
    assert "'Quick'" in message and "under 'psychophysics'" in message
    assert "^[a-z][a-z0-9_]*$" in message


def test_undefined_scale():
    message = str(pytest.raises(ConfigError, _study, None, "huge").value)
    assert "psychophysics.yaml" in message and "'huge'" in message
    assert "quick" in message and "paper" in message


def _config():
    return load_yaml(ROOT / "config" / "config.yaml")


def test_plan_from_real_config():
    plan = Plan.from_config(_config(), root=ROOT)
    assert plan.scale == "quick" and plan.studies == ["psychophysics", "popcoding", "feedback", "invariances"]
    counts = {name: len(s.points) for name, s in plan.study("psychophysics").sweeps.items()}
    assert counts == {"linear": 6, "orientation": 12, "hue": 4, "supervised": 10}
    files = plan.run_files("psychophysics", "linear")
    assert files[:2] == ["results/psychophysics/runs/linear/depth~tied/seed~0/result.npz",
                         "results/psychophysics/runs/linear/depth~tied/seed~0/record.json"]
    assert len(files) == 12
    params = plan.params("psychophysics", "hue", "hue_rotation~90/seed~1")
    assert params["hue_rotation"] == 90 and params["seed"] == 1 and params["steps"] == 600
    assert "results/claims.tsv" in plan.all_targets()
    assert plan.resource("psychophysics", "linear", "mem_mb") == 1000
    assert plan.resource("psychophysics", "orientation", "runtime") == 5


def test_plan_paper_scale():
    config = _config()
    config["scale"] = "paper"
    plan = Plan.from_config(config, root=ROOT)
    assert len(plan.sweep("psychophysics", "linear").points) == 9


def test_plan_bad_scale_names_file():
    config = _config()
    config["scale"] = "enormous"
    with pytest.raises(ConfigError) as info:
        Plan.from_config(config, root=ROOT)
    assert "psychophysics.yaml" in str(info.value) and "'enormous'" in str(info.value)


def test_plan_bad_scale_type_names_file():
    config = _config()
    config["scale"] = 3
    with pytest.raises(ConfigError) as info:
        Plan.from_config(config, root=ROOT)
    assert "config/config.yaml" in str(info.value) and "'scale'" in str(info.value)


def test_plan_unknown_study_names_file_and_allowed():
    config = _config()
    config["studies"] = ["psychophysics", "astrology"]
    with pytest.raises(ConfigError) as info:
        Plan.from_config(config, root=ROOT)
    message = str(info.value)
    assert "config/config.yaml" in message and "'astrology'" in message
    assert "'psychophysics'" in message


def test_plan_override_sweep_error_names_file(tmp_path):
    config = _config()
    config["psychophysics"] = {"quick": {"sweeps": {"hue": {
        "grid": {"hue_rotation": ["not ok"], "seed": [0]}}}}}
    with pytest.raises(ConfigError) as info:
        Plan.from_config(config, root=ROOT)
    message = str(info.value)
    assert "config/psychophysics.yaml" in message and "psychophysics.quick.sweeps.hue" in message
    assert "'not ok'" in message


def test_plan_override_changes_points():
    config = _config()
    config["psychophysics"] = {"quick": {"sweeps": {"hue": {
        "grid": {"hue_rotation": [0], "seed": [7]}, "settings": {"steps": 3}}}}}
    plan = Plan.from_config(config, root=ROOT)
    assert plan.sweep("psychophysics", "hue").paths == ["hue_rotation~0/seed~7"]
    params = plan.params("psychophysics", "hue", "hue_rotation~0/seed~7")
    assert (params["steps"], params["hue_rotation"], params["seed"]) == (3, 0, 7)
    assert params["hidden"] == 64  # settings not overridden keep the file's values
    assert len(plan.sweep("psychophysics", "linear").points) == 6  # others untouched


def test_plan_missing_sweep_names_file(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "workflow" / "schemas", root / "workflow" / "schemas")
    (root / "config").mkdir()
    text = (ROOT / "config" / "psychophysics.yaml").read_text()
    data = yaml.safe_load(text)
    del data["psychophysics"]["quick"]["sweeps"]["hue"]
    (root / "config" / "psychophysics.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as info:
        Plan.from_config(_config(), root=root)
    assert "config/psychophysics.yaml" in str(info.value) and "hue" in str(info.value)


# --- points that several sweeps share ---------------------------------------------------------

def _tiny_popcoding_plan(**sweep_overrides):
    config = load_yaml(ROOT / "tests" / "config" / "tiny_popcoding.yaml")
    config["popcoding"]["tiny"]["sweeps"].update(sweep_overrides)
    return Plan.from_config(config, root=ROOT)


def test_identical_points_of_two_sweeps_share_one_run():
    # a neurons sweep with the main sweep's settings: its N = 5 point is the main sweep's seed 0
    tiny = load_yaml(ROOT / "tests" / "config" / "tiny_popcoding.yaml")["popcoding"]["tiny"]["sweeps"]
    assert tiny["lognormal"]["settings"]["n_neurons"] == 5
    plan = _tiny_popcoding_plan(neurons={"grid": {"n_neurons": [2, 5], "seed": [0]},
                                         "settings": tiny["lognormal"]["settings"]})
    assert plan.owner("popcoding", "neurons", "n_neurons~5/seed~0") == ("lognormal", "seed~0")
    assert plan.owner("popcoding", "neurons", "n_neurons~2/seed~0") == ("neurons", "n_neurons~2/seed~0")
    assert plan.owner("popcoding", "lognormal", "seed~0") == ("lognormal", "seed~0")
    assert plan.run_files("popcoding", "neurons") == [
        "results/popcoding/runs/neurons/n_neurons~2/seed~0/result.npz",
        "results/popcoding/runs/neurons/n_neurons~2/seed~0/record.json",
        "results/popcoding/runs/lognormal/seed~0/result.npz",
        "results/popcoding/runs/lognormal/seed~0/record.json"]
    # the sweep still lists its own points (aggregation labels runs with them)
    assert plan.sweep("popcoding", "neurons").paths == ["n_neurons~2/seed~0", "n_neurons~5/seed~0"]


def test_points_differing_in_a_setting_or_an_input_file_are_not_shared():
    tiny = load_yaml(ROOT / "tests" / "config" / "tiny_popcoding.yaml")["popcoding"]["tiny"]["sweeps"]
    settings = tiny["lognormal"]["settings"]
    # one setting differs (more epochs): trained separately
    plan = _tiny_popcoding_plan(neurons={"grid": {"n_neurons": [5], "seed": [0]},
                                         "settings": {**settings, "epochs": 5}})
    assert plan.owner("popcoding", "neurons", "n_neurons~5/seed~0") == ("neurons", "n_neurons~5/seed~0")
    # same settings, but another seed reads another stimulus file: trained separately
    plan = _tiny_popcoding_plan(neurons={"grid": {"n_neurons": [5], "seed": [3]}, "settings": settings})
    assert plan.owner("popcoding", "neurons", "n_neurons~5/seed~3") == ("neurons", "n_neurons~5/seed~3")


def test_owner_of_unknown_point_is_a_clear_error():
    from neurosweep.sweep import SweepError

    plan = _tiny_popcoding_plan()
    with pytest.raises(SweepError, match="not a point of sweep 'neurons'"):
        plan.owner("popcoding", "neurons", "n_neurons~9/seed~0")
