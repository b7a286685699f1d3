"""Fig. 5: the freeze protocol. One example (outputs across a switch with frozen, then free
modulation), and the angles between activity planes: switch alone vs feedback."""
import numpy as np

from .common import grid_of, violins


def draw(data):
    fig, (a, b, c) = grid_of(3)
    n_t = int(data["context_length"])
    y = data["example_y"]
    t = np.arange(len(y))
    a.plot(t, y[:, 0], lw=0.8, label="y₁")
    a.plot(t, y[:, 1], lw=0.8, label="y₂")
    a.axvspan(n_t, n_t + n_t // 2, color="0.9", label="frozen")
    a.axvline(n_t, color="0.5", ls=":")
    a.set_xlabel("time (steps)"); a.legend(fontsize=6)
    violins(b, [data["angles"][:, 0], data["angles"][:, 1]], ["switch alone", "feedback"])
    b.set_ylabel("subspace angle (deg)")
    side = np.asarray(data["same_side"], dtype=bool)
    c.scatter(data["distance"][side], data["angles"][side, 1], s=8, label="same side")
    c.scatter(data["distance"][~side], data["angles"][~side, 1], s=8, label="opposite sides")
    c.set_xlabel("‖A₁ − A₂‖"); c.set_ylabel("feedback angle (deg)"); c.legend(fontsize=6)
    return fig
