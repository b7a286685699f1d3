"""The macaque V1 response model: the mean of three small trained CNNs, re-implemented in plain torch.

The original repository (sinzlab/cppn_for_invariances, MIT) publishes the three CNNs as state
dicts; their architecture comes from the lab's `neuralpredictors` package, which we do not depend
on. Each CNN (research notes §2.6):

- a core on 1 x 93 x 93 images: a 24 x 24 convolution without padding (-> 70 x 70), batch norm,
  ELU; then twice a depth-separable 9 x 9 convolution (1x1, depthwise with dilation 2, 1x1; same
  padding), batch norm, ELU and a squeeze-and-excitation gate; only the last layer is read out;
- a point readout per neuron: the 32 feature maps, and two 3 x 3 average-pooled copies of them,
  are sampled bilinearly at one learned point, and the 96 features are weighted and summed;
- the output non-linearity ELU + 1.

The module names below follow the layout of the published files (``core.features.layer1.ds_conv
...``, ``readout.<session>.grid``), so a file loads without renaming. Only the core and the
readout row of the chosen neuron are built: the other 457 neurons are never evaluated.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from neurosweep.download import fetch

COMMIT = "7ee9aacf40a9995a36f857229e416a477cb9a33d"  # the repository's HEAD, 2022-12-20
BASE_URL = ("https://raw.githubusercontent.com/sinzlab/cppn_for_invariances/"
            f"{COMMIT}/notebooks/macaqueV1/presaved_models/")
#: Set this to a mirror (a directory URL holding the three files) to download from elsewhere.
BASE_URL_ENV = "NEUROSWEEP_MACAQUE_BASE_URL"

#: The files in the order the original notebook averages them, and their SHA-256 (notes §3).
FILES = {
    "monkey_model10.pt": "549ac40c67cc677565ef2f6cb5a66f58fa466ba7fa9d47f9106c0e1e19534cf1",
    "monkey_model3.pt": "0279801d55b4545f3c290d453648dce40fe1887f9596e0509c61a681c5da55c5",
    "monkey_model12.pt": "c3c3f18213e162858cf6a0924b53f8f1a78eb38027b784b8d1aab05cf8993e7d",
}
#: Point params name the files weights_10, weights_3, weights_12 (workflow/rules/invariances.smk).
WEIGHT_KEYS = ("10", "3", "12")

#: The example neurons: recording session, index within it, and the activation of its most
#: exciting image (the normaliser; these CNNs have no closed-form maximum), from the notebook.
NEURONS = {
    "A": ("3639406161189", 11, 17.06),
    "B": ("3631807112901", 27, 19.905),
    "C": ("3639406161189", 13, 23.966),
}

RES = 93
CHANNELS = 32
INPUT_KERNEL = 24
HIDDEN_KERNEL = 9
HIDDEN_DILATION = 2
SE_REDUCTION = 16
POOL_STEPS = 2
POOL_KERNEL = 3

#: The images the CNNs were fitted to, in z-scored units (training images: mean 114.54, std 64.08):
#: each generated image is given this mean and std, then clipped to the data's pixel range.
IMAGE_MEAN, IMAGE_STD, PIXEL_MIN, PIXEL_MAX = 0.2022, 0.15, -1.7876, 2.1919


def download_weights(directory: str | os.PathLike, base_url: str | None = None,
                     files: dict[str, str] | None = None, **fetch_options) -> list[Path]:
    """Fetch the three files into ``directory`` (each SHA-256 checked, atomic); present files are
    only verified. ``base_url`` or $NEUROSWEEP_MACAQUE_BASE_URL replaces the pinned URL."""
    base = base_url or os.environ.get(BASE_URL_ENV) or BASE_URL
    if not base.endswith("/"):
        base += "/"
    files = FILES if files is None else files
    return [fetch(base + name, Path(directory) / name, digest, **fetch_options)
            for name, digest in files.items()]


def standardize_clip(images: torch.Tensor) -> torch.Tensor:
    """(..., H, W) -> each image at the training images' mean and std, clipped to their range.

    Like the original, the std is the unbiased one and the clip follows the scaling, so a clipped
    image no longer has exactly this std."""
    mean = images.mean(dim=(-2, -1), keepdim=True)
    std = images.std(dim=(-2, -1), keepdim=True)
    scaled = IMAGE_STD * (images - mean) / (std + 1e-12) + IMAGE_MEAN
    return scaled.clamp(PIXEL_MIN, PIXEL_MAX)


class GlobalMean(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(-2, -1))


class SqueezeExcite(nn.Module):
    """Gate each channel by a function of all channels' spatial means."""

    def __init__(self, channels: int, reduction: int):
        super().__init__()
        # index 0 holds no weights; 1 and 3 are the published files' se.1 and se.3
        self.se = nn.Sequential(GlobalMean(), nn.Linear(channels, channels // reduction), nn.ReLU(),
                                nn.Linear(channels // reduction, channels), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.se(x)[..., None, None]


def depth_separable(channels: int) -> nn.Sequential:
    padding = (HIDDEN_KERNEL - 1) * HIDDEN_DILATION // 2  # keeps the map's size
    return nn.Sequential(OrderedDict(
        in_depth_conv=nn.Conv2d(channels, channels, 1, bias=False),
        spatial_conv=nn.Conv2d(channels, channels, HIDDEN_KERNEL, padding=padding,
                               dilation=HIDDEN_DILATION, groups=channels, bias=False),
        out_depth_conv=nn.Conv2d(channels, channels, 1, bias=False)))


class Core(nn.Module):
    def __init__(self, channels: int = CHANNELS):
        super().__init__()
        first = OrderedDict(conv=nn.Conv2d(1, channels, INPUT_KERNEL, bias=False),
                            norm=nn.BatchNorm2d(channels), nonlin=nn.ELU())
        layers = OrderedDict(layer0=nn.Sequential(first))
        for name in ("layer1", "layer2"):
            layers[name] = nn.Sequential(OrderedDict(
                ds_conv=depth_separable(channels), norm=nn.BatchNorm2d(channels), nonlin=nn.ELU(),
                seg_ex_block=SqueezeExcite(channels, SE_REDUCTION)))
        self.features = nn.Sequential(layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.features(images)  # only the last layer is read out


class PointReadout(nn.Module):
    """Neurons read out at one point each of the feature map and its average-pooled copies."""

    def __init__(self, n_neurons: int, channels: int = CHANNELS):
        super().__init__()
        self.grid = nn.Parameter(torch.zeros(1, n_neurons, 1, 2))  # (x, y) in [-1, 1]
        self.features = nn.Parameter(torch.zeros(1, channels * (POOL_STEPS + 1), 1, n_neurons))
        self.bias = nn.Parameter(torch.zeros(n_neurons))

    def forward(self, fmap: torch.Tensor) -> torch.Tensor:
        batch, n = fmap.shape[0], self.grid.shape[1]
        points = self.grid.clamp(-1, 1).expand(batch, n, 1, 2)
        samples = []
        for step in range(POOL_STEPS + 1):
            if step:
                fmap = F.avg_pool2d(fmap, POOL_KERNEL, stride=POOL_KERNEL)
            samples.append(F.grid_sample(fmap, points, align_corners=True)[..., 0])  # (B, C, n)
        features = torch.cat(samples, dim=1)  # (B, 3C, n): map, pooled once, pooled twice
        return (features * self.features[:, :, 0]).sum(dim=1) + self.bias


class CNN(nn.Module):
    """One of the three CNNs, with the readout of the chosen neurons of one session."""

    def __init__(self, state: dict[str, torch.Tensor], session: str, indices: Sequence[int],
                 source: str = "state dict"):
        super().__init__()
        self.core = Core()
        self.readout = PointReadout(len(indices))
        core = {key[len("core."):]: value for key, value in state.items()
                if key.startswith("core.features.")}
        prefix = f"readout.{session}."
        rows = {"grid": lambda t: t[:, indices], "features": lambda t: t[..., indices],
                "bias": lambda t: t[indices]}
        missing = [prefix + name for name in rows if prefix + name not in state]
        if missing:
            raise ValueError(f"{source} has no {', '.join(missing)}: not a macaque V1 model file")
        self.core.load_state_dict(core, strict=True)
        self.readout.load_state_dict({name: pick(state[prefix + name]) for name, pick in rows.items()})

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return F.elu(self.readout(self.core(images))) + 1


def load_ensemble(paths: Sequence[str | os.PathLike]) -> list[dict[str, torch.Tensor]]:
    """The three state dicts, loaded as plain tensors (``weights_only``: no pickled code runs)."""
    states = []
    for path in paths:
        if not Path(path).exists():
            raise FileNotFoundError(f"{path}: macaque model weights missing; run "
                                    "`snakemake invariances_macaque_weights` (needs the network) "
                                    f"or place the files there (SHA-256 in {__name__}.FILES)")
        states.append(torch.load(path, map_location="cpu", weights_only=True))
    return states


def ensemble_response(models: Sequence[CNN], images: torch.Tensor) -> torch.Tensor:
    """(B, 1, 93, 93) standardised images -> (B, n) mean response of the CNNs."""
    return torch.stack([model(images) for model in models]).mean(dim=0)


def build(states: Sequence[dict], session: str, indices: Sequence[int]) -> list[CNN]:
    models = [CNN(state, session, indices, source=f"weights file {i}") for i, state in enumerate(states)]
    for model in models:
        model.eval()  # batch norm from its running statistics: a response never depends on the batch
        model.requires_grad_(False)
    return models


class MacaqueNeuron:
    """Neuron A, B or C of the ensemble, with the interface of neurons.Neuron."""

    cell = "macaque"
    res = RES

    def __init__(self, states: Sequence[dict], name: str):
        if name not in NEURONS:
            raise ValueError(f"macaque neuron {name!r}: choose one of {', '.join(NEURONS)}")
        session, index, self.r_max = NEURONS[name]
        self.name = name
        self.models = build(states, session, [index])

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        return standardize_clip(images)

    def response(self, images: torch.Tensor) -> torch.Tensor:
        """(..., 93, 93) prepared images -> (...,) responses."""
        flat = images.reshape(-1, 1, RES, RES)
        return ensemble_response(self.models, flat)[:, 0].reshape(images.shape[:-2])
