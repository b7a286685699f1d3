"""Gather every point of a sweep into one file (rule `aggregate`)."""
from neurosweep.aggregate import load_run, write_sweep
from neurosweep.logs import log_to
from neurosweep.sweep import parse_path

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    files = list(sm.input)
    runs = []
    for result, record in zip(files[0::2], files[1::2]):
        point = parse_path(result.split(f"/runs/{sm.wildcards.sweep}/", 1)[1].rsplit("/", 1)[0])
        runs.append(load_run(result, record, point))
    write_sweep(runs, sm.output.arrays, sm.output.table, sm.output.index)
