"""The feedback study's task, networks, training loop and analyses (notes §1.1, T1-T8)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from neurosweep.harness import Checkpoint
from neurosweep.studies.feedback import analysis, bptt, data, evaluate, model, training


# --- T1, T2: sources and contexts --------------------------------------------------------------
def test_chords_are_scaled_and_nearly_uncorrelated():
    s = data.sources("chords")
    assert s.shape == (16000, 2) and s.dtype == np.float32
    assert np.allclose(np.abs(s).max(0), 1.0)
    assert abs(np.corrcoef(s.T)[0, 1]) < 0.05


def test_sines_have_the_papers_periods_and_scale_with_frequency():
    s = data.sources("sines")
    spectrum = np.abs(np.fft.rfft(s, axis=0))
    freqs = np.fft.rfftfreq(len(s), 1 / data.FS)
    assert freqs[spectrum[:, 0].argmax()] == pytest.approx(100) and freqs[spectrum[:, 1].argmax()] == pytest.approx(180)
    fast = np.abs(np.fft.rfft(data.sources("sines", frequency_scale=4.0), axis=0))
    assert freqs[fast[:, 1].argmax()] == pytest.approx(720)


def test_three_sources_and_unknown_names():
    assert data.sources("ica3").shape == (16000, 3)
    assert data.n_sources("ica3") == 3 and data.n_sources("bank") == 2
    with pytest.raises(ValueError, match="unknown source set 'nope'"):
        data.sources("nope")


def test_contexts_are_normalised_and_far_from_singular():
    a = data.random_contexts(np.random.default_rng(0), 500, 2)
    assert np.allclose(a.sum(2), 1, atol=1e-6) and (a >= 0).all()
    assert (np.abs(np.linalg.det(a)) > data.MIN_DET).all()
    unnormalised = data.random_contexts(np.random.default_rng(0), 50, 2, normalised=False)
    assert not np.allclose(unnormalised.sum(2), 1)


def test_context_grid_has_272_contexts():
    grid = data.context_grid(20)
    assert grid.shape == (272, 2, 2)
    assert (np.abs(np.linalg.det(grid)) > 0.2).all() and np.allclose(grid.sum(2), 1)


def test_test_bank_is_deterministic():
    a, b = data.test_contexts(grid_size=5), data.test_contexts(grid_size=5)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert data.bank_of(a, 3)["clarity"].shape == (20, 3, 3)


# --- T3: the feedback kernel ---------------------------------------------------------------------
def test_kernel_shapes_and_limits():
    k = model.kernel(100, 4, 0.2)
    assert k.shape == (4, 100) and np.allclose(k.max(1), 1)
    assert list(k.argmax(1)) == [0, 25, 50, 75]
    assert np.array_equal(model.kernel(100, 4, "uniform"), np.ones((4, 100)))
    box = model.kernel(100, 4, "box")
    assert (box.sum(0) == 1).all() and (box.sum(1) == 25).all()
    with pytest.raises(ValueError):
        model.kernel(10, 2, 0.0)


# --- the fused LSTM cell -------------------------------------------------------------------------
def test_fused_lstm_cell_matches_autograd():
    torch.manual_seed(0)
    gates = torch.randn(3, 5, 4 * 6, dtype=torch.float64, requires_grad=True)
    c = torch.randn(3, 5, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(model.LSTMCell.apply, (gates, c))
    h1, c1 = model.LSTMCell.apply(gates, c)
    h2, c2 = model.lstm_cell_reference(gates, c)
    assert torch.allclose(h1, h2) and torch.allclose(c1, c2)


# --- T4: the low-pass filter -------------------------------------------------------------------
def _constant_readout(ens, value):
    """Make the modulator's read-out constant (u = value) whatever the LSTM does."""
    with torch.no_grad():
        ens.params["out_w"].zero_()
        ens.params["out_b"].fill_(value)


@pytest.mark.parametrize("tau", [1.0, 20.0])
def test_modulation_follows_its_target_with_time_constant_tau(tau):
    ens = model.build_ensemble([model.MemberSpec("spatial", 2, 4, tau=tau, n_z=8, n_fb=2, width="uniform")])
    _constant_readout(ens, 1.0)
    x = torch.zeros(200, 1, 1, 2)
    with torch.no_grad():
        out = model.rollout(ens, x, model.initial_state(ens, 1), record=True)
    m = out.record["mod"][:, 0, 0, 0].numpy()  # state before each step; the target is K·u = 2
    if tau == 1:
        assert np.allclose(m[1:], 2.0)
    else:
        step = int(np.argmax(m >= 2.0 * (1 - 1 / math.e)))
        assert abs(step - tau) <= 1


# --- T5: signal clarity --------------------------------------------------------------------------
def test_clarity_of_the_oracle_readout_and_of_the_stimuli():
    task = training.TaskSpec(sources="chords", context_length=1000)
    contexts = data.test_bank(2)["clarity"]
    x, s = evaluate.trajectory(task, contexts, 1000)
    oracle = np.concatenate([xc @ np.linalg.pinv(a).T for xc, a in zip(x.reshape(20, 1000, 2), contexts)])
    assert evaluate.clarity_of(s, oracle, 1000).mean() > 0.97
    assert 0.4 < evaluate.clarity_of(s, x, 1000).mean() < 0.65
    assert analysis.output_clarity(s, s) == pytest.approx(1.0, abs=1e-6)


def test_source_match_for_three_sources():
    s = data.sources("ica3")[:2000]
    assert analysis.source_match(s, s[:, ::-1]) > 0.95  # (the three are not exactly uncorrelated)
    two = data.sources("sines")[:2000]
    mixed = two @ np.array([[0.7, 0.2], [0.3, 0.8]])
    assert analysis.source_match(two, mixed) == pytest.approx(analysis.output_clarity(two, mixed))
    task = training.TaskSpec(sources="ica3", context_length=1000)
    contexts = data.test_bank(3)["clarity"]
    x, s = evaluate.trajectory(task, contexts, 1000)
    oracle = np.concatenate([xc @ np.linalg.pinv(a).T for xc, a in zip(x.reshape(20, 1000, 3), contexts)])
    assert evaluate.clarity_of(s, oracle, 1000).mean() > evaluate.clarity_of(s, x, 1000).mean() + 0.3


# --- T6: packed members train exactly as alone ---------------------------------------------------
def test_members_trained_together_equal_members_trained_alone():
    specs = [model.MemberSpec("modulation", 2, 6, tau=t, inputs=i, seed=s)
             for t, i, s in ((1, "xy", 0), (5, "y", 1), (3, "x", 2))]
    tasks = [training.TaskSpec(sources="sines", frequency_scale=4, context_length=15, seed=s) for s in (0, 1, 2)]
    together, losses = training.train_ensemble(specs, tasks, n_batches=3, batch_size=4, lr=1e-2)
    for p in range(3):
        alone, alone_losses = training.train_ensemble([specs[p]], [tasks[p]], n_batches=3, batch_size=4, lr=1e-2)
        for name in alone.params:
            assert torch.allclose(together.params[name][p], alone.params[name][0], atol=1e-5), name
        assert np.allclose(losses[:, p], alone_losses[:, 0], atol=1e-5)


@pytest.mark.parametrize("variant", ["spatial", "dale"])
def test_members_with_different_numbers_of_feedback_signals_share_an_ensemble(variant):
    specs = [model.MemberSpec(variant, 2, 4, tau=2, n_z=12, n_low=5, n_inh=3, n_fb=n, l1=1e-3, seed=0)
             for n in (1, 4)]
    ens = model.build_ensemble(specs)
    assert ens.fixed["kernel"].shape == (2, 4, 12)
    assert ens.fixed["kernel"][0, 1:].abs().sum() == 0  # the padded signals drive nothing
    tasks = [training.TaskSpec(sources="sines", context_length=10, seed=0)] * 2
    together, _ = training.train_ensemble(specs, tasks, n_batches=3, batch_size=3, lr=1e-2)
    alone, _ = training.train_ensemble(specs[:1], tasks[:1], n_batches=3, batch_size=3, lr=1e-2)
    for name in alone.params:  # the N_FB = 1 member does not notice its padding
        assert torch.allclose(together.params[name][0, ..., :alone.params[name].shape[-1]],
                              alone.params[name][0], atol=1e-5), name
    assert together.params["out_w"][0, :, 1:].abs().sum() == 0
    with pytest.raises(ValueError, match="must share"):
        model.build_ensemble([model.MemberSpec("spatial", 2, 4, tau=2, n_z=12),
                              model.MemberSpec("spatial", 2, 4, tau=2, n_z=8)])


# --- T7: Dale's law ------------------------------------------------------------------------------
@pytest.mark.parametrize("target", model.TARGETS)
def test_dale_rates_are_positive_and_gains_in_unit_interval(target):
    spec = model.MemberSpec("dale", 2, 5, tau=3, n_z=10, n_low=6, n_inh=3, target=target, seed=1)
    ens = model.build_ensemble([spec])
    assert (ens.fixed["w_hl"] >= 0).all() and (ens.fixed["w_inh"] >= 0).all()
    x = torch.randn(40, 1, 3, 2)
    with torch.no_grad():
        out = model.rollout(ens, x, model.initial_state(ens, 3), record=True)
        gains = 1 - torch.sigmoid(torch.bmm(out.record["mod"].reshape(1, -1, 4), ens.fixed["kernel"]))
    assert (out.record["z"] >= 0).all() and (out.record["z_low"] >= 0).all()
    assert ((gains > 0) & (gains < 1)).all()


def test_no_inhibition_means_zero_inhibitory_path():
    ens = model.build_ensemble([model.MemberSpec("dale", 2, 5, tau=3, n_z=10, n_low=6, n_inh=0)])
    assert ens.fixed["w_inh"].abs().sum() == 0


# --- the freeze protocol -------------------------------------------------------------------------
def test_frozen_modulation_keeps_its_value():
    ens = model.build_ensemble([model.MemberSpec("spatial", 2, 4, tau=2, n_z=8)])
    freeze = torch.zeros(30, dtype=torch.bool)
    freeze[10:20] = True
    with torch.no_grad():
        out = model.rollout(ens, torch.randn(30, 1, 2, 2), model.initial_state(ens, 2), freeze=freeze, record=True)
    mod = out.record["mod"]  # the state each step reads
    assert torch.equal(mod[11], mod[19]) and not torch.equal(mod[21], mod[29])


# --- T8: angles --------------------------------------------------------------------------------
def test_plane_and_subspace_angles():
    rng = np.random.default_rng(0)
    plane = rng.standard_normal((200, 2)) @ np.array([[1, 0, 0], [0, 1, 0]])
    rotated = rng.standard_normal((200, 2)) @ np.array([[1, 0, 0], [0, 0, 1]])
    assert analysis.plane_angle(plane, plane) == pytest.approx(0, abs=1e-6)
    assert analysis.plane_angle(plane, rotated) == pytest.approx(90, abs=1e-6)
    assert analysis.subspace_angle(plane, plane) == pytest.approx(0, abs=1e-4)
    assert analysis.subspace_angle(plane, rotated) == pytest.approx(90, abs=1e-4)
    tilted = rng.standard_normal((200, 2)) @ np.array([[1, 0, 0], [0, np.cos(0.5), np.sin(0.5)]])
    assert analysis.subspace_angle(plane, tilted) == pytest.approx(np.degrees(0.5), abs=1e-3)


def test_decoding_and_cross_validation():
    rng = np.random.default_rng(1)
    features = rng.standard_normal((300, 4))
    target = features @ rng.standard_normal((4, 2)) + 0.5
    assert analysis.decoding_r2(features[:150], target[:150], features[150:], target[150:]) > 0.999
    assert analysis.cross_validated_r2(features, target) > 0.999
    assert analysis.cross_validated_r2(features, rng.standard_normal((300, 2))) < 0.1
    square = features[:, :1] ** 2
    assert analysis.cross_validated_r2(features[:, :1], square) < 0.1
    assert analysis.cross_validated_r2(analysis.quadratic_features(features[:, :1]), square) > 0.999


# --- training: resumable, deterministic, clear errors ---------------------------------------------
def test_resumed_training_equals_uninterrupted(tmp_path):
    specs = [model.MemberSpec("spatial", 2, 5, tau=2, n_z=8, seed=3)]
    tasks = [training.TaskSpec(sources="sines", context_length=12, seed=3)]
    full, full_losses = training.train_ensemble(specs, tasks, n_batches=6, batch_size=3, lr=1e-2)
    ckpt = Checkpoint(tmp_path, every_steps=3, every_seconds=1e9, params_hash="x")
    # run to batch 4 with checkpoints at 3, then resume a fresh run from the checkpoint
    class Stop(Exception):
        pass

    original_tick = ckpt.tick

    def tick(step, total, state_fn):
        original_tick(step, total, state_fn)
        if step == 4:
            raise Stop

    ckpt.tick = tick
    with pytest.raises(Stop):
        training.train_ensemble(specs, tasks, n_batches=6, batch_size=3, lr=1e-2, ckpt=ckpt)
    resumed_ckpt = Checkpoint(tmp_path, every_steps=3, every_seconds=1e9, params_hash="x")
    resumed, losses = training.train_ensemble(specs, tasks, n_batches=6, batch_size=3, lr=1e-2, ckpt=resumed_ckpt)
    assert resumed_ckpt.resumed_from == 3
    for name in full.params:
        assert torch.equal(full.params[name], resumed.params[name]), name
    assert np.array_equal(full_losses, losses)


def test_member_batches_are_a_function_of_seed_and_batch_only():
    task = training.TaskSpec(sources="sines", context_length=10, seed=5)
    table = training.source_table(task)
    x1, s1 = training.member_batch(task, table, 7, 4, 2)
    x2, s2 = training.member_batch(task, table, 7, 4, 2)
    x3, _ = training.member_batch(task, table, 8, 4, 2)
    assert np.array_equal(x1, x2) and np.array_equal(s1, s2) and not np.array_equal(x1, x3)
    assert x1.shape == (10, 4, 2)
    assert not np.array_equal(s1[:, 0], s1[:, 1])  # every trial reads its own window


def test_bad_member_specs_are_named():
    with pytest.raises(ValueError, match="unknown variant"):
        model.MemberSpec("recurrent", 2, 4, tau=1)
    with pytest.raises(ValueError, match="tau"):
        model.MemberSpec("modulation", 2, 4, tau=0.5)
    with pytest.raises(ValueError, match="context length"):
        training.train_ensemble([model.MemberSpec("modulation", 2, 4, tau=1)] * 2,
                                [training.TaskSpec(context_length=10), training.TaskSpec(context_length=12)],
                                n_batches=1, batch_size=2, lr=1e-2)


# --- backpropagation by hand equals autograd -------------------------------------------------------
@pytest.mark.parametrize("specs", [
    [model.MemberSpec("modulation", 2, 5, tau=t, inputs=i, seed=k) for k, (t, i) in enumerate([(1, "xy"), (3, "y"), (2, "x")])],
    [model.MemberSpec("modulation", 3, 4, tau=2, seed=0)],
    [model.MemberSpec("spatial", 2, 5, tau=2, n_z=9, n_fb=n, width=w, seed=k)
     for k, (n, w) in enumerate([(1, 0.2), (3, "box"), (3, "uniform")])],
    [model.MemberSpec("dale", 2, 5, tau=2, n_z=9, n_low=6, n_inh=n, target=tg, l1=0.01, seed=k)
     for k, (n, tg) in enumerate([(3, "both"), (0, "exc"), (2, "inh")])],
    [model.MemberSpec("dale", 2, 4, tau=3, n_z=7, n_low=5, n_inh=2, l1=0.02, learn_excitation=True, seed=1)],
], ids=["modulation", "three-sources", "spatial", "dale", "dale-learned-excitation"])
def test_fused_backpropagation_equals_autograd(specs, monkeypatch):
    # 12 steps in chunks of 5: weight gradients summed over two whole chunks and a partial one
    monkeypatch.setattr(bptt, "CHUNK_STEPS", 5)
    torch.manual_seed(0)
    ens = model.build_ensemble(specs)
    with torch.no_grad():  # non-zero states and read-outs, so every path carries gradient
        for value in ens.params.values():
            value.add_(0.3 * torch.randn_like(value))
    n_s = specs[0].n_s
    x, s = torch.randn(12, len(specs), 3, n_s), torch.randn(12, len(specs), 3, n_s)
    state = model.initial_state(ens, 3)
    state = model.State(0.1 * torch.randn_like(state.h), 0.1 * torch.randn_like(state.c), 0.2 * torch.randn_like(state.mod))
    grads = {}
    for fused in (False, True):
        out = model.rollout(ens, x, state, fused=fused)
        loss = model.smooth_l1_per_member(out.y, s).sum() + out.l1.sum()
        grads[fused] = torch.autograd.grad(loss, list(ens.params.values()))
        if fused:
            assert torch.allclose(out.y, reference_y, atol=1e-5)
            assert torch.allclose(out.state.mod, reference_mod, atol=1e-5)
        else:
            reference_y, reference_mod = out.y.detach(), out.state.mod.detach()
    for name, a, b in zip(ens.params, grads[False], grads[True]):
        assert torch.allclose(a, b, atol=1e-5, rtol=1e-4), (name, (a - b).abs().max())


# --- packs train in cache-sized groups ------------------------------------------------------------
def test_member_groups_follow_the_gate_budget():
    from neurosweep.studies.feedback.jobs import member_groups

    assert [len(g) for g in member_groups(17, 32, 100)] == [8, 8, 1]  # the paper's sizes
    assert [len(g) for g in member_groups(19, 32, 32)] == [19]  # the quick sizes: one ensemble
    assert [list(g) for g in member_groups(3, 32, 1000)] == [[0], [1], [2]]  # at least one each


def test_a_pack_trained_in_groups_equals_the_pack_trained_whole(tmp_path, monkeypatch):
    from neurosweep.io import write_npz
    from neurosweep.studies.feedback import jobs

    write_npz(tmp_path / "contexts.npz", data.test_contexts(grid_size=6))
    base = {"variant": "modulation", "sources": "sines", "frequency_scale": 4.0, "context_length": 12,
            "noise": 0.001, "normalised": True, "hidden": 5, "batches": 3, "batch_size": 4, "lr": 0.01,
            "inputs": "xy", "test_lengths": [12], "seed": 0, "test_contexts": str(tmp_path / "contexts.npz")}
    members = [{**base, "tau": tau} for tau in (1, 2, 5)]
    whole = jobs.train_pack(members, Checkpoint(None))
    monkeypatch.setattr(jobs, "GATE_ELEMENTS_PER_GROUP", 2 * 4 * 4 * 5)  # groups of 2 and 1
    assert [len(g) for g in jobs.member_groups(3, 4, 5)] == [2, 1]
    ckpt = Checkpoint(tmp_path / "work", every_steps=1)
    grouped = jobs.train_pack(members, ckpt)
    assert ckpt.saves == 2 * 2  # steps 1 and 2 of each group, counted for the pack
    for (m_whole, a_whole), (m_grouped, a_grouped) in zip(whole, grouped):
        assert m_whole.keys() == m_grouped.keys()
        for key in m_whole:
            assert np.allclose(m_whole[key], m_grouped[key], atol=1e-5), key
        assert np.allclose(a_whole["loss"], a_grouped["loss"], atol=1e-6)
    assert (tmp_path / "work" / "members~0-1" / "checkpoint.pt").exists()
    ckpt.clear()  # the run's clear removes its parts' checkpoints too
    assert not list((tmp_path / "work").rglob("checkpoint.pt"))


def test_a_part_stops_when_its_run_is_asked_to(tmp_path):
    ckpt = Checkpoint(tmp_path, every_steps=100)
    part = ckpt.part("group~1")
    ckpt.request_stop()
    with pytest.raises(SystemExit, match="stopped by signal after saving step 3"):
        part.tick(3, 10, lambda: {"s": 3})
    assert part.path == tmp_path / "group~1" / "checkpoint.pt" and part.path.exists()
    assert ckpt.saves == 1
