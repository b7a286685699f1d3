"""Fig. 6: the Dale network: output traces, clarity of y vs x and of single units, decoding of
the sources from each population, freeze-protocol angles."""
from .common import bars, clarity_axis, grid_of, traces_panel, violins


def draw(data):
    fig, (a, b, c, d) = grid_of(4, per_row=2)
    traces_panel(a, data)
    violins(b, [data["clarity_x"], data["unit_clarity"], data["clarity_y"]], ["x", "units of z_H", "y"])
    clarity_axis(b)
    bars(c, [str(s) for s in data["decoding_label"]], data["decoding"], "decoding R² (other contexts)")
    c.set_ylim(min(0, float(data["decoding"].min())), 1)
    violins(d, [data["angles"][:, 0], data["angles"][:, 1]], ["switch alone", "feedback"])
    d.set_ylabel("subspace angle (deg)")
    return fig
