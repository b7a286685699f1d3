"""Figure data of the feedback study: what each figure shows, from a sweep's runs.

Each ``figX_data(runs)`` returns flat arrays; the drawings in ``plots/`` only plot them.
Values of a grid axis that are strings (``width: box``) are kept as strings.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from neurosweep.aggregate import Run

from .claims import metric, one, select


def first(runs: Sequence[Run], **values) -> Run:
    chosen = sorted(select(runs, **values), key=lambda run: run.point.get("seed", 0))
    if not chosen:
        raise ValueError(f"no run with {values}")
    return chosen[0]


def traces(run: Run) -> dict[str, np.ndarray]:
    a = run.arrays
    out = {key: a[key] for key in ("example_s", "example_x", "example_y", "example_mod") if key in a}
    out["context_length"] = np.array(run.params["context_length"])
    return out


def fig1_data(runs):
    run = first(runs)
    out = traces(run)
    out["clarity_y"] = np.concatenate([r.arrays["clarity"] for r in runs])
    out["clarity_x"] = np.concatenate([r.arrays["clarity_input"] for r in runs])
    out["error_profile"] = np.mean([r.arrays["error_profile"] for r in runs], axis=0)
    out["weight_deviation"] = np.mean([r.arrays["weight_deviation"] for r in runs], axis=0)
    return out


def fig1e_data(runs):
    levels = sorted({run.point["noise"] for run in runs})
    signal_sd = 0.71  # sd of a unit sine, the order of the mixed signals
    return {"noise": np.array(levels), "snr_db": 20 * np.log10(signal_sd / np.array(levels)),
            "clarity": np.array([one(runs, noise=level) for level in levels]),
            "clarity_sd": np.array([np.concatenate([r.arrays["clarity"] for r in select(runs, noise=level)]).std()
                                    for level in levels]),
            "clarity_input": np.array(one(runs, "clarity_input"))}


def fig2_data(runs):
    taus = sorted({run.point["tau"] for run in runs})
    out = {"tau_over_nt": np.array(taus) / float(runs[0].params["context_length"]),
           "clarity_input": np.array(one(runs, "clarity_input"))}
    for inputs in ("xy", "x", "y"):
        out[f"clarity_{inputs}"] = np.array([one(runs, tau=t, inputs=inputs) for t in taus])
        out[f"clarity_{inputs}_sd"] = np.array([np.std(first(runs, tau=t, inputs=inputs).arrays["clarity"]) for t in taus])
    fast, slow = first(runs, tau=min(taus), inputs="xy"), first(runs, tau=max(taus), inputs="xy")
    out["error_fast"], out["error_slow"] = fast.arrays["error_profile"], slow.arrays["error_profile"]
    return out


def fig3_data(runs):
    counts = sorted({run.point["n_fb"] for run in runs})
    default = first(runs, n_fb=4) if select(runs, n_fb=4) else first(runs)
    out = traces(default)
    out.update(n_fb=np.array(counts), clarity=np.array([one(runs, n_fb=n) for n in counts]),
               clarity_input=np.array(one(runs, "clarity_input")))
    return out


def by_width(runs):
    widths = list(dict.fromkeys(run.point["width"] for run in runs))
    return widths, [str(w) for w in widths]


def fig3e_data(runs):
    widths, labels = by_width(runs)
    return {"width_label": np.array(labels), "clarity": np.array([one(runs, width=w) for w in widths]),
            "final_loss": np.array([one(runs, "final_loss", width=w) for w in widths]),
            "clarity_input": np.array(one(runs, "clarity_input"))}


def fig4_data(runs):
    run = first(runs)
    a = run.arrays
    return {"unit_clarity": a["unit_clarity"].mean(0), "readout_weight": a["readout_weight"],
            "clarity_y": a["clarity"], "clarity_x": a["clarity_input"],
            "decoding": np.array([run.metrics[f"decoding_{k}"] for k in ("x", "z", "y")]),
            "decoding_label": np.array(["x", "z", "y"])}


def fig5_data(runs):
    run = first(runs)
    a = run.arrays
    return {"angles": a["freeze_angles"], "plane_angles": a["freeze_plane_angles"],
            "distance": a["freeze_distance"], "same_side": a["freeze_same_side"],
            "example_z": a["freeze_example_z"], "example_y": a["freeze_example_y"],
            "context_length": np.array(run.params["context_length"])}


def fig6_data(runs):
    run = first(runs)
    m = run.metrics
    keys = ("x", "z_low", "z", "m", "y")
    return {**traces(run), "clarity_y": run.arrays["clarity"], "clarity_x": run.arrays["clarity_input"],
            "unit_clarity": run.arrays["unit_clarity"].mean(0),
            "decoding": np.array([m[f"decoding_{k}"] for k in keys]),
            "decoding_label": np.array(["x", "z_L", "z_H", "m", "y"]),
            "angles": run.arrays["freeze_angles"]}


def fig7_data(runs):
    run = first(runs)
    keys = ("context_z_low", "context_z", "context_m", "context_m_quadratic", "context_m_inverse")
    return {"context_r2": np.array([run.metrics[k] for k in keys]),
            "context_label": np.array(["z_L", "z_H", "m", "m (quadratic)", "m -> A^-1"])}


def figS1_data(runs):
    windows = sorted(run.point["window"] for run in runs)
    run = first(runs)
    return {"window": np.array(windows), "clarity": np.array([one(runs, window=w) for w in windows]),
            "clarity_input": np.array(one(runs, "clarity_input")),
            "linear_clarity": run.arrays["linear_clarity"], "linear_distance": run.arrays["linear_distance"]}


def figS2_data(runs):
    return {"loss": np.stack([r.arrays["loss"] for r in runs]),
            "clarity": metric(runs, "clarity"), "seed": np.array([r.point["seed"] for r in runs]),
            "test_lengths": runs[0].arrays["test_lengths"],
            "test_length_clarity": np.stack([r.arrays["test_length_clarity"] for r in runs])}


def figS3_data(runs):
    names = [run.point["sources"] for run in runs]
    return {"sources": np.array(names), "clarity": metric(runs, "clarity"),
            "clarity_input": metric(runs, "clarity_input")}


def figS5_data(runs):
    run = first(runs)
    return {"bank_clarity": run.arrays["bank_clarity"], "frequencies": run.arrays["bank_frequencies"],
            "trained_pairs": np.array(run.params["bank_pairs"])}


def figS6_data(runs):
    cases = ("clarity", "clarity_new_sources", "clarity_unnormalised")
    out = {"cases": np.array(["control", "new sources", "unnorm. contexts"])}
    for normalised, name in ((True, "trained_normalised"), (False, "trained_unnormalised")):
        if select(runs, normalised=normalised):
            out[name] = np.array([one(runs, key, normalised=normalised) for key in cases])
    return out


def figS7_data(runs):
    counts = sorted({run.point["n_fb"] for run in runs})
    widths, labels = by_width(runs)
    grid = np.array([[one(runs, n_fb=n, width=w) for w in widths] for n in counts])
    return {"n_fb": np.array(counts), "width_label": np.array(labels), "clarity": grid,
            "clarity_input": np.array(one(runs, "clarity_input"))}


def figS8_data(runs):
    targets = list(dict.fromkeys(run.point["target"] for run in runs))
    inh = sorted({run.point["n_inh"] for run in runs})
    grid = np.array([[one(runs, target=t, n_inh=n) for n in inh] for t in targets])
    return {"target": np.array(targets), "n_inh": np.array(inh), "clarity": grid,
            "clarity_input": np.array(one(runs, "clarity_input"))}
