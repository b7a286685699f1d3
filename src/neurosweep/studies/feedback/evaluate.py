"""Evaluation of trained members on the fixed test contexts (one file per number of sources).

Test trajectories follow the original: contexts are applied one after another to a single
trajectory, the sources are read continuously from sample 0, and the LSTM state and the
modulation carry over from one context to the next. Everything the figures and claims need is
computed here, inside the training job, and returned per member as scalars (metrics) and small
arrays (example traces, profiles), so aggregation never re-runs a network.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch

from . import analysis, data, model
from .training import TaskSpec

TEST_NOISE_SEED = 7  # the test noise is the same for every member


def own_sources(task: TaskSpec) -> str:
    """The sources a member is tested on: its training set (a member trained on pairs of the
    frequency bank is tested on its first pair)."""
    if task.sources == "bank":
        i, j = task.bank_pairs[0]
        return f"bank:{data.FREQUENCY_BANK[i]},{data.FREQUENCY_BANK[j]}"
    return task.sources


def trajectory(task: TaskSpec, contexts: np.ndarray, length: int, sources: str | None = None,
               offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(x, s) [n · length, n_s] for contexts [n, n_s, n_s] applied one after another."""
    table = data.sources(sources or own_sources(task), task.frequency_scale)
    t = (offset + np.arange(len(contexts) * length)) % data.N_SAMPLES
    s = table[t]
    rng = np.random.default_rng([TEST_NOISE_SEED, len(contexts), length])
    x = data.mixture(np.repeat(contexts, length, axis=0), s[:, None, :])[:, 0]
    return (x + task.noise * rng.standard_normal(x.shape)).astype(np.float32), s


def run(ens: model.Ensemble, xs: list[np.ndarray], freeze: np.ndarray | None = None,
        record: bool = True) -> model.Rollout:
    """Roll out every member on its own input [T, B, n_s] (a list over members), from rest."""
    x = torch.from_numpy(np.stack(xs, 1))
    with torch.no_grad():
        return model.rollout(ens, x, model.initial_state(ens, x.shape[2]),
                             freeze=None if freeze is None else torch.from_numpy(freeze), record=record)


def per_context(values: np.ndarray, length: int) -> np.ndarray:
    """[n · length, ...] -> [n, length, ...]."""
    return values.reshape(-1, length, *values.shape[1:])


def clarity_of(s: np.ndarray, y: np.ndarray, length: int) -> np.ndarray:
    """Output clarity per context (for three sources: the source match, its generalisation)."""
    measure = analysis.output_clarity if s.shape[1] == 2 else analysis.source_match
    return np.array([measure(a, b) for a, b in zip(per_context(s, length), per_context(y, length))])


def readout_matrix(ens: model.Ensemble, p: int) -> np.ndarray | None:
    """The population -> output weights [N, n_s] of member p (None for ModulationNet)."""
    if ens.variant == "spatial":
        return ens.fixed["w_ro"][p].numpy()
    if ens.variant == "dale":
        return ens.params["w_ro"][p].detach().numpy()
    return None


def evaluate(ens: model.Ensemble, tasks: list[TaskSpec], bank: dict[str, np.ndarray],
             test_lengths: list[list[int]], examples: int = 4) -> list[tuple[dict, dict]]:
    """(metrics, arrays) per member."""
    length = tasks[0].context_length
    out: list[tuple[dict, dict]] = [({}, {}) for _ in tasks]
    n_s = ens.specs[0].n_s
    clarity_block(ens, tasks, bank, length, out, examples)
    for lengths in {tuple(ls) for ls in test_lengths}:
        members = [p for p, ls in enumerate(test_lengths) if tuple(ls) == lengths]
        test_length_block(ens, tasks, bank, list(lengths), members, out)
    if n_s == 2:
        generalisation_block(ens, tasks, bank, length, out)
        if any(task.sources == "bank" for task in tasks):
            frequency_block(ens, tasks, bank, length, out)
    if ens.variant != "modulation":
        decoding_block(ens, tasks, bank, length, out)
        if n_s == 2:
            freeze_block(ens, tasks, bank, length, out)
    if ens.variant == "dale" and n_s == 2:
        context_block(ens, tasks, bank, length, out)
    return out


def clarity_block(ens, tasks, bank, length, out, examples):
    """Fig. 1b-d, 3c, 4b-d, 6b-e: clarity of y and x, the error after a switch, per-unit
    clarity, and example traces of the first few contexts."""
    contexts = bank["clarity"]
    pairs = [trajectory(task, contexts, length) for task in tasks]
    roll = run(ens, [x[:, None] for x, _ in pairs])
    y = roll.y.numpy()[:, :, 0]
    z = roll.record["z"].numpy()[:, :, 0]
    mod = roll.record["mod"].numpy()[:, :, 0]
    keep = examples * length
    for p, ((x, s), (metrics, arrays)) in enumerate(zip(pairs, out)):
        sc_y, sc_x = clarity_of(s, y[:, p], length), clarity_of(s, x, length)
        profile = analysis.error_profile(s, y[:, p], length)
        early, late = profile[: max(1, length // 20)].mean(), profile[length // 5:].mean()
        metrics.update(clarity=float(sc_y.mean()), clarity_min=float(sc_y.min()),
                       clarity_input=float(sc_x.mean()), error_early=float(early),
                       error_late=float(late))
        arrays.update(clarity=sc_y, clarity_input=sc_x, error_profile=profile,
                      example_s=s[:keep], example_x=x[:keep], example_y=y[:keep, p],
                      example_mod=mod[:keep, p])
        if ens.variant == "modulation":
            n_s = s.shape[1]
            target = np.linalg.pinv(contexts)  # W* per context
            w = mod[:, p].reshape(-1, n_s, n_s)
            dev = np.linalg.norm(w - np.repeat(target, length, axis=0), axis=(1, 2))
            arrays["weight_deviation"] = per_context(dev, length).mean(0)
        elif s.shape[1] == 2:
            zp = per_context(z[:, p], length)
            unit = np.array([analysis.signal_clarity(a, b) for a, b in zip(per_context(s, length), zp)])
            readout = readout_matrix(ens, p)
            weight = np.abs(readout).sum(1)
            active = unit.mean(0)
            r = np.corrcoef(active, weight)[0, 1] if np.std(active) > 0 else 0.0
            metrics.update(unit_clarity=float(unit.mean()), unit_clarity_max=float(active.max()),
                           unit_readout_correlation=float(r))
            arrays.update(unit_clarity=unit, readout_weight=weight, example_z=z[:keep, p])


def test_length_block(ens, tasks, bank, lengths, members, out):
    """Fig. 1-S2d: clarity for test contexts longer or shorter than the trained ones."""
    for length in lengths:
        pairs = [trajectory(task, bank["clarity"], length) for task in tasks]
        y = run(ens, [x[:, None] for x, _ in pairs], record=False).y.numpy()[:, :, 0]
        for p in members:
            out[p][1].setdefault("test_length_clarity", []).append(
                clarity_of(pairs[p][1], y[:, p], length).mean())
    for p in members:
        out[p][1]["test_lengths"] = np.array(lengths)
        out[p][1]["test_length_clarity"] = np.array(out[p][1]["test_length_clarity"])


def generalisation_block(ens, tasks, bank, length, out):
    """Fig. 1-S6: clarity with sources never trained on, and with unnormalised contexts."""
    cases = {"new_sources": (bank["clarity"], "sines_new"), "unnormalised": (bank["unnormalised"], None)}
    for name, (contexts, sources) in cases.items():
        pairs = [trajectory(task, contexts, length, sources=sources) for task in tasks]
        y = run(ens, [x[:, None] for x, _ in pairs], record=False).y.numpy()[:, :, 0]
        for p, (_, s) in enumerate(pairs):
            per = clarity_of(s, y[:, p], length)  # per test context: paired comparisons resample them
            out[p][0][f"clarity_{name}"] = float(per.mean())
            out[p][1][f"clarity_{name}"] = per


def frequency_block(ens, tasks, bank, length, out):
    """Fig. 1-S5: clarity on every pair of the frequency bank (members trained on the bank)."""
    freqs = data.FREQUENCY_BANK
    pairs = list(itertools.combinations(range(len(freqs)), 2))
    contexts = bank["clarity"][:5]
    grids = []
    for i, j in pairs:
        name = f"bank:{freqs[i]},{freqs[j]}"
        trajs = [trajectory(task, contexts, length, sources=name) for task in tasks]
        y = run(ens, [x[:, None] for x, _ in trajs], record=False).y.numpy()[:, :, 0]
        grids.append([clarity_of(trajs[p][1], y[:, p], length).mean() for p in range(len(tasks))])
    grids = np.array(grids)  # [pairs, P]
    for p, task in enumerate(tasks):
        if task.sources != "bank":
            continue
        matrix = np.full((len(freqs), len(freqs)), np.nan)
        for (i, j), value in zip(pairs, grids[:, p]):
            matrix[i, j] = matrix[j, i] = value
        trained = {tuple(sorted(pair)) for pair in task.bank_pairs}
        is_trained = np.array([pair in trained for pair in pairs])
        out[p][1].update(bank_clarity=matrix, bank_frequencies=np.array(freqs))
        out[p][0].update(bank_clarity_trained=float(grids[is_trained, p].mean()),
                         bank_clarity_untrained=float(grids[~is_trained, p].mean()))


def decoding_block(ens, tasks, bank, length, out):
    """Fig. 4e, 6f: a linear decoder of the sources fitted on 10 contexts, R² on 10 others, from
    each population (x, z or z_L and z_H, m, y)."""
    contexts = np.concatenate([bank["decode_train"], bank["decode_test"]])
    pairs = [trajectory(task, contexts, length) for task in tasks]
    roll = run(ens, [x[:, None] for x, _ in pairs])
    half = len(bank["decode_train"]) * length
    populations = {"y": roll.y.numpy()[:, :, 0], "z": roll.record["z"].numpy()[:, :, 0],
                   "m": roll.record["mod"].numpy()[:, :, 0]}
    if ens.variant == "dale":
        populations["z_low"] = roll.record["z_low"].numpy()[:, :, 0]
    for p, (x, s) in enumerate(pairs):
        scores = {"x": analysis.decoding_r2(x[:half], s[:half], x[half:], s[half:])}
        for name, values in populations.items():
            v = values[:, p]
            scores[name] = analysis.decoding_r2(v[:half], s[:half], v[half:], s[half:])
        out[p][0].update({f"decoding_{name}": value for name, value in scores.items()})


def freeze_block(ens, tasks, bank, length, out):
    """Fig. 5, 6g: context a, then context b with the modulation frozen for the first half,
    then free. Angles between the activity planes: a (second half) vs b frozen (the context
    change alone) and b frozen vs b free (what feedback does)."""
    a, b = bank["freeze_a"], bank["freeze_b"]
    n_pairs = len(a)
    xs = []
    for task in tasks:
        xa = np.stack([trajectory(task, a[k:k + 1], length)[0] for k in range(n_pairs)], 1)
        xb = np.stack([trajectory(task, b[k:k + 1], length, offset=length)[0] for k in range(n_pairs)], 1)
        xs.append(np.concatenate([xa, xb]))
    freeze = np.zeros(2 * length, dtype=bool)
    freeze[length:length + length // 2] = True
    roll = run(ens, xs, freeze=freeze)
    z = roll.record["z"].numpy()  # [2L, P, pairs, N]
    half = length // 2
    phases = {"before": slice(length - half, length), "frozen": slice(length, length + half),
              "free": slice(length + half, 2 * length)}
    distance = np.linalg.norm(a - b, axis=(1, 2))
    same_side = np.sign(a[:, 0, 0] - a[:, 1, 0]) == np.sign(b[:, 0, 0] - b[:, 1, 0])
    for p in range(len(tasks)):
        readout = readout_matrix(ens, p)
        zp = z[:, p]
        pc = analysis.first_pc(zp.reshape(-1, zp.shape[-1]))
        angles = np.zeros((n_pairs, 2))
        planes = np.zeros((n_pairs, 2))
        for k in range(n_pairs):
            clouds = {name: zp[sl, k] for name, sl in phases.items()}
            angles[k] = (analysis.subspace_angle(clouds["before"], clouds["frozen"]),
                         analysis.subspace_angle(clouds["frozen"], clouds["free"]))
            coords = {name: analysis.subspace_coordinates(c, readout, pc) for name, c in clouds.items()}
            planes[k] = (analysis.plane_angle(coords["before"], coords["frozen"]),
                         analysis.plane_angle(coords["frozen"], coords["free"]))
        metrics, arrays = out[p]
        metrics.update(angle_context=float(angles[:, 0].mean()), angle_feedback=float(angles[:, 1].mean()),
                       plane_angle_context=float(planes[:, 0].mean()),
                       plane_angle_feedback=float(planes[:, 1].mean()))
        arrays["freeze_plane_angles"] = planes
        arrays.update(freeze_angles=angles, freeze_distance=distance, freeze_same_side=same_side,
                      freeze_example_z=zp[:, 0], freeze_example_y=roll.y.numpy()[:, p, 0])


def context_block(ens, tasks, bank, length, out):
    """Fig. 7: decode the context (a11, a21) from the mean activity over the second half of
    each context of the grid, 5-fold cross-validated: linearly from each population, and from
    the modulators also quadratically and as the inverse mixing A⁻¹."""
    grid = bank["grid"]
    xs = [np.stack([trajectory(task, grid[k:k + 1], length)[0] for k in range(len(grid))], 1) for task in tasks]
    roll = run(ens, xs)
    half = slice(length // 2, length)
    target = np.column_stack([grid[:, 0, 0], grid[:, 1, 0]])
    inverse = np.linalg.inv(grid).reshape(len(grid), -1)
    means = {"z": roll.record["z"].numpy()[half].mean(0), "m": roll.record["mod"].numpy()[half].mean(0)}
    if ens.variant == "dale":
        means["z_low"] = roll.record["z_low"].numpy()[half].mean(0)
    for p in range(len(tasks)):
        features = {name: values[p] for name, values in means.items()}
        features["m_quadratic"] = analysis.quadratic_features(means["m"][p])
        # the cross-validated prediction of every grid context, so that claims can resample contexts
        predictions = {name: analysis.cross_validated_predictions(f, target) for name, f in features.items()}
        scores = {f"context_{name}": analysis.r_squared(target, pred) for name, pred in predictions.items()}
        scores["context_m_inverse"] = analysis.cross_validated_r2(means["m"][p], inverse)
        out[p][0].update(scores)
        out[p][1].update({f"context_prediction_{name}": pred for name, pred in predictions.items()})
        out[p][1]["context_target"] = target
