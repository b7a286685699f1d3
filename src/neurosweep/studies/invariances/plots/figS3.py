"""Supplement: training curves. Activation and contrastive term per cell over both phases of
the lambda schedule (lambda = 1, then 0.5 with a fresh optimiser)."""
from .common import cell_names, grid_of


def draw(data):
    cells = cell_names(data)
    fig, (a, b) = grid_of(2, per_row=2)
    boundary = int(data["steps_per_phase"])
    for cell in cells:
        a.plot(data[f"{cell}/step"], data[f"{cell}/act"], label=cell)
        b.plot(data[f"{cell}/step"], data[f"{cell}/reg"], label=cell)
    for ax, label in ((a, "activation / r*"), (b, "contrastive term")):
        ax.axvline(boundary, color="0.6", ls=":", lw=1)
        ax.set_xlabel("step"); ax.set_ylabel(label)
    a.set_ylim(0, 1.05); a.legend()
    return fig
