"""Figure 6 (Benjamin et al. 2022): what shapes the sensitivity of a supervised classifier.

Panels: (a–c) first-hidden-layer J(θ) over training (each snapshot divided by its mean over θ,
log colour) for label noise (paper 6b), a frequency prior (6c) and the notebook's "balanced"
recipe (6d); (d) what gradient descent sees: the effective rate p(θ)·keep(θ) per condition;
(e) final J(θ) per condition (seed mean); (f) the claim ratios over training, per seed.
Data from ``supervised.fig6_data``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

CONDITION_STYLE = {
    "label_noise": ("label noise, uniform θ (6b)", "#009E73"),
    "frequency": ("frequency prior (6c)", "#D55E00"),
    "balanced": ("'balanced' recipe (6d)", "#CC79A7"),
    "uniform": ("uniform, no noise", "#0072B2"),
    "equal_rate": ("equal rate p·keep (control)", "#56B4E9"),
}
RATIO_LABEL = {"label_noise": "J(135°)/J(45°)"}


def panel_letter(ax, letter: str) -> None:
    ax.text(-0.18, 1.04, letter, transform=ax.transAxes, fontweight="bold", fontsize=11,
            va="bottom")


def orientation_axis(ax) -> None:
    ax.set_xlim(0, 180)
    ax.set_xticks(range(0, 181, 45))
    ax.set_xlabel("orientation θ (deg)")


def sensitivity_map(ax, data: dict, condition: str) -> None:
    """log10 of per-snapshot-normalised J(θ) as an image: orientation × training step."""
    theta, steps = data[f"{condition}/theta_deg"], data[f"{condition}/steps"]
    image = np.log10(data[f"{condition}/J_map"])
    limit = max(0.3, float(np.abs(image).max()))
    shown = ax.imshow(image, aspect="auto", origin="lower", cmap="RdBu_r", vmin=-limit,
                      vmax=limit, extent=(0, 180, steps[0], steps[-1]), interpolation="nearest")
    ax.figure.colorbar(shown, ax=ax, label="log10 J / mean", shrink=0.85)
    orientation_axis(ax)
    ax.set_ylabel("training step")
    ax.set_title(CONDITION_STYLE[condition][0], fontsize=8)


def effective_rate(ax, data: dict, conditions) -> None:
    for condition in conditions:
        label, colour = CONDITION_STYLE[condition]
        theta = data[f"{condition}/theta_deg"]
        rate = data[f"{condition}/density"] * data[f"{condition}/keep"]
        ax.plot(theta, rate / rate.mean(), color=colour, label=label)
    orientation_axis(ax)
    ax.set_ylabel("p(θ)·keep(θ) / mean")


def final_curves(ax, data: dict, conditions) -> None:
    for condition in conditions:
        label, colour = CONDITION_STYLE[condition]
        theta = data[f"{condition}/theta_deg"]
        final = data[f"{condition}/J_final"]
        ax.plot(theta, final.mean(0), color=colour, label=label)
    ax.set_yscale("log")
    orientation_axis(ax)
    ax.set_ylabel("final J(θ) / mean")


def ratios_over_time(ax, data: dict, conditions) -> None:
    for condition in conditions:
        label, colour = CONDITION_STYLE[condition]
        steps = data[f"{condition}/steps"]
        for i, ratio in enumerate(data[f"{condition}/ratio_over_time"]):
            ax.plot(steps, ratio, color=colour, lw=1, label=label if i == 0 else None)
    ax.axhline(1.0, color="0.6", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel("J(90°)/J(0°)  [label noise: J(135°)/J(45°)]")


def draw(data: dict[str, np.ndarray]) -> Figure:
    present = [c for c in CONDITION_STYLE if f"{c}/J_map" in data]
    fig, axes = plt.subplots(2, 3, figsize=(10.5, 6.2), constrained_layout=True)
    for ax, condition in zip(axes[0], ("label_noise", "frequency", "balanced")):
        if condition in present:
            sensitivity_map(ax, data, condition)
        else:
            ax.set_axis_off()
    effective_rate(axes[1, 0], data, present)
    final_curves(axes[1, 1], data, present)
    ratios_over_time(axes[1, 2], data, present)
    axes[1, 0].legend(loc="upper left", fontsize=7)
    for ax, letter in zip(axes.ravel(), "abcdef"):
        panel_letter(ax, letter)
    return fig
