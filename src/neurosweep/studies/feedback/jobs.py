"""What one training job of the feedback study does: train a pack of sweep points as one
ensemble (or, for the feed-forward controls, one after another), evaluate every member on the
fixed test contexts and return each member's metrics and arrays.

A point's params are its sweep's settings overlaid by its grid values (config/feedback.yaml,
every key described in workflow/schemas/feedback.schema.yaml).
"""

from __future__ import annotations

import logging

from neurosweep.harness import Checkpoint
from neurosweep.io import read_npz

from . import controls, data, evaluate, model, training
from .paper import ENSEMBLE_SETTINGS

log = logging.getLogger("neurosweep.feedback")


def n_sources_of(params: dict) -> int:
    return data.n_sources(params["sources"])


def member_spec(params: dict) -> model.MemberSpec:
    width = params.get("width", 0.2)
    return model.MemberSpec(
        variant=params["variant"], n_s=n_sources_of(params), hidden=int(params["hidden"]),
        tau=float(params["tau"]), inputs=params.get("inputs", "xy"), n_z=int(params.get("n_z", 100)),
        n_fb=int(params.get("n_fb", 4)), width=width if isinstance(width, str) else float(width),
        n_low=int(params.get("n_low", 40)), n_inh=int(params.get("n_inh", 20)),
        target=params.get("target", "both"), l1=float(params.get("l1", 0.0)),
        learn_excitation=bool(params.get("learn_excitation", False)), seed=int(params["seed"]))


def task_spec(params: dict) -> training.TaskSpec:
    pairs = tuple(tuple(int(i) for i in pair) for pair in params.get("bank_pairs", []))
    return training.TaskSpec(
        sources=params["sources"], frequency_scale=float(params.get("frequency_scale", 1.0)),
        bank_pairs=pairs, context_length=int(params["context_length"]),
        noise=float(params["noise"]), normalised=bool(params.get("normalised", True)),
        seed=int(params["seed"]))


def train_pack(members: list[dict], ckpt: Checkpoint) -> list[tuple[dict, dict]]:
    """Train and evaluate one pack (every member has the same ensemble settings)."""
    table = read_npz(members[0]["test_contexts"])
    if members[0]["variant"] == "control":
        return [train_controls(m, table, ckpt, k) for k, m in enumerate(members)]
    shared = {key: members[0].get(key) for key in ENSEMBLE_SETTINGS}
    for member in members[1:]:
        other = {key: member.get(key) for key in ENSEMBLE_SETTINGS}
        if other != shared:
            raise ValueError(f"members of one pack must agree on {ENSEMBLE_SETTINGS}: {shared} vs {other}")
    specs, tasks = [member_spec(m) for m in members], [task_spec(m) for m in members]
    log.info("training an ensemble of %d %s networks for %d batches", len(specs), specs[0].variant,
             int(shared["batches"]))
    ens, losses = training.train_ensemble(specs, tasks, n_batches=int(shared["batches"]),
                                          batch_size=int(shared["batch_size"]),
                                          lr=float(shared["lr"]), ckpt=ckpt)
    bank = data.bank_of(table, specs[0].n_s)
    results = evaluate.evaluate(ens, tasks, bank, [list(m["test_lengths"]) for m in members])
    out = []
    tail = max(1, len(losses) // 10)
    for p, (metrics, arrays) in enumerate(results):
        metrics["final_loss"] = float(losses[-tail:, p].mean())
        arrays["loss"] = losses[:, p]
        out.append((metrics, arrays))
    return out


def train_controls(params: dict, table: dict, ckpt: Checkpoint, index: int) -> tuple[dict, dict]:
    """A control point (no modulator); several in a pack train one after another."""
    task = task_spec(params)
    member_ckpt = Checkpoint(None if ckpt.directory is None else ckpt.directory / f"member~{index}",
                             name=f"{ckpt.name} member {index}", params_hash=ckpt.params_hash)
    return controls.train_control(params, task, data.bank_of(table, 2), member_ckpt)


def train_point(params: dict, ckpt: Checkpoint) -> tuple[dict, dict]:
    """One point alone: a pack of one (the rerun check, `submit_point`, ``pack: false``)."""
    return train_pack([params], ckpt)[0]
