"""Fisher information of every layer of a network for a one-parameter stimulus family.

Benjamin et al. 2022 (Figs. 2, 3, 5, 6) measure a layer's sensitivity to a stimulus parameter θ
under additive isotropic unit-variance Gaussian noise on every unit of that layer, so

    J(θ) = ‖∂r(s(θ))/∂θ‖²,

summed over all units (and positions) of the layer. The original code took central finite
differences with one full forward pass per (layer, ±δ) and captured layers with forward hooks,
which an in-place ReLU silently overwrote (research notes §6 W5).

Here one forward-mode pass (``torch.func.jvp``) with a tangent of ones gives every sample's
derivative at once — each sample depends only on its own parameter, so the Jacobian is
diagonal in the batch — and every layer's output is collected by walking the layers in order
in that same pass. Each captured output is cloned before the next layer sees it, so a module
that works in place cannot change what was recorded.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import Tensor

Layers = Sequence[tuple[str, Callable[[Tensor], Tensor]]]


def _walk(layers: Layers, x: Tensor) -> list[Tensor]:
    """Apply the layers in order and return each layer's output (cloned: in-place safe)."""
    outputs = []
    for _, module in layers:
        x = module(x)
        # An in-place op in the next layer (nn.ReLU(inplace=True)) would overwrite the tensor
        # we keep; recording a copy makes pre-activation layers really pre-activation.
        outputs.append(x.clone())
    return outputs


def layer_outputs(layers: Layers, inputs: Tensor) -> dict[str, Tensor]:
    """Every layer's output for a batch of inputs, captured by the same walk the Fisher uses."""
    with torch.no_grad():
        return {name: out for (name, _), out in zip(layers, _walk(layers, inputs))}


def _squared_norm_per_sample(t: Tensor) -> Tensor:
    return t.reshape(t.shape[0], -1).pow(2).sum(dim=1)


def fisher_information(layers: Layers, stimulus: Callable[[Tensor], Tensor],
                       params: Tensor) -> dict[str, Tensor]:
    """Per-sample Fisher information J_n = ‖∂r_layer(s(θ_n))/∂θ_n‖² of every layer.

    Args:
        layers: ordered (name, module) pairs applied in sequence, e.g.
            ``list(net.named_children())`` of an ``nn.Sequential`` (put models in eval mode:
            batch-norm in training mode would couple the samples of a batch).
        stimulus: maps a 1-D tensor of N parameter values to a batch of N inputs; sample n
            must depend only on ``params[n]``.
        params: 1-D tensor of N parameter values (its dtype sets the precision).

    Returns:
        ``{layer name: tensor of shape (N,)}`` — J per sample, summed over all units.
    """
    if params.ndim != 1:
        raise ValueError(f"params must be 1-D, got shape {tuple(params.shape)}")

    def forward(theta: Tensor) -> tuple[Tensor, ...]:
        return tuple(_walk(layers, stimulus(theta)))

    # To bound memory on big probes, call this on chunks of params (with a stimulus closure
    # built for each chunk); results do not depend on the chunking.
    _, tangents = torch.func.jvp(forward, (params,), (torch.ones_like(params),))
    return {name: _squared_norm_per_sample(tangent.detach())
            for (name, _), tangent in zip(layers, tangents)}


def fisher_finite_difference(layers: Layers, stimulus: Callable[[Tensor], Tensor], params: Tensor,
                             delta: float = 1e-4) -> dict[str, Tensor]:
    """Reference J by central differences (r(θ+δ) − r(θ−δ))/2δ; two forward passes in total.

    Used by the tests (in float64) and the benchmark against ``fisher_information``.
    """
    with torch.no_grad():
        plus = _walk(layers, stimulus(params + delta))
        minus = _walk(layers, stimulus(params - delta))
    return {name: _squared_norm_per_sample((p - m) / (2 * delta))
            for (name, _), p, m in zip(layers, plus, minus)}
