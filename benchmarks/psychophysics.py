"""Benchmark: Fisher information by forward-mode AD vs finite differences, and the quick study.

Run from the repository root:

    .venv/bin/python benchmarks/psychophysics.py            # Fisher comparison + quick study
    .venv/bin/python benchmarks/psychophysics.py --no-study # Fisher comparison only

Everything is measured side by side in this one run, single-threaded, and printed as ratios:
  * jvp: one torch.func.jvp pass gives every layer's J for every stimulus (this project);
  * fd-all: central differences, two forward passes capturing all layers;
  * fd-per-layer: the original's scheme, two full forward passes per layer.
The same network, stimuli and dtype are used for all three.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

from neurosweep.studies.psychophysics.fisher import fisher_finite_difference, fisher_information
from neurosweep.studies.psychophysics.stimuli import angle_grid, gabor, phase_grid, probe_over_phases

ROOT = Path(__file__).resolve().parents[1]


def conv_net(size: int) -> list[tuple[str, nn.Module]]:
    """A small VGG-like network: 4 conv stages with ReLUs, then a linear read-out."""
    torch.manual_seed(0)
    layers, channels = [], 1
    for stage, width in enumerate([16, 32, 32, 64]):
        layers += [(f"conv{stage}", nn.Conv2d(channels, width, 3, padding=1)),
                   (f"relu{stage}", nn.ReLU()),
                   (f"pool{stage}", nn.MaxPool2d(2))]
        channels = width
    layers += [("flatten", nn.Flatten()), ("fc", nn.Linear(channels * (size // 16) ** 2, 100))]
    return layers


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def fisher_benchmark(size: int, n_angles: int, n_phases: int, repeats: int) -> None:
    layers = conv_net(size)
    probe = lambda theta, phase: gabor(theta, phase, size, freq=0.1, sigma=size / 5)[:, None]
    stimulus, params = probe_over_phases(probe, angle_grid(n_angles, torch.float32),
                                         phase_grid(n_phases, torch.float32))

    def per_layer_fd():
        # The original's scheme: the full network is run twice for every layer it measures.
        for depth in range(1, len(layers) + 1):
            fisher_finite_difference(layers[:depth], stimulus, params, delta=1e-2)

    with torch.no_grad():
        jvp_s = best_of(repeats, lambda: fisher_information(layers, stimulus, params))
        fd_s = best_of(repeats, lambda: fisher_finite_difference(layers, stimulus, params, delta=1e-2))
        per_layer_s = best_of(repeats, per_layer_fd)
    n = len(params)
    print(f"Fisher of {len(layers)} layers, {n} stimuli ({n_angles} orientations x {n_phases} "
          f"phases) of {size}x{size} px, float32, 1 thread, best of {repeats}:")
    print(f"  jvp (all layers, one pass)      {jvp_s:8.3f} s")
    print(f"  fd-all (two passes)             {fd_s:8.3f} s   ratio fd-all / jvp       = {fd_s / jvp_s:.2f}")
    print(f"  fd-per-layer (original scheme)  {per_layer_s:8.3f} s   ratio fd-per-layer / jvp = "
          f"{per_layer_s / jvp_s:.2f}")


def quick_study_benchmark() -> None:
    """Wall time of the whole quick psychophysics study from nothing, in a scratch copy."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "repo"
        shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
            ".venv", "results", "work", "logs", ".snakemake", ".git", "__pycache__"))
        snakemake = Path(sys.executable).with_name("snakemake")
        start = time.perf_counter()
        subprocess.run([str(snakemake), "--profile", "profiles/local", "--quiet", "all"],
                       cwd=copy, check=True, env={**os.environ, "PYTHONPATH": str(copy / "src")})
        wall = time.perf_counter() - start
    print(f"Quick psychophysics study, from nothing, 2 cores: {wall:.0f} s wall "
          f"(target <= 300 s: ratio {wall / 300:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64, help="stimulus size in pixels")
    parser.add_argument("--angles", type=int, default=36)
    parser.add_argument("--phases", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--no-study", action="store_true", help="skip the quick-study run")
    args = parser.parse_args()
    torch.set_num_threads(1)
    fisher_benchmark(args.size, args.angles, args.phases, args.repeats)
    if not args.no_study:
        quick_study_benchmark()


if __name__ == "__main__":
    main()
