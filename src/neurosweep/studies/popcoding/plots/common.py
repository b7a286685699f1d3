"""Panels shared by the popcoding drawings (matplotlib only, no computation)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from neurosweep.figures import grid_of, letter  # noqa: F401  (the drawings import them from here)


def dr_panel(ax, data, prefix: str = "", label: str | None = None, colour=None, key: str = "D") -> None:
    """D vs achieved R (seed mean ± sd) and the bound D = H(π) − R."""
    r, d = data[f"{prefix}R"], data[f"{prefix}{key}"]
    ax.errorbar(r, d, yerr=data[f"{prefix}{key}_sd"], marker="o", ms=3, label=label, color=colour)
    h = float(data[f"{prefix}entropy"])
    line = np.linspace(0, max(r.max(), 0.1) * 1.05, 50)
    ax.plot(line, h - line, color="0.6", ls="--", lw=1, label="bound H − R" if not prefix or label else None)
    ax.set_xlabel("rate R (nats)")
    ax.set_ylabel("distortion D (nats)")


def versus_rate(ax, data, key: str, ylabel: str, prefix: str = "", label=None, colour=None) -> None:
    ax.errorbar(data[f"{prefix}rates"], data[f"{prefix}{key}"], yerr=data[f"{prefix}{key}_sd"],
                marker="o", ms=3, label=label, color=colour)
    ax.set_xlabel("target rate R* (nats)")
    ax.set_ylabel(ylabel)


def prior_and_model(ax, data, prefix: str) -> None:
    ax.plot(data["x"], np.exp(data["log_pi"]), color="0.3", label="π(x)")
    ax.plot(data["x"], np.exp(data[f"{prefix}log_q"]), color="#D55E00", ls="--", label="q(x)")
    ax.set_xlabel("stimulus x")
    ax.set_ylabel("density")


def tuning(ax, data, prefix: str) -> None:
    ax.plot(data["x"], data[f"{prefix}curves"].T, lw=1)
    ax.set_xlabel("stimulus x")
    ax.set_ylabel("P(r = 1 | x)")


def coupling(ax, data, prefix: str) -> None:
    j = data[f"{prefix}coupling"]
    limit = max(float(np.abs(j).max()), 1e-6)
    image = ax.imshow(j, cmap="RdBu_r", vmin=-limit, vmax=limit)
    plt.colorbar(image, ax=ax, shrink=0.8)
    ax.set_xlabel("neuron j")
    ax.set_ylabel("neuron i")


def groups_dr(data, title_axis: str, keys=("D", "gap")):
    """D–R per group with the bound, and the gap vs R* per group."""
    fig, (ax1, ax2) = grid_of(2, per_row=2)
    for group in data["groups"]:
        dr_panel(ax1, data, f"{group}/", label=f"{title_axis} = {group}")
        versus_rate(ax2, data, "gap", "D + R − H(π) (nats)", f"{group}/", label=f"{title_axis} = {group}")
    ax1.legend()
    ax2.axhline(0, color="0.6", lw=0.8)
    return fig, (ax1, ax2)
