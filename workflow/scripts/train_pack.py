"""Train the points of one pack in one process (rule `train_pack`): the library does the work."""
from neurosweep import harness
from neurosweep.logs import log_to
from neurosweep.study import get_spec, resolve

sm = snakemake  # noqa: F821  (injected by Snakemake)
study, pack = sm.wildcards.study, sm.wildcards.pack
with log_to(sm.log[0]), harness.running_marker(sm.params.work_dir):
    train_pack = resolve(study, get_spec(study).pack_trainer)
    harness.run_pack(train_pack, list(sm.params.members), staging_dir=sm.output.members,
                     manifest_path=sm.output.manifest, work_dir=sm.params.work_dir,
                     name=f"{study}/{pack}", threads=sm.threads,
                     code_hash=sm.params.code, software=sm.params.software)
