"""Hue sensitivity demo (paper Fig. 3): colour models, derivatives, lag estimate, training."""

import colorsys
import math

import numpy as np
import pytest
import torch

from neurosweep.aggregate import Run
from neurosweep.harness import Checkpoint, seed_everything
from neurosweep.studies.psychophysics import hue
from neurosweep.studies.psychophysics.fisher import fisher_finite_difference, fisher_information
from neurosweep.studies.psychophysics.supervised import InverseCDFSampler
from interrupt import StopAt

torch.set_num_threads(1)

TINY = dict(hidden=32, batch_size=256, steps=60, n_snapshots=3, n_hues=72)


def run(rotation: float, seed: int, ckpt=None, **overrides):
    seed_everything(seed)
    params = {**TINY, **overrides, "hue_rotation": rotation, "seed": seed}
    return hue.train(params, ckpt if ckpt is not None else Checkpoint(None))


def test_hsv_to_rgb_matches_colorsys():
    rng = np.random.default_rng(0)
    h, s, v = rng.uniform(0, 1, 50), rng.uniform(0, 1, 50), rng.uniform(0, 1, 50)
    ours = hue.hsv_to_rgb(torch.tensor(h * 2 * math.pi), torch.tensor(s), torch.tensor(v)).numpy()
    reference = np.array([colorsys.hsv_to_rgb(*x) for x in zip(h, s, v)])
    np.testing.assert_allclose(ours, reference, atol=1e-12)


def test_opponent_circle_is_smooth_constant_intensity_and_matches_hsv_primaries():
    angles = hue.hue_grid(360, torch.float64)
    rgb = hue.opponent_to_rgb(angles, 0.3, 0.5)
    np.testing.assert_allclose(rgb.mean(1).numpy(), 0.5, atol=1e-12)
    np.testing.assert_allclose(torch.linalg.norm(rgb - 0.5, dim=1).numpy(), 0.3, atol=1e-12)
    assert rgb.min() >= 0 and rgb.max() <= 1
    primaries = torch.deg2rad(torch.tensor([0.0, 120.0, 240.0], dtype=torch.float64))
    dominant = hue.opponent_to_rgb(primaries, 0.3, 0.5).argmax(1).tolist()
    assert dominant == [0, 1, 2]  # red, green, blue — as HSV hue 0°, 120°, 240°


def test_hue_grid_avoids_hsv_sextant_boundaries():
    degrees = np.rad2deg(hue.hue_grid(180, torch.float64).numpy())
    assert np.min(np.abs((degrees + 30) % 60 - 30)) == pytest.approx(1.0)


@pytest.mark.parametrize("space", hue.HUE_SPACES)
def test_probe_derivative_matches_finite_differences(space):
    angles = hue.hue_grid(36, torch.float64)
    stimulus = hue.probe_stimulus(space)
    _, tangent = torch.func.jvp(stimulus, (angles,), (torch.ones_like(angles),))
    delta = 1e-6
    fd = (stimulus(angles + delta) - stimulus(angles - delta)) / (2 * delta)
    np.testing.assert_allclose(tangent.numpy(), fd.numpy(), atol=1e-7)


def test_hsv_derivative_jumps_at_sextants_but_opponent_is_smooth():
    """The reason for hue hygiene: ∂RGB/∂H of HSV changes direction abruptly every 60°."""
    angles = hue.hue_grid(360, torch.float64)
    turns = {}
    for space in hue.HUE_SPACES:
        stimulus = hue.probe_stimulus(space)
        _, tangent = torch.func.jvp(stimulus, (angles,), (torch.ones_like(angles),))
        direction = tangent / torch.linalg.norm(tangent, dim=1, keepdim=True)
        cosine = (direction * direction.roll(-1, 0)).sum(1)
        turns[space] = int((cosine < 0.9).sum())
    assert turns == {"hsv": 6, "opponent": 0}


def test_network_fisher_matches_finite_differences():
    torch.manual_seed(0)
    net = hue.ColourNamer(16, 12).double()
    angles = hue.hue_grid(24, torch.float64)
    for space in hue.HUE_SPACES:
        exact = fisher_information(net.layers(), hue.probe_stimulus(space), angles)
        approx = fisher_finite_difference(net.layers(), hue.probe_stimulus(space), angles, 1e-6)
        for name in hue.LAYER_NAMES:
            np.testing.assert_allclose(exact[name].numpy(), approx[name].numpy(), rtol=1e-4,
                                       atol=1e-10, err_msg=f"{space}/{name}")


def test_hue_density_and_sampler():
    grid = np.linspace(0, 2 * math.pi, 3601)[:-1]
    for rotation in (0.0, 90.0):
        density = hue.hue_density(grid, rotation)
        assert density.sum() * (grid[1] - grid[0]) == pytest.approx(1.0, abs=1e-6)
        assert np.rad2deg(grid[np.argmax(density)]) == pytest.approx(30.0 + rotation, abs=0.2)
    torch.manual_seed(0)
    sampler = InverseCDFSampler(lambda h: hue.hue_density(h, 90.0), 0.0, 2 * math.pi)
    draws = sampler(200_000, torch.float64).numpy()
    counts, edges = np.histogram(draws, bins=24, range=(0, 2 * math.pi), density=True)
    expected = hue.hue_density(0.5 * (edges[1:] + edges[:-1]), 90.0)
    np.testing.assert_allclose(counts, expected, rtol=0.1, atol=0.01)


def test_xcorr_lag_recovers_a_known_shift_below_the_grid_step():
    grid = np.deg2rad(np.arange(90) * 4.0 + 2.0)
    def curve(shift):
        return hue.hue_density(grid, shift) + 0.1 * np.cos(3 * (grid - np.deg2rad(shift)))

    assert hue.xcorr_lag_deg(curve(0.0), curve(90.0)) == pytest.approx(90.0, abs=0.5)
    assert hue.xcorr_lag_deg(curve(0.0), curve(41.0)) == pytest.approx(41.0, abs=1.0)
    assert hue.xcorr_lag_deg(curve(30.0), curve(0.0)) == pytest.approx(330.0, abs=0.5)


def test_same_seed_gives_identical_arrays():
    metrics_a, arrays_a = run(90.0, 2)
    metrics_b, arrays_b = run(90.0, 2)
    assert metrics_a == metrics_b
    for key in arrays_a:
        np.testing.assert_array_equal(arrays_a[key], arrays_b[key], err_msg=key)
    assert arrays_a["J_opponent"].shape == (4, len(hue.LAYER_NAMES), 72)



def test_resume_from_checkpoint_is_bit_identical(tmp_path):
    _, reference = run(0.0, 7, hue_space="hsv")
    with pytest.raises(SystemExit):
        run(0.0, 7, ckpt=StopAt(tmp_path, stop=33), hue_space="hsv")
    ckpt = Checkpoint(tmp_path, every_steps=10)
    _, resumed = run(0.0, 7, ckpt=ckpt, hue_space="hsv")
    assert ckpt.resumed_from == 33
    for key in reference:
        np.testing.assert_array_equal(reference[key], resumed[key], err_msg=key)


def test_short_training_follows_the_hue_distribution_and_its_rotation():
    """T11/T12 in miniature: rotating the training hues by 90° shifts J(H) by ≈ 90°."""
    settings = dict(steps=400, n_snapshots=1, hidden=64, batch_size=512)
    runs = []
    for rotation in (0.0, 90.0):
        for seed in (0, 1):
            metrics, arrays = run(rotation, seed, **settings)
            params = {**settings, "hue_rotation": rotation, "seed": seed}
            runs.append(Run({"hue_rotation": rotation, "seed": seed}, params, metrics, arrays))
    verdict = {c.claim: c for c in hue.claims(runs)}
    assert verdict["T11"].measured == pytest.approx(90.0, abs=8.0)
    assert "Spearman per run" in verdict["T12"].note and verdict["T12"].kind == "paper"
    data = hue.fig3_data(runs)
    assert data["rot0/J_opponent_trained"].shape == (TINY["n_hues"],)
