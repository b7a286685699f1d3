"""Fig. 8: tuning widths vs π(c) (log-log) at three rates; exponents of width and of neuron
density vs R*; Fisher-information exponent vs R* (infomax reference 2)."""
import numpy as np

from .common import grid_of, versus_rate


def draw(data):
    fig, axes = grid_of(3)
    panels(axes, data)
    return fig


def panels(axes, data):
    u = np.log(data["x"]) if str(data["domain"]) == "log" else data["x"]
    log_pi = data["log_pi"] + (np.log(data["x"]) if str(data["domain"]) == "log" else 0)
    for row, i in enumerate(data["indices"]):
        pi_c = np.exp(np.interp(data["centre"][row], u, log_pi))
        axes[0].loglog(pi_c, data["width"][row], "o", ms=3, label=f"R* = {data['rates'][i]:.2g}")
    axes[0].set_xlabel("π(c)"); axes[0].set_ylabel("width σ"); axes[0].legend()
    versus_rate(axes[1], data, "density_exponent", "exponent", label="density d ∝ π^γ_d")
    versus_rate(axes[1], data, "width_exponent", "exponent", label="width σ ∝ π^−γ_w (slope)")
    axes[1].axhline(0, color="0.6", lw=0.8); axes[1].legend()
    versus_rate(axes[2], data, "fisher_exponent", "FI ∝ π^α: α")
    axes[2].axhline(2, color="0.6", ls="--", lw=1)
