"""Training images, photo patches and differentiable probe stimuli (Benjamin et al. 2022).

Three kinds of input:

* **Procedural 1/f images** with a known orientation bias (research notes §3.2): Gaussian white
  noise filtered to an amplitude spectrum ``|k|^-exponent · sqrt(1 + κ cos 4(φ − θ0))``, where
  φ = atan2(k_row, k_col) is the wave-vector angle. Power at cardinal vs oblique wave vectors is
  (1 + κ)/(1 − κ), and θ0 rotates the whole ensemble exactly. They stand in for ImageNet's
  cardinal bias (paper Fig. 2) with ground truth.
* **Bundled photos** from the scikit-image wheel (no downloads) as grey images, for the natural
  patch statistics of paper Fig. 5, with a rotate-and-crop helper for rotated-photo experiments
  (rotating a rectangle leaves corners whose edges are oriented at the rotation angle; we keep
  only the inscribed square). The sweeps rotate the procedural images instead, exactly, in
  their spectrum.
* **Probe stimuli** written in torch as functions of the probed parameter (orientation θ of a
  grating/Gabor, spatial frequency f of a grating), so ``torch.func.jvp`` gives ∂s/∂θ exactly.

Angle convention everywhere: a grating with orientation parameter θ has wave vector
(cos θ, sin θ) in (column, row) pixel coordinates — the same angle φ the spectrum uses — so a
training-set bias at θ0 is expected to show up in J(θ) at θ0.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
from torch import Tensor

# Natural-ish photos shipped inside the scikit-image 0.26 wheel (no pooch download needed).
# Text pages and binary silhouettes are left out: they are not natural-image statistics.
BUNDLED_PHOTOS = ("astronaut", "camera", "coffee", "chelsea", "rocket", "brick", "grass",
                  "gravel", "moon", "coins")


# ----------------------------------------------------------------------------------------------
# Procedural images
# ----------------------------------------------------------------------------------------------

def spectral_filter(size: int, kappa: float = 0.0, theta0_deg: float = 0.0,
                    exponent: float = 1.0) -> np.ndarray:
    """Amplitude filter |k|^-exponent · sqrt(1 + κ cos 4(φ − θ0)) on the FFT grid (DC = 0)."""
    if not 0.0 <= kappa < 1.0:
        raise ValueError(f"kappa must be in [0, 1), got {kappa}")
    k_row = np.fft.fftfreq(size)[:, None]
    k_col = np.fft.fftfreq(size)[None, :]
    radius = np.hypot(k_row, k_col)
    angle = np.arctan2(k_row, k_col)
    with np.errstate(divide="ignore"):
        amplitude = np.where(radius > 0, radius ** -exponent, 0.0)
    return amplitude * np.sqrt(1.0 + kappa * np.cos(4.0 * (angle - np.deg2rad(theta0_deg))))


def procedural_images(rng: np.random.Generator, n_images: int, size: int, kappa: float = 0.0,
                      theta0_deg: float = 0.0, exponent: float = 1.0) -> np.ndarray:
    """``n_images`` periodic 1/f images (float32, zero mean, unit variance each).

    Filtering the FFT of real white noise keeps Hermitian symmetry, so the result is real;
    the images are periodic, which lets ``stationary_patch_covariance`` use every patch.
    """
    noise = rng.standard_normal((n_images, size, size))
    filt = spectral_filter(size, kappa, theta0_deg, exponent)
    images = np.fft.ifft2(np.fft.fft2(noise) * filt).real
    images -= images.mean(axis=(1, 2), keepdims=True)
    images /= images.std(axis=(1, 2), keepdims=True)
    return images.astype(np.float32)


# ----------------------------------------------------------------------------------------------
# Bundled photos
# ----------------------------------------------------------------------------------------------

def to_grey(image: np.ndarray) -> np.ndarray:
    """uint8/bool grey or RGB(A) → float64 grey in [0, 1] (plain channel mean, as the paper)."""
    image = np.asarray(image)
    if image.dtype == bool:
        image = image.astype(np.float64)
    elif np.issubdtype(image.dtype, np.integer):
        image = image.astype(np.float64) / np.iinfo(image.dtype).max
    if image.ndim == 3:
        image = image[..., :3].mean(axis=-1)
    return image.astype(np.float64)


def load_photos(names: tuple[str, ...] = BUNDLED_PHOTOS) -> dict[str, np.ndarray]:
    """The bundled scikit-image photos as grey float arrays in [0, 1], keyed by name."""
    import skimage.data

    return {name: to_grey(getattr(skimage.data, name)()) for name in names}


def inscribed_square_side(height: int, width: int, angle_deg: float) -> int:
    """Side of the largest axis-aligned square inside an h×w rectangle rotated by angle_deg.

    A centred square of side s fits iff its rotated corners stay in the rectangle:
    s(|cos a| + |sin a|) ≤ min(h, w).
    """
    a = math.radians(angle_deg)
    return int(math.floor(min(height, width) / (abs(math.cos(a)) + abs(math.sin(a)))))


def rotate_and_crop(image: np.ndarray, angle_deg: float) -> np.ndarray:
    """Rotate about the centre and keep the largest inscribed square (no empty corners).

    Uses skimage.transform.rotate (counter-clockwise as displayed, bilinear).
    """
    from skimage.transform import rotate

    rotated = rotate(image, angle_deg, resize=False, order=1, mode="constant", cval=0.0)
    side = inscribed_square_side(*image.shape[:2], angle_deg)
    top = (image.shape[0] - side) // 2
    left = (image.shape[1] - side) // 2
    return rotated[top:top + side, left:left + side]


# ----------------------------------------------------------------------------------------------
# Patches and their covariance
# ----------------------------------------------------------------------------------------------

def random_patches(images: list[np.ndarray] | np.ndarray, k: int, n_patches: int,
                   rng: np.random.Generator) -> np.ndarray:
    """``n_patches`` random k×k patches, equally many per image, flattened (n, k²), per-pixel
    mean over the sample removed (as the paper's PCA)."""
    images = list(images)
    per_image = np.full(len(images), n_patches // len(images))
    per_image[: n_patches % len(images)] += 1
    patches = []
    for image, count in zip(images, per_image):
        rows = rng.integers(0, image.shape[0] - k + 1, size=count)
        cols = rng.integers(0, image.shape[1] - k + 1, size=count)
        windows = np.lib.stride_tricks.sliding_window_view(image, (k, k))
        patches.append(windows[rows, cols].reshape(count, k * k))
    stacked = np.concatenate(patches).astype(np.float64)
    return stacked - stacked.mean(axis=0, keepdims=True)


def patch_covariance(patches: np.ndarray) -> np.ndarray:
    """Σ = E[x xᵀ] of mean-removed flattened patches (float64, symmetric)."""
    cov = patches.T @ patches / patches.shape[0]
    return 0.5 * (cov + cov.T)


def stationary_patch_covariance(images: np.ndarray, k: int) -> np.ndarray:
    """Covariance of *all* k×k patches (with wrap-around) of periodic images, via the FFT.

    For periodic images the average over every patch position is a function of the pixel
    offset only: Σ[(r,c),(r',c')] = C(r − r', c − c'), C = mean circular autocovariance.
    Exact for the sample, and independent of any patch-sampling randomness.
    """
    images = np.asarray(images, dtype=np.float64)
    centred = images - images.mean(axis=(1, 2), keepdims=True)
    spectrum = np.abs(np.fft.fft2(centred)) ** 2
    autocov = np.fft.ifft2(spectrum.mean(axis=0)).real / (images.shape[1] * images.shape[2])
    offsets = np.arange(k)
    d_row = (offsets[:, None, None, None] - offsets[None, None, :, None])
    d_col = (offsets[None, :, None, None] - offsets[None, None, None, :])
    cov = autocov[d_row % images.shape[1], d_col % images.shape[2]].reshape(k * k, k * k)
    return 0.5 * (cov + cov.T)


def pca(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending) and eigenvectors as rows of V (Σ = Vᵀ diag(λ) V)."""
    eigvals, eigvecs = np.linalg.eigh(cov)
    order = np.argsort(eigvals)[::-1]
    return eigvals[order], eigvecs[:, order].T


# ----------------------------------------------------------------------------------------------
# Differentiable probes (torch)
# ----------------------------------------------------------------------------------------------

def _pixel_grid(size: int, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """Centred (row, col) coordinates in pixels, shape (size, size)."""
    coords = torch.arange(size, dtype=dtype) - (size - 1) / 2
    return torch.meshgrid(coords, coords, indexing="ij")


def grating(theta: Tensor, phase: Tensor, size: int, freq: float, contrast: float = 1.0) -> Tensor:
    """Sinusoidal gratings (N, size, size): contrast·cos(2π f (x cos θ + y sin θ) + phase).

    ``freq`` in cycles per pixel; θ (radians) is the wave-vector angle (see module docstring).
    """
    row, col = _pixel_grid(size, theta.dtype)
    along = col * torch.cos(theta)[:, None, None] + row * torch.sin(theta)[:, None, None]
    return contrast * torch.cos(2 * math.pi * freq * along + phase[:, None, None])


def gabor(theta: Tensor, phase: Tensor, size: int, freq: float, sigma: float,
          contrast: float = 1.0) -> Tensor:
    """Grating times an isotropic Gaussian envelope of s.d. ``sigma`` pixels (paper Fig. 2a)."""
    row, col = _pixel_grid(size, theta.dtype)
    envelope = torch.exp(-(row ** 2 + col ** 2) / (2 * sigma ** 2))
    return grating(theta, phase, size, freq, contrast) * envelope


def sf_grating(freq: Tensor, phase: Tensor, size: int, contrast: float = 1.0) -> Tensor:
    """Vertical-stripe gratings varying along columns, as a function of spatial frequency
    (cycles/pixel): 0.5·contrast·sin(2π f x + phase) with x = 0..size−1 (paper Fig. 5e/f).

    The paper's x = linspace(0, π, 32) with argument f·x is f/2 cycles per 32 px; here the
    frequency is in cycles per pixel, so results are resolution-independent. The constant 0.5
    offset of the paper does not change ∂s/∂f and is omitted (inputs are mean-removed).
    """
    x = torch.arange(size, dtype=freq.dtype)
    wave = 0.5 * contrast * torch.sin(2 * math.pi * freq[:, None] * x[None, :] + phase[:, None])
    return wave[:, None, :].expand(-1, size, -1)


def phase_grid(n_phases: int, dtype: torch.dtype = torch.float64) -> Tensor:
    """n equally spaced phases on [0, 2π) (no duplicated end point, cf. notes §6 W10)."""
    return torch.arange(n_phases, dtype=dtype) * (2 * math.pi / n_phases)


def angle_grid(n_angles: int, dtype: torch.dtype = torch.float64) -> Tensor:
    """n equally spaced orientations on [0, π) (no duplicated end point)."""
    return torch.arange(n_angles, dtype=dtype) * (math.pi / n_angles)


def probe_over_phases(make: Callable[[Tensor, Tensor], Tensor], values: Tensor,
                      phases: Tensor) -> tuple[Callable[[Tensor], Tensor], Tensor]:
    """Flatten a (value × phase) probe grid into one 1-D parameter vector for the Fisher.

    Returns ``(stimulus, params)``: ``params`` is ``values`` repeated for every phase
    (value-major), and ``stimulus(params)`` builds the matching batch. Reshape the Fisher
    result to (len(values), len(phases)) and average over phases.
    """
    n_values, n_phases = len(values), len(phases)
    flat_phases = phases.repeat(n_values)
    params = values.repeat_interleave(n_phases)

    def stimulus(p: Tensor) -> Tensor:
        return make(p, flat_phases.to(p.dtype))

    return stimulus, params
