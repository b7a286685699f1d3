"""Packs: several sweep points trained in one job, each with its own result files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurosweep import harness
from neurosweep.config import load_yaml
from neurosweep.io import read_json, read_npz
from neurosweep.sweep import parse_path
from neurosweep.workflow import Plan

ROOT = Path(__file__).resolve().parents[1]


def _plan(pack=True, **sweeps):
    config = load_yaml(ROOT / "tests" / "config" / "tiny_feedback.yaml")
    config["feedback"]["tiny"]["sweeps"].update(sweeps)
    config["pack"] = pack
    return Plan.from_config(config, root=ROOT)


def test_every_trained_point_is_in_exactly_one_pack():
    plan = _plan()
    members = [m for pack in plan.packs("feedback").values() for m in pack]
    assert len(members) == len(set(members))
    owners = {plan.owner("feedback", sweep, point) for sweep in plan.study("feedback").sweeps
              for point in plan.sweep("feedback", sweep).paths}
    assert set(members) == owners  # shared points train once, in their owner's pack
    for name in plan.packs("feedback"):
        parse_path(name)  # readable key~value paths
    assert plan.packed("feedback") and plan.packed_studies == ["feedback"]


def test_points_that_share_variant_sizes_and_seed_share_a_pack():
    plan = _plan()
    pack = plan.pack_of("feedback", "tau_input", "tau~20/inputs~y/seed~0")
    assert pack == plan.pack_of("feedback", "noise", "noise~0.1/seed~0")
    assert pack.startswith("variant~modulation/sources~2/seed~0/")
    assert plan.pack_of("feedback", "seeds", "seed~1") != pack  # another seed
    assert plan.pack_of("feedback", "sources", "sources~ica3/seed~0") != pack  # three sources
    assert plan.pack_of("feedback", "nfb", "n_fb~1/seed~0").startswith("variant~spatial/")


def test_pack_members_carry_params_inputs_and_run_dirs():
    plan = _plan()
    pack = plan.pack_of("feedback", "nfb", "n_fb~1/seed~0")
    members = plan.pack_members("feedback", pack)
    first = members[0]
    assert first["params"]["test_contexts"] == "results/feedback/data/test_contexts.npz"
    assert first["run_dir"] == f"results/feedback/runs/{first['sweep']}/{first['point']}"
    assert plan.pack_inputs("feedback", pack) == ["results/feedback/data/test_contexts.npz"]


def test_resources_of_a_pack_are_the_largest_of_its_sweeps():
    plan = _plan(noise={"grid": {"noise": [0.001, 0.1], "seed": [0]},
                        "settings": load_yaml(ROOT / "tests/config/tiny_feedback.yaml")["feedback"]["tiny"]["sweeps"]["seeds"]["settings"],
                        "resources": {"mem_mb": 7777, "runtime": 3}})
    pack = plan.pack_of("feedback", "noise", "noise~0.1/seed~0")
    assert plan.pack_resource("feedback", pack, "mem_mb") == 7777
    assert plan.pack_resource("feedback", pack, "runtime") == 10  # default of the other sweeps


def test_packing_off_gives_one_point_per_pack():
    plan = _plan(pack=False)
    assert all(len(members) == 1 for members in plan.packs("feedback").values())


def test_rerun_point_is_a_member_of_the_smallest_pack():
    plan = _plan()
    sweep, point = plan.rerun_point("feedback")
    assert len(plan.packs("feedback")[plan.pack_of("feedback", sweep, point)]) == 1


# --- run_pack ------------------------------------------------------------------------------------
def _members(tmp_path, seeds):
    return [{"sweep": "s", "point": f"seed~{seed}", "id": f"id{seed}",
             "params": {"seed": seed, "scale": 2.0}, "run_dir": str(tmp_path / "runs" / f"seed~{seed}")}
            for seed in seeds]


def _trainer(calls):
    def train_pack(params_list, ckpt):
        calls.append([p["seed"] for p in params_list])
        return [({"value": p["seed"] * p["scale"]}, {"x": np.arange(3) * p["seed"]}) for p in params_list]
    return train_pack


def _publish(tmp_path, members):
    for m in members:
        staged = tmp_path / "pack" / m["sweep"] / m["point"]
        Path(m["run_dir"]).mkdir(parents=True, exist_ok=True)
        for file in ("result.npz", "record.json"):
            (Path(m["run_dir"]) / file).write_bytes((staged / file).read_bytes())


def test_run_pack_stages_one_result_per_member(tmp_path):
    calls = []
    members = _members(tmp_path, [0, 1, 2])
    manifest = harness.run_pack(_trainer(calls), members, staging_dir=tmp_path / "pack",
                                manifest_path=tmp_path / "pack.json", work_dir=tmp_path / "work", name="p")
    assert calls == [[0, 1, 2]]
    record = read_json(tmp_path / "pack" / "s" / "seed~2" / "record.json")
    assert record["metrics"] == {"value": 4.0} and record["pack"]["trained_together"] == 3
    assert record["params_hash"] == harness.params_hash(members[2]["params"])
    assert np.array_equal(read_npz(tmp_path / "pack" / "s" / "seed~2" / "result.npz")["x"], [0, 2, 4])
    assert [m["reused"] for m in manifest["members"]] == [False, False, False]


def test_a_grown_pack_trains_only_its_new_and_changed_members(tmp_path):
    calls = []
    harness.run_pack(_trainer(calls), _members(tmp_path, [0, 1]), staging_dir=tmp_path / "pack",
                     manifest_path=tmp_path / "pack.json", work_dir=None, name="p")
    _publish(tmp_path, _members(tmp_path, [0, 1]))
    grown = _members(tmp_path, [0, 1, 2])
    grown[1]["params"]["scale"] = 3.0  # a changed setting: trained again
    import shutil
    shutil.rmtree(tmp_path / "pack")  # Snakemake removes a job's directory output before it runs
    manifest = harness.run_pack(_trainer(calls), grown, staging_dir=tmp_path / "pack",
                                manifest_path=tmp_path / "pack.json", work_dir=None, name="p")
    assert calls[1] == [1, 2]
    assert [m["reused"] for m in manifest["members"]] == [True, False, False]
    assert read_json(tmp_path / "pack" / "s" / "seed~0" / "record.json")["metrics"] == {"value": 0.0}
    assert read_json(tmp_path / "pack" / "s" / "seed~1" / "record.json")["metrics"] == {"value": 3.0}


def test_a_published_member_made_by_other_code_is_trained_again(tmp_path):
    calls = []
    members = _members(tmp_path, [0, 1])
    harness.run_pack(_trainer(calls), members, staging_dir=tmp_path / "pack",
                     manifest_path=tmp_path / "pack.json", work_dir=None, name="p", code_hash="aaaa")
    assert read_json(tmp_path / "pack" / "s" / "seed~0" / "record.json")["code_hash"] == "aaaa"
    _publish(tmp_path, members)
    import shutil
    for code, trained in (("aaaa", []), ("bbbb", [0, 1])):
        shutil.rmtree(tmp_path / "pack")
        calls.clear()
        harness.run_pack(_trainer(calls), members, staging_dir=tmp_path / "pack",
                         manifest_path=tmp_path / "pack.json", work_dir=None, name="p", code_hash=code)
        assert calls == ([trained] if trained else []), code


def test_a_trainer_returning_the_wrong_number_of_results_is_an_error(tmp_path):
    with pytest.raises(RuntimeError, match="returned 1 results for 2 members"):
        harness.run_pack(lambda params, ckpt: [({}, {})], _members(tmp_path, [0, 1]),
                         staging_dir=tmp_path / "pack", manifest_path=tmp_path / "pack.json",
                         work_dir=None, name="p")
