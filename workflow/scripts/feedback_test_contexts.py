"""Write the fixed test contexts of the feedback study (rule `feedback_test_contexts`)."""
from neurosweep.io import write_npz
from neurosweep.logs import log_to
from neurosweep.studies.feedback.data import test_contexts

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    write_npz(sm.output[0], test_contexts())
