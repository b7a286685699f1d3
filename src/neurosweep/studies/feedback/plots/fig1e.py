"""Fig. 1e: clarity against the signal-to-noise ratio of the input."""
from .common import clarity_axis, grid_of


def draw(data):
    fig, (a,) = grid_of(1, width=3.4, per_row=1)
    a.errorbar(data["snr_db"], data["clarity"], yerr=data["clarity_sd"], marker="o", ms=3, label="output y")
    clarity_axis(a, data["clarity_input"])
    a.set_xlabel("SNR (dB)"); a.invert_xaxis(); a.legend()
    return fig
