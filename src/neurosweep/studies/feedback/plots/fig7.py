"""Fig. 7: decoding the context (a11, a21) from each population, and from the modulators
linearly, quadratically and as the inverse mixing."""
from .common import bars, grid_of


def draw(data):
    fig, (a,) = grid_of(1, width=3.6, per_row=1)
    bars(a, [str(s) for s in data["context_label"]], data["context_r2"], "context decoding R² (5-fold CV)")
    a.set_ylim(min(0, float(data["context_r2"].min())), 1)
    return fig
