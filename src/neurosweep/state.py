"""What is on disk for every sweep point and figure, read from files alone (no Snakemake DAG).

A point is *done* when its result and record exist and the record says it was made with the
params, code and software the workflow would use now; *stale* when they exist but one of those
differs (the reasons are named: ``params``, ``code``, ``software``, ``input``), and *missing*
otherwise. These are the same triggers the training rules give Snakemake (params entries for the
values, the code hash and the software versions; input files by modification time), so
`neurosweep plan` agrees with what `snakemake` would re-run, without building a per-point DAG:
reading one small JSON per point is what it costs.

No torch import here: the plan of a 10,000-point sweep must answer in seconds.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .codehash import params_hash, software

DONE, STALE, MISSING = "done", "stale", "missing"


@dataclass
class PointState:
    study: str
    sweep: str
    point: str
    run_dir: str
    state: str  # done | stale | missing
    reasons: list[str] = field(default_factory=list)
    record: dict | None = None
    result_time: float | None = None  # modification time of result.npz

    @property
    def needs_training(self) -> bool:
        return self.state != DONE


def file_time(path: Path) -> float | None:
    """A file's modification time, None if it does not exist."""
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def read_json_if_any(path: Path) -> dict | None:
    """A JSON file's content, None if it is missing or unreadable (a job may be writing it)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def judge_point(plan, study: str, sweep: str, point: str, root: Path) -> PointState:
    """The state of one point that trains (an owner point; see Plan.owner)."""
    run_dir = plan.run_dir(study, sweep, point)
    run = root / run_dir
    result_time = file_time(run / "result.npz")
    record = read_json_if_any(run / "record.json") if result_time is not None else None
    if record is None:
        return PointState(study, sweep, point, run_dir, MISSING)
    inputs = plan.inputs(study, sweep, point)
    reasons = []
    if record.get("params_hash") != params_hash({**plan.params(study, sweep, point), **inputs}):
        reasons.append("params")
    if record.get("code_hash", "") != plan.point_code(study, sweep):
        reasons.append("code")
    if record.get("software") != software():
        reasons.append("software")
    for path in inputs.values():
        input_time = file_time(root / path)
        if input_time is None or input_time > result_time:
            reasons.append("input")
            break
    return PointState(study, sweep, point, run_dir, STALE if reasons else DONE, reasons, record,
                      result_time)


def point_states(plan, study: str, root: str | os.PathLike = ".") -> dict[tuple[str, str], PointState]:
    """(sweep, point) -> state for every point of the study; a point that shares its run with an
    earlier sweep's point (Plan.owner) has that point's state."""
    root = Path(root)
    by_owner: dict[tuple[str, str], PointState] = {}
    states = {}
    for sweep, spec in plan.study(study).sweeps.items():
        for path in spec.paths:
            owner = plan.owner(study, sweep, path)
            if owner not in by_owner:
                by_owner[owner] = judge_point(plan, study, *owner, root)
            states[(sweep, path)] = by_owner[owner]
    return states
