"""Figs. S2/S8: Gaussian vs log-normal decoder: D–R curves with the bound, their gaps, and the
coding error ε²(x) at low, middle and high rates."""
from .common import dr_panel, grid_of, versus_rate


def draw(data):
    fig, axes = grid_of(2 + len(data["groups"]), per_row=2)
    for group in data["groups"]:
        dr_panel(axes[0], data, f"{group}/", label=f"{group} decoder")
        versus_rate(axes[1], data, "gap", "D + R − H(π) (nats)", f"{group}/", label=group)
    axes[0].legend()
    for ax, group in zip(axes[2:], data["groups"]):
        for row in data[f"{group}/error"]:
            ax.loglog(data["x"], row)
        ax.set_title(f"{group} decoder"); ax.set_xlabel("stimulus x"); ax.set_ylabel("ε²(x)")
    return fig
