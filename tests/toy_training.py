"""A tiny resumable training function for the harness tests (and a command to run it).

It follows the study contract: all randomness after model construction comes from torch's
global generator (random minibatches), state is restored with ``ckpt.restore()`` and saved
through ``ckpt.tick``. ``TOY_STEP_SLEEP`` (seconds per step, read from the environment)
slows it down so a test can interrupt it; it does not change the results.

    python tests/toy_training.py RESULT RECORD WORK_DIR PARAMS_JSON [CHECKPOINT_EVERY]
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn


def _data(seed: int, n: int = 256, dim: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1000 + seed)  # derived from params only
    x = torch.randn(n, dim, generator=generator)
    w = torch.randn(dim, 1, generator=generator)
    y = torch.tanh(x @ w) + 0.1 * torch.randn(n, 1, generator=generator)
    return x, y


def train(params: dict, ckpt) -> tuple[dict, dict[str, np.ndarray]]:
    steps = int(params.get("steps", 3000))
    batch = int(params.get("batch", 16))
    pause = float(os.environ.get("TOY_STEP_SLEEP", "0"))
    x, y = _data(int(params["seed"]))
    model = nn.Sequential(nn.Linear(x.shape[1], 16), nn.Tanh(), nn.Linear(16, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=float(params.get("lr", 0.05)),
                                momentum=0.9)
    losses = torch.zeros(steps, dtype=torch.float64)
    start = 0
    state = ckpt.restore()
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        losses = state["losses"]
        start = int(state["step"])

    for step in range(start, steps):
        index = torch.randint(0, x.shape[0], (batch,))
        loss = ((model(x[index]) - y[index]) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses[step] = loss.item()
        if pause:
            time.sleep(pause)
        ckpt.tick(step + 1, steps, lambda: {
            "model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "losses": losses.clone(), "step": step + 1})

    weights = torch.cat([p.detach().flatten() for p in model.parameters()])
    with torch.no_grad():
        final = float(((model(x) - y) ** 2).mean())
    return ({"final_loss": final, "steps": steps},
            {"weights": weights.numpy(), "losses": losses.numpy(),
             "probe": torch.rand(4).numpy()})  # the generator's state at the end, too


def main(argv: list[str]) -> None:
    from neurosweep.harness import run_point

    result, record, work_dir, params = argv[:4]
    every = int(argv[4]) if len(argv) > 4 else 100
    run_point(train, json.loads(params), result_path=result, record_path=record,
              work_dir=work_dir, point_id="toy", name="toy", checkpoint_every=every)


if __name__ == "__main__":
    main(sys.argv[1:])
