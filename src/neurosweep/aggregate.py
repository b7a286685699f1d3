"""Gather the per-point results of one sweep into a single file, and read it back."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .io import read_json, read_npz, write_json, write_npz


@dataclass
class Run:
    """One trained sweep point: its grid values, full params, scalar metrics and arrays."""

    point: dict
    params: dict
    metrics: dict
    arrays: dict[str, np.ndarray]


def load_run(result_path: str | os.PathLike, record_path: str | os.PathLike, point: dict) -> Run:
    record = read_json(record_path)
    return Run(point=dict(point), params=record["params"], metrics=record["metrics"],
               arrays=read_npz(result_path))


def write_sweep(runs: list[Run], arrays_path: str | os.PathLike, table_path: str | os.PathLike,
                index_path: str | os.PathLike) -> None:
    """Arrays of run i go under keys 'i/name'; the table has one row per point."""
    write_npz(arrays_path, {f"{i}/{k}": v for i, run in enumerate(runs) for k, v in run.arrays.items()})
    write_json(index_path, [{"point": r.point, "params": r.params, "metrics": r.metrics} for r in runs])
    metrics_table(runs).to_csv(table_path, index=False)


def metrics_table(runs: list[Run]) -> "pd.DataFrame":
    """One tidy row per point: grid values followed by scalar metrics."""
    import pandas as pd  # only the aggregation writes tables; figure jobs skip the import
    rows = []
    for run in runs:
        scalars = {k: v for k, v in run.metrics.items() if isinstance(v, (int, float, str, bool))}
        rows.append({**run.point, **scalars})
    return pd.DataFrame(rows)


def read_sweep(arrays_path: str | os.PathLike, index_path: str | os.PathLike) -> list[Run]:
    arrays = read_npz(arrays_path)
    runs = []
    for i, entry in enumerate(read_json(index_path)):
        prefix = f"{i}/"
        mine = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
        runs.append(Run(point=entry["point"], params=entry["params"], metrics=entry["metrics"],
                        arrays=mine))
    return runs
