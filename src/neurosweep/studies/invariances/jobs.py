"""What one training job of the invariances study does: train a pack of runs (same topology,
grid, image size and schedule; any cells, seeds and temperatures) in one process, evaluate each
and return its metrics and arrays.

A point's params are its sweep's settings overlaid by its grid values (config/invariances.yaml,
every key described in workflow/schemas/invariances.schema.yaml).
"""

from __future__ import annotations

import logging

import numpy as np

from neurosweep.harness import Checkpoint

from . import cppn, evaluate, neurons, training
from .paper import PACK_SETTINGS

log = logging.getLogger("neurosweep.invariances")


def architecture(params: dict) -> cppn.Architecture:
    return cppn.Architecture(topology=params["topology"], width=int(params.get("width", 15)),
                             layers=int(params.get("layers", 8)))


def schedule(params: dict) -> training.Schedule:
    return training.Schedule(
        grid=int(params["grid"]), res=int(params["res"]), steps_per_phase=int(params["steps_per_phase"]),
        reg_coefs=tuple(float(c) for c in params.get("reg_coefs", [1.0, 0.5])),
        lr=float(params.get("lr", 0.01)), neighbour_fraction=float(params.get("neighbour_fraction", 0.1)),
        norm=params.get("norm", "batch"))


def make_neuron(params: dict):
    if params["cell"] == "macaque":
        from . import macaque  # torch.nn CNNs: only macaque jobs build them
        paths = [params[f"weights_{name}"] for name in macaque.WEIGHT_KEYS]
        return macaque.MacaqueNeuron(macaque.load_ensemble(paths), params["neuron"])
    return neurons.make_neuron(params["cell"], int(params["res"]))


def train_pack(members: list[dict], ckpt: Checkpoint) -> list[tuple[dict, dict]]:
    shared = {key: members[0].get(key) for key in PACK_SETTINGS}
    for member in members[1:]:
        other = {key: member.get(key) for key in PACK_SETTINGS}
        if other != shared:
            raise ValueError(f"members of one pack must agree on {PACK_SETTINGS}: {shared} vs {other}")
    arch, sched = architecture(members[0]), schedule(members[0])
    runs = [training.Run(int(m["seed"]), float(m["tau"]), make_neuron(m)) for m in members]
    log.info("training %d CPPNs together (%s latent, grid %d, %dx%d images, %d x %d steps)",
             len(runs), arch.topology, sched.grid, sched.res, sched.res, len(sched.reg_coefs),
             sched.steps_per_phase)
    params, curves = training.train(runs, arch, sched, ckpt)
    render = members[0].get("render", "frozen")
    results = evaluate.evaluate(params, arch, sched, runs, render, int(members[0]["n_eval"]))
    out = []
    for r, (metrics, arrays) in enumerate(results):
        metrics.update(evaluate.training_metrics(curves, r, sched.steps_per_phase))
        arrays.update({"curve_step": curves["step"].numpy(), "curve_act": curves["act"][r].numpy(),
                       "curve_reg": curves["reg"][r].numpy()})
        arrays.update({f"param_{k}": v[r].numpy().astype(np.float32) for k, v in params.items()})
        out.append((metrics, arrays))
    return out


def train_point(params: dict, ckpt: Checkpoint) -> tuple[dict, dict]:
    """One point alone: a pack of one (the rerun check, `submit_point`, ``pack: false``)."""
    return train_pack([params], ckpt)[0]
