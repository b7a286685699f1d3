"""Write the scikit-image bundled photographs as one data file (rule `psychophysics_photos`)."""
from neurosweep.logs import log_to
from neurosweep.studies.psychophysics.linear import photos_dataset

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    photos_dataset(sm.output[0])
