"""Fig. 3 (Gaussian prior): tuning curves, coupling matrix J and q(x) vs π(x) at the lowest and
the highest target rate."""
from .common import coupling, grid_of, prior_and_model, tuning


def draw(data):
    fig, axes = grid_of(6)
    for row, prefix in enumerate(("low/", "high/")):
        tuning(axes[3 * row], data, prefix)
        axes[3 * row].set_title(f"R* = {float(data[prefix + 'rate']):.2g}")
        coupling(axes[3 * row + 1], data, prefix)
        prior_and_model(axes[3 * row + 2], data, prefix)
    axes[2].legend()
    return fig
