"""Linear networks on photo patches (paper Fig. 5; claims T1, T3, T4, T6, T17)."""

import numpy as np
import pytest
import torch

from neurosweep.harness import Checkpoint
from neurosweep.studies.psychophysics import linear, stimuli
from interrupt import StopAfter

torch.set_num_threads(1)

FAST = {"patch_size": 8, "n_patches": 5000, "steps": 300, "snapshot_every": 20, "n_freqs": 16,
        "n_phases": 4, "lr": 1.0, "init_scale": 0.1, "n_top_pcs": 30}


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "photos.npz"
    linear.photos_dataset(path)
    return str(path)


def run(photos, seed=0, ckpt=None, **overrides):
    torch.manual_seed(seed)  # the harness seeds torch before calling train
    params = {**FAST, "photos": photos, "seed": seed, **overrides}
    return linear.train(params, ckpt or Checkpoint(None))


def test_loss_on_covariance_equals_sample_mse():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((500, 16)) @ rng.standard_normal((16, 16))
    x -= x.mean(0)
    t = rng.standard_normal((16, 16)) * 0.3
    direct = np.mean((x - x @ t.T) ** 2)
    via_cov = linear.reconstruction_loss(torch.tensor(t), torch.tensor(stimuli.patch_covariance(x)))
    assert float(via_cov) == pytest.approx(direct, rel=1e-10)


def test_photo_patch_spectrum_is_a_power_law(photos):  # T1
    _, eigvals, _ = linear.patch_statistics(photos, 12, 8000, seed=0)
    slope = linear.eigen_slope(eigvals)
    index = np.arange(2, len(eigvals) // 2 + 1)
    fit = np.polyfit(np.log(index), np.log(eigvals[1:len(eigvals) // 2]), 1, full=True)
    residual_rms = np.sqrt(fit[1][0] / len(index))
    assert -1.6 <= slope <= -0.9
    assert residual_rms < 0.15  # straight on log-log axes


def test_tied_network_follows_logistic_closed_form(photos):  # T3, T4
    metrics, arrays = run(photos, lr=2.0, steps=800)
    assert metrics["theory_max_error"] < 0.1
    assert metrics["fisher_max_rel_error"] < 0.1
    # Several PCs are learned, in order of variance, with t_half roughly ∝ 1/λ.
    learned = np.nonzero(np.isfinite(arrays["t_half"]))[0]
    assert len(learned) >= 5
    assert np.all(np.diff(arrays["t_half"][learned[:5]]) > 0)
    t_lambda = arrays["t_half"][learned] * arrays["eigvals"][learned]
    assert t_lambda.max() / t_lambda.min() < 2.0
    # The loss decreases and thresholds fall as the net learns.
    assert np.all(np.diff(arrays["loss"]) <= 1e-12)
    assert np.all(arrays["threshold"][-1] <= arrays["threshold"][0] + 1e-12)


def test_acuity_interpolates_the_criterion_crossing():
    freqs = np.array([0.1, 0.2, 0.3, 0.4])
    threshold = np.array([0.01, 0.01, 0.04, 0.08])
    assert linear.acuity(freqs, threshold, 0.02) == pytest.approx(0.25)
    assert np.isnan(linear.acuity(freqs, threshold, 0.005))
    assert linear.acuity(freqs, threshold, 1.0) == 0.4



@pytest.mark.parametrize("depth", ["tied", "2"])
def test_same_seed_and_resume_give_identical_arrays(photos, tmp_path, depth):  # T17
    _, first = run(photos, depth=depth, steps=120)
    _, again = run(photos, depth=depth, steps=120)
    with pytest.raises(KeyboardInterrupt):
        run(photos, depth=depth, steps=120, ckpt=StopAfter(tmp_path, 70, every_steps=50))
    resumed_ckpt = Checkpoint(tmp_path, every_steps=50)
    torch.manual_seed(123)  # a resumed run must not depend on the fresh seed state
    _, resumed = linear.train({**FAST, "photos": photos, "seed": 0, "depth": depth,
                               "steps": 120}, resumed_ckpt)
    assert resumed_ckpt.resumed_from == 50
    for key in first:
        np.testing.assert_array_equal(first[key], again[key], err_msg=key)
        np.testing.assert_array_equal(first[key], resumed[key], err_msg=key)
