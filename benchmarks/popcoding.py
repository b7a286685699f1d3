"""Benchmark: all target rates packed in one process vs one model per process (popcoding).

Run from the repository root:

    .venv/bin/python benchmarks/popcoding.py                 # paper sizes: N = 12, 2000 samples
    .venv/bin/python benchmarks/popcoding.py --neurons 8     # smaller, quicker

Measured side by side in this one run, each variant in its own single-threaded process, at the
same sizes (N neurons, M = 100 hidden, n training stimuli, batch 128, every rate of the paper's
grid):
  * packed: this project, K = 10 rates trained together in one process;
  * single: this project's code with K = 1, one model per process (how the original runs);
  * single-naive: one model per process with the distortion written out per pattern and glibc's
    default allocator behaviour (the rest, e.g. the decoder, is this project's code).
It also prints the ratio to the original code's 0.54 s per epoch at these sizes, measured on the
development machine when issue 5 was filed (a reference number, not re-measured here).
It prints model-epochs per second, the ratios, and the CPU-hours a paper configuration
(every sweep of config/popcoding.yaml's paper block) would take at the packed speed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORIGINAL_SECONDS_PER_EPOCH = 0.54
PAPER_RATES = [0.2, 0.4667, 0.7333, 1.0, 1.2667, 1.5333, 1.8, 2.0667, 2.3333, 2.6]


def measure(variant: str, neurons: int, samples: int, epochs: int) -> dict:
    """Runs in a child process: seconds per epoch of one training job."""
    import numpy as np
    import torch

    from neurosweep.harness import configure_threads
    from neurosweep.studies.popcoding import model, priors, training

    if variant == "single-naive":
        torch.set_num_threads(1)  # glibc defaults: every large temporary is a fresh mmap

        def naive_losses(p, x, patterns, domain, likelihood):
            eta = model.encoder_logits(p, model.encode_domain(x, domain))
            q = model.pattern_posterior(eta, patterns)
            mu, log_s = model.decoder_on_patterns(p, patterns)
            d = model.distortion_naive(q, mu, log_s, x, likelihood)
            return d, model.rate(p, eta, model.log_partition(p, patterns))

        model.losses = naive_losses
    else:
        configure_threads(1)
    rates = PAPER_RATES if variant == "packed" else PAPER_RATES[4:5]
    cfg = training.settings({"n_neurons": neurons, "n_samples": samples, "rates": rates,
                             "epochs": epochs + 1, "batch_size": 128})
    x = torch.tensor(priors.make_prior("lognormal").sample(samples, np.random.default_rng(0)))
    torch.manual_seed(0)
    training.train_models(x, {**cfg, "epochs": 1})  # warm-up (allocator, kernels)
    torch.manual_seed(0)
    start = time.perf_counter()
    training.train_models(x, {**cfg, "epochs": epochs})
    seconds = (time.perf_counter() - start) / epochs
    return {"variant": variant, "models": len(rates), "seconds_per_epoch": seconds,
            "model_epochs_per_second": len(rates) / seconds}


def paper_model_epochs() -> float:
    """Model-epochs of every sweep of the paper configuration, in units of the benchmarked one
    (N = 12, 2000 samples): an epoch costs about ∝ samples × 2^N."""
    sys.path.insert(0, str(ROOT / "src"))
    from neurosweep.workflow import load_plan

    plan = load_plan(ROOT, scale="paper")
    total = 0
    for name, sweep in plan.study("popcoding").sweeps.items():
        for point in sweep.points:
            if plan.owner("popcoding", name, point.path) != (name, point.path):
                continue  # trained once, for the sweep listed first
            params = sweep.params(point.path)
            scale = params["n_samples"] / 2000 * 2 ** params["n_neurons"] / 2 ** 12
            total += len(params["rates"]) * int(params["epochs"]) * scale
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--neurons", type=int, default=12)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per variant")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.neurons, args.samples, args.epochs)))
        return
    results = {}
    for variant in ("packed", "single", "single-naive"):
        out = subprocess.run([sys.executable, __file__, "--child", variant, "--neurons", str(args.neurons),
                              "--samples", str(args.samples), "--epochs", str(args.epochs)],
                             check=True, capture_output=True, text=True, cwd=ROOT).stdout
        results[variant] = json.loads(out.strip().splitlines()[-1])
        r = results[variant]
        print(f"{variant:13s} K={r['models']:2d}  {r['seconds_per_epoch']:.3f} s/epoch  "
              f"{r['model_epochs_per_second']:.2f} model-epochs/s", flush=True)
    packed = results["packed"]["model_epochs_per_second"]
    print(f"\nN = {args.neurons}, {args.samples} samples, batch 128, one thread per process")
    print(f"packed / single        : {packed / results['single']['model_epochs_per_second']:.1f}x")
    print(f"packed / single-naive  : {packed / results['single-naive']['model_epochs_per_second']:.1f}x "
          "(the original's formulation, one model per process)")
    if args.neurons == 12 and args.samples == 2000:
        # Reference number, not measured here: the original code on this machine (issue 5 of this
        # project): 0.54 s per epoch for one model at these sizes.
        print(f"packed / original code : {packed * ORIGINAL_SECONDS_PER_EPOCH:.1f}x "
              f"(the original's {ORIGINAL_SECONDS_PER_EPOCH} s/epoch, measured on this machine for issue 5)")
        work = paper_model_epochs()
        print(f"paper configuration: {work:,.0f} model-epochs (N = 12, 2000-sample equivalents) -> {work / packed / 3600:,.0f} CPU-hours packed, "
              f"{work / results['single-naive']['model_epochs_per_second'] / 3600:,.0f} one model per process")


if __name__ == "__main__":
    main()
