"""Draw one figure from its data file (rule `draw_figure`). Never trains, never recomputes."""
from neurosweep.figures import save_figure, style
from neurosweep.io import read_npz
from neurosweep.logs import log_to
from neurosweep.study import get_spec, resolve

sm = snakemake  # noqa: F821
study, figure = sm.wildcards.study, sm.wildcards.figure
with log_to(sm.log[0]), style():
    draw = resolve(study, get_spec(study).figures[figure].draw).draw
    save_figure(draw(read_npz(sm.input.data)), sm.output.pdf, sm.output.png)
