"""Fig. 3c,d: SpatialNet's per-unit gains switch with the context; clarity against the number
of feedback signals."""
import numpy as np

from .common import clarity_axis, grid_of


def draw(data):
    fig, (a, b) = grid_of(2, per_row=2)
    n_t = int(data["context_length"])
    gains = data["example_mod"]
    image = a.imshow(gains.T, aspect="auto", cmap="viridis", interpolation="nearest")
    for k in range(1, len(gains) // n_t):
        a.axvline(k * n_t, color="w", ls=":", lw=1)
    a.set_xlabel("time (steps)"); a.set_ylabel("unit (ring position)")
    fig.colorbar(image, ax=a, shrink=0.8, label="gain m")
    b.plot(data["n_fb"], data["clarity"], "o-")
    clarity_axis(b, data["clarity_input"])
    b.set_xlabel("feedback signals N_FB"); b.set_xticks(np.asarray(data["n_fb"])); b.legend()
    return fig
