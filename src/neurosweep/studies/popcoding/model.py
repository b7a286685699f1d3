"""The population-coding VAE, for K models at once (one per target rate), by exact enumeration.

A stimulus x is encoded by N binary neurons with bell-shaped tuning:
    η_i(x) = log A_i − (u(x) − c_i)² / (2 σ_i²),   q(r_i = 1 | x) = sigmoid(η_i(x)),
with u(x) = x (``domain="linear"``) or log x (``domain="log"``). Gains and widths are stored as
log A and log σ, so they stay positive whatever the optimiser does (the original took log of an
unconstrained A, which gives NaN once A ≤ 0).

The generative model is a prior over activity patterns p(r) ∝ exp(h·r + rᵀJr) (Ising: J
symmetric with zero diagonal; Bernoulli: J = 0) and an MLP decoder N → M → (μ, log s) giving a
Gaussian p(x|r) (or a log-normal: a Gaussian over log x).

With N ≤ 14 every expectation over r is an exact sum over the P = 2^N patterns, so the loss
D + βR has no sampling noise and no gradient estimator:
    R = E_x KL(q(r|x) ‖ p(r))        (analytic per x, see :func:`rate`)
    D = −E_x Σ_r q(r|x) log p(x|r)   (a [K, B, P] × [K, P, 3] contraction, see :func:`distortion`)

Every parameter has a leading model axis K. The models share nothing, so the gradient of the
summed loss with respect to model k's parameters is exactly that model's own gradient, and an
element-wise optimiser (Adam) trains K independent models in one pass.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch
from torch import Tensor

LOG_2PI = math.log(2 * math.pi)
MAX_NEURONS = 14  # 2^14 patterns: beyond this exact enumeration gets slow and memory-hungry
ACTIVITY_PRIORS = ("ising", "bernoulli")
LIKELIHOODS = ("gaussian", "lognormal")
DOMAINS = ("linear", "log")

Params = dict[str, Tensor]


def all_patterns(n: int, dtype: torch.dtype = torch.float32) -> Tensor:
    """Every binary pattern of n neurons, [2^n, n], in counting order (pattern 0 is silence)."""
    if not 1 <= n <= MAX_NEURONS:
        raise ValueError(f"N = {n} neurons: exact enumeration needs 1 ≤ N ≤ {MAX_NEURONS}")
    return torch.tensor(list(itertools.product((0.0, 1.0), repeat=n)), dtype=dtype)


# ----------------------------------------------------------------------------------------------
# Initialisation
# ----------------------------------------------------------------------------------------------

def kmeans_1d(values: np.ndarray, k: int, iterations: int = 50) -> np.ndarray:
    """Sorted centres of 1-D k-means started at the quantiles (deterministic, no restarts)."""
    values = np.sort(np.asarray(values, dtype=np.float64))
    centres = np.quantile(values, (np.arange(k) + 0.5) / k)
    for _ in range(iterations):
        labels = np.abs(values[:, None] - centres[None, :]).argmin(axis=1)
        updated = np.array([values[labels == j].mean() if np.any(labels == j) else centres[j]
                            for j in range(k)])
        if np.allclose(updated, centres):
            break
        centres = updated
    return np.sort(centres)


def initial_tuning(stimuli_u: np.ndarray, n: int, width_factor: float) -> tuple[np.ndarray, np.ndarray]:
    """Centres by k-means on the training stimuli (in the encoder's domain) and widths
    σ_i = sqrt(width_factor · Δc_i), Δc_i the gap to the next centre (the last gap repeated),
    as in the original."""
    centres = kmeans_1d(stimuli_u, n)
    gaps = np.diff(centres)
    gaps = np.append(gaps, gaps[-1]) if n > 1 else np.array([np.std(stimuli_u) or 1.0])
    widths = np.sqrt(width_factor * np.maximum(gaps, 1e-6))
    return centres, widths


def init_params(k: int, n: int, hidden: int, stimuli_u: np.ndarray, width_factor: float,
                activity_prior: str, generator: torch.Generator,
                dtype: torch.dtype = torch.float32) -> Params:
    """K identical models (they differ only by their target rate): the packed run and K
    separate runs then start from the same point, which makes them comparable exactly."""
    if activity_prior not in ACTIVITY_PRIORS:
        raise ValueError(f"unknown activity prior {activity_prior!r}; expected {ACTIVITY_PRIORS}")
    centres, widths = initial_tuning(stimuli_u, n, width_factor)

    def uniform(shape, fan_in):  # torch.nn.Linear's default initialisation
        bound = 1.0 / math.sqrt(fan_in)
        return (torch.rand(shape, generator=generator, dtype=dtype) * 2 - 1) * bound

    coupling = torch.randn((n, n), generator=generator, dtype=dtype) / math.sqrt(n)
    coupling = coupling * coupling.T  # symmetric, small (the original's W ∘ Wᵀ)
    one = {
        "centre": torch.tensor(centres, dtype=dtype),
        "log_width": torch.tensor(np.log(widths), dtype=dtype),
        "log_gain": torch.zeros(n, dtype=dtype),  # A = 1
        "field": torch.full((n,), -1.0, dtype=dtype),
        "coupling": coupling if activity_prior == "ising" else torch.zeros((n, n), dtype=dtype),
        "w1": uniform((n, hidden), n), "b1": uniform((hidden,), n),
        "w2": uniform((hidden, 2), hidden), "b2": uniform((2,), hidden),
    }
    return {name: value.expand(k, *value.shape).clone() for name, value in one.items()}


# ----------------------------------------------------------------------------------------------
# Encoder, prior over activity, decoder
# ----------------------------------------------------------------------------------------------

def encode_domain(x: Tensor, domain: str) -> Tensor:
    return torch.log(x) if domain == "log" else x


def encoder_logits(p: Params, u: Tensor) -> Tensor:
    """η [K, B, N] for stimuli u [B] (already in the encoder's domain)."""
    inv_var = torch.exp(-2 * p["log_width"])[:, None, :]
    return p["log_gain"][:, None, :] - 0.5 * (u[None, :, None] - p["centre"][:, None, :]) ** 2 * inv_var


def symmetric_coupling(p: Params) -> Tensor:
    """J = (C + Cᵀ)/2 with the diagonal removed: symmetric and zero-diagonal by construction."""
    c = p["coupling"]
    n = c.shape[-1]
    return 0.5 * (c + c.transpose(-1, -2)) * (1 - torch.eye(n, dtype=c.dtype, device=c.device))


def pattern_energy(p: Params, patterns: Tensor) -> Tensor:
    """h·r + rᵀJr [K, P] for every pattern."""
    pairwise = torch.einsum("pi,kij,pj->kp", patterns, symmetric_coupling(p), patterns)
    return p["field"] @ patterns.T + pairwise


def log_partition(p: Params, patterns: Tensor) -> Tensor:
    """log Z [K] of the prior over activity, by exact enumeration."""
    return torch.logsumexp(pattern_energy(p, patterns), dim=1)


def log_prior_patterns(p: Params, patterns: Tensor) -> Tensor:
    """log p(r) [K, P] for every pattern."""
    energy = pattern_energy(p, patterns)
    return energy - torch.logsumexp(energy, dim=1, keepdim=True)


def decoder_on_patterns(p: Params, patterns: Tensor) -> tuple[Tensor, Tensor]:
    """(μ, log s) [K, P]: the decoder runs once per step on all patterns, shared over the batch."""
    k = p["w1"].shape[0]
    # Computed as [K, M, P] (hidden units × patterns): every matmul then has the long pattern
    # axis as columns and every tensor, including the ReLU's gradient, stays contiguous, which
    # runs several times faster on CPU than the textbook [K, P, M] layout.
    patterns_t = patterns.T.expand(k, *patterns.T.shape)
    hidden = torch.relu(torch.baddbmm(p["b1"][:, :, None], p["w1"].transpose(1, 2), patterns_t))
    out = torch.baddbmm(p["b2"][:, :, None], p["w2"].transpose(1, 2), hidden)
    return out[:, 0], out[:, 1]


def pattern_posterior(eta: Tensor, patterns: Tensor) -> Tensor:
    """q(r|x) [K, B, P] = exp(η·r − Σ softplus(η)) for every pattern."""
    return torch.exp(eta @ patterns.T - torch.nn.functional.softplus(eta).sum(-1, keepdim=True))


# ----------------------------------------------------------------------------------------------
# Rate and distortion (per stimulus; average with weights to get R and D)
# ----------------------------------------------------------------------------------------------

def rate(p: Params, eta: Tensor, log_z: Tensor) -> Tensor:
    """KL(q(r|x) ‖ p(r)) [K, B], analytic:
    Σ_i (m_i η_i − softplus η_i) − h·m − mᵀJm + log Z, with m = sigmoid(η).

    (E_q[rᵀJr] = mᵀJm because the neurons are independent given x and J has no diagonal.)
    ``log_z`` [K] is log Z of the Ising prior (Σ softplus h for a Bernoulli prior)."""
    m = torch.sigmoid(eta)
    neg_entropy = (m * eta - torch.nn.functional.softplus(eta)).sum(-1)
    field_term = (m * p["field"][:, None, :]).sum(-1)
    coupling_term = torch.einsum("kbi,kij,kbj->kb", m, symmetric_coupling(p), m)
    return neg_entropy - field_term - coupling_term + log_z[:, None]


def decoder_terms(mu: Tensor, log_s: Tensor) -> Tensor:
    """[K, P, 3]: the pattern-dependent coefficients of −log N(u; μ, s²), which is quadratic in u:
    ½log2π + log s + ½μ²/s² − u μ/s² + ½u²/s²."""
    inv_var = torch.exp(-2 * log_s)
    return torch.stack([log_s + 0.5 * mu ** 2 * inv_var, mu * inv_var, inv_var], dim=-1)


def distortion(q: Tensor, terms: Tensor, x: Tensor, likelihood: str) -> Tensor:
    """−Σ_r q(r|x) log p(x|r) [K, B], by one contraction of q [K, B, P] with the decoder terms.

    A log-normal likelihood is a Gaussian over u = log x plus the Jacobian log x."""
    return distortion_from_expected(q @ terms, x, likelihood)


def distortion_naive(q: Tensor, mu: Tensor, log_s: Tensor, x: Tensor, likelihood: str) -> Tensor:
    """The same as :func:`distortion`, written out per pattern (for tests)."""
    u = torch.log(x) if likelihood == "lognormal" else x
    nll = 0.5 * LOG_2PI + log_s[:, None, :] + 0.5 * ((u[None, :, None] - mu[:, None, :])
                                                      * torch.exp(-log_s[:, None, :])) ** 2
    if likelihood == "lognormal":
        nll = nll + u[None, :, None]
    return (q * nll).sum(-1)


def expected_terms(eta: Tensor, terms: Tensor) -> Tensor:
    """E_q(r|x)[terms(r)] [K, B, C] without forming q(r|x) over all 2^N patterns.

    Given x the neurons are independent, so q(r|x) = q(r_a|x) q(r_b|x) for the first N_a and
    the last N_b neurons, and (patterns in counting order) terms [K, P, C] is a [K, P_a, P_b, C]
    table. Contracting the last half with a matmul first,
        E[b, c] = Σ_a q_a[b, a] Σ_j q_b[b, j] T[a, j, c],
    costs one [B, P_b] × [P_b, P_a·C] GEMM per model instead of exp and products over [B, P]
    (exactly the same sum; 7x faster at N = 12, see benchmarks/popcoding.py)."""
    k, b, n = eta.shape
    n_a = n // 2
    n_b = n - n_a
    q_a = pattern_posterior(eta[..., :n_a], all_patterns(n_a, eta.dtype).to(eta.device)) if n_a else None
    q_b = pattern_posterior(eta[..., n_a:], all_patterns(n_b, eta.dtype).to(eta.device))
    c = terms.shape[-1]
    table = terms.reshape(k, 2 ** n_a, 2 ** n_b, c).transpose(1, 2).reshape(k, 2 ** n_b, 2 ** n_a * c)
    inner = torch.bmm(q_b, table).reshape(k, b, 2 ** n_a, c)  # Σ_j q_b[b, j] T[a, j, c]
    if q_a is None:
        return inner[:, :, 0, :]
    return (q_a[..., None] * inner).sum(2)


def distortion_from_expected(expected: Tensor, x: Tensor, likelihood: str) -> Tensor:
    """−E_q log p(x|r) [K, B] from E_q[log s + ½μ²/s²], E_q[μ/s²], E_q[1/s²] ([K, B, 3])."""
    u = torch.log(x) if likelihood == "lognormal" else x
    nll = 0.5 * LOG_2PI + expected[..., 0] - u * expected[..., 1] + 0.5 * u ** 2 * expected[..., 2]
    return nll + u if likelihood == "lognormal" else nll


def losses(p: Params, x: Tensor, patterns: Tensor, domain: str, likelihood: str) -> tuple[Tensor, Tensor]:
    """(distortion, rate), each [K, B], for stimuli x [B]."""
    eta = encoder_logits(p, encode_domain(x, domain))
    mu, log_s = decoder_on_patterns(p, patterns)
    d = distortion_from_expected(expected_terms(eta, decoder_terms(mu, log_s)), x, likelihood)
    r = rate(p, eta, log_partition(p, patterns))
    return d, r
