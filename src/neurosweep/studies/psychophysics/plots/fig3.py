"""Figure 3 (Benjamin et al. 2022): hue sensitivity follows the training hue distribution.

Panels: (a) training hue densities, unrotated and rotated by 90°; (b) the paper's HSV probe,
init vs trained — HSV's 60° sextants put steps into J(H) even at init; (c) J(H) on the probe
of the training colour space for both rotations; (d) circular cross-correlation of the two
trained curves against the shift (claim T11). Data from ``hue.fig3_data``.
"""

from __future__ import annotations

import colorsys

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

ROT_STYLE = {"rot0": ("unrotated", "#0072B2"), "rot90": ("hues rotated 90°", "#D55E00")}


def _hue_strip(ax, hue_deg: np.ndarray) -> None:
    """A thin strip of the probed hues (HSV, S = 1, V = 0.8) along the top of an axis."""
    strip = ax.inset_axes([0.0, 1.02, 1.0, 0.05])
    colours = np.array([colorsys.hsv_to_rgb(h / 360.0, 1.0, 0.8) for h in hue_deg])[None]
    strip.imshow(colours, aspect="auto", extent=(0, 360, 0, 1))
    strip.set_axis_off()


def _hue_axis(ax) -> None:
    ax.set_xlim(0, 360)
    ax.set_xticks(range(0, 361, 60))
    ax.set_xlabel("hue H (deg)")


def _panel_letter(ax, letter: str) -> None:
    ax.text(-0.16, 1.08, letter, transform=ax.transAxes, fontweight="bold", fontsize=11,
            va="bottom")


def draw(data: dict[str, np.ndarray]) -> Figure:
    hue = data["hue_deg"]
    space = str(data.get("hue_space", "opponent"))
    rotations = [r for r in ROT_STYLE if f"{r}/density" in data]
    fig, axes = plt.subplots(2, 2, figsize=(7.2, 5.4), constrained_layout=True)
    ax_a, ax_b, ax_c, ax_d = axes.ravel()

    for rot in rotations:
        label, colour = ROT_STYLE[rot]
        ax_a.plot(hue, data[f"{rot}/density"], color=colour, label=label)
    ax_a.set_ylabel("training hue density (1/rad)")
    ax_a.legend(loc="upper right")
    _hue_strip(ax_a, hue)

    if "rot0/J_hsv_init" in data:
        ax_b.plot(hue, data["rot0/J_hsv_init"], color="0.5", label="init")
        ax_b.plot(hue, data["rot0/J_hsv_trained"], color="#0072B2", label="trained (unrotated)")
        for edge in range(60, 360, 60):
            ax_b.axvline(edge, color="0.85", lw=0.6, zorder=0)
    ax_b.set_ylabel("J(H) / mean (HSV probe)")
    ax_b.legend(loc="upper right")
    ax_b.set_title("paper's HSV probe: 60° steps even at init", fontsize=8)

    for rot in rotations:
        label, colour = ROT_STYLE[rot]
        for curve in data[f"{rot}/J_{space}_trained_seeds"]:
            ax_c.plot(hue, curve, color=colour, lw=0.5, alpha=0.4)
        ax_c.plot(hue, data[f"{rot}/J_{space}_trained"], color=colour, label=f"{label}")
    if "rot0/J_%s_init" % space in data:
        ax_c.plot(hue, data[f"rot0/J_{space}_init"], color="0.5", ls="--", label="init")
    ax_c.set_ylabel(f"J(H) / mean, {space} probe")
    ax_c.legend(loc="upper right")
    ax_c.set_title("deepest hidden layer (seed mean; thin: seeds)", fontsize=8)

    for ax in (ax_a, ax_b, ax_c):
        _hue_axis(ax)

    if "xcorr" in data:
        lags = np.arange(len(data["xcorr"])) * 360.0 / len(data["xcorr"])
        ax_d.plot(lags, data["xcorr"], color="k")
        ax_d.axvline(90, color="#D55E00", ls="--", lw=1, label="rotation (90°)")
        ax_d.axvline(float(data["lag_deg"]), color="#009E73", lw=1,
                     label=f"peak {float(data['lag_deg']):.1f}°")
        ax_d.legend(loc="lower right")
    ax_d.set_xlim(0, 360)
    ax_d.set_xticks(range(0, 361, 60))
    ax_d.set_xlabel("shift (deg)")
    ax_d.set_ylabel("circular cross-correlation")

    for ax, letter in zip((ax_a, ax_b, ax_c, ax_d), "abcd"):
        _panel_letter(ax, letter)
    return fig
