"""Benchmark: CPPN runs packed in one process vs one run per process (invariances).

Run from the repository root:

    .venv/bin/python benchmarks/invariances.py            # paper sizes: G = 100, 30 x 30 images
    .venv/bin/python benchmarks/invariances.py --quick    # the quick config's sizes

Measured side by side in this one run, each variant in its own single-threaded process, at the
same sizes (1-D circle latent, G latents, res x res images, 8 runs: 4 cells x 2 seeds):
  * original-style: one run per process, written the way the original is (an nn.Sequential with
    BatchNorm1d over a concatenated (G*res*res, 22) input built every step, the correlation
    matrix from torch.corrcoef); this project's own code, for comparison;
  * single: this project's training step, one run per process;
  * packed: this project's training step, all 8 runs in one process.
It prints run-steps per second, the ratios, and the CPU-hours of the paper configuration
(config/invariances.yaml, paper block, without the macaque stage) at the packed speed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CELLS = ["complex", "simple", "orientation", "polarity"]


def measure(variant: str, grid: int, res: int, steps: int) -> dict:
    """In a child process: seconds per step of the variant (after two warm-up steps)."""
    import torch

    from neurosweep.harness import keep_freed_memory
    from neurosweep.studies.invariances import contrastive, cppn, neurons, training

    torch.set_num_threads(1)
    keep_freed_memory()  # as every training job does (harness); the same for every variant
    cells = CELLS if variant == "packed" else CELLS[:1]
    runs = [training.Run(seed, 0.3, neurons.make_neuron(cell, res)) for cell in cells for seed in (41, 42)]
    runs = runs if variant == "packed" else runs[:1]
    arch = cppn.Architecture("circle")
    if variant == "original-style":
        step = original_style_step(runs[0], grid, res)
    else:
        sched = training.Schedule(grid=grid, res=res, steps_per_phase=steps + 2)
        params = cppn.init_params(arch, [run.seed for run in runs])
        optimiser = torch.optim.Adam(cppn.trainable(params, "batch"), lr=0.01)
        masks = contrastive.neighbours(grid, arch.periodic)
        tau = torch.full((len(runs),), 0.3)
        base = contrastive.latent_grid(grid, 1)
        gen = torch.Generator().manual_seed(0)

        def step():
            z = torch.stack([contrastive.jitter(base, grid, gen) for _ in runs])
            act, reg = training.objective(params, arch, sched, runs, z, masks, tau)
            loss = -(act + reg).sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    for _ in range(2):
        step()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = (time.perf_counter() - started) / steps
    return {"variant": variant, "runs": len(runs), "seconds_per_step": seconds}


def original_style_step(run, grid: int, res: int):
    """One run written as the original is structured (own code): the full input tensor, a
    Sequential of Linear / BatchNorm1d / LeakyReLU, torch.corrcoef for the similarities."""
    import math

    import torch
    from torch import nn

    from neurosweep.studies.invariances import contrastive

    torch.manual_seed(run.seed)
    fourier = torch.randn(2, 10)
    layers, width = [], 22
    for _ in range(7):
        layers += [nn.Linear(width, 15), nn.BatchNorm1d(15, track_running_stats=False), nn.LeakyReLU(0.01)]
        width = 15
    net = nn.Sequential(*layers, nn.Linear(15, 1), nn.Tanh())
    optimiser = torch.optim.Adam(net.parameters(), lr=0.01)
    axis = torch.linspace(-1, 1, res)
    rows, cols = torch.meshgrid(axis, axis, indexing="ij")
    positions = torch.stack([rows.reshape(-1), cols.reshape(-1)], 1) @ fourier
    pixel_features = torch.cat([positions.sin(), positions.cos()], 1)
    pos, neg = contrastive.neighbours(grid, (True,))
    base = contrastive.latent_grid(grid, 1)

    def step():
        z = base + (torch.rand(1) * 2 - 1) * math.pi / grid
        latent = torch.cat([z.sin(), z.cos()], 1)
        inputs = torch.cat([pixel_features[None].expand(grid, -1, -1),
                            latent[:, None].expand(-1, res * res, -1)], 2).reshape(-1, 22)
        images = net(inputs).reshape(grid, res, res)
        images = images - images.mean((1, 2), keepdim=True)
        images = images / images.reshape(grid, -1).std(1)[:, None, None] * 0.2
        act = run.neuron.response(images).mean() / run.neuron.r_max
        corr = torch.corrcoef(images.reshape(grid, -1))
        reg = contrastive.contrastive_term(corr, pos, neg, 0.3)
        loss = -(act + reg)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return step


def child(variant: str, grid: int, res: int, steps: int) -> dict:
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import invariances as b; "
            f"print(json.dumps(b.measure({variant!r}, {grid}, {res}, {steps})))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True,
                         env={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PATH": "/usr/bin:/bin",
                              "PYTHONPATH": str(ROOT / "src")})
    return json.loads(out.stdout.strip().splitlines()[-1])


def paper_run_steps() -> dict[str, tuple[int, int]]:
    """Run-steps of each paper sweep's own points, and its images per step. Points another
    sweep already has are left out: temperature's are circle points, as are grid_size's G = 100."""
    import yaml

    block = yaml.safe_load((ROOT / "config" / "invariances.yaml").read_text())["invariances"]["paper"]["sweeps"]
    circle_grid = block["circle"]["settings"]["grid"]
    totals = {}
    for name, sweep in block.items():
        if name in ("macaque", "temperature"):
            continue
        settings, axes = sweep["settings"], dict(sweep["grid"])
        if name == "grid_size":
            axes["grid"] = [g for g in axes["grid"] if g != circle_grid]
        count = 1
        for values in axes.values():
            count *= len(values)
        steps = settings["steps_per_phase"] * len(settings["reg_coefs"])
        images = settings["grid"] ** (1 if settings["topology"] == "circle" else 2)
        totals[name] = (count * steps, images)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the quick config's sizes (G = 40, 20 x 20)")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per variant")
    args = parser.parse_args()
    grid, res = (40, 20) if args.quick else (100, 30)
    steps = args.steps or (30 if args.quick else 15)
    print(f"invariances benchmark: circle latent, G = {grid}, {res}x{res} images, {steps} timed steps, "
          "one thread per process")
    results = [child(v, grid, res, steps) for v in ("original-style", "single", "packed")]
    base = results[0]["runs"] / results[0]["seconds_per_step"]
    print(f"{'variant':<16}{'runs':>5}{'s/step':>10}{'run-steps/s':>13}{'vs original-style':>19}")
    for r in results:
        rate = r["runs"] / r["seconds_per_step"]
        print(f"{r['variant']:<16}{r['runs']:>5}{r['seconds_per_step']:>10.4f}{rate:>13.1f}{rate / base:>18.2f}x")
    packed_rate = results[2]["runs"] / results[2]["seconds_per_step"]
    if not args.quick:
        total_hours = 0.0
        print("paper configuration at the packed speed (cost scales with the images per step):")
        for name, (run_steps, images) in paper_run_steps().items():
            hours = run_steps / packed_rate * (images / grid) / 3600
            total_hours += hours
            print(f"  {name:<10} {run_steps / 1e6:6.2f} M run-steps x {images} images: {hours:7.1f} CPU-h")
        print(f"  total {total_hours:.0f} CPU-h packed (one run per process, original-style: "
              f"{total_hours * packed_rate / base:.0f} CPU-h); the macaque stage is not included")


if __name__ == "__main__":
    main()
