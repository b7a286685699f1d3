"""Fig. 6-S1: the Dale network's clarity for each modulation target and number of inhibitory
units (0: no feed-forward inhibition)."""
from .common import grid_of


def draw(data):
    fig, (a,) = grid_of(1, width=3.8, per_row=1)
    image = a.imshow(data["clarity"], vmin=0, vmax=1, cmap="viridis", aspect="auto")
    a.set_xticks(range(len(data["n_inh"])), [str(n) for n in data["n_inh"]])
    a.set_yticks(range(len(data["target"])), [str(t) for t in data["target"]])
    a.set_xlabel("inhibitory units N_I"); a.set_ylabel("modulated path")
    fig.colorbar(image, ax=a, shrink=0.8, label="clarity")
    return fig
