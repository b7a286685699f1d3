"""One figure style for every study, and saving a figure as PDF and PNG atomically."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

import matplotlib

matplotlib.use("Agg")  # figures are drawn headless, locally and on cluster nodes
import matplotlib.pyplot as plt  # noqa: E402

from .io import atomic_path  # noqa: E402

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "lines.linewidth": 1.4,
    "axes.prop_cycle": matplotlib.cycler(color=[
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]),
    "pdf.fonttype": 42,  # editable text in the PDF
    "svg.hashsalt": "neurosweep",
}


@contextmanager
def style() -> Iterator[None]:
    with plt.rc_context(STYLE):
        yield


def letter(ax, text: str) -> None:
    """A panel letter (a, b, ...) above the axes' top-left corner."""
    ax.text(-0.18, 1.05, text, transform=ax.transAxes, fontweight="bold", fontsize=11, va="bottom")


def grid_of(n: int, width: float = 7.2, per_row: int = 3, height: float = 2.4):
    """A figure with n lettered panels, per_row to a row (unused slots hidden)."""
    rows = (n + per_row - 1) // per_row
    fig, axes = plt.subplots(rows, per_row, figsize=(width, height * rows), constrained_layout=True,
                             squeeze=False)
    axes = axes.ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    for ax, text in zip(axes, "abcdefghijklmnop"):
        letter(ax, text)
    return fig, axes[:n]


def save_figure(figure, pdf_path: str | os.PathLike, png_path: str | os.PathLike) -> None:
    # Fixed metadata keeps the PDF identical when nothing changed.
    with atomic_path(pdf_path) as tmp:
        figure.savefig(tmp, format="pdf", metadata={"CreationDate": None, "Creator": "neurosweep"})
    with atomic_path(png_path) as tmp:
        figure.savefig(tmp, format="png", metadata={"Software": "neurosweep"})
    plt.close(figure)
