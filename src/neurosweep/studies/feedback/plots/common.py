"""Panels shared by the feedback drawings (matplotlib only, no computation)."""

from __future__ import annotations

import numpy as np

from neurosweep.figures import grid_of, letter  # noqa: F401  (the drawings import them from here)

X_COLOUR, Y_COLOUR, S_COLOUR = "0.55", "#0072B2", "#D55E00"


def clarity_axis(ax, reference=None) -> None:
    ax.set_ylabel("signal clarity")
    ax.set_ylim(0, 1.02)
    if reference is not None:
        ax.axhline(float(reference), color=X_COLOUR, ls="--", lw=1, label="stimuli x")


def traces_panel(ax, data, contexts: int = 3, key: str = "example_y", label: str = "y") -> None:
    """The first source and the output following it over a few contexts (switches dotted)."""
    n_t = int(data["context_length"])
    t = np.arange(contexts * n_t)
    ax.plot(t, data["example_x"][: len(t), 0], color=X_COLOUR, lw=0.8, label="x₁")
    ax.plot(t, data["example_s"][: len(t), 0], color=S_COLOUR, lw=0.8, label="s₁")
    ax.plot(t, data[key][: len(t), 0], color=Y_COLOUR, lw=0.8, ls="--", label=f"{label}₁")
    for k in range(1, contexts):
        ax.axvline(k * n_t, color="0.8", ls=":", lw=1)
    ax.set_xlabel("time (steps)")
    ax.legend(ncol=3, fontsize=6, loc="upper right")


def violins(ax, values: list, labels: list[str]) -> None:
    parts = ax.violinplot([np.asarray(v) for v in values], showmedians=True)
    for body in parts["bodies"]:
        body.set_alpha(0.5)
    ax.set_xticks(range(1, len(labels) + 1), labels)


def bars(ax, labels, values, ylabel: str) -> None:
    ax.bar(range(len(values)), values, color=Y_COLOUR)
    ax.set_xticks(range(len(values)), labels, rotation=30, ha="right")
    ax.set_ylabel(ylabel)
