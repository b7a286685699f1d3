"""Fig. S4 (mixture prior): π(x) with the neuron centres at every rate, tuning curves and q(x)
vs π(x) at the highest rate."""
import numpy as np

from .common import grid_of, prior_and_model, tuning


def draw(data):
    fig, axes = grid_of(3)
    axes[0].plot(data["x"], np.exp(data["log_pi"]), color="0.3")
    top = np.exp(data["log_pi"]).max()
    for i, rate in enumerate(data["rates"]):
        axes[0].plot(data["centre"][i], np.full(data["centre"].shape[1], top * (1.1 + 0.1 * i)), "|", ms=8,
                     label=f"R* = {rate:.2g}")
    axes[0].set_xlabel("stimulus x"); axes[0].set_ylabel("π(x); centres"); axes[0].legend(fontsize=6)
    tuning(axes[1], data, "high/")
    prior_and_model(axes[2], data, "high/"); axes[2].legend()
    return fig
