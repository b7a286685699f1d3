"""Download the macaque V1 model's three CNNs, SHA-256 checked (rule `invariances_macaque_weights`)."""
from pathlib import Path

from neurosweep.logs import log_to
from neurosweep.studies.invariances.macaque import download_weights

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    download_weights(Path(sm.output[0]).parent)
