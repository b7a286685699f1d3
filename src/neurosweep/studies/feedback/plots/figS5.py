"""Fig. 1-S5: clarity on every pair of the frequency bank; trained pairs marked."""
from .common import grid_of


def draw(data):
    fig, (a,) = grid_of(1, width=3.8, per_row=1)
    image = a.imshow(data["bank_clarity"], vmin=0, vmax=1, cmap="viridis")
    labels = [f"{f:g}" for f in data["frequencies"]]
    a.set_xticks(range(len(labels)), labels, rotation=90); a.set_yticks(range(len(labels)), labels)
    for i, j in data["trained_pairs"]:
        a.text(j, i, "×", ha="center", va="center", color="w")
        a.text(i, j, "×", ha="center", va="center", color="w")
    a.set_xlabel("frequency (Hz, before scaling)")
    fig.colorbar(image, ax=a, shrink=0.8, label="clarity")
    return fig
