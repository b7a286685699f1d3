"""Gabor model neurons with known, exact invariances (research notes §2.5), as filter banks.

Every cell is a bank of Gabor filters on a res x res grid spanning [-1, 1]^2 and a reduction of
the bank's dot products with the image: linear (simple cell), the energy of a quadrature pair
(complex cell), a maximum over orientations, or an absolute value (polarity). A response is one
matrix product (images x filters) followed by that reduction.

The maximal response at fixed contrast has a closed form: after :func:`fix_mean_std` an image
is zero-mean with a fixed norm, so the best image for a bank block F is its top left singular
vector (of F with each filter's mean removed) and r* = norm * sigma_max. This replaces the
original's hard-coded constant (32.566 for every cell and resolution).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

SIGMA = 0.3  # envelope width (both axes), in units of the half image
FREQUENCY = 1.0  # cycles per unit: two cycles across the image
CONTRAST_STD = 0.2  # every image is shifted to mean 0 and scaled to this (unbiased) std
COMPLEX_ORIENTATION = math.pi / 3  # the complex cell's preferred orientation
N_ORIENTATIONS = 180  # orientations of the rotation-invariant banks

#: cell -> (what it is invariant to, a short description)
CELLS = {
    "simple": ("nothing (the control)", "linear even Gabor at orientation 0"),
    "complex": ("phase", "energy model: quadrature pair at orientation pi/3"),
    "orientation": ("orientation", "max over 180 orientations of an odd Gabor"),
    "polarity": ("polarity (two points)", "|<I, even Gabor>|"),
    "phase_orientation": ("phase and orientation", "max over 180 orientations in [0, 2pi) of the energy"),
    "phase_orientation_cylinder": ("phase and orientation in [0, pi/2)",
                                   "max over 180 orientations in [0, pi/2) of the energy"),
}


@dataclass(frozen=True)
class Neuron:
    """A cell's filters (K x HW, float32), how they are reduced, and its closed-form maximum."""

    cell: str
    res: int
    filters: torch.Tensor
    reduction: str  # linear | energy | max | abs
    group: int  # filters per block reduced together (2 for a quadrature pair, else 1)
    r_max: float

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        """Generator output -> the images the cell sees: fixed mean and contrast."""
        return fix_mean_std(images)

    def response(self, images: torch.Tensor) -> torch.Tensor:
        """(..., H, W) prepared images -> (...,) responses."""
        flat = images.reshape(*images.shape[:-2], -1)
        return reduce(flat @ self.filters.T, self.reduction, self.group)


def pixel_grid(res: int, dtype=torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    """(x, y) of each pixel, x to the right along columns, y down along rows, in [-1, 1]."""
    axis = torch.linspace(-1.0, 1.0, res, dtype=dtype)
    y, x = torch.meshgrid(axis, axis, indexing="ij")
    return x, y


def gabor(res: int, theta: float, phase: float, sigma: float = SIGMA, freq: float = FREQUENCY,
          dtype=torch.float64) -> torch.Tensor:
    """A centred Gabor filter (res x res): Gaussian envelope times a grating along theta."""
    x, y = pixel_grid(res, dtype)
    along = x * math.cos(theta) + y * math.sin(theta)
    across = -x * math.sin(theta) + y * math.cos(theta)
    envelope = torch.exp(-(along ** 2 + across ** 2) / (2 * sigma ** 2))
    return envelope * torch.cos(2 * math.pi * freq * along + phase)


def orientations(max_angle: float, n: int = N_ORIENTATIONS) -> list[float]:
    return [max_angle * k / n for k in range(n)]


def cell_filters(cell: str, res: int) -> tuple[list[torch.Tensor], str, int]:
    """The cell's filters (float64), its reduction and its group size."""
    if cell == "simple":
        return [gabor(res, 0.0, 0.0)], "linear", 1
    if cell == "complex":
        return [gabor(res, COMPLEX_ORIENTATION, 0.0), gabor(res, COMPLEX_ORIENTATION, math.pi / 2)], "energy", 2
    if cell == "orientation":
        return [gabor(res, t, math.pi / 2) for t in orientations(2 * math.pi)], "max", 1
    if cell == "polarity":
        return [gabor(res, 0.0, 0.0)], "abs", 1
    if cell in ("phase_orientation", "phase_orientation_cylinder"):
        span = 2 * math.pi if cell == "phase_orientation" else math.pi / 2
        pairs = [[gabor(res, t, 0.0), gabor(res, t, math.pi / 2)] for t in orientations(span)]
        return [f for pair in pairs for f in pair], "energy", 2
    raise ValueError(f"unknown cell {cell!r}; cells: {', '.join(CELLS)}")


def reduce(dots: torch.Tensor, reduction: str, group: int) -> torch.Tensor:
    """Dot products (..., K) -> responses (...,)."""
    if reduction == "linear":
        return dots[..., 0]
    if reduction == "abs":
        return dots[..., 0].abs()
    if reduction == "max":
        return dots.max(dim=-1).values
    if reduction == "energy":
        pairs = dots.reshape(*dots.shape[:-1], -1, group)
        # a small floor keeps the gradient of the square root finite at zero response
        energy = (pairs.square().sum(-1) + 1e-12).sqrt()
        return energy.max(dim=-1).values
    raise ValueError(f"unknown reduction {reduction!r}")


def contrast_norm(res: int, std: float = CONTRAST_STD) -> float:
    """The L2 norm of every image after fix_mean_std: std * sqrt(HW - 1)."""
    return std * math.sqrt(res * res - 1)


def closed_form_max(blocks: list[torch.Tensor], res: int, std: float = CONTRAST_STD
                    ) -> tuple[float, torch.Tensor]:
    """r* and the image that reaches it, over blocks of filters (each (group, HW), float64)."""
    best, best_image = -1.0, None
    for block in blocks:
        centred = block - block.mean(dim=1, keepdim=True)  # the image is zero-mean
        u, s, _ = torch.linalg.svd(centred.T, full_matrices=False)
        if s[0] > best:
            best, best_image = float(s[0]), u[:, 0]
    norm = contrast_norm(res, std)
    return best * norm, (best_image * norm).reshape(res, res)


def make_neuron(cell: str, res: int) -> Neuron:
    filters, reduction, group = cell_filters(cell, res)
    flat = torch.stack([f.reshape(-1) for f in filters])
    blocks = list(flat.split(group))
    r_max, _ = closed_form_max(blocks, res)
    return Neuron(cell, res, flat.float(), reduction, group, r_max)


def most_exciting_image(cell: str, res: int) -> torch.Tensor:
    """The closed-form maximiser at fixed contrast (one of them: the cells are invariant)."""
    filters, _, group = cell_filters(cell, res)
    flat = torch.stack([f.reshape(-1) for f in filters])
    return closed_form_max(list(flat.split(group)), res)[1].float()


def fix_mean_std(images: torch.Tensor, std: float = CONTRAST_STD) -> torch.Tensor:
    """Each image (last two dims) to mean 0 and unbiased std ``std``: fixed contrast, so the
    neuron cannot be driven harder by a brighter image."""
    flat = images.reshape(*images.shape[:-2], -1)
    centred = flat - flat.mean(dim=-1, keepdim=True)
    scale = std / (centred.std(dim=-1, keepdim=True) + 1e-8)
    return (centred * scale).reshape(images.shape)


def quadrature_pair(res: int, theta: float = COMPLEX_ORIENTATION) -> torch.Tensor:
    """(2, HW) float32 even and odd Gabor at theta: the analysis reads an image's phase off it."""
    return torch.stack([gabor(res, theta, 0.0).reshape(-1),
                        gabor(res, theta, math.pi / 2).reshape(-1)]).float()
