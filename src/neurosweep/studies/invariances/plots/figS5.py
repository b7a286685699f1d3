"""Supplement: the latent grid size G (positives are int(0.1 G) grid steps away)."""
from .common import grid_of


def draw(data):
    fig, axes = grid_of(3, per_row=3)
    for ax, key, label in zip(axes, ("winding_ok", "coverage", "act_min"),
                              ("fraction of seeds winding once", "phase coverage", "min activation / r*")):
        ax.plot(data["grid"], data[key], "o-")
        ax.set_xlabel("grid size G"); ax.set_ylabel(label); ax.set_ylim(0, 1.05)
    return fig
