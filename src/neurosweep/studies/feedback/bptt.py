"""Backpropagation through time by hand, for training (the same rollout as model.rollout).

Autograd records every one of the ~20 operations of every step of every context, which on a
CPU costs more than the arithmetic itself (measured at the paper's sizes: a forward pass with
the graph took 2.6x one without). Here the forward pass runs without a graph and keeps only what
the backward pass needs; the backward pass walks the steps in reverse with the chain rule
written out, and sums the gradients of the LSTM's weights in one large product per chunk of
steps. Nothing of size [T, P, B, 4H] is made (at the paper's sizes, 16 packed models, that is
0.8 GB, freshly paged in at every batch): the LSTM's input drive is part of each step's matmul.
A test checks every gradient against autograd through model.rollout.

Inputs are the rollout's effective tensors (masks and rates already folded in, see
model.rollout), so autograd carries the gradients from here back to the parameters.
"""

from __future__ import annotations

import torch
from torch import Tensor

CHUNK_STEPS = 50  # steps whose gate gradients are kept before they are summed into ∂L/∂W


def _tanh(x: Tensor) -> Tensor:
    return torch.sigmoid(2 * x).mul_(2).sub_(1)  # = tanh(x), faster on CPU (model.fast_tanh)


class FusedRollout(torch.autograd.Function):
    @staticmethod
    def forward(ctx, variant: str, n_s: int, fixed: dict, x_in: Tensor, w_xyh: Tensor,
                lstm_b: Tensor, read_w: Tensor, read_b: Tensor, out_w: Tensor, out_b: Tensor,
                w_ro: Tensor, exc: Tensor, h: Tensor, c: Tensor, mod: Tensor):
        """x_in [T, P, B, n_s]: what the LSTM sees of the stimulus; w_xyh [P, 2 n_s + H, 4H]:
        its weights on [x, y, h]; drives in ``fixed`` ([T, P, B, ...]); returns the outputs
        y [T, P, B, n_s], the L1 term [P] and the final state (h, c, mod)."""
        p, b, hidden = h.shape
        keep, l1_weight = fixed["keep"], fixed["l1"][:, 0, 0]
        use_l1 = bool(l1_weight.any())
        steps = x_in.shape[0]
        ys, saved = [], []
        inputs = torch.empty(p, steps, b, 2 * n_s + hidden)  # a_t = [x_t, y_t, h_{t-1}], for ∂L/∂W
        l1 = torch.zeros(p)
        for t in range(steps):
            if variant == "modulation":
                x_t = fixed["x"][t]
                y = (mod.view(p, b, n_s, n_s) * x_t.unsqueeze(-2)).sum(-1)
                aux = None
            elif variant == "spatial":
                z_in = fixed["z_in"][t]
                y = torch.bmm(mod * z_in, w_ro)
                aux = None
            else:
                sig_q = torch.sigmoid(torch.bmm(mod, fixed["kernel"]))
                gain = 1 - sig_q
                exc_t, inh_t = exc[t], fixed["inh"][t]
                exc_scale = 1 + fixed["mod_exc"] * (gain - 1)
                pre = exc_t * exc_scale - inh_t * (1 + fixed["mod_inh"] * (gain - 1))
                z = torch.relu(pre)
                y = torch.bmm(z, w_ro)
                aux = (sig_q, exc_scale, z)
            a = torch.cat([x_in[t], y, h], -1)
            inputs[:, t] = a
            gates = torch.baddbmm(lstm_b, a, w_xyh)
            sig = torch.sigmoid(gates[..., :3 * hidden])
            g = _tanh(gates[..., 3 * hidden:])
            i, f, o = sig[..., :hidden], sig[..., hidden:2 * hidden], sig[..., 2 * hidden:]
            c_prev = c
            c = torch.addcmul(f * c, i, g)
            tanh_c = _tanh(c)
            h_prev, h = h, o * tanh_c
            u_sign = None
            if use_l1:
                u = torch.baddbmm(out_b, h, out_w)
                l1 = l1 + u.abs().sum(-1).mean(-1) * l1_weight
                u_sign = torch.sign(u)
            target = torch.baddbmm(read_b, h, read_w)
            if variant == "spatial":
                target = torch.bmm(target, fixed["kernel"])
            mod = target.addcmul_(mod, keep)
            ys.append(y)
            saved.append((sig, g, c_prev, tanh_c, h, u_sign, aux))
            del h_prev
        ctx.variant, ctx.n_s, ctx.fixed, ctx.saved, ctx.inputs = variant, n_s, fixed, saved, inputs
        ctx.save_for_backward(w_xyh, read_w, out_w, w_ro, exc)
        ctx.use_l1 = use_l1
        return torch.stack(ys), l1, h, c, mod

    @staticmethod
    def backward(ctx, d_y: Tensor, d_l1: Tensor, d_h_out, d_c_out, d_mod_out):
        w_xyh, read_w, out_w, w_ro, exc = ctx.saved_tensors
        variant, n_s, fixed, saved, inputs = ctx.variant, ctx.n_s, ctx.fixed, ctx.saved, ctx.inputs
        steps = len(saved)
        p, b, hidden = saved[0][4].shape
        keep = fixed["keep"]
        # ∂L/∂gates_t of a chunk of steps, [P, steps, B, 4H], multiplied with their a_t at once
        d_gates_chunk = torch.empty(p, min(CHUNK_STEPS, steps), b, 4 * hidden)
        d_w_xyh, d_lstm_b = torch.zeros_like(w_xyh), torch.zeros(p, 1, 4 * hidden)
        d_read_w, d_out_w = torch.zeros_like(read_w), torch.zeros_like(out_w)
        d_read_b = torch.zeros(p, 1, read_w.shape[-1])
        d_out_b = torch.zeros(p, 1, out_w.shape[-1])
        d_w_ro = torch.zeros_like(w_ro)
        d_exc = torch.zeros_like(exc) if exc.requires_grad else None
        d_h = torch.zeros(p, b, hidden)  # ∂L/∂h_t from step t + 1
        d_c = torch.zeros(p, b, hidden)
        d_mod = torch.zeros_like(d_mod_out)  # ∂L/∂m_t
        l1_scale = (d_l1 * fixed["l1"][:, 0, 0] / b)[:, None, None] if ctx.use_l1 else None
        w_yh_t = w_xyh[:, n_s:].transpose(1, 2).contiguous()  # the weights on [y, h]
        read_w_t, out_w_t = read_w.transpose(1, 2).contiguous(), out_w.transpose(1, 2).contiguous()
        w_ro_t = w_ro.transpose(1, 2).contiguous()
        kernel_t = fixed["kernel"].transpose(1, 2).contiguous() if variant != "modulation" else None
        for t in range(steps - 1, -1, -1):
            sig, g, c_prev, tanh_c, h, u_sign, aux = saved[t]
            saved[t] = None  # freed as the walk goes
            h_t = h.transpose(1, 2)
            # m_t = keep · m_{t-1} + target(h_t)
            d_target = d_mod
            if variant == "spatial":
                d_target = torch.bmm(d_target, kernel_t)
            d_read_w.baddbmm_(h_t, d_target)
            d_read_b += d_target.sum(1, keepdim=True)
            d_h = torch.baddbmm(d_h, d_target, read_w_t)
            if u_sign is not None:
                d_u = u_sign * l1_scale
                d_out_w.baddbmm_(h_t, d_u)
                d_out_b += d_u.sum(1, keepdim=True)
                d_h = torch.baddbmm(d_h, d_u, out_w_t)
            # the LSTM cell (gates i, f, o, g)
            i, f, o = sig[..., :hidden], sig[..., hidden:2 * hidden], sig[..., 2 * hidden:]
            d_c_total = torch.addcmul(d_c, d_h * o, 1 - tanh_c * tanh_c)
            chunk_start = t - t % CHUNK_STEPS
            d_gates = d_gates_chunk[:, t - chunk_start]
            torch.mul(d_c_total, g, out=d_gates[..., :hidden])
            torch.mul(d_c_total, c_prev, out=d_gates[..., hidden:2 * hidden])
            torch.mul(d_h, tanh_c, out=d_gates[..., 2 * hidden:3 * hidden])
            d_gates[..., :3 * hidden].mul_(sig * (1 - sig))
            torch.mul(d_c_total * i, 1 - g * g, out=d_gates[..., 3 * hidden:])
            d_c = d_c_total * f
            d_a = torch.bmm(d_gates, w_yh_t)
            d_y_t = d_y[t] + d_a[..., :n_s]
            d_h = d_a[..., n_s:]
            # the network's output from m_{t-1}
            if variant == "modulation":
                d_read_mod = (d_y_t.unsqueeze(-1) * fixed["x"][t].unsqueeze(-2)).reshape(p, b, n_s * n_s)
            elif variant == "spatial":
                d_read_mod = torch.bmm(d_y_t, w_ro_t) * fixed["z_in"][t]
            else:
                sig_q, exc_scale, z = aux
                d_w_ro.baddbmm_(z.transpose(1, 2), d_y_t)
                d_pre = torch.bmm(d_y_t, w_ro_t) * (z > 0)
                d_gain = d_pre * (exc[t] * fixed["mod_exc"] - fixed["inh"][t] * fixed["mod_inh"])
                d_q = -d_gain * sig_q * (1 - sig_q)
                d_read_mod = torch.bmm(d_q, kernel_t)
                if d_exc is not None:
                    d_exc[t] = d_pre * exc_scale
            d_mod = d_mod * keep + d_read_mod
            if t == chunk_start:  # the chunk's weight gradients: Σ_t a_tᵀ ∂L/∂gates_t
                n = min(CHUNK_STEPS, steps - chunk_start)
                d_chunk = d_gates_chunk[:, :n].reshape(p, n * b, 4 * hidden)
                d_w_xyh.baddbmm_(inputs[:, t:t + n].reshape(p, n * b, -1).transpose(1, 2), d_chunk)
                d_lstm_b += d_chunk.sum(1, keepdim=True)
        ctx.saved = ctx.inputs = None
        return (None, None, None, None, d_w_xyh, d_lstm_b, d_read_w, d_read_b, d_out_w, d_out_b,
                d_w_ro if variant == "dale" else None, d_exc, None, None, None)
