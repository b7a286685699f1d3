"""Training R CPPN runs together (research notes §2.4, §7.2).

Each run has its own seed (initial weights and grid jitters from its own generator), neuron and
temperature; the runs of one pack share the latent topology, grid size, image size and step
count. Training maximises activation / r* + lambda * reg in phases with lambda from
``reg_coefs`` (original: [1, 0.5]); a fresh Adam is created for each phase, resetting its
moments, as the original does. Adam is element-wise, so one Adam over the stacked parameters is
exactly R independent optimisers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import torch

from neurosweep.harness import Checkpoint

from . import contrastive, cppn

log = logging.getLogger("neurosweep.invariances")


@dataclass(frozen=True)
class Schedule:
    grid: int = 40  # latent grid points per axis
    res: int = 20  # image size
    steps_per_phase: int = 75
    reg_coefs: tuple[float, ...] = (1.0, 0.5)
    lr: float = 0.01
    neighbour_fraction: float = 0.1
    norm: str = "batch"  # normalisation in training: batch (original), layer or none
    log_every: int = 5


@dataclass(frozen=True)
class Run:
    seed: int
    tau: float
    neuron: object  # has prepare(images), response(images), r_max (neurons.Neuron, macaque)


def prepare(runs: list[Run], raw: torch.Tensor) -> torch.Tensor:
    """(R, N, H, W) generator output -> what each run's neuron sees (e.g. fixed contrast)."""
    return torch.stack([run.neuron.prepare(raw[r]) for r, run in enumerate(runs)])


def responses(runs: list[Run], images: torch.Tensor) -> torch.Tensor:
    """(R, N, H, W) prepared images -> (R, N) responses / r* of each run's own neuron."""
    return torch.stack([run.neuron.response(images[r]) / run.neuron.r_max
                        for r, run in enumerate(runs)])


def objective(params, arch: cppn.Architecture, schedule: Schedule, runs: list[Run],
              z: torch.Tensor, masks, tau: torch.Tensor):
    """(activation term, contrastive term), each (R,), for the latents z (R, N, d)."""
    images = prepare(runs, cppn.render(params, arch, z, schedule.res, norm=schedule.norm))
    act = responses(runs, images).mean(dim=1)
    reg = contrastive.contrastive_term(contrastive.pearson(images), *masks, tau)
    return act, reg


def train(runs: list[Run], arch: cppn.Architecture, schedule: Schedule,
          ckpt: Checkpoint | None = None) -> tuple[dict, dict[str, torch.Tensor]]:
    """Train the runs together; returns (parameters, history of act and reg per run)."""
    torch.set_num_threads(1)
    seeds = [run.seed for run in runs]
    params = cppn.init_params(arch, seeds)
    # Each run's jitters come from its own generator, seeded apart from its initial weights
    generators = [torch.Generator().manual_seed(10_000 + seed) for seed in seeds]
    tau = torch.tensor([run.tau for run in runs])
    grid = contrastive.latent_grid(schedule.grid, len(arch.periodic))
    masks = contrastive.neighbours(schedule.grid, arch.periodic, schedule.neighbour_fraction)
    per_phase, phases = schedule.steps_per_phase, len(schedule.reg_coefs)
    total = per_phase * phases
    history = {"step": [], "act": [], "reg": []}
    step, optimiser = 0, None
    saved = ckpt.restore() if ckpt is not None else None
    if saved is not None:
        with torch.no_grad():
            for key, value in saved["params"].items():
                params[key].copy_(value)
        for gen, state in zip(generators, saved["generators"]):
            gen.set_state(state)
        history = {key: list(value) for key, value in saved["history"].items()}
        step = int(saved["step"])
        optimiser = torch.optim.Adam(cppn.trainable(params, schedule.norm), lr=schedule.lr)
        optimiser.load_state_dict(saved["optimiser"])
    while step < total:
        phase = step // per_phase
        if step % per_phase == 0 or optimiser is None:
            optimiser = torch.optim.Adam(cppn.trainable(params, schedule.norm), lr=schedule.lr)  # moment reset
        z = torch.stack([contrastive.jitter(grid, schedule.grid, gen) for gen in generators])
        act, reg = objective(params, arch, schedule, runs, z, masks, tau)
        loss = -(act + schedule.reg_coefs[phase] * reg).sum()  # runs are independent
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        step += 1
        if step % schedule.log_every == 0 or step % per_phase == 0:  # every phase's end logged
            history["step"].append(step)
            history["act"].append(act.detach().clone())
            history["reg"].append(reg.detach().clone())
        if ckpt is not None:
            ckpt.tick(step, total, lambda: {
                "params": {k: v.detach().clone() for k, v in params.items()},
                "generators": [gen.get_state() for gen in generators],
                "history": {k: list(v) for k, v in history.items()},
                "optimiser": optimiser.state_dict(), "step": step})
    curves = {"step": torch.tensor(history["step"]),
              "act": torch.stack(history["act"], dim=1), "reg": torch.stack(history["reg"], dim=1)}
    return {k: v.detach() for k, v in params.items()}, curves
