"""Evaluation of trained models: exact population quantities on the prior's quadrature grid.

For each of the K models (one per target rate), everything the figures and claims use:
distortion D and rate R (on the training set, the fixed test set, and the population grid),
mutual information I(r; x), the entropy of the prior over activity H(p(r)), the generative
model's fit KL(π ‖ q), with q(x) = Σ_r p(r) p(x|r), the coding error ε²(x), Fisher information
FI(x), the tuning parameters, and power-law exponents of allocation against π.
All sums over the 2^N patterns are exact; the grid is processed in chunks so N = 12 fits in
memory.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from neurosweep.statistics import spearman

from . import model

CHUNK_ELEMENTS = 1 << 22  # [K, chunk, P] floats per chunk
CENTRAL_MASS = (0.05, 0.95)  # quantiles of π between which the error/FI exponents are fitted


def _chunks(total: int, k: int, patterns: int):
    size = max(1, CHUNK_ELEMENTS // (k * patterns))
    for first in range(0, total, size):
        yield slice(first, min(total, first + size))


@torch.no_grad()
def distortion_rate(p: model.Params, x: torch.Tensor, cfg: dict, weight: torch.Tensor | None = None):
    """(D, R) [K] averaged over stimuli x (uniformly, or with the given weights)."""
    patterns = model.all_patterns(p["centre"].shape[-1], x.dtype)
    k = p["centre"].shape[0]
    weight = torch.full((len(x),), 1.0 / len(x), dtype=x.dtype) if weight is None else weight
    d_total, r_total = torch.zeros(k, dtype=x.dtype), torch.zeros(k, dtype=x.dtype)
    for part in _chunks(len(x), k, len(patterns)):
        d, r = model.losses(p, x[part], patterns, cfg["domain"], cfg["likelihood"])
        d_total += d @ weight[part]
        r_total += r @ weight[part]
    return d_total, r_total


def _binary_entropy(m: torch.Tensor) -> torch.Tensor:
    return -(torch.special.xlogy(m, m) + torch.special.xlogy(1 - m, 1 - m))


def _decoder_log_density(x: torch.Tensor, mu: torch.Tensor, log_s: torch.Tensor, likelihood: str):
    """log p(x|r) [K, B, P]."""
    u = torch.log(x) if likelihood == "lognormal" else x
    z = (u[None, :, None] - mu[:, None, :]) * torch.exp(-log_s[:, None, :])
    log_density = -0.5 * model.LOG_2PI - log_s[:, None, :] - 0.5 * z ** 2
    return log_density - u[None, :, None] if likelihood == "lognormal" else log_density


def _decoder_moments(mu: torch.Tensor, log_s: torch.Tensor, likelihood: str):
    """Mean and variance of x under p(x|r) [K, P]."""
    var = torch.exp(2 * log_s)
    if likelihood == "lognormal":
        mean = torch.exp(mu + 0.5 * var)
        return mean, torch.expm1(var) * mean ** 2
    return mu, var


@torch.no_grad()
def grid_curves(p: model.Params, x: torch.Tensor, weight: torch.Tensor, cfg: dict) -> dict:
    """Per-stimulus curves on the grid and the pattern-level sums for MI and KL(π‖q)."""
    n = p["centre"].shape[-1]
    patterns = model.all_patterns(n, x.dtype)
    k = p["centre"].shape[0]
    mu, log_s = model.decoder_on_patterns(p, patterns)
    log_prior = model.log_prior_patterns(p, patterns)
    mean, var = _decoder_moments(mu, log_s, cfg["likelihood"])
    aggregate = torch.zeros(k, len(patterns), dtype=x.dtype)
    curves = {key: torch.zeros(k, len(x), dtype=x.dtype) for key in ("error", "fisher", "log_q", "cond_entropy")}
    for part in _chunks(len(x), k, len(patterns)):
        xs = x[part]
        u = model.encode_domain(xs, cfg["domain"])
        eta = model.encoder_logits(p, u)
        m = torch.sigmoid(eta)
        q = model.pattern_posterior(eta, patterns)
        aggregate += torch.einsum("kbp,b->kp", q, weight[part])
        # ε²(x): squared error of a decoded sample, E_q[(x − mean_r)² + var_r]
        curves["error"][:, part] = (q * ((xs[None, :, None] - mean[:, None, :]) ** 2 + var[:, None, :])).sum(-1)
        # FI(x) = Σ_i m_i (1 − m_i) (dη_i/dx)², dη/dx = −(u − c)/σ² · du/dx
        du_dx = 1.0 / xs if cfg["domain"] == "log" else torch.ones_like(xs)
        slope = -(u[None, :, None] - p["centre"][:, None, :]) * torch.exp(-2 * p["log_width"])[:, None, :]
        curves["fisher"][:, part] = (m * (1 - m) * slope ** 2).sum(-1) * du_dx[None, :] ** 2
        log_joint = log_prior[:, None, :] + _decoder_log_density(xs, mu, log_s, cfg["likelihood"])
        curves["log_q"][:, part] = torch.logsumexp(log_joint, dim=-1)
        curves["cond_entropy"][:, part] = _binary_entropy(m).sum(-1)
    curves["aggregate_posterior"] = aggregate
    curves["log_prior"] = log_prior
    return curves


def power_law_slope(log_pi: np.ndarray, log_y: np.ndarray) -> float:
    """Least-squares slope of log y against log π (NaN when fewer than 3 usable points)."""
    ok = np.isfinite(log_pi) & np.isfinite(log_y)
    if ok.sum() < 3 or np.ptp(log_pi[ok]) == 0:
        return math.nan
    return float(np.polyfit(log_pi[ok], log_y[ok], 1)[0])


def allocation(centres: np.ndarray, widths: np.ndarray, u_grid: np.ndarray,
               log_pi_u: np.ndarray) -> dict[str, float]:
    """How one model's tuning curves follow π (in the encoder's domain):
    density exponent (log local centre density vs log π(c)), width exponent (log σ vs log π(c))
    and the rank correlation ρ(log π(c), log σ)."""
    order = np.argsort(centres)
    c, w = centres[order], widths[order]
    inside = (c >= u_grid[0]) & (c <= u_grid[-1])  # centres beyond the grid have no π value
    log_pi_c = np.where(inside, np.interp(c, u_grid, log_pi_u), np.nan)
    density = np.full(len(c), np.nan)
    if len(c) >= 3:
        density[1:-1] = 2.0 / np.maximum(c[2:] - c[:-2], 1e-12)
    rho = spearman(log_pi_c[inside], np.log(w[inside])) if inside.sum() >= 3 else math.nan
    return {"density_exponent": power_law_slope(log_pi_c, np.log(density)),
            "width_exponent": power_law_slope(log_pi_c, np.log(w)),
            "width_rho": float(rho)}


@torch.no_grad()
def evaluate(p: model.Params, stimuli: dict[str, np.ndarray], cfg: dict,
             dtype: torch.dtype = torch.float64) -> tuple[dict, dict[str, np.ndarray]]:
    """Metrics (scalars, JSON) and arrays ([K] per model, [K, G] per grid point) of K models."""
    p = {name: value.to(dtype) for name, value in p.items()}
    k = p["centre"].shape[0]
    x_grid = torch.tensor(stimuli["grid_x"], dtype=dtype)
    w_grid = torch.tensor(stimuli["grid_weight"], dtype=dtype)
    log_pi = stimuli["grid_log_density"]
    entropy = float(stimuli["entropy"])
    out: dict[str, np.ndarray] = {"grid_x": stimuli["grid_x"], "grid_log_density": log_pi}
    for split in ("train", "test"):
        d, r = distortion_rate(p, torch.tensor(stimuli[split], dtype=dtype), cfg)
        out[f"{split}_D"], out[f"{split}_R"] = d.numpy(), r.numpy()
    d, r = distortion_rate(p, x_grid, cfg, w_grid)
    out["D"], out["R"] = d.numpy(), r.numpy()
    out["gap"] = out["D"] + out["R"] - entropy  # D + R − H(π) ≥ 0 (the bound)

    curves = grid_curves(p, x_grid, w_grid, cfg)
    agg = curves["aggregate_posterior"]
    out["MI"] = (-(torch.special.xlogy(agg, agg)).sum(-1) - curves["cond_entropy"] @ w_grid).numpy()
    log_prior = curves["log_prior"]
    out["H_prior"] = (-(torch.exp(log_prior) * log_prior).sum(-1)).numpy()
    out["KL_pi_q"] = ((torch.tensor(log_pi, dtype=dtype) - curves["log_q"]) @ w_grid).numpy()
    out["log_q_gen"] = curves["log_q"].numpy()  # log q(x) of the generative model on the grid
    out["error"] = curves["error"].numpy()
    out["fisher"] = curves["fisher"].numpy()
    out["MSE"] = (curves["error"] @ w_grid).numpy()
    out["coupling"] = model.symmetric_coupling(p).numpy()
    out["centre"], out["width"] = p["centre"].numpy(), torch.exp(p["log_width"]).numpy()
    out["log_gain"], out["field"] = p["log_gain"].numpy(), p["field"].numpy()

    # Power-law exponents against π, in the encoder's domain (π_u(u) = π(x) dx/du)
    x_np = stimuli["grid_x"]
    u_grid = np.log(x_np) if cfg["domain"] == "log" else x_np
    log_pi_u = log_pi + (np.log(x_np) if cfg["domain"] == "log" else 0.0)
    cdf = np.cumsum(stimuli["grid_weight"])
    central = (cdf >= CENTRAL_MASS[0]) & (cdf <= CENTRAL_MASS[1])
    fits = {key: np.full(k, np.nan) for key in
            ("density_exponent", "width_exponent", "width_rho", "error_exponent", "fisher_exponent")}
    for i in range(k):
        for key, value in allocation(out["centre"][i], out["width"][i], u_grid, log_pi_u).items():
            fits[key][i] = value
        fits["error_exponent"][i] = -power_law_slope(log_pi[central], np.log(out["error"][i][central]))
        fits["fisher_exponent"][i] = power_law_slope(log_pi[central], np.log(out["fisher"][i][central]))
    out.update(fits)

    rates = np.array(cfg["rates"])
    metrics = {
        "entropy": entropy,
        "max_rate_error": float(np.max(np.abs(out["test_R"] - rates))),
        "mean_gap": float(np.mean(out["gap"])),
        "min_gap": float(np.min(out["gap"])),
        "max_MI_over_R": float(np.max(out["MI"] / np.maximum(out["R"], 1e-12))),
    }
    return metrics, out
