"""Render every trained run on fixed evaluation grids and measure its manifold.

Figures and metrics use the ``render`` mode of the config: ``frozen`` (default: each layer's
statistics fixed on the un-jittered training grid, so an image depends only on its z) or
``batch`` (the original: each panel rendered as its own batch). Either way the diagnostic
``alone_*`` metrics show what the original's rendering does to a single latent point.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from . import analysis, contrastive, cppn, training
from .neurons import COMPLEX_ORIENTATION, Neuron, quadrature_pair

ROW, CIRCLE = 9, 12  # images in the row and circle panels (as the original's figures)
CHUNK = 1024  # latents per render call where the render does not depend on its batch
N_ALONE = 12  # latents rendered one at a time for the batch-dependence diagnostic


def eval_latents(n: int, n_latent: int) -> torch.Tensor:
    return contrastive.latent_grid(n, n_latent)


class Renderer:
    """Renders a pack's trained runs in one render mode."""

    def __init__(self, params, arch: cppn.Architecture, schedule: training.Schedule, runs, mode: str):
        self.params, self.arch, self.schedule, self.runs, self.mode = params, arch, schedule, runs, mode
        grid = contrastive.latent_grid(schedule.grid, len(arch.periodic))
        self.grid = grid[None].expand(len(runs), -1, -1)
        self.stats = (cppn.normalisation_stats(params, arch, self.grid, schedule.res)
                      if schedule.norm == "batch" else None)

    @torch.no_grad()
    def images(self, z: torch.Tensor, mode: str | None = None) -> torch.Tensor:
        """Prepared images (R, N, H, W) for latents z (N, d), the same for every run."""
        mode = mode or self.mode
        if self.schedule.norm != "batch":
            norm, stats = self.schedule.norm, None  # batch-independent by construction
        else:
            norm, stats = ("frozen", self.stats) if mode == "frozen" else ("batch", None)
        # a batch-independent render can go in chunks (bounded memory for 100 x 100 latents)
        chunk = len(z) if norm == "batch" else CHUNK
        parts = []
        for start in range(0, len(z), chunk):
            zz = z[start:start + chunk][None].expand(len(self.runs), -1, -1)
            raw = cppn.render(self.params, self.arch, zz, self.schedule.res, norm=norm, stats=stats)
            parts.append(training.prepare(self.runs, raw))
        return torch.cat(parts, dim=1)


def phase_pair(neuron) -> np.ndarray | None:
    """The quadrature pair an image's phase is read with, or None where phase is undefined."""
    if not isinstance(neuron, Neuron) or neuron.cell == "orientation":
        return None
    theta = COMPLEX_ORIENTATION if neuron.cell == "complex" else 0.0
    return quadrature_pair(neuron.res, theta).numpy()


def image_phase(neuron, images: np.ndarray) -> np.ndarray | None:
    """Phase of each image; for a phase+orientation cell at the image's preferred orientation."""
    if isinstance(neuron, Neuron) and neuron.cell.startswith("phase_orientation"):
        dots = images.reshape(len(images), -1) @ neuron.filters.numpy().T
        pairs = dots.reshape(len(images), -1, 2)
        best = np.sqrt((pairs ** 2).sum(-1)).argmax(1)
        chosen = pairs[np.arange(len(images)), best]
        return np.arctan2(chosen[:, 1], chosen[:, 0])
    pair = phase_pair(neuron)
    return None if pair is None else analysis.phase(images, pair)


def image_orientation(neuron, images: np.ndarray) -> np.ndarray | None:
    """Preferred orientation on one turn, for the cells invariant to orientation."""
    if not isinstance(neuron, Neuron) or neuron.cell not in (
            "orientation", "phase_orientation", "phase_orientation_cylinder"):
        return None
    filters = neuron.filters.numpy()
    if neuron.cell == "orientation":
        return analysis.orientation(images, filters, 1, 2 * math.pi)  # period 2pi: one turn
    span = 2 * math.pi if neuron.cell == "phase_orientation" else math.pi / 2
    theta = analysis.orientation(images, filters, 2, span)
    return analysis.as_turn(theta, math.pi if neuron.cell == "phase_orientation" else span)


def evaluate(params, arch, schedule, runs, render: str, n_eval: int) -> list[tuple[dict, dict]]:
    """(metrics, arrays) of every run of a pack."""
    renderer = Renderer(params, arch, schedule, runs, render)
    n_latent = len(arch.periodic)
    z = eval_latents(n_eval, n_latent)
    images = renderer.images(z)
    act = training.responses(runs, images).numpy()
    images = images.numpy()
    alone = alone_diagnostic(renderer, z)
    out = []
    for r, run in enumerate(runs):
        metrics = analysis.activation_stats(act[r])
        metrics["mean_corr"] = analysis.mean_pairwise_correlation(images[r])
        metrics["invariance_extent"] = analysis.invariance_extent(act[r], images[r])
        metrics["r_max"] = float(run.neuron.r_max)
        metrics.update(alone[r])
        arrays = {"z": z.numpy(), "act": act[r]}
        ph, ori = image_phase(run.neuron, images[r]), image_orientation(run.neuron, images[r])
        if ph is not None:
            arrays["phase"] = ph
        if ori is not None:
            arrays["orientation"] = ori
        if n_latent == 1:
            metrics.update(loop_metrics(run.neuron, images[r], ph, ori))
            arrays.update(row_and_circle(renderer, r))
        else:
            metrics.update(sheet_metrics(ph, ori, n_eval, arch.periodic))
            arrays.update(grid_panel(renderer, r))
        out.append((metrics, arrays))
    return out


def loop_metrics(neuron, images, ph, ori) -> dict:
    metrics = {}
    if ph is not None:
        metrics["phase_winding"] = analysis.winding(ph)
        metrics["phase_coverage"] = analysis.coverage(ph)
    if ori is not None:
        metrics["orientation_winding"] = analysis.winding(ori)
        metrics["orientation_coverage"] = analysis.coverage(ori)
    if isinstance(neuron, Neuron) and neuron.cell in ("polarity", "simple"):
        metrics["sign_switches"] = analysis.sign_switches(images, neuron.filters[0].numpy())
    return metrics


def sheet_metrics(ph, ori, n_eval: int, periodic: tuple[bool, ...]) -> dict:
    """2-D latents: coverage, and winding along each latent axis (disentanglement)."""
    metrics = {}
    for name, angles in (("phase", ph), ("orientation", ori)):
        if angles is None:
            continue
        metrics[f"{name}_coverage"] = analysis.coverage(angles)
        windings = analysis.winding_per_axis(angles, n_eval)
        for axis, w in enumerate(windings):
            # on an open axis the loop is closed by the jump from the last point to the first
            metrics[f"{name}_winding_axis{axis}"] = w if periodic[axis] else math.nan
        if all(periodic):
            metrics[f"{name}_alignment"] = analysis.axis_alignment(windings)
    return metrics


def row_and_circle(renderer: Renderer, r: int) -> dict:
    """The row (9) and circle (12) panels, each rendered as its own batch, as the original."""
    row = renderer.images(eval_latents(ROW, 1))[r].numpy()
    circle = renderer.images(eval_latents(CIRCLE, 1))[r].numpy()
    return {"row_images": row, "circle_images": circle}


def grid_panel(renderer: Renderer, r: int, n: int = 10) -> dict:
    """A 10 x 10 image grid over the 2-D latent."""
    return {"grid_images": renderer.images(eval_latents(n, 2))[r].numpy()}


def alone_diagnostic(renderer: Renderer, z_full: torch.Tensor) -> list[dict]:
    """Render N_ALONE latents one at a time with the original's batch statistics and compare
    with the same latents in the evaluation render: the original's images change with their
    batch (an image rendered alone is the same for every z)."""
    pick = torch.linspace(0, len(z_full) - 1, N_ALONE).round().long()
    reference = renderer.images(z_full[pick], mode="frozen")
    alone = torch.cat([renderer.images(z_full[i:i + 1], mode="batch") for i in pick.tolist()], dim=1)
    act_alone = training.responses(renderer.runs, alone).numpy()
    out = []
    for r in range(len(renderer.runs)):
        corr = analysis.correlation_of_renders(alone[r].numpy(), reference[r].numpy())
        out.append({"alone_corr_mean": float(corr.mean()), "alone_corr_min": float(corr.min()),
                    "alone_act_mean": float(act_alone[r].mean())})
    return out


def training_metrics(curves: dict, r: int, steps_per_phase: int) -> dict:
    """Loss behaviour (notes §1.1 item 8) from the logged curves of run r."""
    step = curves["step"].numpy()
    act, reg = curves["act"][r].numpy(), curves["reg"][r].numpy()
    phase1 = step <= steps_per_phase
    first = phase1 & (step <= max(step[phase1].min(), 0.2 * steps_per_phase))
    last1 = phase1 & (step > 0.8 * steps_per_phase)
    return {"reg_start": float(reg[first].mean()), "reg_end_phase1": float(reg[last1].mean()),
            "act_end_phase1": float(act[last1].mean()), "act_final": float(act[-1]),
            "reg_final": float(reg[-1])}
