"""Analyses of trained networks (paper Methods): signal clarity, source decoding across
contexts, the subspace angle of the freeze protocol, and decoding the context.

Pure functions of arrays (numpy), so they are tested on constructed data with known answers.
"""

from __future__ import annotations

import numpy as np


def correlations(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson r between every column of a [T, n] and of b [T, m] -> [n, m] (0 where constant)."""
    a = a - a.mean(0)
    b = b - b.mean(0)
    norm = np.sqrt((a * a).sum(0))[:, None] * np.sqrt((b * b).sum(0))[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a.T @ b) / norm
    return np.nan_to_num(r)


def signal_clarity(sources: np.ndarray, signals: np.ndarray) -> np.ndarray:
    """Per signal j: c_j = | |r(s_1, y_j)| − |r(s_2, y_j)| | over one context (paper Methods).

    sources [T, 2], signals [T, n] -> [n]. 1: the signal follows one source only; a mixture of
    both gives about 0.5 for random mixings."""
    r = np.abs(correlations(sources, signals))
    if r.shape[0] != 2:
        raise ValueError("signal clarity is defined for two sources")
    return np.abs(r[0] - r[1])


def output_clarity(sources: np.ndarray, outputs: np.ndarray) -> float:
    """The clarity of a network's output: the mean of c_j over its outputs."""
    return float(signal_clarity(sources, outputs).mean())


def source_match(sources: np.ndarray, outputs: np.ndarray) -> float:
    """Clarity for any number of sources: per output, its largest |r| with a source minus its
    second largest, averaged over outputs. For two sources this is the signal clarity; 1 means
    every output follows one source only (in any order)."""
    r = np.sort(np.abs(correlations(sources, outputs)), axis=0)  # [n_s, n_out], ascending
    return float(np.mean(r[-1] - r[-2]))


def r_squared(target: np.ndarray, prediction: np.ndarray) -> float:
    """Coefficient of determination, averaged uniformly over the target's columns."""
    ss_res = ((target - prediction) ** 2).sum(0)
    ss_tot = ((target - target.mean(0)) ** 2).sum(0)
    return float(np.mean(1 - ss_res / np.maximum(ss_tot, 1e-12)))


def fit_linear(features: np.ndarray, target: np.ndarray, ridge: float = 1e-6) -> np.ndarray:
    """Least-squares weights (with intercept) of target on features."""
    design = np.column_stack([features, np.ones(len(features))])
    gram = design.T @ design + ridge * np.eye(design.shape[1])
    return np.linalg.solve(gram, design.T @ target)


def predict_linear(weights: np.ndarray, features: np.ndarray) -> np.ndarray:
    return np.column_stack([features, np.ones(len(features))]) @ weights


def decoding_r2(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray) -> float:
    """Linear decoder fitted on some contexts, R² on others (Fig. 4e)."""
    return r_squared(test_y, predict_linear(fit_linear(train_x, train_y), test_x))


def cross_validated_predictions(features: np.ndarray, target: np.ndarray, folds: int = 5,
                                seed: int = 0) -> np.ndarray:
    """Each sample's prediction by a linear decoder fitted on the other k − 1 folds."""
    order = np.random.default_rng(seed).permutation(len(features))
    predictions = np.empty_like(target, dtype=float)
    for part in np.array_split(order, folds):
        train = np.setdiff1d(order, part)
        predictions[part] = predict_linear(fit_linear(features[train], target[train], ridge=1e-3),
                                           features[part])
    return predictions


def cross_validated_r2(features: np.ndarray, target: np.ndarray, folds: int = 5, seed: int = 0) -> float:
    """k-fold cross-validated R² of a linear decoder (context decoding, Fig. 7)."""
    return r_squared(target, cross_validated_predictions(features, target, folds, seed))


def quadratic_features(features: np.ndarray) -> np.ndarray:
    """The features, their squares and their pairwise products."""
    n = features.shape[1]
    i, j = np.triu_indices(n)
    return np.column_stack([features, features[:, i] * features[:, j]])


def plane_normal(coords: np.ndarray) -> np.ndarray:
    """Unit normal of the least-squares plane through points [T, 3] (total least squares: the
    direction of least variance, so a plane in any orientation is fitted without bias)."""
    centred = coords - coords.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return vt[-1]


def plane_angle(a: np.ndarray, b: np.ndarray) -> float:
    """Angle in degrees, folded to [0, 90], between the planes through two point clouds [T, 3]."""
    cosine = abs(float(plane_normal(a) @ plane_normal(b)))
    return float(np.degrees(np.arccos(min(1.0, cosine))))


def principal_subspace(z: np.ndarray, k: int = 2) -> np.ndarray:
    """Orthonormal basis [N, k] of the k leading principal components of activity z [T, N]."""
    centred = z - z.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return vt[:k].T


def subspace_angle(a: np.ndarray, b: np.ndarray, k: int = 2) -> float:
    """The largest principal angle (degrees, in [0, 90]) between the k-dimensional principal
    subspaces of two activity clouds [T, N] in the full population space."""
    cosines = np.linalg.svd(principal_subspace(a, k).T @ principal_subspace(b, k), compute_uv=False)
    return float(np.degrees(np.arccos(np.clip(cosines.min(), 0.0, 1.0))))


def subspace_coordinates(z: np.ndarray, readout: np.ndarray, pc: np.ndarray) -> np.ndarray:
    """Project population activity z [T, N] onto the readout directions (the outputs y1, y2)
    and one more fixed direction (the first principal component of z), as in Fig. 5."""
    return np.column_stack([z @ readout, z @ pc])


def first_pc(z: np.ndarray) -> np.ndarray:
    centred = z - z.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return vt[0]


def error_profile(sources: np.ndarray, outputs: np.ndarray, context_length: int) -> np.ndarray:
    """‖s − y‖ per step within a context, averaged over the consecutive contexts of a test
    trajectory [n_contexts · n_t, n_s] -> [n_t]."""
    err = np.linalg.norm(sources - outputs, axis=1)
    return err.reshape(-1, context_length).mean(0)
