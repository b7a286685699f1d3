"""Small statistics without scipy: importing scipy.stats costs a job 1.5 s of start-up, more than
many figure and claims jobs take to run."""

from __future__ import annotations

import math

import numpy as np


def ranks(values) -> np.ndarray:
    """Ranks 0 .. n-1, ties sharing their average rank."""
    values = np.asarray(values, dtype=float)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return ((ends - counts + ends - 1) / 2)[inverse]


def spearman(a, b) -> float:
    """Spearman's rank correlation (NaN if either input has a NaN or is constant)."""
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if len(a) != len(b):
        raise ValueError(f"spearman: {len(a)} values against {len(b)}")
    if len(a) < 2 or np.isnan(a).any() or np.isnan(b).any():
        return math.nan
    ra, rb = ranks(a), ranks(b)
    if np.ptp(ra) == 0 or np.ptp(rb) == 0:
        return math.nan
    return float(np.corrcoef(ra, rb)[0, 1])
