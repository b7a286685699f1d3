"""Fig. 1-S2a,b,d: training loss of every seed; clarity per seed; clarity for test contexts of
other lengths."""
import numpy as np

from .common import clarity_axis, grid_of


def draw(data):
    fig, (a, b, c) = grid_of(3)
    for seed, loss in zip(data["seed"], data["loss"]):
        a.plot(np.arange(1, len(loss) + 1), loss, lw=0.8, label=f"seed {seed}")
    a.set_xscale("log"); a.set_yscale("log"); a.set_xlabel("batch"); a.set_ylabel("loss per step"); a.legend()
    b.bar([str(s) for s in data["seed"]], data["clarity"])
    clarity_axis(b); b.set_xlabel("seed")
    for seed, values in zip(data["seed"], data["test_length_clarity"]):
        c.plot(data["test_lengths"], values, "o-", label=f"seed {seed}")
    clarity_axis(c); c.set_xscale("log"); c.set_xlabel("test context length")
    return fig
