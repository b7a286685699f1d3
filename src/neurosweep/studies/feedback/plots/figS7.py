"""Fig. 3-S1: clarity for every number of feedback signals and kernel width."""
from .common import grid_of


def draw(data):
    fig, (a,) = grid_of(1, width=3.8, per_row=1)
    image = a.imshow(data["clarity"], vmin=0, vmax=1, cmap="viridis", aspect="auto")
    a.set_xticks(range(len(data["width_label"])), [str(w) for w in data["width_label"]])
    a.set_yticks(range(len(data["n_fb"])), [str(n) for n in data["n_fb"]])
    a.set_xlabel("kernel width σ²"); a.set_ylabel("N_FB")
    fig.colorbar(image, ax=a, shrink=0.8, label="clarity")
    return fig
