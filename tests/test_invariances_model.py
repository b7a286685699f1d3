"""The invariances study's science: model cells and their closed-form maxima, the contrastive
term's identities, the CPPN (packed = alone, frozen statistics = in-batch images), analysis
metrics on known inputs, and a short training run that finds the complex cell's invariance."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from neurosweep.harness import Checkpoint
from neurosweep.studies.invariances import analysis, claims, contrastive, cppn, evaluate, neurons, training

RES = 12


@pytest.mark.parametrize("cell", list(neurons.CELLS))
def test_closed_form_maximum_is_reached_by_its_image_and_not_beaten_by_adam(cell):
    neuron = neurons.make_neuron(cell, RES)
    best = neurons.most_exciting_image(cell, RES)
    assert float(neuron.response(neurons.fix_mean_std(best[None]))[0]) == pytest.approx(neuron.r_max, rel=1e-4)
    optimised = claims.adam_maximum(neuron, steps=200)
    assert optimised <= neuron.r_max * (1 + 1e-4)
    assert optimised >= neuron.r_max * 0.99  # the closed form is the maximum, not a loose bound


def test_fixed_contrast_images_have_mean_zero_and_the_same_norm():
    images = neurons.fix_mean_std(torch.randn(5, RES, RES) * torch.arange(1, 6)[:, None, None] + 3)
    flat = images.reshape(5, -1)
    assert torch.allclose(flat.mean(1), torch.zeros(5), atol=1e-6)
    assert torch.allclose(flat.norm(dim=1), torch.full((5,), neurons.contrast_norm(RES)), rtol=1e-5)


def test_cells_have_their_invariances():
    complex_cell = neurons.make_neuron("complex", RES)
    simple = neurons.make_neuron("simple", RES)
    polarity = neurons.make_neuron("polarity", RES)
    best = neurons.fix_mean_std(neurons.most_exciting_image("simple", RES)[None])
    assert float(polarity.response(-best)) == pytest.approx(float(polarity.response(best)))
    assert float(simple.response(-best)) == pytest.approx(-float(simple.response(best)))
    # the orientation cell responds alike to its best image rotated by a multiple of its step
    orientation = neurons.make_neuron("orientation", RES)
    g1 = neurons.fix_mean_std(neurons.gabor(RES, 0.3, math.pi / 2)[None].float())
    g2 = neurons.fix_mean_std(neurons.gabor(RES, 0.3 + 2 * math.pi / 3, math.pi / 2)[None].float())
    assert float(orientation.response(g1)) == pytest.approx(float(orientation.response(g2)), rel=0.02)
    # and the complex cell to phase shifts, up to its even filter's DC term (claims I1, I1b)
    rows = {row.claim: row for row in claims.model_claims(RES)}
    assert rows["I1"].passed and rows["I2"].passed and rows["I4a"].passed
    assert 0.9 < rows["I1b"].measured < 1


def test_unknown_cell_names_the_choices():
    with pytest.raises(ValueError, match="complex"):
        neurons.make_neuron("hypercomplex", RES)


def test_neighbour_masks_match_the_original_counts_and_are_symmetric():
    pos, neg = contrastive.neighbours(100, (True,))
    assert pos.sum(1).unique().tolist() == [20] and neg.sum(1).unique().tolist() == [79]
    pos, neg = contrastive.neighbours(20, (True, True))
    assert pos.sum(1).unique().tolist() == [24] and neg.sum(1).unique().tolist() == [375]
    for mask in (pos, neg):
        assert torch.equal(mask, mask.T) and not mask.diagonal().any()
    assert not (pos & neg).any()
    # an open axis does not wrap: the corner of a sheet has fewer positives than the middle
    pos, _ = contrastive.neighbours(20, (False, False))
    assert pos.sum(1).min() == 8 and pos.sum(1).max() == 24
    with pytest.raises(ValueError, match="no latent has a positive"):
        contrastive.neighbours(9, (True,))  # reach int(0.9) = 0


def test_contrastive_term_bounds_and_temperature_broadcast():
    pos, neg = contrastive.neighbours(40, (True,))
    same = torch.randn(1, RES, RES).expand(40, -1, -1)
    assert float(contrastive.contrastive_term(contrastive.pearson(same), pos, neg, 0.3)) == pytest.approx(0, abs=1e-6)
    ideal = contrastive.ideal_correlation(pos, neg)
    assert float(contrastive.contrastive_term(ideal, pos, neg, 0.3)) == pytest.approx(1, abs=1e-5)
    both = contrastive.contrastive_term(torch.stack([ideal, ideal * 0.5]), pos, neg, torch.tensor([0.3, 1.0]))
    assert both.shape == (2,) and float(both[0]) == pytest.approx(1, abs=1e-5) and 0 < float(both[1]) < 1


def test_pearson_matches_numpy():
    images = torch.randn(6, RES, RES)
    expected = np.corrcoef(images.reshape(6, -1).numpy())
    assert np.allclose(contrastive.pearson(images).numpy(), expected, atol=1e-5)


def test_jitter_is_one_common_shift_within_half_a_step():
    grid = contrastive.latent_grid(10, 2)
    shifted = contrastive.jitter(grid, 10, torch.Generator().manual_seed(0))
    shift = shifted - grid
    assert torch.allclose(shift, shift[:1].expand_as(shift), atol=1e-6)  # float32 rounding of grid + shift
    assert (shift.abs() <= math.pi / 10).all()


def test_cppn_has_the_originals_size_and_a_batch_dependent_batchnorm():
    arch = cppn.Architecture("circle")
    assert cppn.n_parameters(arch) == 2011
    params = cppn.init_params(arch, [3])
    z = contrastive.latent_grid(16, 1)[None]
    in_grid = cppn.render(params, arch, z, RES)
    alone = torch.cat([cppn.render(params, arch, z[:, i:i + 1], RES) for i in range(16)], dim=1)
    # rendered alone, the latent is a per-channel constant that BatchNorm removes: every z the same
    assert torch.allclose(alone, alone[:, :1].expand_as(alone), atol=1e-5)
    assert not torch.allclose(alone, in_grid, atol=1e-2)
    # frozen statistics of the grid: the full grid renders as in its batch (to float rounding:
    # training uses torch's fused batch-norm kernel, frozen rendering a multiply-add), and any
    # subset renders the same images as in the grid
    stats = cppn.normalisation_stats(params, arch, z, RES)
    frozen = cppn.render(params, arch, z, RES, norm="frozen", stats=stats)
    assert torch.allclose(frozen, in_grid, atol=2e-5)
    subset = cppn.render(params, arch, z[:, 3:5], RES, norm="frozen", stats=stats)
    assert torch.allclose(subset, frozen[:, 3:5], atol=1e-6)
    for norm in ("layer", "none"):
        full = cppn.render(params, arch, z, RES, norm=norm)
        assert torch.allclose(cppn.render(params, arch, z[:, 3:5], RES, norm=norm), full[:, 3:5], atol=1e-6)
    with pytest.raises(ValueError, match="frozen"):
        cppn.render(params, arch, z, RES, norm="frozen")


def quick_runs(cells=("complex", "simple"), seeds=(41, 42), tau=0.3):
    return [training.Run(seed, tau, neurons.make_neuron(cell, RES)) for cell, seed in zip(cells, seeds)]


SHORT = training.Schedule(grid=16, res=RES, steps_per_phase=6, log_every=2)


def test_a_packed_run_equals_the_same_run_alone():
    arch = cppn.Architecture("circle")
    runs = quick_runs()
    packed, curves = training.train(runs, arch, SHORT)
    z = contrastive.latent_grid(SHORT.grid, 1)
    for r, run in enumerate(runs):
        alone, alone_curves = training.train([run], arch, SHORT)
        # Compared as functions: a weight with a near-zero gradient may differ by float
        # rounding that Adam scales up (1e-4 after 12 steps); the images agree to 1e-3 of
        # their range (two runs differ by far more, checked last).
        mine = {key: value[r:r + 1] for key, value in packed.items()}
        assert torch.allclose(cppn.render(mine, arch, z[None], RES), cppn.render(alone, arch, z[None], RES),
                              atol=1e-3)
        assert torch.allclose(curves["act"][r], alone_curves["act"][0], atol=1e-5)
        assert torch.allclose(curves["reg"][r], alone_curves["reg"][0], atol=1e-5)
    other = {key: value[0:1] for key, value in packed.items()}  # run 0 against run 1 alone
    assert not torch.allclose(cppn.render(other, arch, z[None], RES), cppn.render(alone, arch, z[None], RES),
                              atol=1e-2)  # the other run really is another function


def test_same_seed_same_result_and_resume_from_a_checkpoint(tmp_path):
    arch = cppn.Architecture("torus")
    runs = quick_runs(("complex",), (7,))
    sched = training.Schedule(grid=10, res=RES, steps_per_phase=5, log_every=1)
    reference, ref_curves = training.train(runs, arch, sched)
    again, _ = training.train(runs, arch, sched)
    assert all(torch.equal(reference[k], again[k]) for k in reference)

    class Stop(Exception):
        pass

    ckpt = Checkpoint(tmp_path, every_steps=3, name="test")
    original_tick = ckpt.tick

    def tick(step, total, state_fn):
        original_tick(step, total, state_fn)
        if step == 7:  # after the checkpoint at step 6, in the second phase
            raise Stop

    ckpt.tick = tick
    with pytest.raises(Stop):
        training.train(runs, arch, sched, ckpt)
    resumed_ckpt = Checkpoint(tmp_path, every_steps=3, name="test")
    resumed, curves = training.train(runs, arch, sched, resumed_ckpt)
    assert resumed_ckpt.resumed_from == 6
    for key in reference:
        assert torch.allclose(resumed[key], reference[key], atol=1e-6), key
    assert torch.allclose(curves["reg"], ref_curves["reg"], atol=1e-6)


def test_analysis_metrics_on_known_angles_and_images():
    z = np.linspace(0, 2 * np.pi, 50, endpoint=False)
    assert analysis.winding(z) == pytest.approx(1)
    assert analysis.winding(-2 * z) == pytest.approx(-2)
    assert analysis.winding(np.sin(z)) == pytest.approx(0, abs=1e-9)  # there and back
    assert analysis.coverage(z) == 1 and analysis.coverage(np.zeros(5)) == pytest.approx(1 / 36)
    images = np.random.default_rng(0).normal(size=(4, 5, 5))
    assert analysis.mean_pairwise_correlation(np.repeat(images[:1], 3, 0)) == pytest.approx(1)
    assert analysis.mean_pairwise_correlation(np.stack([images[0], -images[0]])) == pytest.approx(-1)
    square = np.add.outer(np.zeros(8), np.linspace(0, 2 * np.pi, 8, endpoint=False))
    assert analysis.winding_per_axis(square.ravel(), 8) == pytest.approx([0, 1])
    assert analysis.axis_alignment([0.0, 1.0]) == 1
    filt = np.ones(4)
    loop = np.array([1, 1, -1, -1, -1, 1], dtype=float)[:, None, None] * np.ones((6, 2, 2))
    assert analysis.sign_switches(loop, filt) == 2


def test_image_phase_and_orientation_are_read_off_known_gabors():
    complex_cell = neurons.make_neuron("complex", 20)
    phases = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    images = np.stack([neurons.gabor(20, neurons.COMPLEX_ORIENTATION, p).numpy() for p in phases])
    read = evaluate.image_phase(complex_cell, images)
    assert analysis.winding(read) == pytest.approx(1)
    orientation = neurons.make_neuron("orientation", 20)
    thetas = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    rotated = np.stack([neurons.gabor(20, t, np.pi / 2).numpy() for t in thetas])
    read = evaluate.image_orientation(orientation, rotated)
    assert np.allclose(np.mod(read - thetas + 0.1, 2 * np.pi) - 0.1, 0, atol=2 * np.pi / 180 + 1e-9)


def test_short_training_finds_the_complex_cells_phase_manifold():
    """About 5 s: a complex cell on a circle (the quick config's smallest grid that works)."""
    arch = cppn.Architecture("circle")
    runs = quick_runs(("complex", "simple"), (41, 41))
    sched = training.Schedule(grid=40, res=16, steps_per_phase=50, log_every=5)
    runs = [training.Run(41, 0.3, neurons.make_neuron(c, 16)) for c in ("complex", "simple")]
    params, curves = training.train(runs, arch, sched)
    (complex_metrics, arrays), (simple_metrics, _) = evaluate.evaluate(params, arch, sched, runs, "frozen", 60)
    assert complex_metrics["act_min"] > 0.9
    assert round(abs(complex_metrics["phase_winding"])) == 1
    assert complex_metrics["mean_corr"] < 0.3
    assert simple_metrics["mean_corr"] > 0.9  # the control collapses
    assert arrays["row_images"].shape == (9, 16, 16) and arrays["circle_images"].shape == (12, 16, 16)
    assert complex_metrics["alone_corr_mean"] < 0.9  # the original's rendering of one latent
    assert float(curves["reg"][0, -1]) > float(curves["reg"][0, 0])
