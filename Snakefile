# neurosweep: reproduce computational-neuroscience papers by running their parameter sweeps.
#
# Table of contents:
#   config/config.yaml           which studies, which scale (quick | paper)
#   config/<study>.yaml          each study's sweep grids and settings, per scale
#   workflow/rules/common.smk    validation, sweep expansion, helper functions for the rules
#   workflow/rules/pipeline.smk  the generic rules: train -> aggregate -> figure data -> figure
#   workflow/rules/<study>.smk   a study's data rules and its paper-named figure targets
#
# Run `snakemake -n` to see what would run, `snakemake psychophysics_fig5` for one figure.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/pipeline.smk"
include: "workflow/rules/psychophysics.smk"
include: "workflow/rules/popcoding.smk"
include: "workflow/rules/feedback.smk"
include: "workflow/rules/invariances.smk"


rule all:
    input:
        all_targets(),
    default_target: True


onsuccess:
    print_claims_summary()
