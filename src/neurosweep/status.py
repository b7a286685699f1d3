"""`neurosweep status [study] [--watch]`: the sweep grids as tables coloured by state.

States, from the files and (where there is one) the SLURM queue:

- done: result and record made with the params, code and software of now (state.py)
- stale: a result exists but would be re-made (params, code, software or input changed)
- running: the job's work directory holds running.json (harness.running_marker) and its process
  is alive here, or its SLURM job is running
- queued: a SLURM job for it is pending (matched on the jobs its script names, Snakemake's
  ``--target-jobs``, which also lists every point of a bundle)
- failed: no current result, nothing running or queued, and a training log that does not end
  with "done in" (the job raised, was killed or timed out; its path is shown)
- missing: nothing yet
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .state import DONE, MISSING, STALE, point_states, read_json_if_any

RUNNING, QUEUED, FAILED = "running", "queued", "failed"
ORDER = [DONE, STALE, RUNNING, QUEUED, FAILED, MISSING]
SYMBOL = {DONE: "#", STALE: "s", RUNNING: ">", QUEUED: "q", FAILED: "X", MISSING: "."}
COLOUR = {DONE: "32", STALE: "33", RUNNING: "34;1", QUEUED: "36", FAILED: "31;1", MISSING: "90"}
MAX_ROWS = 24  # rows of one sweep's table; the rest are counted


@dataclass
class PointStatus:
    sweep: str
    point: str
    values: dict
    state: str
    log: str | None = None
    job_id: str | None = None


# --- the SLURM queue -------------------------------------------------------------------------
def _run(command: list[str]) -> str | None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


# Snakemake's job scripts name the jobs they run: --target-jobs 'train:study=a,sweep=b,point=c' ...
_TARGET = re.compile(r"'(\w+):((?:\w+=[^,']*,?)+)'")


def targets_in_script(script: str) -> list[tuple[str, ...]]:
    """(rule, wildcard values in order) of every job a Snakemake SLURM job script runs (a bundle
    runs several)."""
    found = []
    for rule, wildcards in _TARGET.findall(script):
        values = [pair.partition("=")[2] for pair in wildcards.split(",") if pair]
        found.append((rule, *values))
    return found


_SCRIPTS: dict[str, str] = {}  # job id -> its script (a job's script never changes; --watch)


def slurm_queue() -> dict[tuple[str, ...], tuple[str, str]] | None:
    """(rule, wildcard values...) -> (job id, state) for the training jobs of this user's SLURM
    queue, read from each job's script (the only place a bundle names all its points); {} where
    there is no SLURM, None where squeue failed (the queue is unknown)."""
    if shutil.which("squeue") is None:
        return {}
    listing = _run(["squeue", "--me", "--noheader", "--format=%i|%T"])
    if listing is None:
        return None
    jobs = {}
    for line in listing.splitlines():
        job_id, _, state = line.strip().partition("|")
        jobs[("job", job_id)] = (job_id, state)  # every job, for the running markers' check
        if job_id not in _SCRIPTS:
            _SCRIPTS[job_id] = _run(["scontrol", "write", "batch_script", job_id, "-"]) or ""
        for target in targets_in_script(_SCRIPTS[job_id]):
            jobs[target] = (job_id, state)
    return jobs


def _alive(marker: dict, queue_ids: dict[str, str] | None) -> bool:
    """Whether the job that wrote a running marker still runs (queue_ids None: the SLURM queue
    could not be read, so the marker is trusted)."""
    job = marker.get("slurm_job_id")
    if job:
        return queue_ids is None or queue_ids.get(str(job)) in ("RUNNING", "COMPLETING", "CONFIGURING")
    if marker.get("host") != socket.gethostname():
        return True  # another machine without SLURM: trust the marker
    try:
        os.kill(int(marker["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def _failed(log: Path) -> bool:
    """A training log that exists but does not end with the harness's "done in" line: the job
    raised, was killed or ran out of time (a finished job's log ends with it)."""
    try:
        with open(log, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 4096))
            tail = handle.read().decode(errors="replace")
    except OSError:
        return False
    return ": done in " not in tail


# --- one study ---------------------------------------------------------------------------------
READ = "read the SLURM queue"  # the default of ``queue``: ask squeue


def study_status(plan, study: str, root: str | os.PathLike = ".",
                 queue: dict[tuple[str, ...], tuple[str, str]] | None | str = READ) -> dict[str, list[PointStatus]]:
    """sweep -> the status of each of its points. ``queue``: slurm_queue()'s answer ({} for no
    SLURM, None for a queue that could not be read); by default it is read here."""
    root = Path(root)
    if queue == READ:
        queue = slurm_queue()
    queue_ids = None if queue is None else {job: state for job, state in queue.values()}
    queue = queue or {}
    states = point_states(plan, study, root)
    packed = plan.packed(study)
    out: dict[str, list[PointStatus]] = {}
    for sweep, spec in plan.study(study).sweeps.items():
        rows = []
        for point in spec.points:
            owner_sweep, owner_point = plan.owner(study, sweep, point.path)
            base = states[(sweep, point.path)].state
            if packed:
                pack = plan.pack_of(study, sweep, point.path)
                work = root / "work" / study / "packs" / pack
                log = root / "logs" / study / "train" / "packs" / f"{pack}.log"
                key = ("train_pack", study, pack)
            else:
                work = root / "work" / study / owner_sweep / owner_point
                log = root / "logs" / study / "train" / owner_sweep / f"{owner_point}.log"
                key = ("train", study, owner_sweep, owner_point)
            status = PointStatus(sweep, point.path, point.values, base)
            if base != DONE:
                marker = read_json_if_any(work / "running.json")
                job = queue.get(key)
                if marker is not None and _alive(marker, queue_ids):
                    status.state, status.job_id = RUNNING, marker.get("slurm_job_id")
                elif job is not None and job[1] in ("PENDING", "CONFIGURING", "REQUEUED"):
                    status.state, status.job_id = QUEUED, job[0]
                elif job is not None and job[1] == "RUNNING":
                    status.state, status.job_id = RUNNING, job[0]
                elif _failed(log):
                    status.state, status.log = FAILED, os.path.relpath(log, root)
            rows.append(status)
        out[sweep] = rows
    return out


# --- drawing the tables ------------------------------------------------------------------------
def _paint(state: str, text: str, colour: bool) -> str:
    return f"\033[{COLOUR[state]}m{text}\033[0m" if colour else text


def sweep_table(sweep: str, rows: list[PointStatus], colour: bool) -> list[str]:
    """One sweep as a grid: a column per seed (or per value of the last axis when there is no
    seed axis), a row per combination of the other axes."""
    counts = {s: 0 for s in ORDER}
    for r in rows:
        counts[r.state] += 1
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    lines = [f"  {sweep} ({len(rows)} points: {summary})"]
    axes = list(rows[0].values) if rows else []
    if not axes:
        return lines
    # columns: the seed where the grid has one (else its last axis); rows: the other axes
    last = "seed" if "seed" in axes else axes[-1]
    axes = [a for a in axes if a != last] + [last]
    columns = list(dict.fromkeys(str(r.values[last]) for r in rows))
    grid: dict[str, dict[str, PointStatus]] = {}
    for r in rows:
        key = " ".join(f"{a}={r.values[a]}" for a in axes[:-1]) or "-"
        grid.setdefault(key, {})[str(r.values[last])] = r
    width = max(len(k) for k in grid)
    shown_columns = columns[:40]
    lines.append(f"    {'':<{width}}  {last}: {' '.join(shown_columns)}"
                 + (f" (+{len(columns) - 40})" if len(columns) > 40 else ""))
    for i, (key, cells) in enumerate(grid.items()):
        if i == MAX_ROWS:
            lines.append(f"    ... {len(grid) - MAX_ROWS} more rows")
            break
        marks = []
        for column in shown_columns:
            cell = cells.get(column)
            symbol = " " if cell is None else _paint(cell.state, SYMBOL[cell.state], colour)
            marks.append(symbol + " " * (len(column) - 1))  # one symbol under each value
        lines.append(f"    {key:<{width}}  {' ' * (len(last) + 2)}{' '.join(marks)}")
    return lines


MAX_LISTED = 20  # failed, running and queued points listed per study; the rest are counted


def render(plan, studies: list[str], root: str | os.PathLike = ".", colour: bool = False,
           queue: dict[tuple[str, ...], tuple[str, str]] | None | str = READ) -> str:
    if queue == READ:
        queue = slurm_queue()
    legend = "  ".join(f"{_paint(s, SYMBOL[s], colour)} {s}" for s in ORDER)
    where = ("   (the SLURM queue could not be read: running markers are trusted)" if queue is None
             else "   (SLURM queue read)" if queue else "")
    lines = [f"neurosweep status: scale {plan.scale}   {legend}{where}"]
    for study in studies:
        table = study_status(plan, study, root, queue)
        lines.append("")
        lines.append(study)
        problems = []
        for sweep, rows in table.items():
            lines += sweep_table(sweep, rows, colour)
            problems += [r for r in rows if r.state in (FAILED, RUNNING, QUEUED)]
        problems.sort(key=lambda r: ORDER.index(r.state), reverse=True)  # failed first
        for r in problems[:MAX_LISTED]:
            where = f"log {r.log}" if r.log else ""
            job = f"SLURM job {r.job_id}" if r.job_id else ""
            lines.append(f"    {r.state:<8} {r.sweep}/{r.point}  " + "  ".join(x for x in (job, where) if x))
        if len(problems) > MAX_LISTED:
            lines.append(f"    ... and {len(problems) - MAX_LISTED} more failed, running or queued points")
    return "\n".join(lines)


def watch(plan, studies: list[str], root: str | os.PathLike, every: float, colour: bool) -> None:
    """Redraw the status every ``every`` seconds until Ctrl-C."""
    try:
        while True:
            text = render(plan, studies, root, colour)
            sys.stdout.write("\033[H\033[2J" + text + f"\n\n(every {every:g} s; Ctrl-C stops)\n")
            sys.stdout.flush()
            time.sleep(every)
    except KeyboardInterrupt:
        pass
