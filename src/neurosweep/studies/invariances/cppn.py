"""The generator: a CPPN mapping (pixel position, latent code z) to a grey level, for R runs at
once (research notes §2.1).

Every parameter has a leading run axis, so R runs (seeds, cells, temperatures) step together as
batched matrix products; run r's parameters only ever see run r's images, so a run is the same
whether it trains alone or packed (tested). Architecture as in the original: random Fourier
features of the position (no raw x, y), the latent as (sin z, cos z) on periodic axes or
z / pi - 1 on open ones, 7 x [Linear(15) -> normalisation -> LeakyReLU(0.01)], Linear(1) -> tanh.

Normalisation (``norm``):
- ``batch``: the original's BatchNorm over every pixel of every image in the batch, without
  running statistics. An image then depends on which other latent points share its batch (an
  image rendered alone is the same for every z). Used for training, as the original does.
- ``frozen``: for rendering after training: each layer's mean and variance are computed once on
  the un-jittered training grid and then fixed, so any z renders independently of its batch and
  the full grid renders exactly as in training. The default for every figure and metric.
- ``layer``: per-pixel normalisation over the 15 channels; batch-independent in training too.
- ``none``: no normalisation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

EPS = 1e-5  # BatchNorm's epsilon
NEGATIVE_SLOPE = 0.01
NORMS = ("batch", "frozen", "layer", "none")

#: latent topology -> whether each latent axis is periodic
TOPOLOGIES = {"circle": (True,), "torus": (True, True), "sheet": (False, False),
              "cylinder": (True, False)}


@dataclass(frozen=True)
class Architecture:
    topology: str = "circle"
    width: int = 15
    layers: int = 8  # linear layers in all: layers - 1 hidden blocks and the output layer
    fourier_dim: int = 10
    fourier_scale: float = 1.0
    weight_std: float = 0.1

    @property
    def periodic(self) -> tuple[bool, ...]:
        return TOPOLOGIES[self.topology]

    @property
    def latent_features(self) -> int:
        return sum(2 if p else 1 for p in self.periodic)


def init_params(arch: Architecture, seeds: list[int]) -> dict[str, torch.Tensor]:
    """Parameters of len(seeds) runs, each drawn from its own seeded generator (so a run's
    initial weights depend only on its seed, not on its pack)."""
    per_run = [_init_one(arch, seed) for seed in seeds]
    return {key: torch.stack([p[key] for p in per_run]).requires_grad_(key != "fourier")
            for key in per_run[0]}


def _init_one(arch: Architecture, seed: int) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    params = {"fourier": torch.randn(2, arch.fourier_dim, generator=gen) * arch.fourier_scale}
    fan_in = 2 * arch.fourier_dim + arch.latent_features
    for k in range(arch.layers - 1):
        params[f"w{k}"] = torch.randn(fan_in, arch.width, generator=gen) * arch.weight_std
        params[f"b{k}"] = torch.zeros(arch.width)
        params[f"gain{k}"] = torch.ones(arch.width)
        params[f"shift{k}"] = torch.zeros(arch.width)
        fan_in = arch.width
    params["w_out"] = torch.randn(arch.width, 1, generator=gen) * arch.weight_std
    params["b_out"] = torch.zeros(1)
    return params


def trainable(params: dict[str, torch.Tensor], norm: str = "none") -> list[torch.Tensor]:
    """The parameters Adam updates. Under batch norm a hidden layer's bias is cancelled by the
    mean subtraction, so its gradient is float rounding noise, which Adam would scale up to
    full-size steps (harmless for the images, but it makes the weights depend on the pack):
    those biases stay at zero."""
    cancelled = norm == "batch"
    return [value for key, value in params.items()
            if key != "fourier" and not (cancelled and key[0] == "b" and key[1:].isdigit())]


def n_parameters(arch: Architecture) -> int:
    """Trainable parameters of one run."""
    params = _init_one(arch, 0)
    return sum(v.numel() for k, v in params.items() if k != "fourier")


def fourier_features(fourier: torch.Tensor, res: int) -> torch.Tensor:
    """(R, 2, D) projections -> (R, HW, 2D) features [sin(pB), cos(pB)] of each pixel."""
    axis = torch.linspace(-1.0, 1.0, res)
    rows, cols = torch.meshgrid(axis, axis, indexing="ij")
    positions = torch.stack([rows.reshape(-1), cols.reshape(-1)], dim=1)  # (HW, 2)
    projected = positions @ fourier  # (R, HW, D)
    return torch.cat([projected.sin(), projected.cos()], dim=-1)


def encode_latent(z: torch.Tensor, periodic: tuple[bool, ...]) -> torch.Tensor:
    """(..., d) angles in [0, 2pi) -> features: (sin, cos) on periodic axes, z/pi - 1 on open ones."""
    parts = []
    for axis, is_periodic in enumerate(periodic):
        angle = z[..., axis:axis + 1]
        parts += [angle.sin(), angle.cos()] if is_periodic else [angle / math.pi - 1.0]
    return torch.cat(parts, dim=-1)


def render(params: dict[str, torch.Tensor], arch: Architecture, z: torch.Tensor, res: int,
           norm: str = "batch", stats: list | None = None, return_stats: bool = False):
    """Images (R, N, res, res) in [-1, 1] for latents z (R, N, d), before contrast fixing.

    ``stats`` (from :func:`normalisation_stats`) are required for ``norm="frozen"``. With
    ``return_stats`` the per-layer batch statistics are returned as well.
    """
    if norm not in NORMS:
        raise ValueError(f"unknown norm {norm!r}; one of {', '.join(NORMS)}")
    if norm == "frozen" and stats is None:
        raise ValueError("norm='frozen' needs the statistics of the training grid (stats=...)")
    n_pixel = 2 * arch.fourier_dim
    pixels = fourier_features(params["fourier"], res)  # (R, HW, 2D)
    latent = encode_latent(z, arch.periodic)  # (R, N, e)
    w0 = params["w0"]
    # The first layer splits into a pixel part (once per image size) and a latent part (once
    # per image), added by broadcasting: the (N*HW, in) input is never built.
    h = ((pixels @ w0[:, :n_pixel])[:, None] + (latent @ w0[:, n_pixel:])[:, :, None]
         + params["b0"][:, None, None])  # (R, N, HW, width)
    seen = []
    for k in range(arch.layers - 1):
        if k > 0:
            h = h @ params[f"w{k}"][:, None] + params[f"b{k}"][:, None, None]
        h, layer_stats = _normalise(h, norm, None if stats is None else stats[k])
        seen.append(layer_stats)
        h = h * params[f"gain{k}"][:, None, None] + params[f"shift{k}"][:, None, None]
        h = torch.nn.functional.leaky_relu(h, NEGATIVE_SLOPE)
    out = torch.tanh(h @ params["w_out"][:, None] + params["b_out"][:, None, None])
    images = out.reshape(*out.shape[:2], res, res)
    return (images, seen) if return_stats else images


def _normalise(h: torch.Tensor, norm: str, stats):
    """Normalise (R, N, HW, C) activations; return them and the (mean, var) used."""
    if norm == "none":
        return h, None
    if norm == "layer":
        mean = h.mean(dim=-1, keepdim=True)
        var = h.var(dim=-1, unbiased=False, keepdim=True)
        return (h - mean) / torch.sqrt(var + EPS), None
    if norm == "batch":
        mean = h.mean(dim=(1, 2), keepdim=True)  # per run and channel, over all pixels and images
        var = h.var(dim=(1, 2), unbiased=False, keepdim=True)
    else:  # frozen
        mean, var = stats
    return (h - mean) / torch.sqrt(var + EPS), (mean.detach(), var.detach())


@torch.no_grad()
def normalisation_stats(params, arch: Architecture, z_grid: torch.Tensor, res: int) -> list:
    """Each layer's batch statistics on the grid z_grid (R, N, d), for ``norm="frozen"``."""
    _, stats = render(params, arch, z_grid, res, norm="batch", return_stats=True)
    return stats
