"""Fisher information by forward-mode AD (claims T0a, T0b of the psychophysics notes)."""

import math

import torch
from torch import nn

from neurosweep.studies.psychophysics import stimuli
from neurosweep.studies.psychophysics.fisher import (
    fisher_finite_difference, fisher_information, layer_outputs)

torch.set_num_threads(1)

SIZE = 12


def small_net() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Unflatten(1, (1, SIZE)),
        nn.Conv2d(1, 4, 3),
        nn.ReLU(inplace=True),  # in place on purpose: must not corrupt the conv capture
        nn.Flatten(),
        nn.Linear(4 * (SIZE - 2) ** 2, 8),
    ).double().eval()


def gabor_probe():
    thetas = stimuli.angle_grid(6)
    phases = stimuli.phase_grid(3)
    return stimuli.probe_over_phases(
        lambda t, p: stimuli.gabor(t, p, SIZE, freq=0.15, sigma=3.0), thetas, phases)


def test_jvp_matches_float64_central_differences():  # T0a
    net = small_net()
    layers = list(net.named_children())
    stimulus, params = gabor_probe()
    exact = fisher_information(layers, stimulus, params)
    approx = fisher_finite_difference(layers, stimulus, params, delta=1e-5)
    assert list(exact) == [name for name, _ in layers]
    for name in exact:
        assert exact[name].shape == params.shape
        rel = (exact[name] - approx[name]).abs().max() / exact[name].abs().max()
        assert rel <= 1e-4, (name, float(rel))
    assert exact["4"].min() > 0


def test_single_linear_layer_is_exact_quadratic_form():  # T0a, linear case
    torch.manual_seed(1)
    weight = torch.randn(5, SIZE * SIZE, dtype=torch.float64)
    layer = lambda x: x.flatten(1) @ weight.T
    theta = stimuli.angle_grid(7)
    phase = torch.full_like(theta, 0.3)
    stimulus = lambda t: stimuli.grating(t, phase, SIZE, freq=0.2)
    got = fisher_information([("W", layer)], stimulus, theta)["W"]
    # Analytic derivative of cos(2πf(x cos θ + y sin θ) + φ) with respect to θ.
    row, col = torch.meshgrid(torch.arange(SIZE, dtype=torch.float64) - (SIZE - 1) / 2,
                              torch.arange(SIZE, dtype=torch.float64) - (SIZE - 1) / 2,
                              indexing="ij")
    arg = 2 * math.pi * 0.2 * (col * torch.cos(theta)[:, None, None]
                               + row * torch.sin(theta)[:, None, None]) + 0.3
    ds = -torch.sin(arg) * 2 * math.pi * 0.2 * (-col * torch.sin(theta)[:, None, None]
                                                  + row * torch.cos(theta)[:, None, None])
    expected = (ds.flatten(1) @ weight.T).pow(2).sum(1)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=0)


def test_pre_activation_layer_is_captured_before_in_place_relu():  # T0b
    net = small_net()
    layers = list(net.named_children())
    stimulus, params = gabor_probe()
    outputs = layer_outputs(layers, stimulus(params))
    assert outputs["1"].min() < 0          # conv output, captured before the in-place ReLU
    assert outputs["2"].min() == 0         # ReLU output
    fisher = fisher_information(layers, stimulus, params)
    # Rectification removes part of the derivative, so the two layers must differ.
    assert (fisher["2"] < fisher["1"]).all()
