"""Fig. S7 (Gaussian prior): the panels of Figs. 7 and 8: coding error vs x and vs π, its
exponent, widths vs π(c) and the allocation exponents vs R*."""
from . import fig7, fig8
from .common import grid_of


def draw(data):
    fig, axes = grid_of(6)
    fig7.panels(axes[:3], data)
    fig8.panels(axes[3:], {k.split("/", 1)[1]: v for k, v in data.items() if k.startswith("alloc/")})
    return fig
