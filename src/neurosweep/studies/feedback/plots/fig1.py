"""Fig. 1b-d: the modulated read-out inverts each new mixing; clarity of y vs x; the error and
‖W − W*‖ after a switch."""
import numpy as np

from .common import clarity_axis, grid_of, traces_panel, violins


def draw(data):
    fig, (a, b, c, d) = grid_of(4, per_row=2)
    traces_panel(a, data)
    violins(b, [data["clarity_x"], data["clarity_y"]], ["stimuli x", "output y"])
    clarity_axis(b)
    t = np.arange(len(data["error_profile"]))
    c.plot(t, data["error_profile"])
    c.set_xlabel("time since the switch (steps)"); c.set_ylabel("‖s − y‖")
    d.plot(t, data["weight_deviation"])
    d.set_xlabel("time since the switch (steps)"); d.set_ylabel("‖W − A⁻¹‖")
    return fig
