"""A study's claims table (rule `study_claims`): every sweep's claims, then the rerun check."""
from neurosweep.claims import check, read_claims, write_rows
from neurosweep.io import read_json
from neurosweep.logs import log_to
from neurosweep.study import get_spec

sm = snakemake  # noqa: F821
study = sm.wildcards.study
with log_to(sm.log[0]):
    spec = get_spec(study)
    rows = [row for path in sm.input.sweeps for row in read_claims(path)]
    rerun = read_json(sm.input.rerun)
    complete = len(rerun["record_fields"]) == 4
    rows.append(check(
        spec.rerun_claim, "same seed gives byte-identical results on CPU; the run record has "
        "seed, params hash, point id and library versions",
        measured=float(rerun["identical"] and complete), low=1, high=1,
        note=f"re-trained {rerun['sweep']}/{rerun['point']}: sha256 {rerun['rerun_sha256'][:12]} "
             f"vs {rerun['reference_sha256'][:12]}", study=study).row())
    write_rows(sm.output[0], rows)
