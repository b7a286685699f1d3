"""Feed-forward controls (Fig. 1-S1): without modulation the task cannot be solved.

* A fixed linear read-out fitted to one context (least squares) and tested on every other: its
  clarity falls as the test context moves away from the one it was fitted on.
* An MLP 2w → 32 → 16 → 8 → 2 (ReLU) trained on all contexts to output s_t from the last w
  samples of x (w = 1: the plain MLP; w > 1: the "sequence" MLP of the paper).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from neurosweep.harness import Checkpoint

from . import analysis
from .evaluate import trajectory
from .training import TaskSpec, member_batch, source_table


def linear_readout_control(task: TaskSpec, contexts: np.ndarray, length: int) -> dict:
    """Fit W on each context alone, test on every context: clarity [n, n] and its Pearson
    correlation with the distance between the contexts."""
    x, s = trajectory(task, contexts, length)
    xs, ss = x.reshape(len(contexts), length, -1), s.reshape(len(contexts), length, -1)
    clarity = np.zeros((len(contexts), len(contexts)))
    for i in range(len(contexts)):
        w, *_ = np.linalg.lstsq(xs[i], ss[i], rcond=None)
        for j in range(len(contexts)):
            clarity[i, j] = analysis.output_clarity(ss[j], xs[j] @ w)
    distance = np.linalg.norm(contexts[:, None] - contexts[None], axis=(2, 3))
    off = ~np.eye(len(contexts), dtype=bool)
    r = float(np.corrcoef(distance[off], clarity[off])[0, 1])
    return {"clarity": clarity, "distance": distance, "distance_correlation": r}


class WindowMLP(nn.Module):
    def __init__(self, window: int, n_s: int, generator: torch.Generator):
        super().__init__()
        sizes = [window * n_s, 32, 16, 8, n_s]
        layers = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            layer = nn.Linear(fan_in, fan_out)
            bound = 1 / np.sqrt(fan_in)
            with torch.no_grad():  # PyTorch's default initialisation, from this member's generator
                layer.weight.uniform_(-bound, bound, generator=generator)
                layer.bias.uniform_(-bound, bound, generator=generator)
            layers += [layer, nn.ReLU()]
        self.net = nn.Sequential(*layers[:-1])

    def forward(self, windows):
        return self.net(windows)


def windows_of(x: np.ndarray, window: int) -> np.ndarray:
    """[T, n_s] -> [T, window · n_s]: each step with its window − 1 predecessors (zeros before
    the start)."""
    padded = np.concatenate([np.zeros((window - 1, x.shape[1]), x.dtype), x])
    return np.stack([padded[k:k + len(x)] for k in range(window)][::-1], 1).reshape(len(x), -1)


def train_mlp(task: TaskSpec, window: int, n_batches: int, batch_size: int, lr: float,
              ckpt: Checkpoint | None = None) -> tuple[WindowMLP, np.ndarray]:
    n_s = 2
    model = WindowMLP(window, n_s, torch.Generator().manual_seed(task.seed))
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    table = source_table(task)
    losses = np.zeros(n_batches)
    start = 0
    saved = ckpt.restore() if ckpt is not None else None
    if saved is not None:
        model.load_state_dict(saved["model"])
        optimiser.load_state_dict(saved["optimiser"])
        start, losses[:saved["batch"]] = saved["batch"], saved["losses"].numpy()[:saved["batch"]]
    for batch in range(start, n_batches):
        x, s = member_batch(task, table, batch, batch_size, n_s)  # [n_t, B, n_s]
        feats = np.concatenate([windows_of(x[:, b], window) for b in range(batch_size)])
        target = np.concatenate([s[:, b] for b in range(batch_size)])
        loss = nn.functional.mse_loss(model(torch.from_numpy(feats)), torch.from_numpy(target))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses[batch] = loss.item()
        if ckpt is not None:
            ckpt.tick(batch + 1, n_batches, lambda: {"model": model.state_dict(), "optimiser": optimiser.state_dict(),
                                                      "batch": batch + 1, "losses": torch.from_numpy(losses)})
    return model, losses


def mlp_clarity(model: WindowMLP, task: TaskSpec, contexts: np.ndarray, length: int, window: int) -> np.ndarray:
    x, s = trajectory(task, contexts, length)
    with torch.no_grad():
        y = model(torch.from_numpy(windows_of(x, window))).numpy()
    return np.array([analysis.output_clarity(a, b) for a, b in
                     zip(s.reshape(len(contexts), length, -1), y.reshape(len(contexts), length, -1))])


def train_control(params: dict, task: TaskSpec, bank: dict[str, np.ndarray], ckpt: Checkpoint | None):
    """One control point: an MLP with the point's window, plus the fixed-readout control."""
    length = task.context_length
    window = int(params["window"])
    model, losses = train_mlp(task, window, int(params["batches"]), int(params["batch_size"]),
                              float(params["control_lr"]), ckpt)
    clarity = mlp_clarity(model, task, bank["clarity"], length, window)
    x, s = trajectory(task, bank["clarity"], length)
    input_clarity = np.array([analysis.output_clarity(a, b) for a, b in
                              zip(s.reshape(-1, length, 2), x.reshape(-1, length, 2))])
    linear = linear_readout_control(task, bank["clarity"], length)
    metrics = {"clarity": float(clarity.mean()), "clarity_input": float(input_clarity.mean()),
               "linear_distance_correlation": linear["distance_correlation"],
               "linear_clarity_same": float(np.mean(np.diag(linear["clarity"]))),
               "final_loss": float(losses[-max(1, len(losses) // 10):].mean())}
    arrays = {"clarity": clarity, "clarity_input": input_clarity, "loss": losses,
              "linear_clarity": linear["clarity"], "linear_distance": linear["distance"]}
    return metrics, arrays

