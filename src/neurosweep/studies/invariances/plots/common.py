"""Panels shared by the invariances drawings (matplotlib only, no computation)."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from neurosweep.figures import grid_of, letter  # noqa: F401  (the drawings import them from here)

GREY = "gray"


def show_image(ax, image: np.ndarray, title: str = "") -> None:
    """A grey image on a symmetric scale (0 is mid-grey), no ticks."""
    limit = float(np.nanmax(np.abs(image))) or 1.0
    ax.imshow(np.ma.masked_invalid(image), cmap=GREY, vmin=-limit, vmax=limit, interpolation="nearest")
    ax.set_xticks([]); ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    if title:
        ax.set_title(title)


def circle_panel(fig, slot, images: np.ndarray, title: str = "") -> None:
    """Images placed on a circle, in latent order (the original's circle montage, from arrays)."""
    ax = fig.add_subplot(slot)
    ax.set_xlim(-1.35, 1.35); ax.set_ylim(-1.35, 1.35); ax.set_aspect("equal"); ax.axis("off")
    n = len(images)
    for k, image in enumerate(images):
        angle = 2 * math.pi * k / n
        x, y = math.cos(angle), math.sin(angle)
        inset = ax.inset_axes([x - 0.25, y - 0.25, 0.5, 0.5], transform=ax.transData)
        show_image(inset, image)
    ax.annotate("", xy=(0.5, 0.15), xytext=(0.5, -0.15), arrowprops={"arrowstyle": "->", "color": "0.5"})
    if title:
        ax.set_title(title)
    return ax


def activation_axis(ax) -> None:
    ax.set_ylim(0, 1.05)
    ax.axhline(1.0, color="0.6", ls="--", lw=0.8)
    ax.set_ylabel("activation / r*")


def cell_names(data) -> list[str]:
    return [str(c) for c in np.atleast_1d(data["cells"])]


def new_figure(rows: int, cols: int, width: float = 7.2, height: float = 1.9):
    fig = plt.figure(figsize=(width, height * rows), constrained_layout=True)
    return fig, fig.add_gridspec(rows, cols)
