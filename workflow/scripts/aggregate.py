"""Gather every point of a sweep into one file (rule `aggregate`)."""
from neurosweep.aggregate import load_run, write_sweep
from neurosweep.logs import log_to
from neurosweep.sweep import parse_path

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    files = list(sm.input)
    # A point shared with an earlier sweep has its files under that sweep's runs/, so its grid
    # values come from the point list (params), not from the file path.
    runs = [load_run(result, record, parse_path(point))
            for point, result, record in zip(sm.params.points, files[0::2], files[1::2])]
    write_sweep(runs, sm.output.arrays, sm.output.table, sm.output.index)
