"""Optional figure: normalised √J(θ) of every stage of ImageNet networks (paper Fig. 2c style)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

STATES = ("trained", "init", "shuffled")


def draw(data: dict[str, np.ndarray]):
    archs = sorted({key.split("/", 1)[0] for key in data})
    fig, axes = plt.subplots(len(archs), len(STATES), figsize=(9, 2.6 * len(archs)),
                             squeeze=False, sharex=True)
    for row, arch in enumerate(archs):
        theta = data[f"{arch}/theta_deg"]
        for col, state in enumerate(STATES):
            layers = [str(name) for name in data[f"{arch}/layers"]]  # in depth order
            colours = plt.cm.viridis(np.linspace(0, 1, max(len(layers), 1)))
            ax = axes[row, col]
            for colour, layer in zip(colours, layers):
                ax.plot(theta, data[f"{arch}/{state}/{layer}"], color=colour, label=layer)
            ax.set_title(f"{arch}, {state}")
            ax.set_xticks([0, 45, 90, 135, 180])
            ax.set_xlabel("orientation (deg)")
            if col == 0:
                ax.set_ylabel("normalised √J")
        axes[row, -1].legend(fontsize=6, loc="upper right", ncol=2)
    fig.tight_layout()
    return fig
