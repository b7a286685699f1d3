"""Fig. 1-S1: feed-forward controls: a read-out fitted to one context, tested on others; MLPs
on windows of x."""
import numpy as np

from .common import clarity_axis, grid_of


def draw(data):
    fig, (a, b) = grid_of(2, per_row=2)
    off = ~np.eye(len(data["linear_clarity"]), dtype=bool)
    a.scatter(data["linear_distance"][off], data["linear_clarity"][off], s=4)
    a.set_xlabel("distance to the fitted context"); clarity_axis(a)
    b.plot(data["window"], data["clarity"], "o-", label="MLP")
    clarity_axis(b, data["clarity_input"])
    b.set_xscale("log"); b.set_xlabel("window (samples of x)"); b.legend()
    return fig
