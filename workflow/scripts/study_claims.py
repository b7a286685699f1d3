"""Check a study's paper claims against its aggregated sweeps (rule `study_claims`)."""
from neurosweep.aggregate import read_sweep
from neurosweep.claims import Claim, write_claims
from neurosweep.io import read_json
from neurosweep.logs import log_to
from neurosweep.study import get_spec, resolve

sm = snakemake  # noqa: F821
study = sm.wildcards.study
with log_to(sm.log[0]):
    spec = get_spec(study)
    files = list(sm.input.sweeps)
    claims = []
    for arrays, index in zip(files[0::2], files[1::2]):
        sweep = arrays.split(f"{study}/", 1)[1].split("/", 1)[0]
        extra = {name: str(sm.input[name]) for name in spec.claim_inputs.get(sweep, {})}
        claims += resolve(study, spec.claims[sweep])(read_sweep(arrays, index), **extra)
    rerun = read_json(sm.input.rerun)
    complete = len(rerun["record_fields"]) == 4
    claims.append(Claim(
        spec.rerun_claim, "same seed gives byte-identical results on CPU; the run record has "
        "seed, params hash, point id and library versions",
        measured=float(rerun["identical"] and complete), low=1, high=1,
        note=f"re-trained {rerun['sweep']}/{rerun['point']}: sha256 {rerun['rerun_sha256'][:12]} "
             f"vs {rerun['reference_sha256'][:12]}"))
    write_claims(sm.output[0], claims, study)
