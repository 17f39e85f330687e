"""Tests for aecourse.exercises.reparameterization: the solutions pass, the untouched
stubs and typical wrong answers fail with a specific message, staged hints appear in
order, and the references agree with torch.distributions and Monte Carlo."""

import math

import pytest
import torch
from torch.distributions import MultivariateNormal, Normal

from aecourse.exercises import reparameterization as ex
from aecourse.exercises._core import Exercise
from aecourse.gaussian import kl_normal_std_normal
from aecourse.gradients import leave_one_out_mean


def stub(*args):
    return None


def broken(*args):
    raise RuntimeError("oops")


@pytest.fixture(autouse=True)
def fresh_hints():
    """Each test starts from hint 1 (the checks count failures across calls)."""
    for check in (getattr(ex, name) for name in ex.__all__ if name.startswith("check_")):
        check.failures = 0
    yield


# ----------------------------------------------------------- references are right


def test_reference_objective_is_unbiased_and_differentiable():
    torch.manual_seed(0)
    mu = torch.zeros(50_000, 2, requires_grad=True)
    logvar = torch.zeros(50_000, 2, requires_grad=True)
    values = ex.reference_objective(lambda z: z.pow(2).sum(-1), mu, logvar)
    assert values.shape == (50_000,)
    assert abs(float(values.detach().mean()) - 2.0) < 0.05  # E||z||^2 = 2, KL = 0
    values.sum().backward()
    assert mu.grad is not None and logvar.grad is not None


def test_reference_score_variance_matches_monte_carlo():
    torch.manual_seed(1)
    mu, std = 1.3, 0.7
    z = mu + std * torch.randn(2_000_000, dtype=torch.float64)
    g = z.pow(2) * (z - mu) / std**2
    assert abs(float(g.var()) / ex.reference_score_variance(mu, std) - 1) < 0.03


def test_reference_baseline_is_the_mean_of_u():
    torch.manual_seed(2)
    z = torch.randn(1_000_000, 4)
    mean_u = float((z - 2.0).pow(2).sum(-1).mean())
    assert abs(float(ex.reference_baseline(torch.zeros(1))[0]) - mean_u) < 0.05


def test_reference_full_covariance_matches_multivariate_normal():
    mu = torch.randn(3)
    scale_tril = torch.tensor([[1.0, 0.0, 0.0], [0.5, 0.8, 0.0], [-0.3, 0.2, 0.6]])
    torch.manual_seed(2)
    expected = MultivariateNormal(mu, scale_tril=scale_tril).rsample((5,))
    torch.manual_seed(2)
    got = ex.reference_full_covariance_sample(mu, scale_tril, torch.randn(5, 3))
    torch.testing.assert_close(got, expected)


# ------------------------------------------------------------------------- checks


def test_every_check_is_an_exercise_of_its_kind():
    kinds = {
        "check_objective_gradient": "debug",
        "check_score_variance": "derive",
        "check_steep_slope_prediction": "predict",
        "check_baseline": "implement",
        "check_full_covariance_sample": "debug",
    }
    for name, kind in kinds.items():
        check = getattr(ex, name)
        assert isinstance(check, Exercise) and check.kind == kind and len(check.hints) >= 2


def variance_as_std(u, mu, logvar):
    """The planted mistake: exp(logvar), the variance, used as the standard deviation."""
    z = Normal(mu, torch.exp(logvar)).rsample()
    return u(z) - kl_normal_std_normal(mu, logvar)


def detached_objective(u, mu, logvar):
    """sample() instead of rsample(): the chapter's first section shows this one."""
    z = Normal(mu, torch.exp(0.5 * logvar)).sample()
    return u(z) - kl_normal_std_normal(mu, logvar)


def test_check_objective_gradient(assert_passes, assert_fails):
    check = ex.check_objective_gradient
    assert_passes(check, ex.reference_objective, "the values and the gradients")
    # the effect, not the culprit: values and logvar-gradient off, mu-gradient right
    assert_fails(check, variance_as_std, "the values average", "logvar is", "Hint 1 of 2")
    assert_fails(check, variance_as_std, "the gradient in mu is right", "Hint 2 of 2")
    assert_fails(check, detached_objective, "equals minus the KL's gradient, whatever u is")

    def logvar_as_std(u, mu, logvar):  # a different slip: the values are wrong
        z = mu + logvar * torch.randn_like(mu)
        return u(z) - kl_normal_std_normal(mu, logvar)

    assert_fails(ex.check_objective_gradient, logvar_as_std, "the values average")
    assert_fails(ex.check_objective_gradient, stub, "shape")
    assert_fails(ex.check_objective_gradient, broken, "raised RuntimeError: oops")


def test_check_score_variance(assert_passes, assert_fails):
    assert_passes(ex.check_score_variance, ex.reference_score_variance, "at 4 points")
    assert_fails(ex.check_score_variance, stub, "your answer is None", "Hint 1 of 2")

    # forgets to subtract the squared mean (4 mu^2): E[g^2] instead of Var g
    def second_moment(mu, std):
        return mu**4 / std**2 + 18 * mu**2 + 15 * std**2

    assert_fails(ex.check_score_variance, second_moment, "at mu = ", "expected", "Hint 2 of 2")
    # the mu = 0 answer of eq. (7.6) with K = 1, for every mu
    assert_fails(ex.check_score_variance, lambda mu, std: 15 * std**2, "expected")
    assert_fails(ex.check_score_variance, broken, "raised RuntimeError: oops")


def test_check_steep_slope_prediction(assert_passes, assert_fails, capsys):
    assert_fails(ex.check_steep_slope_prediction, 1.0, "too low", "Hint 1 of 2")
    assert "pathwise" not in capsys.readouterr().out  # the stub does not see the table
    assert_fails(ex.check_steep_slope_prediction, None, "write your prediction", "hint(1)")
    assert_passes(
        ex.check_steep_slope_prediction, 12.8, "grows like 1 / c, not", "     c  pathwise"
    )
    assert_passes(ex.check_steep_slope_prediction, 10.0)
    assert_passes(ex.check_steep_slope_prediction, 13)
    # the slope squared, everywhere: a hundredfold
    assert_fails(ex.check_steep_slope_prediction, 100.0, "too high", "Hint 2 of 2")
    assert_fails(ex.check_steep_slope_prediction, 1.0, "too low", "that was the last hint")
    assert_fails(ex.check_steep_slope_prediction, "ten", "expected a number")


def test_check_baseline(assert_passes, assert_fails):
    assert_passes(ex.check_baseline, ex.reference_baseline, "unbiased")
    assert_passes(ex.check_baseline, lambda u_values: 20.0)
    assert_passes(ex.check_baseline, leave_one_out_mean)
    assert_fails(ex.check_baseline, lambda u_values: 0.0, "aim for 25 %", "Hint 1")
    # includes the sample itself: lower variance, but biased
    assert_fails(
        ex.check_baseline, lambda u_values: u_values.mean(-1, keepdim=True), "biased", "Hint 2"
    )
    assert_fails(ex.check_baseline, lambda u_values: u_values, "biased")
    assert_fails(ex.check_baseline, lambda u_values: 10.0, "aim for 25 %")
    assert_fails(ex.check_baseline, stub, "raised")
    assert_fails(ex.check_baseline, lambda u_values: u_values[:, :2], "raised")
    assert_fails(ex.check_baseline, lambda u_values: math.inf, "NaN or infinity")


def test_check_full_covariance_sample(assert_passes, assert_fails):
    assert_passes(ex.check_full_covariance_sample, ex.reference_full_covariance_sample)
    # the effect, not the culprit: the entry furthest off, with both values
    assert_fails(
        ex.check_full_covariance_sample,
        lambda mu, L, eps: mu + eps @ L,
        "entry (0, 0) of the sample covariance is",
        "Hint 1",
    )
    # the source's slip: the covariance instead of its Cholesky factor
    assert_fails(
        ex.check_full_covariance_sample, lambda mu, L, eps: mu + eps @ (L @ L.T), "of L L^T"
    )
    assert_fails(ex.check_full_covariance_sample, lambda mu, L, eps: eps @ L.T, "not centred")
    assert_fails(ex.check_full_covariance_sample, stub, "returned None")
    assert_fails(ex.check_full_covariance_sample, lambda mu, L, eps: mu, "expected samples")
    assert_fails(ex.check_full_covariance_sample, broken, "raised RuntimeError: oops")


def test_hint_method_prints_the_requested_stage(capsys):
    ex.check_baseline.hint(2)
    out = capsys.readouterr().out
    assert out.startswith("Hint 2 of 2:") and ex.check_baseline.hints[1] in out
