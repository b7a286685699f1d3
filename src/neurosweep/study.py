"""What a study is, as far as the workflow is concerned: its sweeps, figures and claims.

Each study package has a light ``paper.py`` (no torch import, so planning stays fast) that
declares a :class:`StudySpec`: which function trains each sweep, which function turns a
sweep's runs into each figure's data, which module draws it, and which function checks the
claims. Functions are named as ``"module:function"`` strings relative to the study package
and imported only when a job runs.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .config import ConfigError, load_validated
from .sweep import Sweep, SweepError, build_sweep

STUDIES_PACKAGE = "neurosweep.studies"


@dataclass(frozen=True)
class FigureSpec:
    """One paper figure: a sweep's runs -> figure data (npz) -> drawing (PDF + PNG)."""

    title: str
    sweep: str
    data: str  # "module:function" taking list[Run] and returning dict of arrays
    draw: str  # module (in the study package) whose draw(data) returns a Figure
    # Other files the data function reads, {keyword: path}: passed as data(runs, **inputs)
    inputs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StudySpec:
    name: str
    paper: str
    trainers: dict[str, str]  # sweep -> "module:function"
    claims: dict[str, str]  # sweep -> "module:function" taking list[Run], returning list[Claim]
    figures: dict[str, FigureSpec]
    # sweep -> {input name: path}: files a sweep's training jobs read (passed in params). A path
    # may name the point's parameters, e.g. "data/{prior}/seed~{seed}.npz", filled per point.
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)
    # sweep -> {keyword: path}: other files its claims function reads, claims(runs, **inputs)
    claim_inputs: dict[str, dict[str, str]] = field(default_factory=dict)
    # The claim id under which the paper's numbering lists "same seed, same result", and the
    # sweep whose first point the check re-trains (pick one whose training draws random numbers)
    rerun_claim: str = "rerun"
    rerun_sweep: str = ""
    # Sweeps that run only when the config defines them (stages that are off by default)
    optional: tuple[str, ...] = ()
    # Checks across settings that a schema cannot express: params -> problem text or None
    check_point: Callable[[dict], str | None] | None = None
    # Packing: several points trained in one job (one process), each still with its own result
    # files. ``pack`` maps a point's params to the name of its pack, a readable path such as
    # "variant~spatial/seed~0" (points with the same name train together); ``pack_trainer``,
    # "module:function", trains a list of points: (list[params], Checkpoint) -> list of
    # (metrics, arrays). In a packed study every point belongs to a pack.
    pack: Callable[[dict], str] | None = None
    pack_trainer: str = ""


def get_spec(study: str) -> StudySpec:
    try:
        module = importlib.import_module(f"{STUDIES_PACKAGE}.{study}.paper")
    except ModuleNotFoundError:
        raise ConfigError(f"unknown study {study!r}: no package {STUDIES_PACKAGE}.{study}") from None
    return module.SPEC


def resolve(study: str, target: str):
    """Import ``"module:function"`` from the study package."""
    module_name, _, function = target.partition(":")
    module = importlib.import_module(f"{STUDIES_PACKAGE}.{study}.{module_name}")
    return getattr(module, function) if function else module


def load_study_config(study: str, scale: str, config_dir: str | Path, schema_dir: str | Path,
                      override: dict | None = None) -> dict:
    """The validated block of ``config/<study>.yaml`` for one scale (quick, paper, ...)."""
    path = Path(os.path.relpath(Path(config_dir) / f"{study}.yaml"))  # short, as users know it
    schema = Path(schema_dir) / f"{study}.schema.yaml"
    data = load_validated(path, schema, override={study: override} if override else None)
    scales = data[study]
    if scale not in scales:
        raise ConfigError(f"{path}: scale {scale!r} is not defined for study {study!r}; "
                          f"defined scales: {', '.join(scales)}")
    return scales[scale]


def build_sweeps(study: str, block: dict, source: str) -> dict[str, Sweep]:
    spec = get_spec(study)
    sweeps = {}
    for name, sweep_spec in block["sweeps"].items():
        if name not in spec.trainers:
            raise ConfigError(f"{source}: unknown sweep {study}.{name}; this study has sweeps "
                              f"{', '.join(spec.trainers)}")
        try:
            sweeps[name] = build_sweep(name, sweep_spec)
        except SweepError as error:
            raise ConfigError(f"{source}: {study}.sweeps.{name}: {error}") from None
        for point in sweeps[name].points if spec.check_point else ():
            problem = spec.check_point(sweeps[name].params(point.path))
            if problem:
                raise ConfigError(f"{source}: {study}.sweeps.{name}, point {point.path}: {problem}")
    return sweeps
