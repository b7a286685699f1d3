"""Fig. 3e: clarity against the width of the feedback kernel, from a box to uniform."""
from .common import clarity_axis, grid_of


def draw(data):
    fig, (a, b) = grid_of(2, per_row=2)
    labels = [str(label) for label in data["width_label"]]
    a.plot(range(len(labels)), data["clarity"], "o-")
    clarity_axis(a, data["clarity_input"])
    a.set_xticks(range(len(labels)), labels); a.set_xlabel("kernel width σ²"); a.legend()
    b.plot(range(len(labels)), data["final_loss"], "o-")
    b.set_xticks(range(len(labels)), labels); b.set_xlabel("kernel width σ²"); b.set_ylabel("final loss per step")
    b.set_yscale("log")
    return fig
