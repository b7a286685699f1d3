"""Figure S2: is the "balanced" condition of paper Fig. 6d balanced? (research notes W8).

Panels: (a) training prior p(θ) and keep(θ) for the notebook recipe H = 1.3(1 − 0.15/p) and
for the equal-rate control keep ∝ 1/p; (b) two balance criteria — the rate of label information
p·(1 − H(keep)) the recipe targets, and the effective gradient rate p·keep that dropout of the
teaching signal actually sets; (c) final first-layer J(θ); (d) J(90°)/J(0°) over training per
seed, with the T16 (≥ 3) and T16b ([0.5, 2]) criteria. Data from ``supervised.figS2_data``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .fig6 import CONDITION_STYLE, orientation_axis, panel_letter

CONTROLS = ("balanced", "equal_rate")


def _binary_entropy(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -(p * np.log2(p) + (1 - p) * np.log2(1 - p))


def draw(data: dict[str, np.ndarray]) -> Figure:
    present = [c for c in CONTROLS if f"{c}/J_final" in data]
    fig, axes = plt.subplots(2, 2, figsize=(7.4, 5.8), constrained_layout=True)
    ax_a, ax_b, ax_c, ax_d = axes.ravel()

    for condition in present:
        label, colour = CONDITION_STYLE[condition]
        theta = data[f"{condition}/theta_deg"]
        p, keep = data[f"{condition}/density"], data[f"{condition}/keep"]
        ax_a.plot(theta, keep, color=colour, label=f"keep, {label}")
        rate = p * keep
        info = p * (1 - _binary_entropy(keep))
        ax_b.plot(theta, rate / rate.mean(), color=colour, label=f"p·keep, {label}")
        ax_b.plot(theta, info / info.mean(), color=colour, ls="--",
                  label=f"p·(1−H(keep)), {label}")
    if present:
        theta = data[f"{present[0]}/theta_deg"]
        p = data[f"{present[0]}/density"]
        ax_a.plot(theta, p / p.max(), color="0.4", ls=":", label="p(θ) / max")
    ax_a.set_ylabel("probability")
    ax_a.set_ylim(0, 1.05)
    ax_a.legend(loc="lower left", fontsize=7)
    ax_b.set_ylabel("rate / mean")
    ax_b.legend(loc="upper left", fontsize=6)

    for condition in present + (["frequency"] if "frequency/J_final" in data else []):
        label, colour = CONDITION_STYLE[condition]
        theta = data[f"{condition}/theta_deg"]
        for curve in data[f"{condition}/J_final"]:
            ax_c.plot(theta, curve, color=colour, lw=0.5, alpha=0.5)
        ax_c.plot(theta, data[f"{condition}/J_final"].mean(0), color=colour, label=label)
    ax_c.set_yscale("log")
    ax_c.set_ylabel("final J(θ) / mean")
    ax_c.legend(loc="upper left", fontsize=7)

    for condition in present:
        label, colour = CONDITION_STYLE[condition]
        steps = data[f"{condition}/steps"]
        for i, ratio in enumerate(data[f"{condition}/ratio_over_time"]):
            ax_d.plot(steps, ratio, color=colour, label=label if i == 0 else None)
    ax_d.axhspan(0.5, 2.0, color="0.9", zorder=0, label="T16b band [0.5, 2]")
    ax_d.axhline(3.0, color="0.5", ls="--", lw=0.8, label="T16 threshold 3")
    ax_d.set_yscale("log")
    ax_d.set_xlabel("training step")
    ax_d.set_ylabel("J(90°) / J(0°)")
    ax_d.legend(loc="upper left", fontsize=7)

    for ax in (ax_a, ax_b, ax_c):
        orientation_axis(ax)
    for ax, letter in zip((ax_a, ax_b, ax_c, ax_d), "abcd"):
        panel_letter(ax, letter)
    return fig
