"""Figure data of the popcoding study: everything a figure shows, computed from a sweep's runs.

Each ``figX_data(runs)`` returns flat arrays (seed means and standard deviations over the runs,
selections of rates, fitted exponents); the drawings in ``plots/`` only plot them.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from neurosweep.aggregate import Run

from .claims import by_axis, threshold_correlations
from .moore import read_moore

CURVES = ("D", "R", "gap", "MI", "KL_pi_q", "MSE", "H_prior", "train_D", "test_D",
          "density_exponent", "width_exponent", "error_exponent", "fisher_exponent")


def sorted_runs(runs: Sequence[Run]) -> list[Run]:
    return sorted(runs, key=lambda run: run.point["seed"])


def summary(runs: Sequence[Run], prefix: str = "") -> dict[str, np.ndarray]:
    """Seed mean and sd of every per-rate quantity, plus the rates and H(π)."""
    data = {f"{prefix}rates": np.asarray(runs[0].arrays["rates"]),
            f"{prefix}entropy": np.array(runs[0].metrics["entropy"])}
    for key in CURVES:
        stack = np.stack([run.arrays[key] for run in runs])
        data[f"{prefix}{key}"], data[f"{prefix}{key}_sd"] = stack.mean(0), stack.std(0)
    return data


def tuning_curves(run: Run, index: int, x: np.ndarray) -> np.ndarray:
    """P(r_i = 1 | x) [N, len(x)] of one model, in the encoder's domain."""
    u = np.log(x) if run.params.get("domain") == "log" else x
    a = run.arrays
    eta = a["log_gain"][index][:, None] - 0.5 * ((u[None, :] - a["centre"][index][:, None]) / a["width"][index][:, None]) ** 2
    return 1 / (1 + np.exp(-eta))


def configuration(run: Run, index: int, prefix: str) -> dict[str, np.ndarray]:
    """One model: tuning curves, couplings, q(x) and π(x) on the grid."""
    x = run.arrays["grid_x"]
    return {f"{prefix}curves": tuning_curves(run, index, x), f"{prefix}coupling": run.arrays["coupling"][index],
            f"{prefix}log_q": run.arrays["log_q_gen"][index], f"{prefix}rate": np.array(run.arrays["rates"][index])}


def grid(run: Run) -> dict[str, np.ndarray]:
    return {"x": run.arrays["grid_x"], "log_pi": run.arrays["grid_log_density"]}


def low_mid_high(rates: np.ndarray) -> list[int]:
    return sorted({1, len(rates) // 2, len(rates) - 2} & set(range(len(rates))))


def per_x(runs: Sequence[Run], key: str, indices: list[int]) -> np.ndarray:
    return np.mean([run.arrays[key][indices] for run in runs], axis=0)


def grouped(runs: Sequence[Run], axis: str) -> dict[str, np.ndarray]:
    data: dict[str, np.ndarray] = {"groups": np.array([str(v) for v in by_axis(runs, axis)])}
    for value, group in by_axis(runs, axis).items():
        data.update(summary(group, prefix=f"{value}/"))
    return data


# --- figures ---------------------------------------------------------------------------------------
def fig2_data(runs):
    run = sorted_runs(runs)[0]
    a = run.arrays
    return {"epoch": a["history_epoch"], "D": a["history_D"], "R": a["history_R"], "beta": a["history_beta"],
            "rates": a["rates"], "entropy": np.array(run.metrics["entropy"]), "highlight": np.array(len(a["rates"]) // 2)}


def fig4_data(runs):
    run = sorted_runs(runs)[0]
    return {**summary(runs), "centre": run.arrays["centre"], "width": run.arrays["width"],
            "log_gain": run.arrays["log_gain"], "domain": np.array(run.params.get("domain", "linear"))}


def fig7_data(runs):
    data = {**summary(runs), **grid(runs[0])}
    idx = low_mid_high(data["rates"])
    data.update({"indices": np.array(idx), "error": per_x(runs, "error", idx)})
    return data


def allocation_data(runs):
    run = sorted_runs(runs)[0]
    data = {**summary(runs), **grid(run)}
    idx = low_mid_high(data["rates"])
    data.update({"indices": np.array(idx), "centre": run.arrays["centre"][idx], "width": run.arrays["width"][idx],
                 "domain": np.array(run.params.get("domain", "linear"))})
    return data


fig8_data = allocation_data


def figS1_data(runs):
    run = sorted_runs(runs)[0]
    data = {**grid(run), "rates": run.arrays["rates"]}
    for i in range(len(run.arrays["rates"])):
        data.update(configuration(run, i, f"{i}/"))
    return data


def fig3_data(runs):
    run = sorted_runs(runs)[0]
    rates = run.arrays["rates"]
    return {**grid(run), **configuration(run, 0, "low/"), **configuration(run, len(rates) - 1, "high/")}


def figS7_data(runs):
    return {**fig7_data(runs), **{f"alloc/{k}": v for k, v in allocation_data(runs).items()}}


def fig5_data(runs):
    return grouped(runs, "n_neurons")


def fig6_data(runs):
    return grouped(runs, "n_samples")


figS5_data = fig6_data


def figS3_data(runs):
    return grouped(runs, "activity_prior")


def figS2_data(runs):
    data = grouped(runs, "likelihood")
    for value, group in by_axis(runs, "likelihood").items():
        data[f"{value}/error"] = per_x(group, "error", low_mid_high(group[0].arrays["rates"]))
    data.update(grid(runs[0]))
    return data


def figS4_data(runs):
    groups = by_axis(runs, "n_samples")
    run = sorted_runs(groups[max(groups)])[0]
    rates = run.arrays["rates"]
    return {**grid(run), "rates": rates, "centre": run.arrays["centre"],
            **configuration(run, len(rates) - 1, "high/")}


def fig9_data(runs, moore):
    table = read_moore(moore)
    data = {"moore_subject": table["subject"].to_numpy(), "moore_f_hz": table["f_hz"].to_numpy(),
            "moore_dl_hz": table["dl_hz"].to_numpy()}
    mean_dl = table.groupby("f_hz")["dl_hz"].mean()
    for likelihood, group in by_axis(runs, "likelihood").items():
        f_hz = group[0].arrays["grid_x"] * 1000.0
        threshold = 1000.0 / np.sqrt(np.mean([run.arrays["fisher"] for run in group], axis=0))  # Hz
        at_moore = np.array([np.interp(np.log(mean_dl.index), np.log(f_hz), t) for t in threshold])
        scale = np.exp(np.mean(np.log(mean_dl.to_numpy())[None, :] - np.log(at_moore), axis=1))  # per rate
        rhos, rates = threshold_correlations(group, moore)
        data.update({f"{likelihood}/f_hz": f_hz, f"{likelihood}/threshold": threshold * scale[:, None],
                     f"{likelihood}/rates": rates, f"{likelihood}/rho": rhos, f"{likelihood}/scale": scale})
    data["likelihoods"] = np.array(list(by_axis(runs, "likelihood")))
    return data
