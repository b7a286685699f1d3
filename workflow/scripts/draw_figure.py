"""Draw one figure from its data file and write its provenance card (rule `draw_figure`).
Never trains, never recomputes."""
import os

from neurosweep.figures import save_figure, style
from neurosweep.io import read_npz, write_json
from neurosweep.logs import log_to
from neurosweep.provenance import figure_card
from neurosweep.study import get_spec, resolve
from neurosweep.workflow import Plan

sm = snakemake  # noqa: F821
study, figure = sm.wildcards.study, sm.wildcards.figure
with log_to(sm.log[0]), style():
    draw = resolve(study, get_spec(study).figures[figure].draw).draw
    save_figure(draw(read_npz(sm.input.data)), sm.output.pdf, sm.output.png)
    script = os.path.relpath(os.path.join(sm.scriptdir, "draw_figure.py"))  # not the temp copy
    # the points, config and code of the figure, from the same config the workflow read
    # the workflow's base directory (scriptdir is workflow/rules/../scripts, not normalised)
    root = os.path.normpath(os.path.join(sm.scriptdir, "..", ".."))
    card_plan = Plan.from_config(sm.config, root=root).card_params(study, figure)
    write_json(sm.output.card, figure_card(card_plan, claims_path=sm.input.claims,
                                           code=card_plan["code"], script=script))
