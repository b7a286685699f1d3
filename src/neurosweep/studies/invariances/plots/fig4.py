"""Fig. 4: controls. A cell without invariance (simple) has one optimal image: its manifold
collapses (images correlated), while cells with an invariance keep diverse, optimal images."""
import numpy as np

from .common import cell_names, new_figure, show_image


def bars(ax, cells, table, ylabel):
    mean = np.nanmean(table, axis=1)
    ax.bar(range(len(cells)), mean, color="#0072B2", alpha=0.7)
    for i, row in enumerate(table):
        ax.plot(np.full(len(row), i), row, "k.", ms=3)
    ax.set_xticks(range(len(cells)), cells, rotation=30, ha="right")
    ax.set_ylabel(ylabel)


def draw(data):
    cells = cell_names(data)
    rows = [c for c in ("complex", "simple") if f"{c}/row" in data]
    fig, grid = new_figure(1 + len(rows), 3, height=2.0)
    bars(fig.add_subplot(grid[0, 0]), cells, data["mean_corr"], "mean pairwise correlation")
    bars(fig.add_subplot(grid[0, 1]), cells, data["invariance_extent"], "invariance extent")
    ax = fig.add_subplot(grid[0, 2])
    bars(ax, cells, data["act_mean"], "mean activation / r*")
    ax.set_ylim(0, 1.05)
    for i, cell in enumerate(rows):
        show_image(fig.add_subplot(grid[1 + i, :]), data[f"{cell}/row"], title=f"{cell}: z from 0 to 2π")
    return fig
