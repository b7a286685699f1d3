"""Benchmark: feedback-study training, per model and packed, against the original's per-sample loop.

Run from the repository root:

    .venv/bin/python benchmarks/feedback.py              # paper sizes: SpatialNet, LSTM 100, 32 x 1000 steps
    .venv/bin/python benchmarks/feedback.py --steps 200  # shorter contexts, quicker

Measured side by side in this one run, each variant in its own single-threaded process, on the
same batch sizes (SpatialNet, N_z = 100, N_FB = 4, 32 contexts of n_t steps):

  * loop: a re-creation, written for this benchmark from the research notes' description, of
    how the original trains: per sample, the source sample made a tensor and mixed by each
    context with fresh noise, the network stepped in Python (einsum projections, ``nn.LSTM``
    on a sequence of length 1), the loss and the L1 term summed step by step, every state kept
    in lists for backpropagation;
  * single: this project's training step for one model (the network's drive precomputed per
    context, the LSTM step fused with backpropagation written out, read-out and filter folded
    into one matmul per step);
  * packed: P models in one job, as a pack of sweep points trains: stacked as ensembles, in
    groups small enough for a core's cache (jobs.member_groups: 8 at these sizes).

The variants take turns for several rounds and each keeps its fastest round (a shared machine's
speed drifts), by wall clock and, separately, by the process's CPU time (which another process
holding the core does not inflate). It prints seconds per batch and model-batches per second,
the ratios between the variants measured in this run (no time quoted from elsewhere enters
them), and, as projections from this run's CPU times, the CPU-hours the paper configuration
(config/feedback.yaml, paper) would take packed as the workflow packs it, one model per
process, and with the per-sample loop.
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


class _StepwiseSpatialNet:
    """SpatialNet stepped one sample at a time, as the original's module is: each call takes an
    already mixed sample, projects it and the gains with einsum, runs ``nn.LSTM`` (batch first)
    on a sequence of length 1 and filters the kernel-weighted read-out."""

    def __init__(self, hidden: int, n_z: int, n_s: int = 2, n_fb: int = 4, tau: float = 100.0):
        import torch
        from torch import nn

        self.lstm = nn.LSTM(2 * n_s, hidden, batch_first=True)
        self.readout = nn.Linear(hidden, n_fb)
        self.w_x, self.w_ro = 0.5 * torch.randn(n_z, n_s), 0.5 * torch.randn(n_s, n_z)
        theta = 2 * math.pi * torch.arange(n_z) / n_z
        kernel = torch.exp(torch.cos(theta[:, None] - 2 * math.pi * torch.arange(n_fb)[None] / n_fb) / 0.2)
        self.kernel = kernel / kernel.max(0).values
        self.tau = tau

    def parameters(self):
        return [*self.lstm.parameters(), *self.readout.parameters()]

    def __call__(self, x, m, state):
        import torch

        z = m * torch.einsum("ij,bsj->bsi", self.w_x, x)
        y = torch.einsum("ij,bsj->bsi", self.w_ro, z)
        out, state = self.lstm(torch.cat([x, y], 2), state)
        u = self.readout(out)
        m = m + (torch.einsum("ij,bsj->bsi", self.kernel, u) - m) / self.tau
        return m, y, state, u


def loop_batch(steps: int, batch: int, hidden: int, n_z: int) -> tuple[float, float]:
    """One training batch the original's way (its per-step work as the research notes §6.4
    describe it); returns its (wall-clock, CPU) seconds. Per sample: the source sample becomes a tensor repeated
    over the batch, is mixed by each context with fresh noise, the network steps once, the loss
    and the L1 term are added up, and the state is appended to lists kept for the whole context."""
    import numpy as np
    import torch
    from torch import nn

    torch.manual_seed(0)
    n_s = 2
    net = _StepwiseSpatialNet(hidden, n_z, n_s)
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_function = nn.SmoothL1Loss()
    sources = np.random.default_rng(0).uniform(-1, 1, (steps, n_s)).astype(np.float32)
    contexts = torch.rand(batch, n_s, n_s)
    start, cpu_start = time.perf_counter(), time.process_time()
    states = [(torch.zeros(1, batch, hidden), torch.zeros(1, batch, hidden))]
    gains = [torch.zeros(batch, 1, n_z)]
    loss, l1 = torch.zeros(1), torch.zeros(1)
    optimiser.zero_grad()
    for sample in sources:
        s = torch.reshape(torch.from_numpy(sample), (1, 1, n_s)).repeat(batch, 1, 1)
        x = torch.einsum("bij,bsj->bsi", contexts, s) + torch.normal(0, 0.001, size=(batch, 1, n_s))
        m, y, state, u = net(x, gains[-1], states[-1])
        loss = loss + loss_function(y, s)
        l1 = l1 + u.abs().sum()
        gains.append(m)
        states.append(state)
    (loss + 1e-5 * l1).backward()
    nn.utils.clip_grad_value_(net.parameters(), 1.0)
    optimiser.step()
    return time.perf_counter() - start, time.process_time() - cpu_start


def ours_batch(members: int, steps: int, batch: int, hidden: int, n_z: int, repeats: int) -> tuple[float, float]:
    """(wall-clock, CPU) seconds of one batch of ``members`` models, trained as a pack's job trains them."""
    from neurosweep.studies.feedback import model, training
    from neurosweep.studies.feedback.jobs import member_groups

    specs = [model.MemberSpec("spatial", 2, hidden, tau=100, n_z=n_z, seed=k) for k in range(members)]
    tasks = [training.TaskSpec(sources="chords", context_length=steps, seed=k) for k in range(members)]
    seconds = cpu_seconds = 0.0
    for group in member_groups(members, batch, hidden):  # as a pack's job trains them
        group_specs, group_tasks = [specs[k] for k in group], [tasks[k] for k in group]
        training.train_ensemble(group_specs, group_tasks, n_batches=1, batch_size=batch, lr=1e-3)  # warm-up
        start, cpu_start = time.perf_counter(), time.process_time()
        training.train_ensemble(group_specs, group_tasks, n_batches=repeats, batch_size=batch, lr=1e-3)
        seconds += (time.perf_counter() - start) / repeats
        cpu_seconds += (time.process_time() - cpu_start) / repeats
    return seconds, cpu_seconds


def child(variant: str, args) -> dict:
    import torch

    from neurosweep.harness import configure_threads

    configure_threads(1)
    torch.set_num_threads(1)
    if variant == "loop":
        loop_batch(20, args.batch, args.hidden, args.n_z)  # warm-up
        times = [loop_batch(args.steps, args.batch, args.hidden, args.n_z) for _ in range(args.repeats)]
        seconds, cpu_seconds = (sum(t[i] for t in times) / args.repeats for i in (0, 1))
        members = 1
    else:
        members = 1 if variant == "single" else args.members
        seconds, cpu_seconds = ours_batch(members, args.steps, args.batch, args.hidden, args.n_z, args.repeats)
    return {"variant": variant, "members": members, "seconds_per_batch": seconds,
            "cpu_seconds_per_batch": cpu_seconds}


def paper_model_batches() -> tuple[int, int, float]:
    """(packs, trained points, model-batches) of the paper configuration, as the workflow packs it."""
    sys.path.insert(0, str(ROOT / "src"))
    from neurosweep.workflow import load_plan

    plan = load_plan(ROOT, scale="paper")
    packs = plan.packs("feedback")
    total = 0.0
    points = 0
    for members in packs.values():
        for sweep, point in members:
            params = plan.params("feedback", sweep, point)
            if params["variant"] == "control":
                continue  # feed-forward MLPs: seconds, not hours
            total += int(params["batches"]) * int(params["context_length"]) / 1000
            points += 1
    return len(packs), points, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1000, help="context length n_t")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--n-z", type=int, default=100)
    parser.add_argument("--members", type=int, default=16, help="models in the packed variant")
    parser.add_argument("--repeats", type=int, default=3, help="timed batches per variant and round")
    parser.add_argument("--rounds", type=int, default=3,
                        help="the three variants run one after another this many times; each keeps its best round")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args)))
        return
    # A shared machine's speed drifts over a minute: the variants take turns, round after
    # round, and each keeps its fastest round, so no variant is measured only in a slow spell.
    variants = ("loop", "single", "packed")
    best: dict[str, dict[str, float]] = {"seconds_per_batch": {}, "cpu_seconds_per_batch": {}}
    members: dict[str, int] = {}
    for round_ in range(1, args.rounds + 1):
        for variant in variants:
            command = [sys.executable, __file__, "--child", variant, "--steps", str(args.steps),
                       "--batch", str(args.batch), "--hidden", str(args.hidden), "--n-z", str(args.n_z),
                       "--members", str(args.members), "--repeats", str(args.repeats)]
            out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT,
                                 env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""}).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(f"round {round_}  {variant:7s} P={r['members']:2d}  {r['seconds_per_batch']:.3f} s/batch "
                  f"(CPU {r['cpu_seconds_per_batch']:.3f} s)  {r['members'] / r['seconds_per_batch']:.2f} model-batches/s",
                  flush=True)
            members[variant] = r["members"]
            for key, fastest in best.items():
                fastest[variant] = min(fastest.get(variant, math.inf), r[key])
    wall = {v: members[v] / best["seconds_per_batch"][v] for v in variants}  # model-batches per second
    cpu = {v: members[v] / best["cpu_seconds_per_batch"][v] for v in variants}
    print(f"\nSpatialNet, LSTM {args.hidden}, {args.batch} contexts x {args.steps} steps, one thread per process, "
          f"fastest of {args.rounds} round(s) per variant (wall clock and CPU time each)")
    print(f"{'variant':8s} {'models':>6s} {'s/batch':>8s} {'CPU s/batch':>12s} {'model-batches/s':>16s}")
    for v in variants:
        print(f"{v:8s} {members[v]:6d} {best['seconds_per_batch'][v]:8.3f} {best['cpu_seconds_per_batch'][v]:12.3f} "
              f"{wall[v]:16.2f}")
    print("ratios of model-batches per second, measured in this run (wall clock; CPU time):")
    for a, b, note in (("single", "loop", "one model"), ("packed", "loop", f"{args.members} models packed"),
                       ("packed", "single", "")):
        print(f"  {a} / {b}".ljust(18) + f": {wall[a] / wall[b]:.2f}x; {cpu[a] / cpu[b]:.2f}x"
              + (f"  ({note})" if note else ""))
    packs, points, work = paper_model_batches()
    scale = args.steps / 1000  # the benchmark's batches in units of 1000-step batches
    hours = {v: work / (cpu[v] * scale) / 3600 for v in variants}
    print(f"projection from this run's CPU times: the paper configuration, {points} trained networks in {packs} packs, "
          f"{work:,.0f} model-batches of 1000 steps, would take about {hours['packed']:,.0f} CPU-hours packed, "
          f"{hours['single']:,.0f} one model per process, {hours['loop']:,.0f} with the per-sample loop")
    print("GPU: not measured (this benchmark runs on the CPU; the feedback study has no GPU code path)")

if __name__ == "__main__":
    main()
