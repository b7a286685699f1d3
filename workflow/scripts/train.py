"""Train one sweep point (rule `train`): the library does the work, this only wires paths."""
from neurosweep import harness
from neurosweep.logs import log_to
from neurosweep.study import get_spec, resolve

sm = snakemake  # noqa: F821  (injected by Snakemake)
study, sweep, point = sm.wildcards.study, sm.wildcards.sweep, sm.wildcards.point
with log_to(sm.log[0]), harness.running_marker(sm.params.work_dir):
    train = resolve(study, get_spec(study).trainers[sweep])
    params = dict(sm.params["values"])
    params.update({name: str(path) for name, path in sm.input.items()})  # data files it reads
    harness.run_point(train, params, result_path=sm.output.result, record_path=sm.output.record,
                      work_dir=sm.params.work_dir, point_id=sm.params.point_id,
                      name=f"{study}/{sweep}/{point}", threads=sm.threads,
                      code_hash=sm.params.code, software=sm.params.software)
