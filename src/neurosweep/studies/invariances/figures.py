"""Figure data of the invariances study: everything a figure shows, from a sweep's runs.

Each ``figX_data(runs)`` returns flat arrays (image montages, curves, per-seed tables); the
drawings in ``plots/`` only plot them. Panels show the first seed of each cell (the original's
seeds are in every grid), summaries use all seeds.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from neurosweep.aggregate import Run

CELL_ORDER = ("complex", "orientation", "polarity", "phase_orientation",
              "phase_orientation_cylinder", "simple", "macaque")


def cells_of(runs: Sequence[Run]) -> list[str]:
    """The cells in the runs (macaque runs by neuron), in a fixed order."""
    present = {label(run) for run in runs}
    ordered = [c for c in CELL_ORDER if c in present]
    return ordered + sorted(present - set(ordered))


def label(run: Run) -> str:
    return f"neuron {run.params['neuron']}" if run.params["cell"] == "macaque" else run.params["cell"]


def of_cell(runs: Sequence[Run], cell: str) -> list[Run]:
    return sorted([r for r in runs if label(r) == cell], key=lambda r: (r.params["seed"], r.params["tau"]))


def montage(images: np.ndarray, per_row: int, gap: int = 1) -> np.ndarray:
    """(N, H, W) images -> one (rows*(H+gap), per_row*(W+gap)) array, NaN between images."""
    n, h, w = images.shape
    rows = -(-n // per_row)
    out = np.full((rows * (h + gap) - gap, per_row * (w + gap) - gap), np.nan)
    for k, image in enumerate(images):
        i, j = divmod(k, per_row)
        out[i * (h + gap):i * (h + gap) + h, j * (w + gap):j * (w + gap) + w] = image
    return out


def cells_array(cells: list[str]) -> np.ndarray:
    return np.array(cells, dtype=str)


def fig2_data(runs):
    """Per cell: the row of 9 images, the circle of 12 and activation (all seeds) along z."""
    cells = cells_of(runs)
    data = {"cells": cells_array(cells)}
    for cell in cells:
        mine = of_cell(runs, cell)
        first = mine[0]
        data[f"{cell}/row"] = montage(first.arrays["row_images"], 9)
        data[f"{cell}/circle"] = first.arrays["circle_images"]
        data[f"{cell}/z"] = first.arrays["z"][:, 0]
        data[f"{cell}/act"] = np.stack([r.arrays["act"] for r in mine])
        for key in ("phase", "orientation"):
            if key in first.arrays:
                data[f"{cell}/{key}"] = first.arrays[key]
        data[f"{cell}/seed"] = np.array(first.params["seed"])
    return data


fig5_data = fig2_data  # the macaque neurons, in the same layout


def fig3_data(runs):
    """Per cell: the 10 x 10 image grid over the 2-D latent, activation and phase maps."""
    cells = cells_of(runs)
    data = {"cells": cells_array(cells)}
    for cell in cells:
        first = of_cell(runs, cell)[0]
        n = int(first.params["n_eval"])
        data[f"{cell}/grid"] = montage(first.arrays["grid_images"], 10)
        data[f"{cell}/act_map"] = first.arrays["act"].reshape(n, n)
        for key in ("phase", "orientation"):
            if key in first.arrays:
                data[f"{cell}/{key}_map"] = first.arrays[key].reshape(n, n)
        data[f"{cell}/seed"] = np.array(first.params["seed"])
    return data


fig3_sheet_data = fig3_data


def per_seed(runs, cells, key) -> np.ndarray:
    """(cells, max seeds) table of a metric, NaN where absent."""
    width = max(len(of_cell(runs, c)) for c in cells)
    table = np.full((len(cells), width), np.nan)
    for i, cell in enumerate(cells):
        for j, run in enumerate(of_cell(runs, cell)):
            table[i, j] = run.metrics.get(key, np.nan)
    return table


def fig4_data(runs):
    """Controls: diversity and extent of each cell's manifold; the simple cell's collapsed row."""
    cells = cells_of(runs)
    data = {"cells": cells_array(cells)}
    for key in ("mean_corr", "invariance_extent", "act_mean"):
        data[key] = per_seed(runs, cells, key)
    for cell in ("simple", "complex"):
        if cell in cells:
            data[f"{cell}/row"] = montage(of_cell(runs, cell)[0].arrays["row_images"], 9)
    return data


def figS1_data(runs):
    """Per cell and seed: min activation, winding and coverage of the invariance it has."""
    cells = cells_of(runs)
    seeds = sorted({int(r.params["seed"]) for r in runs})
    data = {"cells": cells_array(cells), "seeds": np.array(seeds)}
    for key in ("act_min", "phase_winding", "phase_coverage", "orientation_winding",
                "orientation_coverage", "mean_corr"):
        data[key] = per_seed(runs, cells, key)
    return data


def figS2_data(runs):
    """Metrics against the temperature tau (mean and sd over seeds)."""
    taus = sorted({float(r.params["tau"]) for r in runs})
    data = {"tau": np.array(taus)}
    for key in ("act_min", "phase_coverage", "mean_corr", "reg_final"):
        values = [[r.metrics.get(key, np.nan) for r in runs if float(r.params["tau"]) == t] for t in taus]
        data[key] = np.array([np.mean(v) for v in values])
        data[f"{key}_sd"] = np.array([np.std(v) for v in values])
    data["winding_ok"] = np.array([np.mean([round(abs(r.metrics.get("phase_winding", 0))) == 1 for r in runs
                                            if float(r.params["tau"]) == t]) for t in taus])
    return data


def figS3_data(runs):
    """Training curves of both terms per cell (mean over seeds), with the phase boundary."""
    cells = cells_of(runs)
    data = {"cells": cells_array(cells), "steps_per_phase": np.array(int(runs[0].params["steps_per_phase"]))}
    for cell in cells:
        mine = of_cell(runs, cell)
        data[f"{cell}/step"] = mine[0].arrays["curve_step"]
        data[f"{cell}/act"] = np.mean([r.arrays["curve_act"] for r in mine], axis=0)
        data[f"{cell}/reg"] = np.mean([r.arrays["curve_reg"] for r in mine], axis=0)
    return data


def figS4_data(runs):
    """The original's BatchNorm: correlation of single-latent renders with the in-grid images."""
    cells = cells_of(runs)
    return {"cells": cells_array(cells),
            "alone_corr": per_seed(runs, cells, "alone_corr_mean"),
            "alone_act": per_seed(runs, cells, "alone_act_mean"),
            "grid_act": per_seed(runs, cells, "act_mean")}


def figS5_data(runs):
    """Grid size G: how often the complex cell winds once, and its coverage."""
    grids = sorted({int(r.params["grid"]) for r in runs})
    chosen = [[r for r in runs if int(r.params["grid"]) == g] for g in grids]
    return {"grid": np.array(grids),
            "winding_ok": np.array([np.mean([round(abs(r.metrics.get("phase_winding", 0))) == 1 for r in c])
                                    for c in chosen]),
            "coverage": np.array([np.mean([r.metrics.get("phase_coverage", np.nan) for r in c]) for c in chosen]),
            "act_min": np.array([np.mean([r.metrics["act_min"] for r in c]) for c in chosen])}
