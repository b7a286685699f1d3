"""Supplement: success over seeds. Per cell and seed: min activation, winding number and
coverage of the invariance the cell has (the original shows one hand-picked seed)."""
import numpy as np

from .common import cell_names, grid_of


def table(ax, values, cells, seeds, title, fmt="{:.2f}", vmin=None, vmax=None, cmap="viridis"):
    ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7, color="w")
    ax.set_yticks(range(len(cells)), cells)
    ax.set_xticks(range(values.shape[1]), [str(s) for s in seeds[:values.shape[1]]])
    ax.set_xlabel("seed"); ax.set_title(title)


def draw(data):
    cells, seeds = cell_names(data), list(np.atleast_1d(data["seeds"]))
    fig, axes = grid_of(4, per_row=2, height=2.2)
    table(axes[0], data["act_min"], cells, seeds, "min activation / r*", vmin=0.8, vmax=1)
    winding = np.where(np.isfinite(data["phase_winding"]), data["phase_winding"], data["orientation_winding"])
    table(axes[1], winding, cells, seeds, "winding number (phase, or orientation)", vmin=-1.5, vmax=1.5, cmap="coolwarm")
    coverage = np.where(np.isfinite(data["phase_coverage"]), data["phase_coverage"], data["orientation_coverage"])
    table(axes[2], coverage, cells, seeds, "coverage (36 bins)", vmin=0, vmax=1)
    table(axes[3], data["mean_corr"], cells, seeds, "mean pairwise correlation", vmin=-1, vmax=1, cmap="coolwarm")
    return fig
