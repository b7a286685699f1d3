"""Fig. 4 (log-normal prior): D vs R with the bound D = H(π) − R; KL(π‖q); MI vs R with the
identity; MSE; H(p(r)); tuning layout vs R* (centre, marker size ∝ width, colour = log gain)."""
import numpy as np

from .common import dr_panel, grid_of, versus_rate


def draw(data):
    fig, axes = grid_of(6)
    dr_panel(axes[0], data); axes[0].legend()
    versus_rate(axes[1], data, "KL_pi_q", "KL(π‖q) (nats)")
    versus_rate(axes[2], data, "MI", "I(r; x) (nats)")
    axes[2].plot(data["rates"], data["rates"], "k--", lw=1, label="I = R*"); axes[2].legend()
    versus_rate(axes[3], data, "MSE", "MSE")
    versus_rate(axes[4], data, "H_prior", "H(p(r)) (nats)")
    rates = np.repeat(data["rates"][:, None], data["centre"].shape[1], axis=1)
    width = data["width"] / data["width"].max()
    points = axes[5].scatter(data["centre"], rates, s=5 + 60 * width, c=data["log_gain"], cmap="viridis")
    fig.colorbar(points, ax=axes[5], label="log gain")
    axes[5].set_xlabel("centre c" + (" (log x)" if str(data["domain"]) == "log" else ""))
    axes[5].set_ylabel("target rate R*")
    return fig
