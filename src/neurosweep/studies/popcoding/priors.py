"""Stimulus priors π(x) of the popcoding study, each with samples, a quadrature grid and H(π).

Every prior gives the same three things:

* ``sample(n, generator)``: i.i.d. training or test stimuli (deterministic given the generator);
* ``grid()``: a fine evaluation grid (x_j, weights w_j = π(x_j) Δx_j summing to 1, log π(x_j)),
  so that population quantities (distortion, rate, mutual information, KL(π‖q)) are sums,
  not Monte-Carlo averages;
* ``entropy``: the differential entropy H(π) in nats, the constant of the bound D ≥ H(π) − R.

Priors (notes §2): log-normal LN(1, 1) (H = 2.419), Gaussian N(0, 5) (H = 3.028), a mixture
of three Gaussians (H ≈ 2.156), and the frequency prior ∝ 1/(f0^p + f^p) of Fig. 9,
which lives on 2000 log-spaced bins (0.025–25 kHz) and is sampled as bin centres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

PRIORS = ("lognormal", "gaussian", "mixture", "frequency")

#: Mixture of Gaussians (notes §2): weights, means, standard deviations.
MIXTURE = ((0.3, -4.0, 1.0), (0.2, 0.0, 0.5), (0.5, 2.0, 1.0))
#: Frequency prior ∝ 1/(f0^p + f^p), f in kHz, on log-spaced bins between these exponents of 10.
FREQ_F0, FREQ_P = 1.52, 2.61
FREQ_LOG10_RANGE = (-1.6, 1.4)
FREQ_BINS = 2000


@dataclass(frozen=True)
class Grid:
    x: np.ndarray  # evaluation points
    weight: np.ndarray  # π(x_j) Δx_j, sums to 1
    log_density: np.ndarray  # log π(x_j)


class Prior:
    name: str
    positive = False  # True when the support is x > 0 (a log-normal decoder is possible)

    def sample(self, n: int, generator: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def grid(self) -> Grid:
        raise NotImplementedError

    @property
    def entropy(self) -> float:
        grid = self.grid()
        return float(-(grid.weight * grid.log_density).sum())

    @property
    def variance(self) -> float:
        grid = self.grid()
        mean = (grid.weight * grid.x).sum()
        return float((grid.weight * (grid.x - mean) ** 2).sum())


class ContinuousPrior(Prior):
    """A scipy-style density, evaluated on a grid that covers all but 1e-6 of its mass."""

    points = 4000
    log_spaced = False

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def support(self) -> tuple[float, float]:
        raise NotImplementedError

    def grid(self) -> Grid:
        low, high = self.support()
        if self.log_spaced:  # bins of equal width in log x: fine where LN mass is, coarse in the tail
            edges = np.exp(np.linspace(math.log(low), math.log(high), self.points + 1))
        else:
            edges = np.linspace(low, high, self.points + 1)
        x = 0.5 * (edges[1:] + edges[:-1])
        log_density = self.logpdf(x)
        weight = np.exp(log_density) * np.diff(edges)
        return Grid(x=x, weight=weight / weight.sum(), log_density=log_density)


class LogNormal(ContinuousPrior):
    name, positive, log_spaced = "lognormal", True, True

    def __init__(self, mu: float = 1.0, sigma: float = 1.0):
        self.dist = stats.lognorm(s=sigma, scale=math.exp(mu))

    def sample(self, n, generator):
        return self.dist.rvs(size=n, random_state=generator)

    def logpdf(self, x):
        return self.dist.logpdf(x)

    def support(self):
        return self.dist.ppf(1e-7), self.dist.ppf(1 - 1e-7)

    @property
    def entropy(self) -> float:
        return float(self.dist.entropy())


class Gaussian(ContinuousPrior):
    name = "gaussian"

    def __init__(self, mean: float = 0.0, sd: float = 5.0):
        self.dist = stats.norm(loc=mean, scale=sd)

    def sample(self, n, generator):
        return self.dist.rvs(size=n, random_state=generator)

    def logpdf(self, x):
        return self.dist.logpdf(x)

    def support(self):
        return self.dist.ppf(1e-7), self.dist.ppf(1 - 1e-7)

    @property
    def entropy(self) -> float:
        return float(self.dist.entropy())


class Mixture(ContinuousPrior):
    name = "mixture"

    def __init__(self, components=MIXTURE):
        self.weights = np.array([c[0] for c in components])
        self.means = np.array([c[1] for c in components])
        self.sds = np.array([c[2] for c in components])

    def sample(self, n, generator):
        which = generator.choice(len(self.weights), size=n, p=self.weights)
        return self.means[which] + self.sds[which] * generator.standard_normal(n)

    def logpdf(self, x):
        parts = [np.log(w) + stats.norm.logpdf(x, m, s)
                 for w, m, s in zip(self.weights, self.means, self.sds)]
        return np.logaddexp.reduce(np.stack(parts), axis=0)

    def support(self):
        return (self.means - 6 * self.sds).min(), (self.means + 6 * self.sds).max()


class Frequency(Prior):
    """π(f) ∝ 1/(f0^p + f^p) on log-spaced bins (f in kHz); samples are bin centres."""

    name, positive = "frequency", True

    def __init__(self, f0: float = FREQ_F0, p: float = FREQ_P, bins: int = FREQ_BINS,
                 log10_range: tuple[float, float] = FREQ_LOG10_RANGE):
        edges = np.logspace(*log10_range, bins + 1)
        self.centres = np.sqrt(edges[1:] * edges[:-1])
        self.widths = np.diff(edges)
        mass = self.widths / (f0 ** p + self.centres ** p)
        self.mass = mass / mass.sum()

    def sample(self, n, generator):
        return self.centres[generator.choice(len(self.centres), size=n, p=self.mass)]

    def grid(self) -> Grid:
        # The density is piecewise constant on the bins, so H(π) and D are those of that density.
        return Grid(x=self.centres, weight=self.mass, log_density=np.log(self.mass / self.widths))


def make_prior(name: str) -> Prior:
    makers = {"lognormal": LogNormal, "gaussian": Gaussian, "mixture": Mixture, "frequency": Frequency}
    if name not in makers:
        raise ValueError(f"unknown stimulus prior {name!r}; expected one of {', '.join(PRIORS)}")
    return makers[name]()


@dataclass(frozen=True)
class Stimuli:
    train: np.ndarray
    test: np.ndarray


def make_stimuli(prior: Prior, n_train: int, n_test: int, seed: int) -> Stimuli:
    """The training set depends on the seed; the test set is the same for every seed and size
    (drawn from a fixed stream), so test numbers are comparable across the sweep."""
    train = prior.sample(n_train, np.random.default_rng([seed, 1]))
    test = prior.sample(n_test, np.random.default_rng([2**31 - 1, 2]))
    return Stimuli(train=np.asarray(train, dtype=np.float64), test=np.asarray(test, dtype=np.float64))


def stimulus_arrays(prior_name: str, n_train: int, seed: int, n_test: int = 3000) -> dict[str, np.ndarray]:
    """Everything a training job reads: training and test stimuli, the evaluation grid, H(π)."""
    prior = make_prior(prior_name)
    stimuli = make_stimuli(prior, n_train, n_test, seed)
    grid = prior.grid()
    return {"train": stimuli.train, "test": stimuli.test, "grid_x": grid.x,
            "grid_weight": grid.weight, "grid_log_density": grid.log_density,
            "entropy": np.array(prior.entropy), "seed": np.array(seed)}
