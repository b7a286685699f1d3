"""Re-train one sweep point from scratch and compare it with the sweep's result (rule `rerun_check`)."""
import tempfile
from pathlib import Path

from neurosweep import harness
from neurosweep.download import sha256_of
from neurosweep.io import read_json, write_json
from neurosweep.logs import log_to
from neurosweep.study import get_spec, resolve

sm = snakemake  # noqa: F821
study = sm.wildcards.study
with log_to(sm.log[0]):
    rerun = sm.params.rerun
    train = resolve(study, get_spec(study).trainers[rerun["sweep"]])
    params = dict(rerun["values"])
    params.update({k: str(v) for k, v in sm.input.items() if k not in ("reference", "record")})
    with tempfile.TemporaryDirectory() as scratch:
        result = Path(scratch) / "result.npz"
        harness.run_point(train, params, result_path=result, record_path=Path(scratch) / "record.json",
                          work_dir=None, name=f"{study}/{rerun['sweep']}/{rerun['point']} (rerun)")
        rerun_hash = sha256_of(result)
    reference_hash = sha256_of(sm.input.reference)
    record = read_json(sm.input.record)
    recorded = [k for k in ("seed", "params_hash", "versions", "point_id") if record.get(k) is not None]
    write_json(sm.output[0], {
        "sweep": rerun["sweep"], "point": rerun["point"],
        "reference_sha256": reference_hash, "rerun_sha256": rerun_hash,
        "identical": rerun_hash == reference_hash, "record_fields": recorded,
    })
