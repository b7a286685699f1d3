"""Supplement: the original's BatchNorm makes an image depend on its batch. Correlation of
single-latent renders (batch statistics of a batch of one) with the same latents rendered on
the grid, and the activation each reaches."""
import numpy as np

from .common import cell_names, grid_of


def draw(data):
    cells = cell_names(data)
    fig, (a, b) = grid_of(2, per_row=2)
    x = np.arange(len(cells))
    for i, row in enumerate(data["alone_corr"]):
        a.plot(np.full(len(row), i), row, "o", color="#D55E00")
    a.axhline(1, color="0.6", ls="--", lw=0.8)
    a.set_xticks(x, cells, rotation=30, ha="right"); a.set_ylabel("corr(alone, in grid)")
    a.set_ylim(-1.05, 1.05)
    b.bar(x - 0.2, np.nanmean(data["grid_act"], 1), 0.4, label="in grid (frozen statistics)")
    b.bar(x + 0.2, np.nanmean(data["alone_act"], 1), 0.4, label="alone (batch statistics)")
    b.set_xticks(x, cells, rotation=30, ha="right"); b.set_ylabel("mean activation / r*")
    b.set_ylim(0, 1.1); b.legend()
    return fig
