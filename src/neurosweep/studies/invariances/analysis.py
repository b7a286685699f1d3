"""Metrics of a learned manifold (research notes §1.1, §8): activation along it, the image
phase and orientation it sweeps, how often they wind around, how diverse its images are.

All functions take rendered, contrast-fixed images (or their dot products) and return floats
or small arrays; nothing here trains or renders.
"""

from __future__ import annotations

import math

import numpy as np

N_BINS = 36  # 10-degree bins for phase and orientation coverage


def activation_stats(act: np.ndarray) -> dict[str, float]:
    """Normalised activations (act / r*) along the manifold."""
    return {"act_mean": float(act.mean()), "act_min": float(act.min()),
            "act_frac_09": float((act >= 0.9).mean())}


def phase(images: np.ndarray, pair: np.ndarray) -> np.ndarray:
    """Phase (radians) of each image (N, H, W) under a quadrature pair (2, HW)."""
    dots = images.reshape(len(images), -1) @ pair.T
    return np.arctan2(dots[:, 1], dots[:, 0])


def orientation(images: np.ndarray, filters: np.ndarray, group: int, span: float) -> np.ndarray:
    """Preferred orientation (radians in [0, span)) of each image: that of the bank block (one
    filter, or a quadrature pair) it drives most. An odd filter is signed (the one at theta + pi
    is its negative); a pair's energy is the same at theta and theta + pi."""
    dots = images.reshape(len(images), -1) @ filters.T
    if group == 1:
        drive = dots
    else:
        drive = np.sqrt((dots.reshape(len(images), -1, group) ** 2).sum(-1))
    return drive.argmax(axis=1) * (span / drive.shape[1])


def as_turn(angles: np.ndarray, period: float) -> np.ndarray:
    """Angles with period ``period`` mapped onto one turn [0, 2pi)."""
    return np.mod(angles, period) * (2 * math.pi / period)


def wrapped(diff: np.ndarray) -> np.ndarray:
    return (diff + math.pi) % (2 * math.pi) - math.pi


def winding(angles: np.ndarray) -> float:
    """Turns of an angle around a closed loop of samples (the last joins the first)."""
    steps = wrapped(np.diff(np.concatenate([angles, angles[:1]])))
    return float(steps.sum() / (2 * math.pi))


def coverage(angles: np.ndarray, bins: int = N_BINS) -> float:
    """Fraction of the circle's bins the angles visit."""
    index = np.floor((np.mod(angles, 2 * math.pi)) / (2 * math.pi) * bins).astype(int) % bins
    return float(len(np.unique(index)) / bins)


def mean_pairwise_correlation(images: np.ndarray) -> float:
    """Mean Pearson correlation over distinct pairs: about 1 when the manifold collapsed."""
    flat = images.reshape(len(images), -1)
    flat = flat - flat.mean(axis=1, keepdims=True)
    flat = flat / np.linalg.norm(flat, axis=1, keepdims=True)
    corr = flat @ flat.T
    n = len(flat)
    return float((corr.sum() - np.trace(corr)) / (n * (n - 1)))


def invariance_extent(act: np.ndarray, images: np.ndarray) -> float:
    """Fraction of latents near the maximum times how distinct the images are: large only for
    a manifold that is both highly activating and not collapsed."""
    return float((act >= 0.9).mean() * (1 - mean_pairwise_correlation(images)))


def sign_switches(images: np.ndarray, filt: np.ndarray) -> int:
    """Sign changes of <image, filter> around a closed loop (2 for a polarity-invariant cell)."""
    signs = np.sign(images.reshape(len(images), -1) @ filt)
    return int((signs != np.roll(signs, -1)).sum())


def winding_per_axis(angles: np.ndarray, grid: int) -> list[float]:
    """2-D latent grid (row-major G x G): mean winding of the angle along each latent axis."""
    square = angles.reshape(grid, grid)
    along_0 = np.mean([winding(square[:, j]) for j in range(grid)])
    along_1 = np.mean([winding(square[i, :]) for i in range(grid)])
    return [float(along_0), float(along_1)]


def axis_alignment(windings: list[float]) -> float:
    """How cleanly one latent axis carries a quantity: |winding| on the axis that carries it
    most minus |winding| on the other (1 for a perfectly aligned, 0 for a diagonal code)."""
    mags = sorted(abs(w) for w in windings)
    return float(mags[-1] - mags[0])


def correlation_of_renders(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-image Pearson correlation between two renders of the same latents."""
    fa = a.reshape(len(a), -1) - a.reshape(len(a), -1).mean(1, keepdims=True)
    fb = b.reshape(len(b), -1) - b.reshape(len(b), -1).mean(1, keepdims=True)
    num = (fa * fb).sum(1)
    return num / (np.linalg.norm(fa, axis=1) * np.linalg.norm(fb, axis=1) + 1e-12)
