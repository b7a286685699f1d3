"""Paper Fig. 5: linear networks learn PCs in order of variance, and spatial-frequency acuity
grows with training (panels b, c, d, f, h; data from ``linear.fig5_data``)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def draw(data: dict[str, np.ndarray]) -> Figure:
    fig, axes = plt.subplots(2, 3, figsize=(12, 7), constrained_layout=True)
    ax = axes[0, 0]
    index = np.arange(1, len(data["spectrum"]) + 1)
    ax.loglog(index, data["spectrum"], ".", ms=3, label="photo patches")
    ax.loglog(index, data["spectrum_fit"], "-", lw=1, label="power-law fit")
    ax.set(title="b  PCA spectrum", xlabel="PC index", ylabel="eigenvalue")
    ax.legend(fontsize=7)

    steps = data["trace_steps"]
    colours = plt.cm.viridis(np.linspace(0, 0.9, len(data["pcs"])))
    for panel, depth, title in ((axes[0, 1], "tied", "c  tied (WᵀW): sim vs theory"),
                                (axes[0, 2], "2", "d  depth 2 and 3 (dashed)")):
        for j, (pc, colour) in enumerate(zip(data["pcs"], colours)):
            if f"sim_{depth}" in data:
                panel.plot(steps, data[f"sim_{depth}"][:, j], color=colour, label=f"PC {pc}")
            if depth == "tied":
                panel.plot(steps, data["theory_tied"][:, j], ":", color="k", lw=0.8)
            elif "sim_3" in data:
                panel.plot(steps, data["sim_3"][:, j], "--", color=colour)
        panel.set(title=title, xlabel="learning step", ylabel="proportion learned", ylim=(0, 1.1))
    axes[0, 1].legend(fontsize=7, title="dotted: logistic theory", title_fontsize=7)

    ax = axes[1, 0]
    curve_colours = plt.cm.magma(np.linspace(0.1, 0.85, len(data["curve_steps"])))
    for thr, thr_theory, step, colour in zip(data["threshold_sim"], data["threshold_theory"],
                                             data["curve_steps"], curve_colours):
        ax.plot(data["freqs"], thr, color=colour, label=f"step {step:.0f}")
        ax.plot(data["freqs"], thr_theory, ":", color=colour, lw=0.8)
    ax.axhline(float(data["criterion"]), color="grey", lw=0.8, ls="--")
    ax.set(title="f  threshold vs spatial frequency (tied)", xlabel="spatial frequency (cycles/px)",
           ylabel="threshold J$^{-1/2}$", yscale="log")
    ax.legend(fontsize=6)

    ax = axes[1, 1]
    for depth, style in (("tied", "-"), ("2", "--"), ("3", ":")):
        if f"acuity_{depth}" in data:
            for i, curve in enumerate(data[f"acuity_{depth}"]):
                ax.plot(data["acuity_steps"], curve, style, color=f"C{i}",
                        label=f"depth {depth}" if i == 0 else None)
    ax.set(title="h  acuity vs training", xlabel="learning step",
           ylabel="acuity (cycles/px)")
    ax.legend(fontsize=7)

    ax = axes[1, 2]
    if "acuity_tied" in data:
        for i, (seed, curve) in enumerate(zip(data["seeds_tied"], data["acuity_tied"])):
            ok = np.isfinite(curve) & (data["acuity_steps"] > 0)
            ax.loglog(data["acuity_steps"][ok], curve[ok], color=f"C{i}", label=f"seed {seed}")
        x = data["acuity_steps"][data["acuity_steps"] > 0]
        ref = data["acuity_tied"][0][np.isfinite(data["acuity_tied"][0])][-1]
        ax.loglog(x, ref * np.sqrt(x / x[-1]), "k:", lw=0.8, label="∝ √t")
    ax.set(title="h  acuity, log-log (tied)", xlabel="learning step", ylabel="acuity (cycles/px)")
    ax.legend(fontsize=7)
    return fig
