"""Feedback-modulated networks (Naumann, Keijser & Sprekeler 2022), P members at once.

A modulator LSTM sees the stimulus x and the network output y; its linear read-out u, low-pass
filtered with time constant τ (Euler, dt = 1), modulates a feed-forward network:

* ``modulation`` (ModulationNet, Figs. 1-2): y = W x with W = W0 ⊙ M, M the filtered read-out
  (n_s² numbers);
* ``spatial`` (SpatialNet, Figs. 3-5): a ring of Nz units, z = m ⊙ (W^x x), y = W_ro z, whose
  gains m follow N_FB feedback signals through a von Mises kernel of width σ² (``width``;
  ``box`` and ``uniform`` are its two limits);
* ``dale`` (DaleRateNet, Figs. 6-7): rectified rates, z_L = [W^{Lx} x]₊ feeds an excitatory
  path E = W^{HL} z_L and a feed-forward inhibitory path I = W^{HI} W^{IL} z_L onto z_H, whose
  gains p = 1 − sigmoid(K m) ∈ (0, 1) scale excitation, inhibition or both; only W_ro is
  learned besides the modulator (as in the original code).

Every tensor has a leading member axis P: members of one ensemble share their shapes (variant,
number of sources, hidden units, population sizes) and may differ in everything else (τ, which
inputs the modulator sees, N_FB, σ², the modulation target, N_I, the L1 weight, the seed). The
members share nothing, so the gradient of the summed loss with respect to member p's
parameters is member p's own gradient: one Adam trains P independent models.

Speed (notes §7): the input drive of the LSTM and of the network is precomputed for the whole
context in one matmul; the LSTM cell is one fused autograd function (:class:`LSTMCell`);
sequences are unbound once (indexing a [T, ...] tensor per step makes backward quadratic in T).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from . import bptt

VARIANTS = ("modulation", "spatial", "dale")
INPUTS = ("xy", "x", "y")
TARGETS = ("both", "exc", "inh")
DALE_SCALE = 20.0  # s_exc = s_inh = 20; the unmodulated path's scale is halved (original code)


@dataclass(frozen=True)
class MemberSpec:
    """One member's architecture (everything but the trainable weights' values)."""

    variant: str
    n_s: int
    hidden: int
    tau: float
    inputs: str = "xy"
    n_z: int = 100  # spatial and dale: units of the modulated population
    n_fb: int = 4  # spatial and dale: feedback signals
    width: float | str = 0.2  # σ² of the von Mises kernel, or "box" / "uniform"
    n_low: int = 40  # dale: units of the lower population z_L
    n_inh: int = 20  # dale: inhibitory units (0: no feed-forward inhibition)
    target: str = "both"  # dale: modulated path
    l1: float = 0.0  # weight of the L1 penalty on the modulator's read-out
    learn_excitation: bool = False  # dale: also learn W^{HL} (kept ≥ 0 through |W^{HL}|)
    seed: int = 0

    def __post_init__(self):
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown variant {self.variant!r}; expected one of {VARIANTS}")
        if self.inputs not in INPUTS:
            raise ValueError(f"unknown modulator input {self.inputs!r}; expected one of {INPUTS}")
        if self.target not in TARGETS:
            raise ValueError(f"unknown modulation target {self.target!r}; expected one of {TARGETS}")
        if self.tau < 1:
            raise ValueError(f"tau = {self.tau}: the time constant must be ≥ 1 step")

    @property
    def n_out(self) -> int:
        return self.n_s * self.n_s if self.variant == "modulation" else self.n_fb

    def shape_key(self) -> tuple:
        """Members with the same key can share one ensemble."""
        return (self.variant, self.n_s, self.hidden, self.n_z, self.n_low, self.learn_excitation)


def kernel(n_z: int, n_fb: int, width: float | str) -> np.ndarray:
    """[n_fb, n_z]: how each feedback signal spreads over the ring of units.

    K_ji = exp(cos(θ_i − 2πj/N_FB) / σ²), each signal normalised to a maximum of 1;
    ``box``: each signal drives its own contiguous block of N_z/N_FB units;
    ``uniform``: every signal drives every unit equally (one scalar gain, the σ² → ∞ limit)."""
    theta = 2 * np.pi * np.arange(n_z) / n_z
    centres = 2 * np.pi * np.arange(n_fb) / n_fb
    if width == "uniform":
        return np.ones((n_fb, n_z))
    if width == "box":
        block = np.minimum((np.arange(n_z) * n_fb) // n_z, n_fb - 1)
        return (block[None, :] == np.arange(n_fb)[:, None]).astype(float)
    width = float(width)
    if width <= 0:
        raise ValueError(f"kernel width σ² = {width} must be positive (or 'box' / 'uniform')")
    logits = np.cos(theta[None, :] - centres[:, None]) / width
    return np.exp(logits - logits.max(axis=1, keepdims=True))


def fast_tanh(x: Tensor) -> Tensor:
    """tanh(x) = 2 sigmoid(2x) − 1: the same function, but PyTorch's CPU sigmoid is about 3x
    faster than its tanh (measured on this project's 2-core machine)."""
    return torch.sigmoid(2 * x).mul_(2).sub_(1)


class LSTMCell(torch.autograd.Function):
    """(h, c) from the pre-activation gates [..., 4H] (order i, f, o, g) and c_prev, with a
    hand-written backward: one pass instead of autograd's per-slice bookkeeping."""

    @staticmethod
    def forward(ctx, gates: Tensor, c_prev: Tensor):
        h_dim = c_prev.shape[-1]
        sig = torch.sigmoid(gates[..., :3 * h_dim])
        g = fast_tanh(gates[..., 3 * h_dim:])
        i, f, o = sig[..., :h_dim], sig[..., h_dim:2 * h_dim], sig[..., 2 * h_dim:]
        c = torch.addcmul(f * c_prev, i, g)
        tanh_c = fast_tanh(c)
        ctx.save_for_backward(sig, g, c_prev, tanh_c)
        return o * tanh_c, c

    @staticmethod
    def backward(ctx, dh: Tensor, dc: Tensor):
        sig, g, c_prev, tanh_c = ctx.saved_tensors
        h_dim = c_prev.shape[-1]
        i, f, o = sig[..., :h_dim], sig[..., h_dim:2 * h_dim], sig[..., 2 * h_dim:]
        dc_total = dh * o * (1 - tanh_c * tanh_c)
        if dc is not None:
            dc_total = dc_total + dc
        d_sig = torch.cat([dc_total * g, dc_total * c_prev, dh * tanh_c], -1).mul_(sig * (1 - sig))
        d_g = dc_total * i * (1 - g * g)
        return torch.cat([d_sig, d_g], -1), dc_total * f


def lstm_cell_reference(gates: Tensor, c_prev: Tensor) -> tuple[Tensor, Tensor]:
    """The same cell written with autograd (for tests)."""
    h_dim = c_prev.shape[-1]
    i, f, o = (torch.sigmoid(gates[..., k * h_dim:(k + 1) * h_dim]) for k in range(3))
    c = f * c_prev + i * torch.tanh(gates[..., 3 * h_dim:])
    return o * torch.tanh(c), c


@dataclass
class State:
    """What carries over from one step (and one batch) to the next, each [P, B, ...]."""

    h: Tensor
    c: Tensor
    mod: Tensor  # modulation: W (n_s²); spatial: per-unit gains m (n_z); dale: m (n_fb)

    def detach(self) -> "State":
        return State(self.h.detach(), self.c.detach(), self.mod.detach())

    def numpy(self) -> dict[str, np.ndarray]:
        return {"h": self.h.numpy(), "c": self.c.numpy(), "mod": self.mod.numpy()}


@dataclass
class Ensemble:
    """P members' trainable parameters and fixed weights, stacked on a leading axis."""

    specs: list[MemberSpec]
    params: dict[str, Tensor]  # trainable
    fixed: dict[str, Tensor] = field(default_factory=dict)

    @property
    def variant(self) -> str:
        return self.specs[0].variant

    @property
    def size(self) -> int:
        return len(self.specs)


def _uniform(rng: torch.Generator, shape, bound: float) -> Tensor:
    return (torch.rand(shape, generator=rng) * 2 - 1) * bound


def _pad(weights: Tensor, columns: int) -> Tensor:
    return torch.nn.functional.pad(weights, (0, columns - weights.shape[-1]))


def init_member(spec: MemberSpec, n_out: int) -> dict[str, Tensor]:
    """One member's weights from its own seed, so that its start does not depend on which other
    members share its ensemble: its own read-out is drawn, then padded with zeros to the
    ensemble's ``n_out`` (padded outputs drive nothing, so they get no gradient and stay 0).
    Initial distributions as in the paper's Methods."""
    rng = torch.Generator().manual_seed(int(spec.seed))
    h, n_s = spec.hidden, spec.n_s
    bound = 1 / math.sqrt(h)  # PyTorch's LSTM and Linear defaults
    w = {
        "lstm_x": _uniform(rng, (n_s, 4 * h), bound),  # input weights for x ...
        "lstm_yh": _uniform(rng, (n_s + h, 4 * h), bound),  # ... and for [y, h]
        "lstm_b": _uniform(rng, (1, 4 * h), bound) + _uniform(rng, (1, 4 * h), bound),  # b_ih + b_hh
        "out_w": _pad(_uniform(rng, (h, spec.n_out), bound), n_out),
        "out_b": _pad(_uniform(rng, (1, spec.n_out), bound), n_out),
    }
    if spec.variant == "modulation":
        w["w0"] = 1.0 + 0.001 * torch.randn((1, n_s * n_s), generator=rng)
    elif spec.variant == "spatial":
        w["w_x"] = 0.5 * torch.randn((n_s, spec.n_z), generator=rng)
        w["w_ro"] = 0.5 * torch.randn((spec.n_z, n_s), generator=rng)
    else:
        s_exc = DALE_SCALE / (2 if spec.target == "inh" else 1)
        s_inh = DALE_SCALE / (2 if spec.target == "exc" else 1)
        w["w_lx"] = 0.5 * torch.randn((n_s, spec.n_low), generator=rng)
        w["w_hl"] = (1 + 0.5 * torch.randn((spec.n_low, spec.n_z), generator=rng)).abs() * s_exc / spec.n_z
        if spec.n_inh > 0:
            w_il = (1 + 0.5 * torch.randn((spec.n_low, spec.n_inh), generator=rng)).abs() / spec.n_inh
            w_hi = (1 + torch.randn((spec.n_inh, spec.n_z), generator=rng)).abs() * s_inh / spec.n_z
            w["w_inh"] = w_il @ w_hi  # the effective inhibitory path z_L -> I -> z_H
        else:
            w["w_inh"] = torch.zeros((spec.n_low, spec.n_z))
        w["w_ro"] = 0.5 * torch.randn((spec.n_z, n_s), generator=rng)
    return w


TRAINABLE = {"modulation": ("lstm_x", "lstm_yh", "lstm_b", "out_w", "out_b"),
             "spatial": ("lstm_x", "lstm_yh", "lstm_b", "out_w", "out_b"),
             "dale": ("lstm_x", "lstm_yh", "lstm_b", "out_w", "out_b", "w_ro")}


def build_ensemble(specs: list[MemberSpec]) -> Ensemble:
    keys = {spec.shape_key() for spec in specs}
    if len(keys) != 1:
        raise ValueError(f"members of one ensemble must share variant, sources, hidden units and "
                         f"population sizes; got {sorted(keys)}")
    spec0 = specs[0]
    n_out = max(spec.n_out for spec in specs)  # N_FB may differ: unused outputs drive nothing
    members = [init_member(spec, n_out) for spec in specs]
    stacked = {name: torch.stack([m[name] for m in members]) for name in members[0]}
    trainable = TRAINABLE[spec0.variant] + (("w_hl",) if spec0.learn_excitation else ())
    params = {name: stacked[name].requires_grad_(True) for name in trainable}
    fixed = {name: value for name, value in stacked.items() if name not in trainable}
    n_s = spec0.n_s
    # which inputs each member's modulator sees: x, y or both ([P, 1, n_s] masks)
    fixed["see_x"] = torch.tensor([[[float("x" in s.inputs)] * n_s] for s in specs])
    fixed["see_y"] = torch.tensor([[[float("y" in s.inputs)] * n_s] for s in specs])
    fixed["keep"] = torch.tensor([[[1 - 1 / s.tau]] for s in specs])  # state decay per step
    fixed["rate"] = torch.tensor([[[1 / s.tau]] for s in specs])
    fixed["l1"] = torch.tensor([[[s.l1]] for s in specs])
    out_mask = torch.zeros(len(specs), 1, n_out)
    for p, spec in enumerate(specs):
        out_mask[p, 0, :spec.n_out] = 1
    fixed["out_mask"] = out_mask
    if spec0.variant != "modulation":
        kernels = np.zeros((len(specs), n_out, spec0.n_z))
        for p, spec in enumerate(specs):
            kernels[p, :spec.n_fb] = kernel(spec.n_z, spec.n_fb, spec.width)
        fixed["kernel"] = torch.tensor(kernels, dtype=torch.float32)
    if spec0.variant == "dale":
        fixed["mod_exc"] = torch.tensor([[[float(s.target in ("both", "exc"))]] for s in specs])
        fixed["mod_inh"] = torch.tensor([[[float(s.target in ("both", "inh"))]] for s in specs])
    return Ensemble(specs=list(specs), params=params, fixed=fixed)


def initial_state(ens: Ensemble, batch: int) -> State:
    """Zero LSTM state and zero modulation (y = 0 at the start, as in the original)."""
    p, h = ens.size, ens.specs[0].hidden
    n_mod = {"modulation": ens.specs[0].n_s ** 2, "spatial": ens.specs[0].n_z,
             "dale": ens.fixed["out_mask"].shape[-1]}[ens.variant]
    return State(torch.zeros(p, batch, h), torch.zeros(p, batch, h), torch.zeros(p, batch, n_mod))


@dataclass
class Rollout:
    """What a rollout returns: outputs [T, P, B, n_s], the final state, the L1 term, and (when
    recorded) the population activity per step."""

    y: Tensor
    state: State
    l1: Tensor  # [P]: Σ_t mean_b Σ_j |u_j| (masked to each member's feedback signals)
    record: dict[str, Tensor] = field(default_factory=dict)


def feedforward_drive(ens: Ensemble, x: Tensor, lstm_drive: bool = True) -> dict[str, Tensor]:
    """Everything that does not depend on the modulation, for a whole context at once, each
    [T, P, B, ...]: the stimulus, the LSTM's input drive (``lstm_drive``; the fused rollout
    adds it step by step instead), and the network's drive (W^x x for SpatialNet; z_L and the
    excitatory and inhibitory drives for Dale networks)."""
    t, p, b, n_s = x.shape
    flat = x.permute(1, 0, 2, 3).reshape(p, t * b, n_s)
    fx = ens.fixed
    weights = {**fx, **ens.params}

    def per_step(values: Tensor) -> Tensor:  # [P, T·B, n] -> [T, P, B, n]
        return values.reshape(p, t, b, -1).transpose(0, 1)

    drive = {"x": x}
    if lstm_drive:
        drive["gates_x"] = per_step(torch.baddbmm(ens.params["lstm_b"], flat * fx["see_x"],
                                                  ens.params["lstm_x"]))
    if ens.variant == "spatial":
        drive["z_in"] = per_step(torch.bmm(flat, fx["w_x"]))
    elif ens.variant == "dale":
        z_low = torch.relu(torch.bmm(flat, fx["w_lx"]))
        drive["z_low"] = per_step(z_low)
        # |W^{HL}|: excitatory weights stay positive when they are learned (Dale's law)
        drive["exc"] = per_step(torch.bmm(z_low, weights["w_hl"].abs()))
        drive["inh"] = per_step(torch.bmm(z_low, fx["w_inh"]))
    return drive


def rollout(ens: Ensemble, x: Tensor, state: State, freeze: Tensor | None = None,
            record: bool = False, fused: bool = True) -> Rollout:
    """Run the networks over one context (or several in a row). x: [T, P, B, n_s].

    ``freeze`` [T] (bool): at the steps where it is True the modulation keeps its value (the
    LSTM keeps running), the freeze protocol of Fig. 5. ``record`` keeps the population
    activity (z or z_H), the modulation state and, for Dale networks, z_L. When gradients are
    needed (training), the steps run in :class:`bptt.FusedRollout`, which computes the same
    thing with backpropagation written out (``fused=False``: autograd, step by step)."""
    prm, fx = ens.params, ens.fixed
    fused = fused and torch.is_grad_enabled() and freeze is None and not record
    drive = feedforward_drive(ens, x, lstm_drive=not fused)
    n_s = ens.specs[0].n_s
    variant = ens.variant
    h, c, mod = state.h, state.c, state.mod
    p, b = h.shape[0], h.shape[1]
    keep, rate = fx["keep"], fx["rate"]
    # Masks and rates folded into the weights once per rollout, not once per step: the
    # modulator's weights on y are zero where it does not see y, read-outs beyond a member's
    # N_FB are zero, and the low-pass rate 1/τ multiplies the read-out.
    n_y = n_s
    w_yh = torch.cat([prm["lstm_yh"][:, :n_y] * fx["see_y"].transpose(1, 2), prm["lstm_yh"][:, n_y:]], 1)
    out_w = prm["out_w"] * fx["out_mask"]
    out_b = prm["out_b"] * fx["out_mask"]
    # (SpatialNet spreads u over the units with the kernel after the read-out: folding the
    # kernel into it would make an H x N_z matmul of an H x N_FB one)
    scale = fx["w0"] * rate if variant == "modulation" else rate
    read_w, read_b = out_w * scale, out_b * scale
    w_ro = prm["w_ro"] if variant == "dale" else fx.get("w_ro", torch.zeros(p, 1, n_s))
    if fused:
        exc = drive.get("exc", torch.zeros(0))
        # the LSTM's weights on [x, y, h] in one matrix: its input drive is added step by step,
        # so no [T, P, B, 4H] tensor is ever made
        w_xyh = torch.cat([prm["lstm_x"], w_yh], 1)
        y, l1, h, c, mod = bptt.FusedRollout.apply(
            variant, n_s, {**fx, **{k: v for k, v in drive.items() if k != "exc"}},
            x * fx["see_x"].unsqueeze(0), w_xyh, prm["lstm_b"], read_w, read_b, out_w, out_b, w_ro,
            exc, h, c, mod)
        return Rollout(y=y, state=State(h, c, mod), l1=l1)
    use_l1 = bool(fx["l1"].any())
    steps = {key: value.unbind(0) for key, value in drive.items() if key != "z_low"}
    ys, l1 = [], torch.zeros(p)
    rec: dict[str, list] = {"z": [], "mod": []}
    frozen = freeze.tolist() if freeze is not None else [False] * x.shape[0]
    for t, x_t in enumerate(steps["x"]):
        # the network's output, from the modulation of the previous step
        if variant == "modulation":
            y = (mod.view(p, b, n_s, n_s) * x_t.unsqueeze(-2)).sum(-1)
            z = None
        elif variant == "spatial":
            z = mod * steps["z_in"][t]
            y = torch.bmm(z, w_ro)
        else:
            gain = 1 - torch.sigmoid(torch.bmm(mod, fx["kernel"]))  # p ∈ (0, 1) per unit
            exc = steps["exc"][t] * (1 + fx["mod_exc"] * (gain - 1))
            inh = steps["inh"][t] * (1 + fx["mod_inh"] * (gain - 1))
            z = torch.relu(exc - inh)
            y = torch.bmm(z, w_ro)
        ys.append(y)
        if record:
            rec["z"].append(z if z is not None else mod)
            rec["mod"].append(mod)
        # the modulator sees x (precomputed) and y
        gates = torch.baddbmm(steps["gates_x"][t], torch.cat([y, h], -1), w_yh)
        h, c = LSTMCell.apply(gates, c)
        if use_l1:
            u = torch.baddbmm(out_b, h, out_w)
            l1 = l1 + u.abs().sum(-1).mean(-1) * fx["l1"][:, 0, 0]
        if frozen[t]:
            continue
        # low-pass filter: state ← (1 − 1/τ) state + (1/τ) target(u), with 1/τ (and W0 for
        # ModulationNet) folded into read_w; the target is W0 ⊙ u, K u (SpatialNet) or u (Dale)
        target = torch.baddbmm(read_b, h, read_w)
        if variant == "spatial":
            target = torch.bmm(target, fx["kernel"])
        mod = target.addcmul_(mod, keep)
    out = Rollout(y=torch.stack(ys), state=State(h, c, mod), l1=l1)
    if record:
        out.record = {key: torch.stack(values) for key, values in rec.items()}
        if variant == "dale":
            out.record["z_low"] = drive["z_low"]
    return out


def smooth_l1_per_member(y: Tensor, s: Tensor) -> Tensor:
    """[P]: Σ_t mean over (batch, sources) of SmoothL1(y_t − s_t), β = 1 (the paper's loss)."""
    return torch.nn.functional.smooth_l1_loss(y, s, reduction="none").mean((2, 3)).sum(0)
