"""Fig. 2: clarity against the modulation's time constant (τ/n_t), for modulators that see
x and y, x only or y only; the error after a switch for fast and slow modulation."""
import numpy as np

from .common import clarity_axis, grid_of


def draw(data):
    fig, (a, b) = grid_of(2, per_row=2)
    for inputs, label in (("xy", "sees x and y"), ("x", "sees x"), ("y", "sees y")):
        a.errorbar(data["tau_over_nt"], data[f"clarity_{inputs}"], yerr=data[f"clarity_{inputs}_sd"],
                   marker="o", ms=3, label=label)
    clarity_axis(a, data["clarity_input"])
    a.set_xscale("log"); a.set_xlabel("τ / n_t"); a.legend()
    t = np.arange(len(data["error_fast"]))
    b.plot(t, data["error_fast"], label=f"τ/n_t = {data['tau_over_nt'][0]:.2g}")
    b.plot(t, data["error_slow"], label=f"τ/n_t = {data['tau_over_nt'][-1]:.2g}")
    b.set_xlabel("time since the switch (steps)"); b.set_ylabel("‖s − y‖"); b.legend()
    return fig
