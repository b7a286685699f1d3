"""Download Moore's frequency difference limens, SHA-256 checked (rule `popcoding_moore`)."""
from pathlib import Path

from neurosweep.logs import log_to
from neurosweep.studies.popcoding.moore import download_moore

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    download_moore(Path(sm.output[0]).parent / "moore", sm.output[0])
