"""The training harness: seeding, resumable checkpoints, atomic outputs and a run record.

A study's training function has the signature::

    def train(params: dict, ckpt: Checkpoint) -> tuple[dict, dict[str, np.ndarray]]

``params`` is a plain dict (the sweep point's values merged over the sweep's fixed settings,
``params["seed"]`` always present). The function draws all its randomness from torch's global
generator (seeded here) or from generators it derives deterministically from ``params``.
Inside its loop it calls ``ckpt.tick(step, total, state_fn)``; at start it calls
``ckpt.restore()`` to pick up where an interrupted run stopped. It returns scalar metrics
(JSON-able) and named arrays; ``run_point`` writes both atomically with a run record.

Checkpoints live in a per-point work directory that is *not* a declared Snakemake output:
Snakemake deletes the declared outputs of an interrupted job, so resumable state must live
elsewhere. The global torch RNG state is saved with every checkpoint, so a resumed run is
bit-identical to an uninterrupted one on CPU.

Stopping: SIGUSR1 (SLURM's warning before a time limit, `--signal=USR1@120`) and SIGTERM (what
SLURM sends on requeue, preemption and at the time limit; also Snakemake when it is stopped)
make the run save a checkpoint at its next step and exit; the next attempt resumes from it.
A SIGKILL loses at most ``NEUROSWEEP_CHECKPOINT_SECONDS`` (default 60) of training.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import platform
import random
import shutil
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from . import __version__
from .codehash import params_hash  # noqa: F401  (part of this API)
from .codehash import software as software_versions
from .io import atomic_path, write_json, write_npz

log = logging.getLogger("neurosweep")

TrainFn = Callable[[dict, "Checkpoint"], "tuple[dict, dict[str, np.ndarray]]"]

STOP_SIGNALS = ("SIGUSR1", "SIGTERM")


def checkpoint_seconds() -> float:
    """Seconds between checkpoints: NEUROSWEEP_CHECKPOINT_SECONDS, default 60 (set it lower on
    partitions where jobs are often preempted)."""
    value = os.environ.get("NEUROSWEEP_CHECKPOINT_SECONDS", "60")
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"NEUROSWEEP_CHECKPOINT_SECONDS must be a number of seconds, got {value!r}") from None
    if seconds <= 0:
        raise ValueError(f"NEUROSWEEP_CHECKPOINT_SECONDS must be positive, got {value!r}")
    return seconds


def slurm_context() -> dict | None:
    """Where the job ran, when it ran under SLURM (None otherwise)."""
    if "SLURM_JOB_ID" not in os.environ:
        return None
    keys = {"job_id": "SLURM_JOB_ID", "array_job_id": "SLURM_ARRAY_JOB_ID",
            "array_task_id": "SLURM_ARRAY_TASK_ID", "partition": "SLURM_JOB_PARTITION",
            "restart_count": "SLURM_RESTART_COUNT", "node": "SLURMD_NODENAME",
            "gpus": "CUDA_VISIBLE_DEVICES"}
    return {key: os.environ.get(var) for key, var in keys.items()}


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch, and ask torch for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def configure_threads(threads: int = 1) -> None:
    """Small models run fastest single-threaded; parallelism comes from running several jobs."""
    torch.set_num_threads(threads)
    keep_freed_memory()


def keep_freed_memory() -> None:
    """Ask glibc to reuse freed memory instead of returning it to the kernel.

    By default glibc serves every allocation above 128 KiB with a fresh mmap and unmaps it on
    free, so a training step that creates and drops megabyte-sized temporaries pays page faults
    for every one of them (measured: 12 ms instead of 8 ms per popcoding step). Raising the mmap
    and trim thresholds keeps those pages in the process. Numerics are unaffected. A no-op where
    the C library is not glibc.
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 1 << 28)
    mallopt(m_trim_threshold, 1 << 30)


def pick_device(requested: str = "auto") -> torch.device:
    """'auto' means the GPU when there is one, else the CPU; GPU rules must also run on CPU."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


class Checkpoint:
    """Periodic, atomic, resumable training state in an undeclared per-point directory."""

    def __init__(self, directory: str | os.PathLike | None, every_steps: int = 200,
                 every_seconds: float | None = None, progress_seconds: float = 5.0,
                 name: str = "run", params_hash: str = ""):
        self.directory = Path(directory) if directory is not None else None
        self.every_steps = max(1, int(every_steps))
        self.every_seconds = checkpoint_seconds() if every_seconds is None else every_seconds
        self.progress_seconds = progress_seconds
        self.name = name
        self.params_hash = params_hash
        self.resumed_from: int | None = None
        self.saves = 0
        self._last_save = time.monotonic()
        self._last_progress = time.monotonic()
        self._stop_requested = False
        self._parent: Checkpoint | None = None
        self._parts: list[Checkpoint] = []

    def part(self, label: str) -> "Checkpoint":
        """The checkpoint of one part of this run (e.g. one group of a pack, trained after the
        other): its own file under ``label``/, this run's settings, stop requests and counts."""
        child = Checkpoint(None if self.directory is None else self.directory / label,
                           self.every_steps, self.every_seconds, self.progress_seconds,
                           name=f"{self.name} {label}", params_hash=self.params_hash)
        child._parent = self
        self._parts.append(child)
        return child

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested or (self._parent is not None and self._parent.stop_requested)

    @property
    def path(self) -> Path | None:
        return None if self.directory is None else self.directory / "checkpoint.pt"

    def restore(self) -> dict | None:
        """Return the saved state (and restore the RNG) or None when starting fresh."""
        if self.path is None or not self.path.exists():
            return None
        saved = torch.load(self.path, weights_only=True)
        if saved.get("params_hash", "") != self.params_hash:
            # The point's settings changed since this checkpoint (e.g. more steps after a
            # failure): its state belongs to another run, so start afresh.
            log.warning("%s: ignoring checkpoint %s written with other params", self.name, self.path)
            return None
        torch.set_rng_state(saved["torch_rng"])
        self.resumed_from = int(saved["step"])
        if self._parent is not None and self._parent.resumed_from is None:
            self._parent.resumed_from = self.resumed_from
        log.info("%s: resuming from step %d (%s)", self.name, self.resumed_from, self.path)
        return saved["state"]

    def tick(self, step: int, total: int, state_fn: Callable[[], dict]) -> None:
        """Call after completing ``step`` (1-based count of steps done). Saves when due."""
        now = time.monotonic()
        if now - self._last_progress >= self.progress_seconds or step == total:
            log.info("%s: step %d/%d (%.0f%%)", self.name, step, total, 100.0 * step / total)
            self._last_progress = now
        due = step % self.every_steps == 0 or now - self._last_save >= self.every_seconds
        if self.directory is not None and (due or self.stop_requested) and step < total:
            self.save(step, state_fn())
        if self.stop_requested and step < total:  # at the last step, finishing is cheaper
            raise SystemExit(f"{self.name}: stopped by signal after saving step {step}")

    def save(self, step: int, state: dict) -> None:
        assert self.path is not None
        payload = {"step": int(step), "state": state, "torch_rng": torch.get_rng_state(),
                   "params_hash": self.params_hash}
        with atomic_path(self.path) as tmp:
            torch.save(payload, tmp)
        self.saves += 1
        if self._parent is not None:
            self._parent.saves += 1
        self._last_save = time.monotonic()

    def request_stop(self, *_: Any) -> None:
        """Signal handler (USR1 before a SLURM time limit, TERM): save at the next tick, exit."""
        if not self._stop_requested:
            log.warning("%s: stop requested by signal; saving a checkpoint at the next step", self.name)
        self._stop_requested = True

    def clear(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)
        for child in self._parts:
            child.clear()


def library_versions() -> dict[str, str]:
    """Versions of the libraries a result depends on, read from the installed packages'
    metadata (importing scipy and matplotlib just for their version would cost a training job
    two seconds of start-up)."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(package: str) -> str:
        try:
            return version(package)
        except PackageNotFoundError:
            return "not installed"

    return {
        "python": platform.python_version(),
        "neurosweep": __version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "scipy": installed("scipy"),
        "matplotlib": installed("matplotlib"),
    }


RUNNING_MARKER = "running.json"


@contextlib.contextmanager
def running_marker(work_dir: str | os.PathLike | None):
    """While a training job runs, its work directory holds running.json (pid, host, SLURM job id,
    start time), so `neurosweep status` can tell a running point from a failed one. The job
    scripts hold it from the moment their log opens until the log says "done in"; it is removed
    also on an exception (a SIGKILL leaves it, and status then checks the pid or the job)."""
    if work_dir is None:
        yield
        return
    path = Path(work_dir) / RUNNING_MARKER
    write_json(path, {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time(),
                      "slurm_job_id": os.environ.get("SLURM_JOB_ID")})
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def stop_signals_save(ckpt: Checkpoint):
    """While training, SIGUSR1 and SIGTERM make the checkpoint save and the run exit."""
    signals = [getattr(signal, name) for name in STOP_SIGNALS if hasattr(signal, name)]
    previous = {sig: signal.signal(sig, ckpt.request_stop) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@functools.lru_cache(maxsize=1)
def machine_facts() -> dict:
    """What of the machine can change a result's last bits, and through chaotic training its
    outcome: the CPU, the vector instructions PyTorch dispatches to, and the C library."""
    cpu, flags = platform.processor() or platform.machine(), set()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                cpu = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
                break
    return {"cpu": cpu, "vector_flags": sorted(f for f in flags if f.startswith(("avx", "fma", "sse4"))),
            "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "libc": " ".join(platform.libc_ver()).strip()}


def run_record(name: str, point_id: str, params: dict, metrics: dict, wall: float,
               ckpt: Checkpoint, **extra) -> dict:
    """What a run's record.json says: the point, its metrics, and where and how it ran."""
    return {
        "name": name,
        "point_id": point_id,
        "params": params,
        "params_hash": params_hash(params),
        "seed": int(params["seed"]),
        "metrics": metrics,
        "wall_seconds": round(wall, 3),
        **extra,
        "resumed_from_step": ckpt.resumed_from,
        "checkpoints_saved": ckpt.saves,
        "slurm_job_id": os.environ.get("SLURM_JOB_ID"),
        "slurm": slurm_context(),
        "host": socket.gethostname(),
        "machine": machine_facts(),
        "cuda_available": torch.cuda.is_available(),
        "versions": library_versions(),
        "command": sys.argv[:1],
    }


def run_point(train: TrainFn, params: dict, *, result_path: str | os.PathLike,
              record_path: str | os.PathLike, work_dir: str | os.PathLike | None,
              point_id: str = "", name: str = "run", threads: int = 1,
              checkpoint_every: int = 200, code_hash: str = "", software: str = "") -> dict:
    """Train one sweep point: seed, resume, train, write outputs atomically, record the run.
    ``code_hash`` and ``software`` are the training rule's params of those names: the record
    keeps the values Snakemake compares, which `neurosweep plan` reads back."""
    if "seed" not in params:
        raise KeyError(f"{name}: params need a 'seed' (got keys {sorted(params)})")
    configure_threads(threads)
    seed_everything(int(params["seed"]))
    # a checkpoint of other params or other code is not resumed
    ckpt = Checkpoint(work_dir, every_steps=checkpoint_every, name=name,
                      params_hash=params_hash(params) + code_hash)
    started = time.time()
    with stop_signals_save(ckpt):
        metrics, arrays = train(dict(params), ckpt)
    wall = time.time() - started
    record = run_record(name, point_id, params, metrics, wall, ckpt, code_hash=code_hash,
                        software=software or software_versions())
    write_npz(result_path, arrays)
    write_json(record_path, record)
    ckpt.clear()
    log.info("%s: done in %.1f s", name, wall)
    return record


PackTrainFn = Callable[[list, "Checkpoint"], "list[tuple[dict, dict[str, np.ndarray]]]"]


def reusable_result(member: dict, code_hash: str = "", software: str = "") -> bool:
    """True when a member's published result was made with exactly its params, code and
    software (a pack that gained or lost members since then need not train it again)."""
    run = Path(member["run_dir"])
    record_path, result_path = run / "record.json", run / "result.npz"
    if not (record_path.exists() and result_path.exists()):
        return False
    try:
        record = json.loads(record_path.read_text())
    except (OSError, ValueError):
        return False
    return (record.get("params_hash") == params_hash(member["params"])
            and record.get("code_hash", "") == code_hash
            and record.get("software") == (software or software_versions()))


def run_pack(train_pack: PackTrainFn, members: list[dict], *, staging_dir: str | os.PathLike,
             manifest_path: str | os.PathLike, work_dir: str | os.PathLike | None,
             name: str = "pack", threads: int = 1, checkpoint_every: int = 200,
             code_hash: str = "", software: str = "") -> dict:
    """Train the members of one pack in this process and stage each member's result and record
    under ``staging_dir/<sweep>/<point>/``; members whose published result already has their
    params are copied instead of trained. Writes the manifest last."""
    staging = Path(staging_dir)
    software = software or software_versions()
    reused = [m for m in members if reusable_result(m, code_hash, software)]
    to_train = [m for m in members if m not in reused]
    for member in reused:
        target = staging / member["sweep"] / member["point"]
        target.mkdir(parents=True, exist_ok=True)
        for file in ("result.npz", "record.json"):
            shutil.copyfile(Path(member["run_dir"]) / file, target / file)
    log.info("%s: %d members, %d to train, %d already done with the same params",
             name, len(members), len(to_train), len(reused))
    wall = 0.0
    if to_train:
        configure_threads(threads)
        seed_everything(int(to_train[0]["params"]["seed"]))
        ckpt = Checkpoint(work_dir, every_steps=checkpoint_every, name=name,
                          params_hash=params_hash([m["params"] for m in to_train]) + code_hash)
        started = time.time()
        with stop_signals_save(ckpt):
            results = train_pack([dict(m["params"]) for m in to_train], ckpt)
        wall = time.time() - started
        if len(results) != len(to_train):
            raise RuntimeError(f"{name}: the pack trainer returned {len(results)} results for "
                               f"{len(to_train)} members")
        for member, (metrics, arrays) in zip(to_train, results):
            target = staging / member["sweep"] / member["point"]
            record = run_record(f"{member['sweep']}/{member['point']}", member["id"], member["params"],
                                metrics, wall, ckpt, pack={"name": name, "trained_together": len(to_train),
                                                           "members": len(members)}, code_hash=code_hash,
                                software=software)
            write_npz(target / "result.npz", arrays)
            write_json(target / "record.json", record)
        ckpt.clear()
    manifest = {"pack": name, "wall_seconds": round(wall, 3),
                # what `neurosweep plan` compares with the pack's members of now (Snakemake
                # re-runs the pack when its `members` param changes)
                "members_hash": params_hash(members),
                "members": [{"sweep": m["sweep"], "point": m["point"], "id": m["id"],
                             "reused": m in reused} for m in members]}
    write_json(manifest_path, manifest)
    log.info("%s: done in %.1f s", name, wall)
    return manifest
