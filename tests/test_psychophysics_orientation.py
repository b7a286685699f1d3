"""Orientation sensitivity from training statistics (paper Fig. 2 + SI; T7–T9, T0c, T17)."""

import numpy as np
import pytest
import torch

from neurosweep.harness import Checkpoint
from neurosweep.studies.psychophysics import orientation, stimuli
from interrupt import StopAfter

torch.set_num_threads(1)


def test_procedural_spectrum_has_the_requested_cardinal_bias():
    images = stimuli.procedural_images(np.random.default_rng(0), 16, 64, kappa=0.5)
    power = (np.abs(np.fft.fft2(images)) ** 2).mean(0)
    k = np.fft.fftfreq(64)
    angle = np.rad2deg(np.arctan2(k[:, None], k[None, :])) % 180
    radius = np.hypot(k[:, None], k[None, :])
    ring = (radius > 0.1) & (radius < 0.4)
    def near(c):
        return ring & (np.abs((angle - c + 90) % 180 - 90) < 5)
    ratio = (power[near(0)].mean() + power[near(90)].mean()) / \
        (power[near(45)].mean() + power[near(135)].mean())
    assert ratio == pytest.approx(3.0, rel=0.15)  # (1 + κ)/(1 − κ)


def test_stationary_covariance_equals_average_over_all_wrapped_patches():
    images = np.random.default_rng(1).standard_normal((2, 6, 6))
    k = 3
    patches = np.stack([np.roll(np.roll(img, -r, 0), -c, 1)[:k, :k].ravel()
                        for img in images - images.mean(axis=(1, 2), keepdims=True)
                        for r in range(6) for c in range(6)])
    np.testing.assert_allclose(stimuli.stationary_patch_covariance(images, k),
                               patches.T @ patches / len(patches), atol=1e-12)


def test_rotate_and_crop_leaves_no_empty_corners():
    image = np.ones((60, 80))
    cropped = stimuli.rotate_and_crop(image, 30.0)
    assert cropped.shape == (stimuli.inscribed_square_side(60, 80, 30.0),) * 2
    assert cropped.min() > 0.99


def test_shuffle_keeps_the_weight_distribution():
    weights = [torch.randn(5, 5), torch.randn(5, 5)]
    shuffled = orientation.shuffle_weights(weights, seed=3)
    for w, s in zip(weights, shuffled):
        assert not torch.equal(w, s)
        torch.testing.assert_close(w.flatten().sort().values, s.flatten().sort().values)


def train(seed=0, ckpt=None, **overrides):
    torch.manual_seed(seed)
    return orientation.train({"seed": seed, **overrides}, ckpt or Checkpoint(None))


@pytest.fixture(scope="module")
def linear_runs():
    return {theta0: train(model="linear", kappa=0.5, theta0=theta0) for theta0 in (0.0, 45.0)}


def test_trained_linear_net_is_cardinal_and_controls_are_flat(linear_runs):  # T7, T8
    metrics, arrays = linear_runs[0.0]
    init, trained, shuffled = arrays["card_obl"][:, 0]
    assert 0.8 <= init <= 1.25 and 0.8 <= shuffled <= 1.25
    assert trained >= 1.5
    assert metrics["fisher_variance_pearson"] >= 0.8  # T10


def test_rotated_training_rotates_the_sensitivity(linear_runs):  # T9
    _, ref = linear_runs[0.0]
    _, rot = linear_runs[45.0]
    lag = orientation.circular_lag_deg(rot["fisher"][1, 0], ref["fisher"][1, 0],
                                       ref["thetas_deg"])
    assert abs(lag % 90 - 45) <= 5
    assert rot["card_obl"][1, 0] <= 0.67


def test_deep_model_cardinal_bias_rises_with_depth():  # T8 (deep)
    _, arrays = train(model="deep", kappa=0.5, theta0=0.0)
    trained = arrays["card_obl"][1]
    assert trained[-1] >= 1.5
    assert np.all(np.diff(trained) > 0)
    assert np.all((arrays["card_obl"][0] > 0.8) & (arrays["card_obl"][0] < 1.25))



def test_same_seed_and_resume_give_identical_arrays(tmp_path):  # T17
    settings = {"model": "deep", "steps": 120, "n_shuffles": 2}
    _, first = train(**settings)
    with pytest.raises(KeyboardInterrupt):
        train(ckpt=StopAfter(tmp_path, 60, every_steps=50), **settings)
    ckpt = Checkpoint(tmp_path, every_steps=50)
    torch.manual_seed(99)
    _, resumed = orientation.train({"seed": 0, **settings}, ckpt)
    assert ckpt.resumed_from == 50
    for key in first:
        np.testing.assert_array_equal(first[key], resumed[key], err_msg=key)
