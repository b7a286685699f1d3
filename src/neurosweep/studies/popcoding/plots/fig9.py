"""Fig. 9 (frequency prior): model discrimination thresholds 1/√FI(f), one scale factor per rate
fitted to Moore's mean difference limens, against Moore's three listeners."""
import numpy as np

from .common import grid_of


def draw(data):
    likelihoods = [str(v) for v in data["likelihoods"]]
    fig, axes = grid_of(len(likelihoods) + 1, per_row=len(likelihoods) + 1)
    for ax, lik in zip(axes, likelihoods):
        rates, rho = data[f"{lik}/rates"], data[f"{lik}/rho"]
        for i, rate in enumerate(rates):
            ax.loglog(data[f"{lik}/f_hz"], data[f"{lik}/threshold"][i], lw=1, label=f"R* = {rate:.2g}")
        for subject, marker in zip((1, 2, 3), "osd"):
            mine = data["moore_subject"] == subject
            ax.loglog(data["moore_f_hz"][mine], data["moore_dl_hz"][mine], marker, color="k", ms=4, mfc="none",
                      label=f"listener {subject}")
        ax.set_xlim(80, 12000); ax.set_ylim(0.1, 1000)
        ax.set_xlabel("frequency (Hz)"); ax.set_ylabel("threshold (Hz)"); ax.set_title(f"{lik} decoder")
        axes[-1].plot(rates, rho, "o-", ms=3, label=lik)
    axes[0].legend(fontsize=5)
    axes[-1].set_xlabel("target rate R* (nats)"); axes[-1].set_ylabel("Spearman ρ with Moore"); axes[-1].legend()
    return fig
