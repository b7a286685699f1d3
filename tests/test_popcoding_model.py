"""The popcoding model: exact enumeration, analytic rate, packed training == separate runs."""

import math

import numpy as np
import pytest
import torch

from neurosweep.studies.popcoding import model, priors, training
from neurosweep.studies.popcoding.evaluate import allocation, evaluate, power_law_slope

DT = torch.float64


def random_params(k=3, n=5, hidden=7, prior="ising", seed=0):
    gen = torch.Generator().manual_seed(seed)
    stim = np.random.default_rng(seed).lognormal(1, 1, 200)
    p = model.init_params(k, n, hidden, stim, 2.0, prior, gen, DT)
    # move away from the (identical) initial point so each model differs
    for name in p:
        if not (name == "coupling" and prior == "bernoulli"):
            p[name] = p[name] + 0.3 * torch.randn(p[name].shape, generator=gen, dtype=DT)
    return p


def test_all_patterns_are_every_binary_word():
    pats = model.all_patterns(4)
    assert pats.shape == (16, 4)
    assert len({tuple(r.tolist()) for r in pats}) == 16
    with pytest.raises(ValueError, match="N = 15"):
        model.all_patterns(15)


def test_posterior_over_patterns_sums_to_one_and_factorises():
    p = random_params()
    x = torch.linspace(0.1, 10, 11, dtype=DT)
    eta = model.encoder_logits(p, x)
    pats = model.all_patterns(5, DT)
    q = model.pattern_posterior(eta, pats)
    assert torch.allclose(q.sum(-1), torch.ones_like(q[..., 0]), atol=1e-12)
    m = torch.sigmoid(eta)  # product of independent Bernoullis
    direct = torch.prod(torch.where(pats.bool(), m[..., None, :], 1 - m[..., None, :]), dim=-1)
    assert torch.allclose(q, direct, atol=1e-12)


@pytest.mark.parametrize("likelihood", ["gaussian", "lognormal"])
def test_contracted_distortion_equals_naive_sum_over_patterns(likelihood):
    p = random_params()
    x = torch.linspace(0.2, 12, 17, dtype=DT)
    pats = model.all_patterns(5, DT)
    q = model.pattern_posterior(model.encoder_logits(p, x), pats)
    mu, log_s = model.decoder_on_patterns(p, pats)
    fast = model.distortion(q, model.decoder_terms(mu, log_s), x, likelihood)
    naive = model.distortion_naive(q, mu, log_s, x, likelihood)
    assert torch.allclose(fast, naive, atol=1e-9)
    # float32 too (what training uses): within 1e-4 as the notes require
    p32 = {k: v.float() for k, v in p.items()}
    q32 = model.pattern_posterior(model.encoder_logits(p32, x.float()), pats.float())
    mu32, ls32 = model.decoder_on_patterns(p32, pats.float())
    fast32 = model.distortion(q32, model.decoder_terms(mu32, ls32), x.float(), likelihood)
    assert torch.allclose(fast32.double(), naive, atol=1e-4)


@pytest.mark.parametrize("prior", ["ising", "bernoulli"])
def test_analytic_rate_equals_brute_force_kl(prior):
    p = random_params(prior=prior)
    x = torch.linspace(0.2, 12, 9, dtype=DT)
    pats = model.all_patterns(5, DT)
    eta = model.encoder_logits(p, x)
    q = model.pattern_posterior(eta, pats)
    log_p = model.log_prior_patterns(p, pats)
    brute = (q * (torch.log(q) - log_p[:, None, :])).sum(-1)
    analytic = model.rate(p, eta, model.log_partition(p, pats))
    assert torch.allclose(analytic, brute, atol=1e-10)


def test_ising_with_zero_coupling_is_the_bernoulli_prior():
    p = random_params(prior="bernoulli")
    pats = model.all_patterns(5, DT)
    assert torch.allclose(model.log_partition(p, pats),
                          torch.nn.functional.softplus(p["field"]).sum(-1), atol=1e-12)


def test_coupling_is_symmetric_with_zero_diagonal_whatever_the_raw_parameter():
    p = random_params()
    p["coupling"] = torch.randn(3, 5, 5, dtype=DT)
    j = model.symmetric_coupling(p)
    assert torch.equal(j, j.transpose(-1, -2))
    assert torch.all(torch.diagonal(j, dim1=-2, dim2=-1) == 0)


def small_cfg(**extra):
    return training.settings({"n_neurons": 4, "hidden": 6, "n_samples": 64, "epochs": 3,
                              "batch_size": 16, "rates": [0.3, 1.0, 1.7], **extra})


@pytest.mark.parametrize("dual_update", ["epoch", "step"])
def test_packed_training_equals_separate_runs(dual_update):
    """K rates trained together give the same parameters as K one-rate runs (same seed)."""
    cfg = small_cfg(dual_update=dual_update)
    x = torch.tensor(priors.make_prior("lognormal").sample(64, np.random.default_rng(0)))
    torch.manual_seed(5)
    packed, history = training.train_models(x, cfg, dtype=DT)
    for k, target in enumerate(cfg["rates"]):
        torch.manual_seed(5)
        alone, alone_history = training.train_models(x, {**cfg, "rates": [target]}, dtype=DT)
        for name in packed:
            assert torch.allclose(packed[name][k], alone[name][0], atol=1e-6, rtol=0), (name, target)
        assert np.allclose(history["beta"][:, k], alone_history["beta"][:, 0], atol=1e-6)
    # and the models really differ (different targets pull them apart)
    assert not torch.allclose(packed["log_gain"][0], packed["log_gain"][2])


def test_gains_and_widths_stay_positive_and_nan_stops_with_a_clear_error():
    cfg = small_cfg(lr=1e6)  # absurd step: the loss blows up
    x = torch.tensor(priors.make_prior("lognormal").sample(64, np.random.default_rng(0)))
    torch.manual_seed(0)
    with pytest.raises(training.TrainingDiverged, match=r"target rates \[.*\].*lower `lr`"):
        training.train_models(x, {**cfg, "epochs": 50})


def test_same_seed_same_bytes_and_dual_ascent_moves_rates_towards_targets():
    cfg = small_cfg(epochs=40, n_samples=128, batch_size=64, rates=[0.2, 1.2])
    stim = priors.stimulus_arrays("lognormal", 128, seed=1, n_test=200)
    results = []
    for _ in range(2):
        torch.manual_seed(1)
        trained, _ = training.train_models(torch.tensor(stim["train"]), cfg)
        results.append(trained)
    for name in results[0]:
        assert torch.equal(results[0][name], results[1][name])
    _, arrays = evaluate(results[0], stim, cfg)
    assert arrays["R"][0] < arrays["R"][1]  # the higher target gets the higher rate


def test_evaluation_identities():
    """Population quantities obey their identities: D + R >= H(pi) (the bound; KL(pi||q) >= 0),
    0 <= MI <= R, and D + R - H = KL(pi||q) + E KL(q(r|x) || p(r|x)) >= KL(pi||q)."""
    cfg = small_cfg(epochs=30, rates=[0.3, 1.5])
    stim = priors.stimulus_arrays("lognormal", 64, seed=0, n_test=100)
    torch.manual_seed(0)
    trained, _ = training.train_models(torch.tensor(stim["train"]), cfg)
    metrics, a = evaluate(trained, stim, cfg)
    assert np.all(a["gap"] >= a["KL_pi_q"] - 1e-6)
    assert np.all(a["KL_pi_q"] >= -1e-6)
    assert np.all((a["MI"] >= -1e-9) & (a["MI"] <= a["R"] + 1e-9))
    assert metrics["entropy"] == pytest.approx(1 + 0.5 * math.log(2 * math.pi * math.e), abs=1e-9)
    assert a["error"].shape == a["fisher"].shape == (2, len(stim["grid_x"]))


@pytest.mark.parametrize("name,entropy", [("lognormal", 2.419), ("gaussian", 3.028), ("mixture", 2.156)])
def test_prior_grids_integrate_to_one_with_the_published_entropies(name, entropy):
    prior = priors.make_prior(name)
    grid = prior.grid()
    assert grid.weight.sum() == pytest.approx(1.0)
    numeric = float(-(grid.weight * grid.log_density).sum())
    assert numeric == pytest.approx(entropy, abs=2e-3)
    assert prior.entropy == pytest.approx(entropy, abs=2e-3)


def test_frequency_prior_follows_its_power_law_and_samples_bin_centres():
    prior = priors.make_prior("frequency")
    grid = prior.grid()
    high = grid.x > 5  # well above f0 = 1.52 kHz: density ~ f^-p
    slope = np.polyfit(np.log(grid.x[high]), grid.log_density[high], 1)[0]
    assert slope == pytest.approx(-priors.FREQ_P, abs=0.05)
    samples = prior.sample(500, np.random.default_rng(0))
    assert np.isin(samples, prior.centres).all()


def test_stimulus_sets_are_deterministic_and_share_one_test_set():
    a = priors.stimulus_arrays("mixture", 50, seed=3)
    b = priors.stimulus_arrays("mixture", 50, seed=3)
    c = priors.stimulus_arrays("mixture", 500, seed=4)
    assert np.array_equal(a["train"], b["train"])
    assert not np.array_equal(a["train"], c["train"][:50])
    assert np.array_equal(a["test"], c["test"])


def test_power_law_fits_recover_known_exponents():
    log_pi = np.linspace(-5, 0, 30)
    assert power_law_slope(log_pi, -0.5 * log_pi + 2) == pytest.approx(-0.5)
    assert math.isnan(power_law_slope(log_pi[:2], log_pi[:2]))
    # centres twice as dense where pi is e-times higher, widths shrinking: exponents 1 and -1
    u = np.linspace(-3, 3, 400)
    log_pi_u = -0.5 * u ** 2
    centres = np.cumsum(np.exp(0.5 * np.linspace(-2, 2, 41) ** 2 / 2) * 0.05)
    centres -= centres.mean()
    widths = np.exp(0.5 * centres ** 2)  # = pi(c)^-1
    fit = allocation(centres, widths, u, log_pi_u)
    assert fit["width_exponent"] == pytest.approx(-1, abs=1e-3)  # log pi interpolated on u
    assert fit["width_rho"] == pytest.approx(-1)
    assert fit["density_exponent"] > 0


@pytest.mark.parametrize("n", [1, 4, 5])
def test_factorised_expectation_equals_the_sum_over_all_patterns(n):
    """expected_terms contracts half the neurons first; it must equal Σ_r q(r|x) terms(r)."""
    p = random_params(n=n)
    x = torch.linspace(0.2, 12, 13, dtype=DT)
    pats = model.all_patterns(n, DT)
    eta = model.encoder_logits(p, x)
    mu, log_s = model.decoder_on_patterns(p, pats)
    terms = model.decoder_terms(mu, log_s)
    direct = model.pattern_posterior(eta, pats) @ terms
    assert torch.allclose(model.expected_terms(eta, terms), direct, atol=1e-10)
