"""Loss functions against independent references: torch.distributions, closed forms,
exact marginal likelihoods and Monte Carlo with tolerances from standard errors."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Bernoulli, Independent, MultivariateNormal, Normal, kl_divergence

from aecourse.estimators import importance_log_weights, iwae_bound, log_mean_exp, naive_log_px
from aecourse.gaussian import kl_normal_std_normal
from aecourse.losses import (
    bernoulli_log_likelihood,
    elbo,
    gaussian_log_likelihood,
    log_px_given_z,
    squared_error,
)
from aecourse.models import VAE, VAEOutput


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


# --- squared error -------------------------------------------------------------------


def test_squared_error_sums_over_dimensions():
    x = torch.tensor([[0.0, 1.0], [2.0, 2.0]])
    x_hat = torch.tensor([[1.0, 1.0], [0.0, 5.0]])
    assert torch.equal(squared_error(x_hat, x), torch.tensor([1.0, 13.0]))


# --- KL(N(mu, sigma^2) || N(0, I)) ---------------------------------------------------


def test_kl_matches_torch_distributions():
    g = gen(1)
    mu, logvar = torch.randn(64, 5, generator=g), torch.randn(64, 5, generator=g)
    std = torch.exp(0.5 * logvar)
    q = Independent(Normal(mu, std), 1)
    p = Independent(Normal(torch.zeros_like(mu), torch.ones_like(std)), 1)
    torch.testing.assert_close(kl_normal_std_normal(mu, logvar), kl_divergence(q, p))


def test_kl_is_zero_at_the_prior_and_keeps_leading_dims():
    assert torch.equal(kl_normal_std_normal(torch.zeros(3, 4), torch.zeros(3, 4)), torch.zeros(3))
    assert kl_normal_std_normal(torch.zeros(2, 3, 4), torch.ones(2, 3, 4)).shape == (2, 3)


def test_kl_matches_monte_carlo():
    # KL(q || p) = E_q[log q(z) - log p(z)], estimated from 200,000 samples of z ~ q
    mu, logvar = torch.tensor([0.5, -1.0, 2.0]), torch.tensor([0.3, -1.5, 0.0])
    q = Normal(mu, torch.exp(0.5 * logvar))
    z = mu + q.scale * torch.randn(200_000, 3, generator=gen(2))  # (S, K)
    log_ratio = (q.log_prob(z) - Normal(0.0, 1.0).log_prob(z)).sum(-1)
    standard_error = log_ratio.std() / math.sqrt(len(log_ratio))
    closed = kl_normal_std_normal(mu[None], logvar[None])[0]
    assert abs(log_ratio.mean() - closed) < 5 * standard_error


@pytest.mark.parametrize(
    ("mu", "logvar", "match"),
    [
        (torch.zeros(3, 2), torch.zeros(3, 4), "same shape"),
        (torch.tensor([[float("nan"), 0.0]]), torch.zeros(1, 2), "mu"),
        (torch.zeros(1, 2), torch.tensor([[0.0, float("inf")]]), "logvar"),
        (torch.tensor(0.0), torch.tensor(0.0), "mu"),
    ],
)
def test_kl_rejects_bad_input(mu, logvar, match):
    with pytest.raises(ValueError, match=match):
        kl_normal_std_normal(mu, logvar)


# --- Bernoulli and Gaussian log-likelihoods ------------------------------------------


def test_bernoulli_matches_torch_distributions_and_bce():
    g = gen(3)
    x = torch.rand(16, 10, generator=g)  # grey values in [0, 1]
    x_logits = 3 * torch.randn(16, 10, generator=g)
    expected = Independent(Bernoulli(logits=x_logits, validate_args=False), 1).log_prob(x)
    got = bernoulli_log_likelihood(x, x_logits)
    torch.testing.assert_close(got, expected)
    bce = F.binary_cross_entropy_with_logits(x_logits, x, reduction="none").sum(-1)
    torch.testing.assert_close(got, -bce)


def test_bernoulli_is_stable_for_large_logits():
    x = torch.tensor([[1.0, 0.0]])
    got = bernoulli_log_likelihood(x, torch.tensor([[200.0, -200.0]]))
    assert torch.isfinite(got).all() and abs(float(got)) < 1e-6
    got = bernoulli_log_likelihood(x, torch.tensor([[-200.0, 200.0]]))
    torch.testing.assert_close(got, torch.tensor([-400.0]))


def test_bernoulli_accepts_several_samples_of_z():
    g = gen(4)
    x, x_logits = torch.rand(4, 6, generator=g), torch.randn(3, 4, 6, generator=g)
    got = bernoulli_log_likelihood(x, x_logits)
    assert got.shape == (3, 4)
    torch.testing.assert_close(got[1], bernoulli_log_likelihood(x, x_logits[1]))


@pytest.mark.parametrize(
    ("x", "x_logits", "match"),
    [
        (torch.full((2, 3), 1.5), torch.zeros(2, 3), r"x must lie in \[0, 1\]"),
        (torch.full((2, 3), -0.1), torch.zeros(2, 3), r"x must lie in \[0, 1\]"),
        (torch.zeros(2, 3), torch.zeros(2, 4), "x_logits must have shape"),
        (torch.zeros(2, 3), torch.tensor([[0.0, float("nan"), 0.0]] * 2), "x_logits"),
        (torch.tensor([[float("nan"), 0.0, 0.0]] * 2), torch.zeros(2, 3), "x contains NaN"),
        (torch.zeros(6), torch.zeros(6), "x must have 2 dimensions"),
    ],
)
def test_bernoulli_rejects_bad_input(x, x_logits, match):
    with pytest.raises(ValueError, match=match):
        bernoulli_log_likelihood(x, x_logits)


def test_bernoulli_rejects_integer_tensors():
    with pytest.raises(TypeError, match="x must be a floating-point"):
        bernoulli_log_likelihood(torch.zeros(2, 3, dtype=torch.long), torch.zeros(2, 3))


def test_gaussian_matches_torch_distributions():
    g = gen(5)
    x, x_hat = torch.rand(16, 10, generator=g), torch.rand(16, 10, generator=g)
    for s in (0.1, 1.0, 3.0):
        expected = Independent(Normal(x_hat, s), 1).log_prob(x)
        torch.testing.assert_close(gaussian_log_likelihood(x, x_hat, s), expected)


def test_gaussian_is_scaled_squared_error_plus_a_constant():
    # -log N(x; x_hat, s^2 I) = ||x - x_hat||^2 / (2 s^2) + D log s + D/2 log(2 pi)
    g = gen(6)
    x, x_hat, s = torch.rand(8, 5, generator=g), torch.rand(8, 5, generator=g), 0.3
    rest = -gaussian_log_likelihood(x, x_hat, s) - squared_error(x_hat, x) / (2 * s**2)
    torch.testing.assert_close(
        rest, torch.full((8,), 5 * math.log(s) + 2.5 * math.log(2 * math.pi))
    )


@pytest.mark.parametrize(
    ("s", "error", "match"),
    [
        (0.0, ValueError, "s must be > 0"),
        (-1.0, ValueError, "s must be > 0"),
        (float("nan"), ValueError, "s must be finite"),
        ("1", TypeError, "s must be a number"),
    ],
)
def test_gaussian_rejects_bad_s(s, error, match):
    with pytest.raises(error, match=match):
        gaussian_log_likelihood(torch.zeros(2, 3), torch.zeros(2, 3), s)


def test_gaussian_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="x_hat must have shape"):
        gaussian_log_likelihood(torch.zeros(2, 3), torch.zeros(3, 2), 1.0)


def test_log_px_given_z_chooses_the_likelihood_and_checks_s():
    x, out = torch.rand(2, 3, generator=gen(7)), torch.randn(2, 3, generator=gen(8))
    torch.testing.assert_close(log_px_given_z(x, x_logits=out), bernoulli_log_likelihood(x, out))
    torch.testing.assert_close(
        log_px_given_z(x, x_hat=out, s=0.5), gaussian_log_likelihood(x, out, 0.5)
    )
    with pytest.raises(ValueError, match="exactly one"):
        log_px_given_z(x)
    with pytest.raises(ValueError, match="exactly one"):
        log_px_given_z(x, x_logits=out, x_hat=out)
    with pytest.raises(ValueError, match="s=0.5 only applies to a Gaussian"):
        log_px_given_z(x, x_logits=out, s=0.5)
    with pytest.raises(ValueError, match="s .* is required"):
        log_px_given_z(x, x_hat=out)


# --- ELBO ---------------------------------------------------------------------------


def small_vae(likelihood="bernoulli", seed=0, **kwargs):
    torch.manual_seed(seed)
    return VAE(6, 3, hidden=(8,), likelihood=likelihood, **kwargs)


def test_elbo_is_recon_minus_kl_with_torch_distributions():
    model, x = small_vae(), torch.rand(5, 6, generator=gen(9))
    out = model(x)
    terms = elbo(x, out)
    std = torch.exp(0.5 * out.logvar)
    recon = Independent(Bernoulli(logits=model.decode(out.z), validate_args=False), 1).log_prob(x)
    kl = kl_divergence(
        Independent(Normal(out.mu, std), 1), Independent(Normal(0.0, torch.ones_like(std)), 1)
    )
    torch.testing.assert_close(terms.recon, recon)
    torch.testing.assert_close(terms.kl, kl)
    torch.testing.assert_close(terms.elbo, recon - kl)
    assert terms.elbo.shape == (5,)


def test_elbo_needs_s_for_a_gaussian_decoder():
    model, x = small_vae("gaussian"), torch.rand(5, 6, generator=gen(10))
    out = model(x)
    assert elbo(x, out, s=0.2).elbo.shape == (5,)
    with pytest.raises(ValueError, match="s .* is required"):
        elbo(x, out)


def test_elbo_rejects_mismatched_batches():
    x = torch.rand(4, 6, generator=gen(11))
    out = VAEOutput(
        z=torch.zeros(3, 2),
        mu=torch.zeros(3, 2),
        logvar=torch.zeros(3, 2),
        x_logits=torch.zeros(4, 6),
    )
    with pytest.raises(ValueError, match="does not match"):
        elbo(x, out)


# --- Importance-weighted bounds -------------------------------------------------------


def linear_gaussian_vae(exact_posterior=True, s=0.5, shift=0.0):
    """A VAE whose marginal p(x) is known: x = W z + b + s * noise, so
    p(x) = N(b, W W^T + s^2 I). W has orthogonal columns, so the true posterior
    p(z|x) = N(Sigma W^T (x - b) / s^2, Sigma), Sigma = (I + W^T W / s^2)^-1, is
    diagonal and the encoder can represent it exactly."""
    torch.manual_seed(0)
    D, K = 4, 2
    model = VAE(D, K, hidden=(), likelihood="gaussian").double()
    q, _ = torch.linalg.qr(torch.randn(D, K, dtype=torch.float64))
    W = q * torch.tensor([1.5, 0.7], dtype=torch.float64)  # (D, K), W^T W diagonal
    b = torch.randn(D, dtype=torch.float64)
    sigma2 = 1.0 / (1.0 + (W * W).sum(0) / s**2)  # (K,) diagonal of Sigma
    A = sigma2[:, None] * W.T / s**2  # (K, D): posterior mean = A (x - b)
    with torch.no_grad():
        model.decoder[0].weight.copy_(W)
        model.decoder[0].bias.copy_(b)
        if exact_posterior:
            model.encoder[0].weight.copy_(torch.cat([A, torch.zeros(K, D, dtype=torch.float64)]))
            # shift > 0 moves q's mean away from the posterior's and widens q
            mean_bias = -A @ b + shift
            model.encoder[0].bias.copy_(torch.cat([mean_bias, sigma2.log() + 2 * shift]))
    marginal = MultivariateNormal(b, W @ W.T + s**2 * torch.eye(D, dtype=torch.float64))
    x = marginal.sample((6,))
    return model, x, marginal.log_prob(x), s


def test_iwae_equals_log_px_when_q_is_the_true_posterior():
    # every weight w = p(x, z) / p(z|x) equals p(x), whatever z is drawn
    model, x, log_px, s = linear_gaussian_vae()
    for k in (1, 7, 100):
        torch.testing.assert_close(iwae_bound(model, x, k, s=s, chunk_size=3), log_px)


def test_elbo_equals_log_px_in_expectation_when_q_is_the_true_posterior():
    model, x, log_px, s = linear_gaussian_vae()
    torch.manual_seed(1)
    x_rep = x.repeat(4000, 1)  # (4000 * B, D): 4000 independent draws per example
    draws = elbo(x_rep, model(x_rep), s=s).elbo.detach().reshape(4000, len(x))  # (4000, B)
    standard_error = draws.std(0) / math.sqrt(len(draws))
    assert ((draws.mean(0) - log_px).abs() < 5 * standard_error + 1e-9).all()


def test_bounds_tighten_with_k_and_approach_log_px():
    model, x, log_px, s = linear_gaussian_vae(shift=0.5)  # q is close to, not at, p(z|x)
    torch.manual_seed(2)
    with torch.no_grad():
        x_rep = x.repeat(500, 1)  # (500 * B, D): 500 independent estimates per example
        bounds = {k: iwae_bound(model, x_rep, k, s=s).reshape(500, len(x)) for k in (1, 3, 300)}
    means = {k: b.mean(0) for k, b in bounds.items()}  # (B,) each
    errors = {k: b.std(0) / math.sqrt(len(b)) for k, b in bounds.items()}
    gap_1 = log_px - means[1]
    assert (gap_1 > 5 * errors[1]).all(), "the shifted encoder should leave a clear gap"
    assert (means[3] - means[1] > 5 * torch.hypot(errors[3], errors[1])).all()
    assert (means[300] - means[3] > 5 * torch.hypot(errors[300], errors[3])).all()
    # L_300 closes almost all of the gap and does not exceed log p(x) beyond the noise
    assert ((log_px - means[300]) < 0.02 * gap_1 + 5 * errors[300]).all()
    assert (means[300] < log_px + 5 * errors[300]).all()


def test_l1_is_the_one_sample_elbo_estimator():
    model, x = small_vae(seed=3), torch.rand(8, 6, generator=gen(12))
    torch.manual_seed(4)
    l1 = iwae_bound(model, x, 1)
    torch.manual_seed(4)
    out = model(x)  # draws the same eps as iwae_bound did
    std = torch.exp(0.5 * out.logvar)
    log_px_z = Independent(Bernoulli(logits=out.x_logits, validate_args=False), 1).log_prob(x)
    log_pz = Independent(Normal(0.0, torch.ones_like(std)), 1).log_prob(out.z)
    log_qz = Independent(Normal(out.mu, std), 1).log_prob(out.z)
    torch.testing.assert_close(l1, log_px_z + log_pz - log_qz)


def test_l1_averages_to_the_elbo_with_closed_form_kl():
    model, x = small_vae(seed=5), torch.rand(8, 6, generator=gen(13))
    torch.manual_seed(6)
    with torch.no_grad():
        l1 = importance_log_weights(model, x, 20_000)  # (S, B): independent draws of L_1
        x_rep = x.repeat(2000, 1)  # (2000 * B, D)
        elbos = elbo(x_rep, model(x_rep)).elbo.reshape(2000, len(x))  # (2000, B)
    diff = l1.mean(0) - elbos.mean(0)
    standard_error = torch.sqrt(l1.var(0) / len(l1) + elbos.var(0) / len(elbos))
    assert (diff.abs() < 5 * standard_error).all()


def test_log_importance_weights_shapes_and_chunks():
    model, x = small_vae(seed=7), torch.rand(5, 6, generator=gen(14))
    with torch.no_grad():
        assert importance_log_weights(model, x, 23, chunk_size=4).shape == (23, 5)
        assert iwae_bound(model, x, 23, chunk_size=4).shape == (5,)


def test_log_mean_exp_does_not_overflow():
    log_w = torch.tensor([[1000.0, -1000.0], [1000.0, -1002.0]])
    expected = torch.tensor([1000.0, -1000.0 + math.log((1 + math.exp(-2)) / 2)])
    torch.testing.assert_close(log_mean_exp(log_w, dim=0), expected)


def test_prior_sampling_estimate_is_consistent_but_noisier():
    model, x, log_px, s = linear_gaussian_vae(exact_posterior=False, s=1.0)
    torch.manual_seed(8)
    with torch.no_grad():
        x_rep = x.repeat(20, 1)  # (20 * B, D)
        naive = naive_log_px(model, x_rep, 20_000, s=s).reshape(20, len(x))
    standard_error = naive.std(0) / math.sqrt(len(naive))
    assert ((naive.mean(0) - log_px).abs() < 5 * standard_error + 0.02).all()


@pytest.mark.parametrize("fn", [iwae_bound, naive_log_px, importance_log_weights])
def test_bounds_reject_bad_input(fn):
    model, x = small_vae(), torch.rand(5, 6, generator=gen(15))
    with pytest.raises(ValueError, match="num_samples must be >= 1"):
        fn(model, x, 0)
    with pytest.raises(TypeError, match="num_samples must be an int"):
        fn(model, x, 2.5)
    with pytest.raises(ValueError, match="x must have last dimension 6"):
        fn(model, torch.rand(5, 4), 3)
    with pytest.raises(ValueError, match="s=1.0 only applies"):
        fn(model, x, 3, s=1.0)
    with pytest.raises(ValueError, match="chunk_size must be >= 1"):
        fn(model, x, 3, chunk_size=0)


def test_log_mean_exp_has_one_contract():
    log_w = torch.tensor([[0.0, float("-inf")], [float("-inf"), float("-inf")]]).T
    expected = torch.tensor([math.log(0.5), float("-inf")])
    torch.testing.assert_close(log_mean_exp(log_w, dim=0), expected)  # zero weights allowed
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"log_w contains NaN or \+inf"):
            log_mean_exp(torch.tensor([0.0, bad]))
    with pytest.raises(ValueError, match="log_w is empty"):
        log_mean_exp(torch.zeros(0, 3))
    with pytest.raises(ValueError, match="log_w must have at least 1 dimension"):
        log_mean_exp(torch.tensor(0.0))
    with pytest.raises(ValueError, match=r"dim must be in \[-2, 2\), got 2"):
        log_mean_exp(torch.zeros(2, 3), dim=2)
