"""Tests for aecourse.exercises.reparameterization: references pass, slips and
unfinished stubs fail with a helpful message; the references agree with
torch.distributions and autograd."""

import torch
from torch.distributions import MultivariateNormal, Normal

from aecourse.exercises.reparameterization import (
    check_full_covariance_sample,
    check_reparameterize,
    check_score_function_grad_mu,
    reference_full_covariance_sample,
    reference_reparameterize,
    reference_score_function_grad_mu,
)


def stub(*args):
    return None


# ----------------------------------------------------------- references are right


def test_reference_reparameterize_matches_normal_rsample():
    mu, logvar = torch.randn(3, 2), torch.randn(3, 2)
    torch.manual_seed(0)
    expected = Normal(mu, torch.exp(0.5 * logvar)).rsample()
    torch.manual_seed(0)
    torch.testing.assert_close(reference_reparameterize(mu, logvar, torch.randn(3, 2)), expected)


def test_reference_score_function_matches_autograd_of_log_prob():
    torch.manual_seed(1)
    mu, std = torch.randn(3), 0.5 + torch.rand(3)
    z = mu + std * torch.randn(7, 3)
    f_values = torch.randn(7)
    mu_leaf = mu.clone().requires_grad_(True)
    (f_values * Normal(mu_leaf, std).log_prob(z).sum(-1)).mean().backward()
    torch.testing.assert_close(reference_score_function_grad_mu(f_values, z, mu, std), mu_leaf.grad)


def test_reference_full_covariance_matches_multivariate_normal():
    mu = torch.randn(3)
    scale_tril = torch.tensor([[1.0, 0.0, 0.0], [0.5, 0.8, 0.0], [-0.3, 0.2, 0.6]])
    torch.manual_seed(2)
    expected = MultivariateNormal(mu, scale_tril=scale_tril).rsample((5,))
    torch.manual_seed(2)
    got = reference_full_covariance_sample(mu, scale_tril, torch.randn(5, 3))
    torch.testing.assert_close(got, expected)


# ------------------------------------------------------------------------- checks


def test_check_reparameterize(assert_passes, assert_fails, capsys):
    assert_passes(check_reparameterize, reference_reparameterize)

    assert_fails(check_reparameterize, stub, "your answer is None")

    # the classic slip: exp(logvar) (the variance) instead of the standard deviation
    assert_fails(
        check_reparameterize,
        lambda mu, logvar, eps: mu + torch.exp(logvar) * eps,
        "std = torch.exp(0.5 * logvar)",
    )

    # right values, no gradient path
    def detached(mu, logvar, eps):
        return (mu + torch.exp(0.5 * logvar) * eps).detach()

    # the values part passes (✅) before the gradient part fails, so only the fragment
    assert bool(check_reparameterize(detached)) is False
    assert "carries no gradient" in capsys.readouterr().out

    def broken(mu, logvar, eps):
        raise RuntimeError("oops")

    assert_fails(check_reparameterize, broken, "raised RuntimeError: oops")


def test_check_score_function_grad_mu(assert_passes, assert_fails):
    assert_passes(check_score_function_grad_mu, reference_score_function_grad_mu)

    assert_fails(check_score_function_grad_mu, stub, "your answer is None")

    # divides by std instead of the variance
    def by_std(f_values, z, mu, std):
        return (f_values[:, None] * (z - mu) / std).mean(0)

    assert_fails(check_score_function_grad_mu, by_std, "not the std")

    # sums instead of averaging
    def summed(f_values, z, mu, std):
        return (f_values[:, None] * (z - mu) / std**2).sum(0)

    assert_fails(check_score_function_grad_mu, summed)


def test_check_full_covariance_sample(assert_passes, assert_fails):
    assert_passes(check_full_covariance_sample, reference_full_covariance_sample)

    assert_fails(check_full_covariance_sample, stub, "your answer is None")

    assert_fails(
        check_full_covariance_sample, lambda mu, L, eps: mu + eps @ L, "covariance is L^T L"
    )

    # the source's slip: multiply by the covariance instead of its Cholesky factor
    assert_fails(check_full_covariance_sample, lambda mu, L, eps: mu + eps @ (L @ L.T), "eps @ L.T")

    assert_fails(check_full_covariance_sample, lambda mu, L, eps: 1 / 0, "raised ZeroDivisionError")
