"""Compute what one figure shows from its sweep's runs (rule `figure_data`). No drawing."""
from neurosweep.aggregate import read_sweep
from neurosweep.io import write_npz
from neurosweep.logs import log_to
from neurosweep.study import get_spec, resolve

sm = snakemake  # noqa: F821
study, figure = sm.wildcards.study, sm.wildcards.figure
with log_to(sm.log[0]):
    spec = get_spec(study).figures[figure]
    runs = read_sweep(sm.input.arrays, sm.input.index)
    extra = {name: str(sm.input[name]) for name in spec.inputs}  # other files it reads
    write_npz(sm.output[0], resolve(study, spec.data)(runs, **extra))
