"""Figs. 1-S3, 1-S4: other source pairs and three sources (sine, square, sawtooth)."""
import numpy as np

from .common import X_COLOUR, Y_COLOUR, grid_of


def draw(data):
    fig, (a,) = grid_of(1, width=3.6, per_row=1)
    n = len(data["sources"])
    a.bar(np.arange(n) - 0.2, data["clarity_input"], width=0.4, color=X_COLOUR, label="stimuli x")
    a.bar(np.arange(n) + 0.2, data["clarity"], width=0.4, color=Y_COLOUR, label="output y")
    a.set_xticks(range(n), [str(s) for s in data["sources"]])
    a.set_ylabel("clarity (3 sources: source match)"); a.set_ylim(0, 1.02); a.legend()
    return fig
