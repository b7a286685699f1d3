"""Fig. 3 (the torus, and the sheet panels): 2-D latents: per cell, the image grid over the
latent, the activation map and the image phase (and orientation) over the latent."""
import numpy as np

from .common import cell_names, new_figure, show_image


def draw(data):
    cells = cell_names(data)
    maps = [k for k in ("phase", "orientation") if any(f"{c}/{k}_map" in data for c in cells)]
    fig, grid = new_figure(len(cells), 2 + len(maps), height=2.4)
    for i, cell in enumerate(cells):
        show_image(fig.add_subplot(grid[i, 0]), data[f"{cell}/grid"],
                   title=f"{cell} (seed {int(data[f'{cell}/seed'])})")
        ax = fig.add_subplot(grid[i, 1])
        image = ax.imshow(data[f"{cell}/act_map"], vmin=0, vmax=1, cmap="viridis", origin="lower",
                          extent=(0, 2 * np.pi, 0, 2 * np.pi))
        ax.set_title("activation / r*"); ax.set_xlabel("z₂"); ax.set_ylabel("z₁")
        fig.colorbar(image, ax=ax, shrink=0.8)
        for j, key in enumerate(maps):
            ax = fig.add_subplot(grid[i, 2 + j])
            if f"{cell}/{key}_map" in data:
                image = ax.imshow(np.mod(data[f"{cell}/{key}_map"], 2 * np.pi), vmin=0, vmax=2 * np.pi,
                                  cmap="twilight", origin="lower", extent=(0, 2 * np.pi, 0, 2 * np.pi))
                fig.colorbar(image, ax=ax, shrink=0.8)
            ax.set_title(key); ax.set_xlabel("z₂")
    return fig
