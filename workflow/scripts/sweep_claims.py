"""Check one sweep's claims (rule `sweep_claims`) and record the code that checked them."""
from neurosweep.claims import check_sweep, write_claims
from neurosweep.io import write_json
from neurosweep.logs import log_to

sm = snakemake  # noqa: F821
study, sweep = sm.wildcards.study, sm.wildcards.sweep
with log_to(sm.log[0]):
    claims = check_sweep(study, sweep, {name: str(path) for name, path in sm.input.items()},
                         scale=sm.config["scale"])
    write_claims(sm.output.table, claims, study)
    paper = [c for c in claims if c.kind == "paper"]
    checks = [c for c in claims if c.kind == "check"]
    write_json(sm.output.made_by, {"code": sm.params.code, "claims": len(claims),
                                   "passed": sum(c.passed for c in claims)})
    print(f"{study}/{sweep}: {sum(c.passed for c in paper)} of {len(paper)} paper claims hold; "
          f"{sum(c.passed for c in checks)} of {len(checks)} checks pass")
