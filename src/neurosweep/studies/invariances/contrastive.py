"""The objective's contrastive term on a jittered latent grid (research notes §2.3, §2.4).

The batch is a regular grid of G points per latent axis on [0, 2pi), shifted each step by one
common jitter. Images whose grid points are within int(0.1 G) steps on every axis (a Chebyshev
box, wrapping on periodic axes) are positives, every other point a negative. With C the Pearson
correlation between images and S = exp(C / tau), the term is

    reg = tau / 2 * mean_i log( mean_{j in pos(i)} S_ij / mean_{j in neg(i)} S_ij ),

bounded by 1 (positives identical, negatives anti-correlated) and 0 for identical images. The
training loss is -(activation / r*) - lambda * reg.
"""

from __future__ import annotations

import itertools
import math

import torch



def latent_grid(grid: int, n_latent: int) -> torch.Tensor:
    """(G^d, d) grid points, axis 0 slowest (row-major), each axis in [0, 2pi) without 2pi."""
    axis = torch.arange(grid, dtype=torch.float32) * (2 * math.pi / grid)
    points = list(itertools.product(range(grid), repeat=n_latent))
    index = torch.tensor(points, dtype=torch.long)
    return axis[index]


def jitter(grid_points: torch.Tensor, grid: int, generator: torch.Generator) -> torch.Tensor:
    """The whole grid shifted by one uniform offset in [-pi/G, pi/G) per axis."""
    n_latent = grid_points.shape[-1]
    shift = (torch.rand(n_latent, generator=generator) * 2 - 1) * (math.pi / grid)
    return grid_points + shift


def neighbours(grid: int, periodic: tuple[bool, ...], fraction: float = 0.1
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """Positive and negative masks (G^d x G^d, bool): symmetric, zero diagonal, disjoint."""
    reach = int(fraction * grid)
    if reach < 1:  # no positives: the contrastive term would be 0/0
        raise ValueError(f"grid {grid} x neighbour_fraction {fraction} < 1: no latent has a "
                         "positive; use a larger grid or fraction")
    index = torch.tensor(list(itertools.product(range(grid), repeat=len(periodic))))
    close = torch.ones(len(index), len(index), dtype=torch.bool)
    for axis, is_periodic in enumerate(periodic):
        gap = (index[:, None, axis] - index[None, :, axis]).abs()
        if is_periodic:
            gap = torch.minimum(gap, grid - gap)
        close &= gap <= reach
    self_pairs = torch.eye(len(index), dtype=torch.bool)
    positive = close & ~self_pairs
    negative = ~close
    return positive, negative


def pearson(images: torch.Tensor) -> torch.Tensor:
    """(..., N, H, W) images -> (..., N, N) Pearson correlations, one matrix product. (After
    fix_mean_std the centring and scaling change nothing; a macaque image is clipped, so they
    are done here for every kind of image.)"""
    flat = images.reshape(*images.shape[:-2], -1)
    flat = flat - flat.mean(dim=-1, keepdim=True)
    flat = flat / (flat.norm(dim=-1, keepdim=True) + 1e-8)
    return flat @ flat.transpose(-1, -2)


def contrastive_term(correlation: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor,
                     tau: torch.Tensor | float) -> torch.Tensor:
    """(..., N, N) correlations -> (...,) reg. ``tau`` broadcasts against the leading axes."""
    tau = torch.as_tensor(tau, dtype=correlation.dtype)
    t = tau.reshape(*tau.shape, 1, 1) if tau.dim() else tau
    similarity = torch.exp(correlation / t)
    pos = positive.to(correlation.dtype)
    neg = negative.to(correlation.dtype)
    mean_pos = (similarity * pos).sum(-1) / pos.sum(-1)
    mean_neg = (similarity * neg).sum(-1) / neg.sum(-1)
    return tau / 2 * torch.log(mean_pos / mean_neg).mean(-1)


def ideal_correlation(positive: torch.Tensor, negative: torch.Tensor) -> torch.Tensor:
    """The correlation matrix of the bound: +1 on positives and the diagonal, -1 on negatives."""
    return torch.where(negative, -1.0, 1.0)
