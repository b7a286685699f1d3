"""Supplement: the temperature tau of the contrastive term (complex cell on a circle)."""
from .common import grid_of


def draw(data):
    fig, axes = grid_of(3, per_row=3)
    tau = data["tau"]
    for ax, key, label in zip(axes, ("act_min", "phase_coverage", "mean_corr"),
                              ("min activation / r*", "phase coverage", "mean pairwise correlation")):
        ax.errorbar(tau, data[key], yerr=data[f"{key}_sd"], marker="o", capsize=2)
        ax.set_xscale("log"); ax.set_xlabel("temperature τ"); ax.set_ylabel(label)
    axes[0].set_ylim(0, 1.05)
    axes[1].plot(tau, data["winding_ok"], "s--", color="#D55E00", label="fraction winding once")
    axes[1].legend()
    return fig
