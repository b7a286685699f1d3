"""Paper Fig. 2c analogue: orientation sensitivity of networks trained on cardinal-biased
images, per layer, and the cardinal/oblique ratio vs depth (data from
``orientation.fig2_data``)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def draw(data: dict[str, np.ndarray]) -> Figure:
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), constrained_layout=True)
    thetas = data["thetas_deg"]
    ax = axes[0]
    if "deep_trained" in data:
        colours = plt.cm.viridis(np.linspace(0, 0.85, len(data["deep_trained"])))
        for i, (curve, colour) in enumerate(zip(data["deep_trained"], colours)):
            ax.plot(thetas, curve, color=colour, label=f"layer {i + 1}")
    ax.plot(thetas, data["variance_profile"], "k:", lw=1, label="input variance v(θ)")
    ax.axhline(1 / len(thetas), color="grey", lw=0.5)
    ax.set(title="c  deep linear AE (κ=0.5)", xlabel="orientation (deg)",
           ylabel="normalised √J", xticks=[0, 45, 90, 135, 180])
    ax.legend(fontsize=7)

    ax = axes[1]
    if "linear_trained" in data:
        ax.plot(thetas, data["linear_trained"][0], color="C1", label="tied linear AE, code")
    ax.plot(thetas, data["variance_profile"], "k:", lw=1, label="input variance v(θ)")
    ax.axhline(1 / len(thetas), color="grey", lw=0.5)
    ax.set(title="c  tied linear AE (κ=0.5)", xlabel="orientation (deg)",
           ylabel="normalised √J", xticks=[0, 45, 90, 135, 180])
    ax.legend(fontsize=7)

    ax = axes[2]
    if "deep_card_obl" in data:
        layers = np.arange(1, data["deep_card_obl"].shape[1] + 1)
        for i, ratios in enumerate(data["deep_card_obl"]):
            ax.plot(layers, ratios, "o-", color=f"C{i}", label=f"deep, seed {i}")
    if "linear_card_obl" in data:
        for i, ratio in enumerate(data["linear_card_obl"][:, 0]):
            ax.plot([1], [ratio], "s", color=f"C{i}", mfc="none", label=f"linear, seed {i}")
    ax.axhline(1, color="grey", lw=0.5)
    ax.set(title="c  cardinal/oblique J vs depth", xlabel="layer", ylabel="J card / J obl")
    ax.legend(fontsize=7)
    return fig
