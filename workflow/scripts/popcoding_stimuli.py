"""Draw one stimulus set (rule `popcoding_stimuli`): training stimuli for (prior, size, seed),
the fixed test set and the prior's evaluation grid."""
from neurosweep.io import write_npz
from neurosweep.logs import log_to
from neurosweep.studies.popcoding.priors import stimulus_arrays

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    w = sm.wildcards
    write_npz(sm.output[0], stimulus_arrays(w.prior, int(w.n_samples), int(w.seed)))
