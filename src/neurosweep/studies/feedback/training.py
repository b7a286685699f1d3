"""Training: backpropagation through time over each context, P members of one ensemble at once.

Each batch is B contexts of n_t steps. Every member draws its own batch from its seed and the
batch index alone (``numpy.random.default_rng([seed, batch])``), so its data do not depend on
which members it is packed with or on where a resumed run restarted. Each trial of a batch
reads its own random window of the sources (the original gave all 32 trials of a batch the same
window, which correlates their gradients). The LSTM state and the modulation are carried,
detached, from one batch to the next, so every batch starts with a context switch (as in the
original; the paper does not say so). Loss: Σ_t SmoothL1(y_t, s_t) (+ λ Σ_t |u_t|), Adam,
gradients clipped element-wise to ±1, one step per batch.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import torch

from neurosweep.harness import Checkpoint

from . import data, model

log = logging.getLogger("neurosweep.feedback")


@dataclass(frozen=True)
class TaskSpec:
    """One member's training task."""

    sources: str = "chords"  # a source set, or "bank" (pairs drawn from FREQUENCY_BANK)
    frequency_scale: float = 1.0
    bank_pairs: tuple[tuple[int, int], ...] = ()  # for "bank": the index pairs it trains on
    context_length: int = 1000  # n_t
    noise: float = 0.001  # σ_n
    normalised: bool = True  # contexts with rows summing to 1 (the paper's default)
    seed: int = 0


def source_table(task: TaskSpec) -> np.ndarray:
    """[n_sets, N_SAMPLES, n_s]: the source sets a member trains on (one, or the bank pairs)."""
    if task.sources == "bank":
        bank = data.FREQUENCY_BANK
        return np.stack([data.sources(f"bank:{bank[i]},{bank[j]}", task.frequency_scale)
                         for i, j in task.bank_pairs])
    return data.sources(task.sources, task.frequency_scale)[None]


def member_batch(task: TaskSpec, table: np.ndarray, batch_index: int, batch_size: int,
                 n_s: int) -> tuple[np.ndarray, np.ndarray]:
    """(x, s), each [n_t, B, n_s]: one member's batch, a pure function of (seed, batch index)."""
    rng = np.random.default_rng([task.seed, batch_index])
    contexts = data.random_contexts(rng, batch_size, n_s, normalised=task.normalised)
    n_t = task.context_length
    which = rng.integers(len(table), size=batch_size)
    start = rng.integers(data.N_SAMPLES, size=batch_size)
    index = (start[:, None] + np.arange(n_t)[None, :]) % data.N_SAMPLES  # [B, n_t], wraps around
    s = table[which[:, None], index]  # [B, n_t, n_s]
    noise = task.noise * rng.standard_normal(s.shape)
    x = data.mixture(contexts, s, noise)
    return x.transpose(1, 0, 2).astype(np.float32), s.transpose(1, 0, 2).astype(np.float32)


def ensemble_batch(tasks: list[TaskSpec], tables: list[np.ndarray], batch_index: int,
                   batch_size: int, n_s: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(x, s), each [n_t, P, B, n_s]."""
    pairs = [member_batch(task, table, batch_index, batch_size, n_s) for task, table in zip(tasks, tables)]
    return (torch.from_numpy(np.stack([x for x, _ in pairs], 1)),
            torch.from_numpy(np.stack([s for _, s in pairs], 1)))


def train_ensemble(specs: list[model.MemberSpec], tasks: list[TaskSpec], *, n_batches: int,
                   batch_size: int, lr: float, ckpt: Checkpoint | None = None,
                   clip: float = 1.0) -> tuple[model.Ensemble, np.ndarray]:
    """Train P members together; returns the ensemble and the loss per member per batch
    ([n_batches, P], per step: the summed loss divided by n_t)."""
    lengths = {task.context_length for task in tasks}
    if len(lengths) != 1:
        raise ValueError(f"members of one ensemble need one context length, got {sorted(lengths)}")
    n_t, n_s = lengths.pop(), specs[0].n_s
    ens = model.build_ensemble(specs)
    tables = [source_table(task) for task in tasks]
    params = list(ens.params.values())
    optimiser = torch.optim.Adam(params, lr=lr)
    state = model.initial_state(ens, batch_size)
    losses = np.full((n_batches, len(specs)), np.nan)
    start = 0
    saved = ckpt.restore() if ckpt is not None else None
    if saved is not None:
        with torch.no_grad():
            for name, value in ens.params.items():
                value.copy_(saved["params"][name])
        optimiser.load_state_dict(saved["optimiser"])
        state = model.State(saved["h"], saved["c"], saved["mod"])
        start = int(saved["batch"])
        losses[:start] = saved["losses"].numpy()[:start]
    for batch in range(start, n_batches):
        x, s = ensemble_batch(tasks, tables, batch, batch_size, n_s)
        out = model.rollout(ens, x, state)
        loss = model.smooth_l1_per_member(out.y, s)
        optimiser.zero_grad(set_to_none=True)
        (loss + out.l1).sum().backward()
        torch.nn.utils.clip_grad_value_(params, clip)
        optimiser.step()
        state = out.state.detach()
        losses[batch] = loss.detach().numpy() / n_t
        if not np.all(np.isfinite(losses[batch])):
            bad = [p for p in range(len(specs)) if not math.isfinite(losses[batch, p])]
            raise FloatingPointError(f"training diverged at batch {batch}: members {bad} have a "
                                     "non-finite loss; lower `lr`")
        if ckpt is not None:
            ckpt.tick(batch + 1, n_batches, lambda: {
                "params": {k: v.detach().clone() for k, v in ens.params.items()},
                "optimiser": optimiser.state_dict(), "h": state.h, "c": state.c, "mod": state.mod,
                "batch": batch + 1, "losses": torch.from_numpy(losses)})
    return ens, losses
