"""Fig. 2: training dynamics: −ELBO = D + R, D and R per epoch (highlighted rate), the path in
the (R, D) plane with the bound, and the multiplier β per epoch."""
import numpy as np

from .common import grid_of


def draw(data):
    fig, (a, b, c) = grid_of(3)
    epoch, k = data["epoch"] + 1, int(data["highlight"])
    for key, colour in (("D", "#0072B2"), ("R", "#009E73")):
        a.plot(epoch, data[key][:, k], color=colour, label=key)
    a.plot(epoch, data["D"][:, k] + data["R"][:, k], color="k", label="−ELBO")
    a.axhline(float(data["entropy"]), color="0.6", ls="--", lw=1, label="H(π)")
    a.set_xscale("log"); a.set_xlabel("epoch"); a.set_ylabel("nats"); a.legend()
    a.set_title(f"R* = {data['rates'][k]:.2g}")
    b.plot(data["R"], data["D"], color="0.8", lw=0.8)
    b.plot(data["R"][:, k], data["D"][:, k], color="#D55E00")
    line = np.linspace(0, data["R"].max(), 20)
    b.plot(line, float(data["entropy"]) - line, "k--", lw=1)
    b.set_xlabel("R (nats)"); b.set_ylabel("D (nats)")
    c.plot(epoch, data["beta"], color="0.8", lw=0.8)
    c.plot(epoch, data["beta"][:, k], color="#D55E00")
    c.set_xscale("log"); c.set_xlabel("epoch"); c.set_ylabel("β")
    return fig
