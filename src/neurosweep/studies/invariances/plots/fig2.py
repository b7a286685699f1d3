"""Fig. 2 (and Fig. 5, the macaque neurons): per cell, images along the 1-D circle latent (a
row and a circle) and the activation along z for every seed, with the image phase or
orientation it sweeps."""
import numpy as np

from .common import activation_axis, cell_names, circle_panel, new_figure, show_image


def draw(data):
    cells = cell_names(data)
    fig, grid = new_figure(len(cells), 4, height=1.8)
    for i, cell in enumerate(cells):
        row = fig.add_subplot(grid[i, 0:2])
        show_image(row, data[f"{cell}/row"], title=f"{cell} (seed {int(data[f'{cell}/seed'])}): z from 0 to 2π")
        circle_panel(fig, grid[i, 2], data[f"{cell}/circle"])
        ax = fig.add_subplot(grid[i, 3])
        z = data[f"{cell}/z"]
        for curve in np.atleast_2d(data[f"{cell}/act"]):
            ax.plot(z, curve, color="#0072B2", lw=1, alpha=0.8)
        activation_axis(ax)
        ax.set_xlabel("latent z")
        for key, colour in (("phase", "#D55E00"), ("orientation", "#009E73")):
            if f"{cell}/{key}" in data:
                twin = ax.twinx()
                twin.plot(z, np.mod(data[f"{cell}/{key}"], 2 * np.pi), ".", ms=1.5, color=colour)
                twin.set_ylim(0, 2 * np.pi); twin.set_yticks([0, np.pi, 2 * np.pi], ["0", "π", "2π"])
                twin.set_ylabel(key, color=colour)
                break
    return fig
