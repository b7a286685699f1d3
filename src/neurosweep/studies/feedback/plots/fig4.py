"""Fig. 4: single units are not invariant (per-unit clarity), readout weight does not follow
unit clarity, and a linear decoder recovers the sources from the population z."""
from .common import bars, clarity_axis, grid_of, violins


def draw(data):
    fig, (a, b, c) = grid_of(3)
    violins(a, [data["clarity_x"], data["unit_clarity"], data["clarity_y"]], ["x", "units of z", "y"])
    clarity_axis(a)
    b.scatter(data["unit_clarity"], data["readout_weight"], s=8)
    b.set_xlabel("unit clarity"); b.set_ylabel("Σ |readout weight|")
    bars(c, [str(s) for s in data["decoding_label"]], data["decoding"], "decoding R² (other contexts)")
    c.set_ylim(min(0, float(data["decoding"].min())), 1)
    return fig
