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
    n_images = z.shape[1]
    # The first layer splits into a pixel part (once per image size) and a latent part (once
    # per image), added by broadcasting: the (N*HW, in) input is never built.
    h = ((pixels @ w0[:, :n_pixel] + params["b0"][:, None])[:, None]
         + (latent @ w0[:, n_pixel:])[:, :, None])  # (R, N, HW, width)
    n_runs, n_pixels = h.shape[0], h.shape[2]
    seen = []
    for k in range(arch.layers - 1):
        if k > 0:
            h = _linear(h, params[f"w{k}"], params[f"b{k}"])
        h, layer_stats = _normalise(h.reshape(n_runs, -1, arch.width), norm,
                                    None if stats is None else stats[k],
                                    params[f"gain{k}"], params[f"shift{k}"], return_stats)
        seen.append(layer_stats)
        h = torch.nn.functional.leaky_relu(h, NEGATIVE_SLOPE).reshape(n_runs, n_images, n_pixels, -1)
    out = torch.tanh(_linear(h, params["w_out"], params["b_out"]))
    images = out.reshape(n_runs, n_images, res, res)
    return (images, seen) if return_stats else images


def _linear(h: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """(R, N, HW, C_in) @ per-run (R, C_in, C_out) + (R, C_out), one matrix product per image.
    Per image, not per run: the arithmetic of an image (and of its gradients) is then the same
    whatever the number of runs in the pack, so a packed run is bit-identical to the run alone."""
    n_runs, n_images = h.shape[:2]
    flat = h.reshape(n_runs * n_images, *h.shape[2:])
    w = weight[:, None].expand(-1, n_images, -1, -1).reshape(n_runs * n_images, *weight.shape[1:])
    b = bias[:, None, None].expand(-1, n_images, 1, -1).reshape(n_runs * n_images, 1, -1)
    return torch.baddbmm(b, flat, w).reshape(n_runs, n_images, h.shape[2], -1)


def _normalise(h: torch.Tensor, norm: str, stats, gain: torch.Tensor, shift: torch.Tensor,
               want_stats: bool = False):
    """Normalise (R, N*HW, C) activations, then scale by gain and add shift (each (R, C));
    return them and the (mean, var) used. The normalisation and the affine step are folded
    into one multiply-add over the big tensor (the statistics and gains are (R, 1, C))."""
    gain, shift = gain[:, None], shift[:, None]
    if norm == "none":
        return torch.addcmul(shift, h, gain), None
    if norm == "layer":
        var, mean = torch.var_mean(h, dim=-1, unbiased=False, keepdim=True)
        return (h - mean) * torch.rsqrt(var + EPS) * gain + shift, None
    if norm == "batch":
        # per run and channel, over all pixels of all images in the batch: torch's fused
        # batch-norm kernel, run by run (a run's arithmetic does not depend on its pack)
        out = torch.stack([torch.nn.functional.batch_norm(h[r], None, None, gain[r, 0], shift[r, 0],
                                                          training=True, eps=EPS)
                           for r in range(h.shape[0])])
        if want_stats:  # for normalisation_stats (frozen rendering), not in training
            var, mean = torch.var_mean(h.detach(), dim=1, unbiased=False, keepdim=True)
            return out, (mean, var)
        return out, None
    else:  # frozen
        mean, var = stats
    scale = gain * torch.rsqrt(var + EPS)
    return torch.addcmul(shift - mean * scale, h, scale), (mean.detach(), var.detach())


@torch.no_grad()
def normalisation_stats(params, arch: Architecture, z_grid: torch.Tensor, res: int) -> list:
    """Each layer's batch statistics on the grid z_grid (R, N, d), for ``norm="frozen"``."""
    _, stats = render(params, arch, z_grid, res, norm="batch", return_stats=True)
    return stats
