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


def save_figure(figure, pdf_path: str | os.PathLike, png_path: str | os.PathLike) -> None:
    # Fixed metadata keeps the PDF identical when nothing changed.
    with atomic_path(pdf_path) as tmp:
        figure.savefig(tmp, format="pdf", metadata={"CreationDate": None, "Creator": "neurosweep"})
    with atomic_path(png_path) as tmp:
        figure.savefig(tmp, format="png", metadata={"Software": "neurosweep"})
    plt.close(figure)
