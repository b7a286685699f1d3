"""SI controls for Fig. 2 (deep linear AE): untrained and weight-shuffled networks are not
cardinal, isotropic training data gives the lattice baseline, and 45°-rotated training data
rotate the sensitivity (data from ``orientation.figS1_data``)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

TITLES = {"init": "untrained", "shuffled": "weights shuffled", "trained": "trained (κ=0.5)",
          "isotropic": "trained on κ=0", "rotated45": "trained on θ0=45°"}


def draw(data: dict[str, np.ndarray]) -> Figure:
    conditions = [str(c) for c in data["conditions"]]
    fig, axes = plt.subplots(1, len(conditions) + 1, figsize=(3.2 * (len(conditions) + 1), 3.4),
                             constrained_layout=True, squeeze=False)
    thetas = data["thetas_deg"]
    letters = "abcdefgh"
    for k, (ax, name) in enumerate(zip(axes[0], conditions)):
        curves = data[name]
        colours = plt.cm.viridis(np.linspace(0, 0.85, len(curves)))
        for i, (curve, colour) in enumerate(zip(curves, colours)):
            ax.plot(thetas, curve, color=colour, label=f"layer {i + 1}")
        ax.axhline(1 / len(thetas), color="grey", lw=0.5)
        ax.set(title=f"{letters[k]}  {TITLES.get(name, name)}", xlabel="orientation (deg)",
               ylabel="normalised √J", xticks=[0, 45, 90, 135, 180])
    axes[0, 0].legend(fontsize=7)
    ax = axes[0, -1]
    layers = np.arange(1, data["card_obl"].shape[1] + 1)
    for ratios, name in zip(data["card_obl"], conditions):
        ax.plot(layers, ratios, "o-", label=TITLES.get(name, name))
    ax.axhspan(0.8, 1.25, color="grey", alpha=0.15, lw=0)
    ax.set(title=f"{letters[len(conditions)]}  card/obl per layer", xlabel="layer",
           ylabel="J card / J obl", yscale="log")
    ax.legend(fontsize=7)
    return fig
