"""Fig. 7: coding error ε²(x) vs x at a low, a middle and a high rate, with π(x); ε² vs π on
log-log axes; the fitted exponent γ_e (ε² ∝ π^−γ_e) vs R*."""
import numpy as np

from .common import grid_of, versus_rate


def draw(data):
    fig, axes = grid_of(3)
    panels(axes, data)
    return fig


def panels(axes, data):
    pi = np.exp(data["log_pi"])
    for row, i in enumerate(data["indices"]):
        label = f"R* = {data['rates'][i]:.2g}"
        axes[0].plot(data["x"], data["error"][row], label=label)
        axes[1].loglog(pi, data["error"][row], label=label)
    axes[0].set_yscale("log"); axes[0].set_xlabel("stimulus x"); axes[0].set_ylabel("ε²(x)"); axes[0].legend()
    twin = axes[0].twinx(); twin.plot(data["x"], pi, color="0.7", lw=0.8); twin.set_ylabel("π(x)")
    axes[1].set_xlabel("π(x)"); axes[1].set_ylabel("ε²(x)")
    versus_rate(axes[2], data, "error_exponent", "γ_e")
