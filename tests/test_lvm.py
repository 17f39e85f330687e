"""Tests for aecourse.lvm: every closed form against torch.distributions, Bayes' rule,
autograd or Monte Carlo with a tolerance taken from the estimate's standard error."""

import math

import numpy as np
import pytest
import scipy.linalg
import torch
from torch.distributions import Independent, MultivariateNormal, Normal, kl_divergence

from aecourse.diagnostics import subspace_angles
from aecourse.estimators import (
    CHUNK_SIZE,
    effective_sample_size,
    importance_log_weights,
    iwae_bound,
    log_mean_exp,
    naive_log_px,
    prior_log_weights,
)
from aecourse.gaussian import diag_normal, kl_diag_normals, log_normal_diag
from aecourse.lvm import LinearGaussianLVM, ml_ppca
from aecourse.models import LinearVAE
from aecourse.objectives import linear_vae_terms

DTYPE = torch.float64
Z_TOL = 5.0  # Monte Carlo checks: |estimate - exact| < 5 standard errors


def make_model(data_dim=5, latent_dim=3, s=0.7, seed=0):
    g = torch.Generator().manual_seed(seed)
    W = torch.randn(data_dim, latent_dim, generator=g, dtype=DTYPE)
    b = torch.randn(data_dim, generator=g, dtype=DTYPE)
    return LinearGaussianLVM(W, b, s).requires_grad_(False)


def make_q(batch, latent_dim, seed=1):
    g = torch.Generator().manual_seed(seed)
    mu = torch.randn(batch, latent_dim, generator=g, dtype=DTYPE)
    logvar = 0.5 * torch.randn(batch, latent_dim, generator=g, dtype=DTYPE) - 1.0
    return mu, logvar


def data(model, batch=4, seed=2):
    torch.manual_seed(seed)
    return model.sample(batch)[1]


def reference_posterior(model, x):
    """p(z|x) by conditioning the joint Gaussian of (z, x): a formula independent of lvm's."""
    W, C = model.W, model.marginal_covariance()
    gain = torch.linalg.solve(C, W).T  # W^T C^{-1}, (K, D)
    mean = (x - model.b) @ gain.T  # (B, K)
    cov = torch.eye(model.latent_dim, dtype=DTYPE) - gain @ W
    return MultivariateNormal(mean, covariance_matrix=cov)


# ---- diagonal Gaussians and Monte Carlo helpers -------------------------------------------


def test_log_normal_diag_matches_torch():
    mu, logvar = make_q(4, 3)
    for shape in [(4, 3), (7, 4, 3)]:
        z = torch.randn(*shape, dtype=DTYPE)
        expected = Independent(Normal(mu, torch.exp(0.5 * logvar)), 1).log_prob(z)
        torch.testing.assert_close(log_normal_diag(z, mu, logvar), expected)


def test_kl_diag_normals_matches_torch_and_is_zero_for_equal_arguments():
    mu_q, logvar_q = make_q(6, 4, seed=3)
    mu_p, logvar_p = make_q(6, 4, seed=4)
    expected = kl_divergence(diag_normal(mu_q, logvar_q), diag_normal(mu_p, logvar_p))
    torch.testing.assert_close(kl_diag_normals(mu_q, logvar_q, mu_p, logvar_p), expected)
    assert kl_diag_normals(mu_q, logvar_q, mu_p, logvar_p).shape == (6,)
    torch.testing.assert_close(
        kl_diag_normals(mu_q, logvar_q, mu_q, logvar_q), torch.zeros(6, dtype=DTYPE)
    )
    zeros = torch.zeros_like(mu_q)
    std_normal = Independent(Normal(zeros, torch.ones_like(zeros)), 1)
    torch.testing.assert_close(
        kl_diag_normals(mu_q, logvar_q, zeros, zeros),
        kl_divergence(diag_normal(mu_q, logvar_q), std_normal),
    )


def test_diag_normal_shapes_and_std():
    mu, logvar = make_q(5, 2)
    q = diag_normal(mu, logvar)
    assert tuple(q.batch_shape) == (5,) and tuple(q.event_shape) == (2,)
    torch.testing.assert_close(q.stddev, torch.exp(0.5 * logvar))


def test_log_mean_exp_is_stable_and_correct():
    values = torch.randn(50, 3, dtype=DTYPE)
    torch.testing.assert_close(log_mean_exp(values), values.exp().mean(dim=0).log())
    shifted = values - 1000.0  # exp underflows to 0 here
    assert torch.isinf(shifted.exp().mean(dim=0).log()).all()
    torch.testing.assert_close(log_mean_exp(shifted), values.exp().mean(dim=0).log() - 1000.0)
    torch.testing.assert_close(log_mean_exp(values.T, dim=1), values.exp().mean(dim=0).log())


def test_effective_sample_size():
    log_w = torch.randn(200, 3, dtype=DTYPE)
    w = log_w.exp()
    torch.testing.assert_close(effective_sample_size(log_w), w.sum(0) ** 2 / (w**2).sum(0))
    torch.testing.assert_close(
        effective_sample_size(torch.full((40, 2), -900.0, dtype=DTYPE)),
        torch.full((2,), 40.0, dtype=DTYPE),
    )
    one_dominates = torch.full((100, 1), -1000.0, dtype=DTYPE)
    one_dominates[7] = 0.0
    torch.testing.assert_close(effective_sample_size(one_dominates), torch.ones(1, dtype=DTYPE))


# ---- the generative model ----------------------------------------------------------------


def test_log_marginal_matches_multivariate_normal():
    model = make_model()
    x = data(model, batch=6)
    expected = MultivariateNormal(
        model.b, covariance_matrix=model.W @ model.W.T + 0.49 * torch.eye(5, dtype=DTYPE)
    ).log_prob(x)
    torch.testing.assert_close(model.log_marginal(x), expected)


def test_log_likelihood_and_prior_match_torch():
    model = make_model()
    x = data(model)
    for shape in [(4, 3), (9, 4, 3)]:
        z = torch.randn(*shape, dtype=DTYPE)
        x_hat = z @ model.W.T + model.b
        expected = Independent(Normal(x_hat, 0.7), 1).log_prob(x)
        torch.testing.assert_close(model.log_likelihood(x, z), expected)
        torch.testing.assert_close(model.log_prior(z), Normal(0.0, 1.0).log_prob(z).sum(-1))
        torch.testing.assert_close(
            model.log_joint(x, z), expected + Normal(0.0, 1.0).log_prob(z).sum(-1)
        )


def test_samples_have_the_marginal_mean_and_covariance():
    model = make_model(data_dim=3, latent_dim=2)
    torch.manual_seed(5)
    n = 20_000
    _, x = model.sample(n)
    C = model.marginal_covariance()
    mean_se = torch.sqrt(C.diagonal() / n)
    assert ((x.mean(0) - model.b).abs() < Z_TOL * mean_se).all()
    cov_se = torch.sqrt((torch.outer(C.diagonal(), C.diagonal()) + C**2) / n)
    assert ((torch.cov(x.T) - C).abs() < Z_TOL * cov_se).all()


def test_posterior_matches_gaussian_conditioning_and_bayes_rule():
    model = make_model()
    x = data(model)
    reference = reference_posterior(model, x)
    mean, cov = model.posterior(x)
    torch.testing.assert_close(mean, reference.mean)
    torch.testing.assert_close(cov.expand(4, 3, 3), reference.covariance_matrix)
    z = torch.randn(11, 4, 3, dtype=DTYPE)
    torch.testing.assert_close(model.log_posterior(x, z), reference.log_prob(z))
    # Bayes' rule: log p(z|x) = log p(x|z) + log p(z) - log p(x)
    torch.testing.assert_close(
        model.log_posterior(x, z), model.log_joint(x, z) - model.log_marginal(x)
    )
    torch.testing.assert_close(model.posterior_distribution(x).log_prob(z), reference.log_prob(z))


# ---- closed-form ELBO and KL ----------------------------------------------------------------


def test_kl_to_posterior_matches_torch_kl_divergence():
    model = make_model()
    x = data(model)
    mu, logvar = make_q(4, 3)
    q_full = MultivariateNormal(mu, covariance_matrix=torch.diag_embed(logvar.exp()))
    expected = kl_divergence(q_full, reference_posterior(model, x))
    torch.testing.assert_close(model.kl_to_posterior(x, mu, logvar), expected)


def test_elbo_identity_holds_to_rounding_and_kl_is_nonnegative():
    model = make_model()
    x = data(model)
    for seed in range(5):
        mu, logvar = make_q(4, 3, seed=10 + seed)
        elbo = model.elbo(x, mu, logvar)
        kl = model.kl_to_posterior(x, mu, logvar)
        assert elbo.shape == (4,) and kl.shape == (4,)
        torch.testing.assert_close(elbo + kl, model.log_marginal(x), atol=1e-10, rtol=0)
        assert (kl > 0).all() and (elbo < model.log_marginal(x)).all()


def test_elbo_and_reconstruction_match_monte_carlo():
    model = make_model()
    x = data(model)
    mu, logvar = make_q(4, 3)
    torch.manual_seed(6)
    num_samples = 8_000
    q = diag_normal(mu, logvar)
    z = q.sample((num_samples,))  # (S, B, K)
    log_w = model.log_joint(x, z) - q.log_prob(z)  # (S, B)
    se = log_w.std(0) / math.sqrt(num_samples)
    assert ((log_w.mean(0) - model.elbo(x, mu, logvar)).abs() < Z_TOL * se).all()
    log_px_given_z = model.log_likelihood(x, z)
    se = log_px_given_z.std(0) / math.sqrt(num_samples)
    assert (
        (log_px_given_z.mean(0) - model.reconstruction_term(x, mu, logvar)).abs() < Z_TOL * se
    ).all()


def test_elbo_is_reconstruction_minus_kl_to_prior():
    model = make_model()
    x = data(model)
    mu, logvar = make_q(4, 3)
    zeros = torch.zeros_like(mu)
    expected = model.reconstruction_term(x, mu, logvar) - kl_diag_normals(mu, logvar, zeros, zeros)
    torch.testing.assert_close(model.elbo(x, mu, logvar), expected)


def test_elbo_equals_log_px_when_q_is_a_diagonal_posterior():
    q_basis, _ = torch.linalg.qr(
        torch.randn(5, 2, dtype=DTYPE, generator=torch.Generator().manual_seed(7))
    )
    model = LinearGaussianLVM(
        q_basis * torch.tensor([2.0, 0.5], dtype=DTYPE), torch.zeros(5, dtype=DTYPE), 0.6
    )
    x = data(model)
    mean, cov = model.posterior(x)
    assert cov[0, 1].abs() < 1e-12
    logvar = cov.diagonal().log().expand_as(mean)
    torch.testing.assert_close(model.elbo(x, mean, logvar), model.log_marginal(x))


def test_best_diagonal_q_is_a_stationary_point_with_the_predicted_kl():
    model = make_model()
    x = data(model)
    mu, logvar = model.best_diagonal_q(x)
    mu.requires_grad_(True)
    logvar.requires_grad_(True)
    model.elbo(x, mu, logvar).sum().backward()
    assert mu.grad.abs().max() < 1e-10 and logvar.grad.abs().max() < 1e-10
    P = model.posterior_precision()
    predicted = 0.5 * (P.diagonal().log().sum() - torch.logdet(P))
    kl = model.kl_to_posterior(x, mu.detach(), logvar.detach())
    torch.testing.assert_close(kl, predicted.expand(4))
    worse = model.kl_to_posterior(x, mu.detach() + 0.05, logvar.detach() - 0.05)
    assert (worse > kl).all()


def test_elbo_gradients_match_finite_differences():
    model = make_model(data_dim=4, latent_dim=2).requires_grad_(True)
    x = data(model, batch=3)
    mu, logvar = make_q(3, 2)
    mu.requires_grad_(True)
    logvar.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda m, lv: model.elbo(x, m, lv), (mu, logvar))
    model.elbo(x, mu, logvar).sum().backward()
    h = 1e-6
    for param in [model.W, model.b, model.log_s]:
        flat, grad = param.data.view(-1), param.grad.view(-1)
        for i in [0, flat.numel() - 1]:
            with torch.no_grad():
                flat[i] += h
                up = model.elbo(x, mu, logvar).sum().item()
                flat[i] -= 2 * h
                down = model.elbo(x, mu, logvar).sum().item()
                flat[i] += h
            assert abs(grad[i].item() - (up - down) / (2 * h)) < 1e-5


# ---- estimators of log p(x) --------------------------------------------------------------------


def test_naive_estimate_is_within_its_standard_error():
    model = make_model(data_dim=2, latent_dim=1, s=0.5)
    x = data(model, batch=3)
    torch.manual_seed(8)
    num_samples = 20_000
    log_w = prior_log_weights(model, x, num_samples)  # (S, B)
    assert log_w.shape == (num_samples, 3)
    w = torch.exp(log_w - log_w.max(0).values)
    se_log = w.std(0) / (w.mean(0) * math.sqrt(num_samples))  # delta method
    assert ((log_mean_exp(log_w) - model.log_marginal(x)).abs() < Z_TOL * se_log).all()
    torch.manual_seed(8)
    torch.testing.assert_close(naive_log_px(model, x, num_samples), log_mean_exp(log_w))


def test_importance_sampling_with_the_exact_posterior_has_zero_variance():
    model = make_model()
    x = data(model)
    torch.manual_seed(9)
    log_w = importance_log_weights(model, x, 50, q=model.posterior_distribution(x))
    assert log_w.shape == (50, 4)
    assert log_w.std(0).max() < 1e-10
    torch.testing.assert_close(log_w[0], model.log_marginal(x))
    estimate = iwae_bound(model, x, 1, q=model.posterior_distribution(x))
    torch.testing.assert_close(estimate, model.log_marginal(x))


def test_importance_sampling_with_a_diagonal_q_is_within_its_standard_error():
    model = make_model()
    x = data(model)
    mu, logvar = model.best_diagonal_q(x)
    q = diag_normal(mu, logvar + 0.7)  # wider than the posterior's conditionals
    torch.manual_seed(10)
    num_samples = CHUNK_SIZE + 1000  # also exercises the chunking
    log_w = importance_log_weights(model, x, num_samples, q=q)
    assert log_w.shape == (num_samples, 4)
    w = torch.exp(log_w - log_w.max(0).values)
    se_log = w.std(0) / (w.mean(0) * math.sqrt(num_samples))
    assert ((log_mean_exp(log_w) - model.log_marginal(x)).abs() < Z_TOL * se_log).all()
    ess = effective_sample_size(log_w)
    assert (ess > 1).all() and (ess <= num_samples).all()


# ---- maximum likelihood, subspaces and the linear VAE -----------------------------------------


def test_ml_ppca_is_a_stationary_point_of_the_likelihood():
    teacher = make_model(data_dim=6, latent_dim=2, s=0.5, seed=11)
    torch.manual_seed(12)
    _, x = teacher.sample(2000)
    ml = ml_ppca(x, 2)
    ml.requires_grad_(True)
    ml.log_marginal(x).mean().backward()
    for name, param in ml.named_parameters():
        assert param.grad.abs().max() < 1e-8, name
    best = ml.log_marginal(x).mean().item()
    with torch.no_grad():
        for perturbed in [
            LinearGaussianLVM(ml.W * 1.05, ml.b, ml.s.item()),
            LinearGaussianLVM(ml.W, ml.b + 0.05, ml.s.item()),
            LinearGaussianLVM(ml.W, ml.b, ml.s.item() * 1.05),
        ]:
            assert perturbed.log_marginal(x).mean().item() < best
        angle = 0.3
        R = torch.tensor(
            [[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]], dtype=DTYPE
        )
        rotated = LinearGaussianLVM(ml.W @ R, ml.b, ml.s.item())
        assert abs(rotated.log_marginal(x).mean().item() - best) < 1e-10
    gram = ml.W.T @ ml.W
    assert gram[0, 1].abs() < 1e-10  # orthogonal columns


def test_subspace_angles_match_scipy():
    g = torch.Generator().manual_seed(13)
    A, B = torch.randn(7, 3, generator=g, dtype=DTYPE), torch.randn(7, 3, generator=g, dtype=DTYPE)
    expected = np.sort(scipy.linalg.subspace_angles(A.numpy(), B.numpy()))
    np.testing.assert_allclose(subspace_angles(A, B).numpy(), expected, atol=1e-10)
    R = torch.randn(3, 3, generator=g, dtype=DTYPE)
    assert subspace_angles(A, A @ R).max() < 1e-6  # same column space


def test_linear_vae_terms():
    torch.manual_seed(14)
    vae = LinearVAE(data_dim=5, latent_dim=2)
    x = torch.randn(8, 5, dtype=DTYPE)
    mu, logvar = vae.encode(x)
    assert mu.shape == (8, 2) and logvar.shape == (8, 2)
    terms = linear_vae_terms(vae, x)
    assert set(terms) == {"loss", "elbo", "log_px", "kl_posterior"}
    assert all(value.shape == (8,) for value in terms.values())
    torch.testing.assert_close(terms["loss"], -terms["elbo"])
    torch.testing.assert_close(terms["kl_posterior"], terms["log_px"] - terms["elbo"].detach())
    terms["loss"].mean().backward()
    assert vae.encoder.weight.grad is not None and vae.decoder.W.grad is not None


# ---- input validation ------------------------------------------------------------------------


def test_model_rejects_bad_parameters():
    W, b = torch.randn(4, 2, dtype=DTYPE), torch.zeros(4, dtype=DTYPE)
    with pytest.raises(ValueError, match="W"):
        LinearGaussianLVM(torch.randn(4, dtype=DTYPE), b, 1.0)
    with pytest.raises(ValueError, match="b"):
        LinearGaussianLVM(W, torch.zeros(3, dtype=DTYPE), 1.0)
    with pytest.raises(TypeError, match="b"):
        LinearGaussianLVM(W, torch.zeros(4), 1.0)
    with pytest.raises(ValueError, match="s"):
        LinearGaussianLVM(W, b, 0.0)
    with pytest.raises(ValueError, match="s"):
        LinearGaussianLVM(W, b, -1.0)
    with pytest.raises(ValueError, match="s"):
        LinearGaussianLVM(W, b, float("nan"))
    with pytest.raises(ValueError, match="W"):
        LinearGaussianLVM(torch.full((4, 2), float("nan"), dtype=DTYPE), b, 1.0)


def test_methods_reject_bad_inputs():
    model = make_model()
    x = data(model)
    mu, logvar = make_q(4, 3)
    with pytest.raises(ValueError, match="x"):
        model.log_marginal(torch.randn(4, 6, dtype=DTYPE))
    with pytest.raises(ValueError, match="x"):
        model.log_marginal(torch.full((4, 5), float("nan"), dtype=DTYPE))
    with pytest.raises(TypeError, match="x"):
        model.log_marginal(x.float())
    with pytest.raises(ValueError, match="z"):
        model.log_likelihood(x, torch.randn(4, 2, dtype=DTYPE))
    with pytest.raises(ValueError, match="z"):
        model.log_likelihood(x, torch.randn(3, 3, dtype=DTYPE))
    with pytest.raises(ValueError, match="mu"):
        model.elbo(x, mu[:2], logvar[:2])
    with pytest.raises(ValueError, match="logvar"):
        model.kl_to_posterior(x, mu, logvar[:, :2])
    with pytest.raises(ValueError, match="logvar"):
        model.elbo(x, mu, torch.full_like(logvar, float("nan")))
    with pytest.raises(ValueError, match="num_samples"):
        naive_log_px(model, x, 0)
    with pytest.raises(TypeError, match="q"):
        importance_log_weights(model, x, 10, q=(mu, logvar))
    with pytest.raises(ValueError, match="q"):
        importance_log_weights(model, x, 10, q=diag_normal(mu[:2], logvar[:2]))
    with pytest.raises(ValueError, match="mu_q and mu_p"):
        kl_diag_normals(mu, logvar, mu[:2], logvar[:2])
    with pytest.raises(ValueError, match="log_w"):
        log_mean_exp(torch.tensor([0.0, float("nan")]))
    with pytest.raises(ValueError, match="latent_dim"):
        ml_ppca(x, 5)
    with pytest.raises(ValueError, match="A and B"):
        subspace_angles(torch.randn(5, 2, dtype=DTYPE), torch.randn(4, 2, dtype=DTYPE))


def test_linear_vae_rejects_bad_inputs():
    vae = LinearVAE(data_dim=5, latent_dim=2)
    with pytest.raises(ValueError, match="x"):
        vae.encode(torch.randn(3, 4, dtype=DTYPE))
    with pytest.raises(TypeError, match="x"):
        vae.encode(torch.randn(3, 5))
    with pytest.raises(ValueError, match="latent_dim"):
        LinearVAE(data_dim=5, latent_dim=0)


def test_kl_diag_normals_to_standard_normal_is_the_vae_kl():
    """The chapter's general diagonal KL, with p = N(0, I), is losses.kl_normal_std_normal."""
    from aecourse.gaussian import kl_normal_std_normal

    generator = torch.Generator().manual_seed(11)
    mu = torch.randn(6, 4, generator=generator, dtype=torch.float64)
    logvar = torch.randn(6, 4, generator=generator, dtype=torch.float64)
    zeros = torch.zeros_like(mu)
    torch.testing.assert_close(
        kl_diag_normals(mu, logvar, zeros, zeros), kl_normal_std_normal(mu, logvar)
    )


def test_subspace_angles_agrees_with_the_exercise_reference():
    """diagnostics.subspace_angles (radians, all angles) and the chapter-1 exercise's largest angle."""
    from aecourse.exercises.autoencoders import reference_subspace_angle

    generator = torch.Generator().manual_seed(12)
    a = torch.randn(7, 3, generator=generator, dtype=torch.float64)
    b = torch.randn(7, 3, generator=generator, dtype=torch.float64)
    largest = math.degrees(float(subspace_angles(a, b).max()))
    assert largest == pytest.approx(reference_subspace_angle(a, b), abs=1e-6)
