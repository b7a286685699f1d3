"""Benchmark: the original's training loop, one model per process and packed rates (popcoding).

Run from the repository root:

    .venv/bin/python benchmarks/popcoding.py                 # paper sizes: N = 12, 2000 samples
    .venv/bin/python benchmarks/popcoding.py --neurons 8     # smaller, quicker
    .venv/bin/python benchmarks/popcoding.py --rounds 1      # one turn each, quicker and noisier

Measured side by side in this one run, each variant in its own single-threaded process, at the
same sizes (N neurons, M = 100 hidden, n training stimuli, batch 128):
  * original: a re-creation of the original's training loop (simonebmalerba/neural_VAE,
    distortion_rate.py), written for this benchmark (own code) from the research notes' account
    of it and a reading of the original: one model per target rate, an nn.Module-style encoder
    (log of a raw gain), an MLP decoder run on the [2^N, 1, N] pattern tensor, the Ising rate
    and the distortion summed over the [B, 2^N] posterior, the encoder evaluated twice per step,
    a hook zeroing J's diagonal gradient, a DataLoader without shuffling, the epoch sums kept as
    tensors, β moved once per epoch, glibc's default allocator, and the test evaluation on 3000
    stimuli every 100 epochs (its cost is measured and counted as 1/100 per epoch); only the
    per-epoch progress print is left out;
  * single: this project's trainer with K = 1, one model per process (how the original runs);
  * packed: this project's trainer, K = 10 rates of the paper's grid trained together;
  * single-naive: this project's trainer for one model with the distortion written out per
    pattern and glibc's default allocator (isolates the contraction of the 2^N sum).
The variants take turns for several rounds and each keeps its fastest round (a shared machine's
speed drifts), by wall clock and, separately, by the process's CPU time (which another process
holding the core does not inflate). Before timing, a check confirms that the re-creation computes the same D and R
as this project's model for the same parameters. It prints model-epochs per second, the ratios
between variants measured in this run (no time quoted from elsewhere enters them), and, at the
paper's sizes, CPU-hours the paper configuration (every sweep of config/popcoding.yaml's paper
block) would take at each measured CPU time, labelled as projections.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAPER_RATES = [0.2, 0.4667, 0.7333, 1.0, 1.2667, 1.5333, 1.8, 2.0667, 2.3333, 2.6]
VARIANTS = ("original", "single", "packed", "single-naive")
BATCH = 128
HIDDEN = 100
TEST_EVERY = 100  # the original evaluates D and R on its test set every 100 epochs
TEST_SIZE = 3000


class OriginalLoop:
    """The original's model and training loop for one target rate (a re-creation for timing).

    Own code. The operations follow the original's structure, because their cost is what is
    measured: the encoder is a quadratic form in x [B, 1] with the gain's log taken in the forward
    pass; the rate and the distortion each evaluate the encoder; log Z enumerates h·r + rᵀJr over
    the [N, 2^N] pattern matrix; q(r|x) is a [B, 2^N] exp; the decoder (Linear N→M, ReLU,
    Linear M→2) runs on the patterns as [2^N, 1, N] and is split and squeezed; the Gaussian
    log-likelihood is formed elementwise over [B, 2^N]. The initial centres and widths come from
    this project's deterministic k-means (the original uses scikit-learn's; initialisation is not
    timed)."""

    def __init__(self, x_train, n: int, rate_target: float):
        import itertools

        import torch
        from torch import nn

        from neurosweep.studies.popcoding.model import initial_tuning

        centres, widths = initial_tuning(x_train.numpy(), n, 2.0)  # the original's w = 2
        self.centre = nn.Parameter(torch.tensor(centres, dtype=torch.float32)[None, :])
        self.log_sigma = nn.Parameter(torch.log(torch.tensor(widths, dtype=torch.float32))[None, :])
        self.gain = nn.Parameter(torch.ones(1, n))  # raw A: log(A) in the forward pass
        self.field = nn.Parameter(torch.full((1, n), -1.0))
        w = torch.randn(n, n) * math.sqrt(1 / n)
        coupling = w * w.T
        coupling.fill_diagonal_(0)
        self.coupling = nn.Parameter(coupling)
        self.coupling.register_hook(lambda grad: grad.fill_diagonal_(0))
        self.layer1, self.layer2 = nn.Linear(n, HIDDEN), nn.Linear(HIDDEN, 2)
        self.patterns = torch.tensor(list(itertools.product([0, 1], repeat=n))).T.float()  # [N, 2^N]
        params = [self.centre, self.log_sigma, self.gain, *self.layer1.parameters(),
                  *self.layer2.parameters(), self.field, self.coupling]
        self.optimiser = torch.optim.Adam(params, 1e-4 if rate_target < 1.5 else 1e-3)
        self.batches = torch.utils.data.DataLoader(x_train[:, None], batch_size=BATCH)  # no shuffle
        self.rate_target, self.beta, self.epoch = rate_target, 1.0, 0
        self.history: dict[str, list] = {"loss": [], "distortion": [], "rate": [], "test": []}

    def logits(self, x):
        import torch

        half_precision = 0.5 * torch.exp(-2 * self.log_sigma)
        return (-(x ** 2) @ half_precision + 2 * x @ (self.centre * half_precision)
                - self.centre ** 2 * half_precision + torch.log(self.gain))

    def rate(self, x):
        import torch

        eta = self.logits(x)
        m = torch.sigmoid(eta).T  # [N, B]
        energy = self.field @ self.patterns + (self.patterns * (self.coupling @ self.patterns)).sum(0)
        kl = (((eta - self.field) * m.T).sum(1) - (m * (self.coupling @ m)).sum(0)
              - torch.log(1 + torch.exp(eta)).sum(1) + torch.logsumexp(energy, 1))
        return kl.mean()

    def distortion(self, x):
        import torch

        eta = self.logits(x)
        q = torch.exp(eta @ self.patterns + torch.nn.functional.logsigmoid(-eta).sum(1)[:, None])
        out = self.layer2(torch.relu(self.layer1(self.patterns.T[:, None, :])))
        mu, log_s = (part.squeeze() for part in torch.split(out, 1, dim=2))
        variance = torch.exp(2 * log_s)
        precision = 1 / variance
        mu_precision = mu * precision
        log_likelihood = (-0.5 * x ** 2 * precision + x * mu_precision - 0.5 * mu * mu_precision
                          - 0.5 * torch.log(2 * math.pi * variance))
        return -(q * log_likelihood).sum(1).mean()

    def train_epoch(self) -> None:
        import torch

        loss_sum = distortion_sum = rate_sum = 0
        for x in self.batches:
            rate = self.rate(x)
            distortion = self.distortion(x)
            loss = distortion + self.beta * rate
            self.optimiser.zero_grad()
            loss.backward()
            self.optimiser.step()
            loss_sum += distortion + rate  # tensors, as the original sums them
            distortion_sum += distortion
            rate_sum += rate
            if torch.isnan(loss):
                break
        n = len(self.batches)
        self.history["loss"].append(loss_sum.item() / n)
        self.history["distortion"].append(distortion_sum.item() / n)
        self.history["rate"].append(rate_sum.item() / n)
        self.beta = max(0.0, self.beta + 0.1 * (self.history["rate"][-1] - self.rate_target))
        self.epoch += 1

    def test(self, x_test) -> None:
        """The original's periodic test evaluation (with autograd on, as there)."""
        self.history["test"].append((self.distortion(x_test).mean().item(), self.rate(x_test).mean().item()))

    def as_packed_params(self):
        """These parameters in this project's layout (K = 1), for the check."""
        import torch

        with torch.no_grad():
            return {"centre": self.centre.clone(), "log_width": self.log_sigma.clone(),
                    "log_gain": torch.log(self.gain), "field": self.field.clone(),
                    "coupling": self.coupling[None].clone(),
                    "w1": self.layer1.weight.T[None].clone(), "b1": self.layer1.bias[None].clone(),
                    "w2": self.layer2.weight.T[None].clone(), "b2": self.layer2.bias[None].clone()}


class Clock:
    """Wall-clock and CPU time of this process since it was made. The processes are
    single-threaded, so on an idle machine the two agree; on a shared one the wall clock also
    counts the time another process held the core, the CPU time does not."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self, per: int = 1) -> tuple[float, float]:
        return (time.perf_counter() - self.wall) / per, (time.process_time() - self.cpu) / per


def stimuli(samples: int, seed: int = 0):
    import numpy as np
    import torch

    from neurosweep.studies.popcoding import priors

    return torch.tensor(priors.make_prior("lognormal").sample(samples, np.random.default_rng(seed)),
                        dtype=torch.float32)


def check_recreation(neurons: int, samples: int) -> dict:
    """Runs in a child process: D and R of the re-creation against this project's model, for the
    same parameters and stimuli, at initialisation and after one epoch of the original's loop."""
    import torch

    from neurosweep.studies.popcoding import model

    torch.set_num_threads(1)
    torch.manual_seed(0)
    x = stimuli(samples)
    loop = OriginalLoop(x, neurons, PAPER_RATES[4])
    patterns = model.all_patterns(neurons)
    worst = 0.0
    for trained_epochs in range(2):
        if trained_epochs:
            loop.train_epoch()
        with torch.no_grad():
            theirs = torch.stack([loop.distortion(x[:, None]), loop.rate(x[:, None])])
            d, r = model.losses(loop.as_packed_params(), x, patterns, "linear", "gaussian")
        ours = torch.stack([d.mean(), r.mean()])
        worst = max(worst, float(((theirs - ours).abs() / ours.abs().clamp(min=1)).max()))
    if not worst < 1e-4:
        raise SystemExit(f"the re-created original computes other D and R than this project's model "
                         f"(relative difference {worst:.1e})")
    return {"variant": "check", "relative_difference": worst}


def measure(variant: str, neurons: int, samples: int, epochs: int) -> dict:
    """Runs in a child process: seconds per epoch of one training job."""
    import torch

    from neurosweep.harness import configure_threads
    from neurosweep.studies.popcoding import model, training

    x = stimuli(samples)
    if variant == "original":
        torch.set_num_threads(1)  # glibc's defaults, as the original runs
        torch.manual_seed(0)
        loop = OriginalLoop(x, neurons, PAPER_RATES[4])
        x_test = stimuli(TEST_SIZE, seed=1).sort().values[:, None]
        loop.train_epoch()  # warm-up (allocator, kernels)
        loop.test(x_test)
        clock = Clock()
        for _ in range(epochs):
            loop.train_epoch()
        train = clock.read(epochs)
        clock = Clock()
        loop.test(x_test)
        test = clock.read(TEST_EVERY)  # counted as 1/100 of it per epoch
        return {"variant": variant, "models": 1, "seconds_per_epoch": train[0] + test[0],
                "cpu_seconds_per_epoch": train[1] + test[1], "test_seconds": test[0] * TEST_EVERY}
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
                             "epochs": epochs + 1, "batch_size": BATCH, "hidden": HIDDEN})
    torch.manual_seed(0)
    training.train_models(x, {**cfg, "epochs": 1})  # warm-up (allocator, kernels)
    torch.manual_seed(0)
    clock = Clock()
    training.train_models(x, {**cfg, "epochs": epochs})
    seconds, cpu_seconds = clock.read(epochs)
    return {"variant": variant, "models": len(rates), "seconds_per_epoch": seconds,
            "cpu_seconds_per_epoch": cpu_seconds}


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


def run_child(*arguments: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *arguments], check=True, capture_output=True,
                         text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--neurons", type=int, default=12)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs per variant and round")
    parser.add_argument("--rounds", type=int, default=3,
                        help="the variants run one after another this many times; each keeps its fastest round")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = ("--neurons", str(args.neurons), "--samples", str(args.samples))
    if args.child == "check":
        print(json.dumps(check_recreation(args.neurons, args.samples)))
        return
    if args.child:
        print(json.dumps(measure(args.child, args.neurons, args.samples, args.epochs)))
        return
    check = run_child("--child", "check", *sizes)
    print(f"re-created original: D and R equal this project's model's to {check['relative_difference']:.1e} "
          "(relative, same parameters, at initialisation and after one epoch)", flush=True)
    # A shared machine's speed drifts over a minute: the variants take turns, round after
    # round, and each keeps its fastest round, so no variant is measured only in a slow spell.
    best: dict[str, dict[str, float]] = {"seconds_per_epoch": {}, "cpu_seconds_per_epoch": {}}
    models: dict[str, int] = {}
    test_seconds = math.inf  # the original's test evaluation, fastest round
    for round_ in range(1, args.rounds + 1):
        for variant in VARIANTS:
            r = run_child("--child", variant, *sizes, "--epochs", str(args.epochs))
            print(f"round {round_}  {variant:13s} K={r['models']:2d}  {r['seconds_per_epoch']:.3f} s/epoch "
                  f"(CPU {r['cpu_seconds_per_epoch']:.3f} s)  {r['models'] / r['seconds_per_epoch']:.2f} model-epochs/s",
                  flush=True)
            models[variant] = r["models"]
            for key, fastest in best.items():
                fastest[variant] = min(fastest.get(variant, math.inf), r[key])
            test_seconds = min(test_seconds, r.get("test_seconds", math.inf))
    wall = {v: models[v] / best["seconds_per_epoch"][v] for v in VARIANTS}  # model-epochs per second
    cpu = {v: models[v] / best["cpu_seconds_per_epoch"][v] for v in VARIANTS}
    print(f"\nN = {args.neurons}, {args.samples} samples, batch {BATCH}, one thread per process, "
          f"fastest of {args.rounds} round(s) per variant (wall clock and CPU time each)")
    print(f"{'variant':13s} {'models':>6s} {'s/epoch':>8s} {'CPU s/epoch':>12s} {'model-epochs/s':>15s}")
    for v in VARIANTS:
        print(f"{v:13s} {models[v]:6d} {best['seconds_per_epoch'][v]:8.3f} {best['cpu_seconds_per_epoch'][v]:12.3f} "
              f"{wall[v]:15.2f}")
    test_ms = test_seconds / TEST_EVERY * 1000
    print(f"(original: includes {test_ms:.1f} ms per epoch for its test evaluation every {TEST_EVERY} epochs)")
    print("ratios of model-epochs per second, measured in this run (wall clock; CPU time):")
    for a, b, note in (("single", "original", "one model per process"),
                       ("packed", "original", f"{models['packed']} rates packed in one process"),
                       ("packed", "single", ""),
                       ("single", "single-naive", "the 2^N sum contracted vs written out per pattern")):
        print(f"  {a} / {b}".ljust(26) + f": {wall[a] / wall[b]:.2f}x; {cpu[a] / cpu[b]:.2f}x"
              + (f"  ({note})" if note else ""))
    if args.neurons == 12 and args.samples == 2000:
        work = paper_model_epochs()
        hours = {v: work / cpu[v] / 3600 for v in ("packed", "single", "original")}
        print(f"projection from this run's CPU times: the paper configuration, {work:,.0f} model-epochs "
              f"(N = 12, 2000-sample equivalents), would take about {hours['packed']:,.0f} CPU-hours packed, "
              f"{hours['single']:,.0f} one model per process, {hours['original']:,.0f} with the original's loop")


if __name__ == "__main__":
    main()
