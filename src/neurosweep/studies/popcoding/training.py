"""Training: one job per (configuration, seed) trains every target rate R* together.

The K = len(rates) models are packed along a leading axis (see model.py) and trained by one
Adam on the summed loss Σ_k (D_k + β_k R_k + ½ρ(R_k − R*_k)²). Each β_k is a Lagrange
multiplier moved by projected dual ascent, β ← max(0, β + dual_lr (R − R*)), once per epoch on
the epoch's mean rate (the original's rule; ``dual_update: step`` moves it after every minibatch instead, by the
minibatch's share of ``dual_lr``, which reaches the targets in fewer epochs), so each model
settles where its rate equals its target. The quadratic term (``penalty`` ρ, the method of
multipliers; ρ = 0 is the original's plain Lagrangian) damps the oscillation of β that otherwise
leaves some targets missed by 0.05-0.1 nats where D(R) bends sharply (measured on the Gaussian
prior at R* = 0.6-0.9: |R − R*| 0.07 with ρ = 0, 0.004 with ρ = 2).

Differences from the original (notes §6), on purpose:
* one learning rate for every R*, instead of 1e-4 below R* = 1.5 and 1e-3 above (a hand-tuned
  switch that changed between runs); with shuffled minibatches and enough epochs all rates
  converge at one rate, which the quick config's claims check;
* minibatches are reshuffled every epoch (the original's DataLoader never shuffled);
* every random number comes from the seeded generator (init, shuffles, data), so the same seed
  gives byte-identical results;
* a NaN stops the job with an error naming the rate and epoch, instead of being stored and
  silently dropped later;
* gains and widths are positive by construction (log parametrisation).
"""

from __future__ import annotations

import logging
import math

import numpy as np
import torch

from neurosweep.harness import Checkpoint
from neurosweep.io import read_npz

from . import model
from .evaluate import evaluate

log = logging.getLogger("neurosweep.popcoding")

#: Defaults of every setting (the quick configuration's main sweep).
DEFAULTS = dict(
    prior="lognormal", n_neurons=8, hidden=100, n_samples=500, rates=[0.2, 0.5, 0.8, 1.1, 1.4, 1.8, 2.1, 2.4],
    epochs=800, batch_size=128, lr=1e-2, lr_schedule="cosine", lr_final=0.05, dual_lr=0.2, beta_init=1.0, dual_update="step",
    activity_prior="ising", likelihood="gaussian", domain="linear", width_factor=2.0,
    history_every=10, penalty=0.0,
)


class TrainingDiverged(RuntimeError):
    """A model's loss became NaN or infinite."""


def settings(params: dict) -> dict:
    merged = {**DEFAULTS, **params}
    merged["rates"] = [float(r) for r in merged["rates"]]
    return merged


def train_models(x_train: torch.Tensor, cfg: dict, ckpt: Checkpoint | None = None,
                 dtype: torch.dtype = torch.float32) -> tuple[model.Params, dict[str, np.ndarray]]:
    """Train K models (one per target rate in ``cfg["rates"]``) on the same stimuli.

    Randomness (init, minibatch order) comes from torch's global generator, which the harness
    seeds and checkpoints. Returns the trained parameters and the training history."""
    rates = torch.tensor(cfg["rates"], dtype=dtype)
    k, n, epochs = len(rates), int(cfg["n_neurons"]), int(cfg["epochs"])
    patterns = model.all_patterns(n, dtype)
    x_train = x_train.to(dtype)
    u_train = model.encode_domain(x_train, cfg["domain"]).numpy()
    params = model.init_params(k, n, int(cfg["hidden"]), u_train, float(cfg["width_factor"]),
                               cfg["activity_prior"], torch.default_generator, dtype)
    trainable = [name for name in params if not (name == "coupling" and cfg["activity_prior"] == "bernoulli")]
    for name in trainable:
        params[name].requires_grad_(True)
    optimiser = torch.optim.Adam([params[name] for name in trainable], lr=float(cfg["lr"]), fused=True)
    beta = torch.full((k,), float(cfg["beta_init"]), dtype=dtype)
    every = int(cfg["history_every"])
    history = {key: np.full((math.ceil(epochs / every), k), np.nan) for key in ("D", "R", "beta")}
    start = 0
    saved = ckpt.restore() if ckpt is not None else None
    if saved is not None:
        with torch.no_grad():
            for name in params:
                params[name].copy_(saved["params"][name])
        optimiser.load_state_dict(saved["optimiser"])
        beta, start = saved["beta"], int(saved["epoch"])
        history = {key: value.copy() for key, value in saved["history"].items()}

    n_train, batch = len(x_train), min(int(cfg["batch_size"]), len(x_train))
    per_step = cfg["dual_update"] == "step"
    penalty = float(cfg["penalty"])
    for epoch in range(start, epochs):
        for group in optimiser.param_groups:
            group["lr"] = learning_rate(cfg, epoch)
        order = torch.randperm(n_train)
        d_sum, r_sum = torch.zeros(k, dtype=dtype), torch.zeros(k, dtype=dtype)
        for first in range(0, n_train, batch):
            x = x_train[order[first:first + batch]]
            d, r = model.losses(params, x, patterns, cfg["domain"], cfg["likelihood"])
            d_mean, r_mean = d.mean(1), r.mean(1)
            optimiser.zero_grad(set_to_none=True)
            loss = d_mean + beta * r_mean + 0.5 * penalty * (r_mean - rates) ** 2
            loss.sum().backward()
            optimiser.step()
            d_sum += d_mean.detach() * len(x)
            r_sum += r_mean.detach() * len(x)
            if per_step:  # dual_lr is per epoch: each minibatch moves β by its share of it
                step = float(cfg["dual_lr"]) * len(x) / n_train
                beta = torch.clamp(beta + step * (r_mean.detach() - rates), min=0.0)
        d_epoch, r_epoch = d_sum / n_train, r_sum / n_train
        check_finite(d_epoch + r_epoch, cfg["rates"], epoch)
        if not per_step:
            beta = torch.clamp(beta + float(cfg["dual_lr"]) * (r_epoch - rates), min=0.0)
        if epoch % every == 0 or epoch == epochs - 1:
            row = min(epoch // every, len(history["D"]) - 1)
            history["D"][row], history["R"][row], history["beta"][row] = d_epoch, r_epoch, beta
        if ckpt is not None:
            ckpt.tick(epoch + 1, epochs, lambda: {
                "params": {name: value.detach().clone() for name, value in params.items()},
                "optimiser": optimiser.state_dict(), "beta": beta.clone(), "epoch": epoch + 1,
                "history": history})
    history["epoch"] = np.minimum(np.arange(len(history["D"])) * every, epochs - 1)
    return {name: value.detach() for name, value in params.items()}, history


def learning_rate(cfg: dict, epoch: int) -> float:
    """Adam's step size at an epoch: constant (the original), or a cosine decay from ``lr`` to
    ``lr_final · lr`` over the run, which reaches the same D–R curve in fewer epochs (README)."""
    lr = float(cfg["lr"])
    if cfg["lr_schedule"] == "constant":
        return lr
    progress = epoch / max(1, int(cfg["epochs"]) - 1)
    final = float(cfg["lr_final"]) * lr
    return final + 0.5 * (lr - final) * (1 + math.cos(math.pi * progress))


def check_finite(loss: torch.Tensor, rates: list[float], epoch: int) -> None:
    bad = [rate for rate, value in zip(rates, loss.tolist()) if not math.isfinite(value)]
    if bad:
        raise TrainingDiverged(
            f"training diverged at epoch {epoch}: the loss of the models with target rates "
            f"{bad} is not finite; lower `lr` or `dual_lr` for this sweep")


def train(params: dict, ckpt: Checkpoint) -> tuple[dict, dict[str, np.ndarray]]:
    """One sweep point: every target rate of one (configuration, seed), trained together."""
    cfg = settings(params)
    stimuli = read_npz(params["stimuli"])
    x_train = torch.tensor(stimuli["train"])
    trained, history = train_models(x_train, cfg, ckpt)
    metrics, arrays = evaluate(trained, stimuli, cfg)
    arrays.update({f"history_{key}": value for key, value in history.items()})
    arrays.update({f"param_{name}": value.numpy() for name, value in trained.items()})
    arrays["rates"] = np.array(cfg["rates"])
    return metrics, arrays
