"""Fig. 1-S6: clarity on the training conditions, new sources and unnormalised contexts, for
networks trained on normalised or unnormalised contexts."""
import numpy as np

from .common import grid_of


def draw(data):
    fig, (a,) = grid_of(1, width=3.8, per_row=1)
    cases = [str(c) for c in data["cases"]]
    for k, name in enumerate(("trained_normalised", "trained_unnormalised")):
        if name in data:
            a.bar(np.arange(len(cases)) + 0.4 * k - 0.2, data[name], width=0.4, label=name.replace("_", " "))
    a.set_xticks(range(len(cases)), cases); a.set_ylabel("signal clarity"); a.set_ylim(0, 1.02); a.legend()
    return fig
