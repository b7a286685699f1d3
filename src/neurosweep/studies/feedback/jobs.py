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

# A pack trains in groups whose per-step gate tensors [P, B, 4H] stay about this small (400 KB,
# within a core's L2 cache): past it the step's element-wise work waits on memory. At the
# paper's sizes (B = 32, H = 100) that is 8 models per group, which trained 1.2-1.4x faster per
# model than 16 in one ensemble (benchmarks/feedback.py --members 8 and 16, interleaved); at
# the quick sizes a whole pack is one group. Members are independent, so groups change the
# speed only (and float rounding in the last bits).
GATE_ELEMENTS_PER_GROUP = 8 * 32 * 400


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
    groups = member_groups(len(members), int(shared["batch_size"]), int(shared["hidden"]))
    out = []
    # a group's checkpoint is named by its members: another grouping never reads it
    for group in groups:
        part = ckpt if len(groups) == 1 else ckpt.part(f"members~{group.start}-{group.stop - 1}")
        out += train_group([members[i] for i in group], shared, table, part)
    return out


def member_groups(n_members: int, batch_size: int, hidden: int) -> list[range]:
    """The members' indices in groups of at most GATE_ELEMENTS_PER_GROUP / (B · 4H)."""
    size = max(1, GATE_ELEMENTS_PER_GROUP // (batch_size * 4 * hidden))
    return [range(start, min(start + size, n_members)) for start in range(0, n_members, size)]


def train_group(members: list[dict], shared: dict, table: dict, ckpt: Checkpoint) -> list[tuple[dict, dict]]:
    """Train some members of a pack as one ensemble, then evaluate each."""
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
    return controls.train_control(params, task, data.bank_of(table, 2), ckpt.part(f"member~{index}"))


def train_point(params: dict, ckpt: Checkpoint) -> tuple[dict, dict]:
    """One point alone: a pack of one (the rerun check, `submit_point`, ``pack: false``)."""
    return train_pack([params], ckpt)[0]
