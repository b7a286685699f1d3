"""Gather every study's claims into results/claims.tsv (rule `all_claims`)."""
from neurosweep.claims import gather_claims, summary
from neurosweep.logs import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    print(summary(gather_claims(list(sm.input), sm.output[0])))
