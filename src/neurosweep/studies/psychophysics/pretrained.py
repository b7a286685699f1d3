"""Optional stage: orientation sensitivity of real ImageNet networks (paper Fig. 2c and SI).

Off by default. It needs torchvision (an optional extra: it does not install beside the
pinned CPU torch, see README) and a local file of ImageNet weights, e.g. torchvision's
``resnet18-f37072fd.pth``, which is read with ``torch.load(..., weights_only=True)`` — never
unpickled as code. Per the paper, J(θ) is measured at every top-level stage of the network
for 224 px Gabors (100 px/deg, 2 cyc/deg, σ = 0.5 deg) averaged over phases, for three states:
the loaded weights ("trained"), torchvision's default initialisation ("init") and the loaded
weights with each tensor's entries permuted ("shuffled").

Differences from the original (research notes §6 W2–W5): layers are captured in one forward
pass (no in-place ReLU corruption), the whole network is not re-run per layer, and the Gabor is
mapped to [0, 1] before ImageNet normalisation (the original fed [−1, 1] into it).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from neurosweep.aggregate import Run
from neurosweep.claims import Claim, per_seed
from neurosweep.harness import pick_device

from .fisher import fisher_information
from .orientation import card_obl
from .stimuli import angle_grid, gabor, phase_grid, probe_over_phases

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
STATES = ("trained", "init", "shuffled")


def require_torchvision():
    try:
        import torchvision
    except ImportError:
        raise ImportError(
            "the pretrained stage needs torchvision, which is not installed: it does not install "
            "beside the pinned CPU torch (see README, 'Pretrained networks')") from None
    return torchvision


def build_network(arch: str) -> nn.Module:
    """A torchvision architecture with its default (untrained) initialisation."""
    return getattr(require_torchvision().models, arch)(weights=None)


def load_weights(model: nn.Module, path: str | Path) -> nn.Module:
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    return model


def top_level_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The measured stages, in order: a ResNet's children (a flatten before ``fc``), or the
    modules of a VGG/AlexNet ``features`` block followed by its pooling and classifier."""
    if hasattr(model, "features"):
        layers = [(f"features.{i}", m) for i, m in enumerate(model.features)]
        rest = [("avgpool", model.avgpool), ("flatten", nn.Flatten()), ("classifier", model.classifier)]
        return layers + rest
    layers = []
    for name, module in model.named_children():
        if name == "fc":
            layers.append(("flatten", nn.Flatten()))
        layers.append((name, module))
    return layers


def shuffle_weights(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """Permute the entries of every parameter tensor: same weight distribution, no structure."""
    with torch.no_grad():
        for parameter in model.parameters():
            flat = parameter.reshape(-1)
            flat.copy_(flat[torch.randperm(flat.numel(), generator=generator)])
    return model


def imagenet_gabor(theta: Tensor, phase: Tensor, size: int, px_per_deg: float,
                   cycles_per_deg: float, sigma_deg: float) -> Tensor:
    """An RGB Gabor in [0, 1], normalised with ImageNet's mean and s.d. (N, 3, size, size)."""
    grey = gabor(theta, phase, size, freq=cycles_per_deg / px_per_deg, sigma=sigma_deg * px_per_deg)
    rgb = (0.5 + 0.5 * grey)[:, None].expand(-1, 3, -1, -1)
    mean = torch.tensor(IMAGENET_MEAN, dtype=theta.dtype)[None, :, None, None]
    std = torch.tensor(IMAGENET_STD, dtype=theta.dtype)[None, :, None, None]
    return (rgb - mean) / std


def orientation_fisher(model: nn.Module, n_angles: int, n_phases: int, size: int,
                       px_per_deg: float, cycles_per_deg: float, sigma_deg: float,
                       chunk: int) -> dict[str, np.ndarray]:
    """J(θ) of every top-level layer, averaged over phases: {layer: array (n_angles,)}."""
    model.eval()
    layers = top_level_layers(model)
    angles, phases = angle_grid(n_angles, torch.float32), phase_grid(n_phases, torch.float32)
    totals = {name: np.zeros(n_angles) for name, _ in layers}
    for start in range(0, n_angles, chunk):
        block = angles[start:start + chunk]
        make = lambda t, p: imagenet_gabor(t, p, size, px_per_deg, cycles_per_deg, sigma_deg)
        stimulus, params = probe_over_phases(make, block, phases)
        with torch.no_grad():
            fisher = fisher_information(layers, stimulus, params)
        for name, values in fisher.items():
            totals[name][start:start + len(block)] = values.reshape(len(block), n_phases).mean(1).cpu().numpy()
    return totals


def train(params: dict, ckpt) -> tuple[dict, dict[str, np.ndarray]]:
    """Not training: measure one pretrained network in its three states (one sweep point)."""
    arch = str(params["arch"])
    weights = Path(params["weights"][arch])
    if not weights.exists():
        raise FileNotFoundError(f"pretrained weights for {arch} not found at {weights}: set "
                                f"psychophysics.<scale>.sweeps.pretrained.settings.weights.{arch}")
    generator = torch.Generator().manual_seed(int(params["seed"]))
    probe = {k: params[k] for k in ("n_angles", "n_phases", "size", "px_per_deg",
                                    "cycles_per_deg", "sigma_deg", "chunk")}
    theta_deg = np.arange(params["n_angles"]) * 180.0 / params["n_angles"]
    arrays, metrics = {"theta_deg": theta_deg}, {}
    # npz keys come back sorted, so the depth order of the layers is stored explicitly
    arrays["layers"] = np.array([name for name, _ in top_level_layers(build_network(arch))])
    device = pick_device(str(params.get("device", "auto")))  # the GPU if the job has one
    for state in STATES:
        model = load_weights(build_network(arch), weights) if state != "init" else build_network(arch)
        if state == "shuffled":
            shuffle_weights(model, generator)
        with device:  # stimuli are made on the same device as the model
            curves = orientation_fisher(model.to(device), **probe)
        for layer, curve in curves.items():
            arrays[f"{state}/{layer}"] = curve
            metrics[f"card_obl/{state}/{layer}"] = float(card_obl(curve, theta_deg, params["window_deg"]))
    return metrics, arrays


def claims(runs: list[Run]) -> list[Claim]:
    """C1/C3 on real networks, per architecture and judged on every seed (the seed draws the
    init and the shuffle): deepest layer card/obl ≥ 1.5 trained, ≈ 1 at init and shuffled."""
    out = []
    for arch in sorted({str(r.point["arch"]) for r in runs}):
        mine = sorted((r for r in runs if str(r.point["arch"]) == arch),
                      key=lambda r: r.params.get("seed", 0))
        value = lambda r, state: r.metrics[f"card_obl/{state}/{r.arrays['layers'][-1]}"]
        out.append(per_seed(
            f"P1-{arch}", f"{arch} (ImageNet weights): deepest layer J card/obl (paper Fig. 2c)",
            {r.params.get("seed", 0): value(r, "trained") for r in mine}, 1.5, math.inf,
            source="notes §1.1 T8: card/obl >= 1.5 (notes C1: ResNet18 about 9 in J, sqrt(J) "
                   "about 3)"))
        for state in ("init", "shuffled"):
            out.append(per_seed(
                f"P3-{arch}-{state}", f"{arch} {state}: deepest layer J card/obl near 1 (paper "
                "SI controls)", {r.params.get("seed", 0): value(r, state) for r in mine},
                0.8, 1.25, source="notes §1.1 T7: init/shuffled card/obl in [0.8, 1.25]"))
    return out


def figP_data(runs: list[Run]) -> dict[str, np.ndarray]:
    """Normalised √J per layer and state for each network (paper Fig. 2c style)."""
    data = {}
    for run in runs:
        arch = run.point["arch"]
        data[f"{arch}/theta_deg"] = run.arrays["theta_deg"]
        data[f"{arch}/layers"] = run.arrays["layers"]
        for key, curve in run.arrays.items():
            if key not in ("theta_deg", "layers"):
                root = np.sqrt(np.maximum(curve, 0))
                data[f"{arch}/{key}"] = root / max(root.sum(), math.ulp(1.0))
    return data
