"""Tests for the exercise checks of the chapter "Latent variable models and the ELBO":
a correct answer passes, the unfinished stub and typical wrong answers fail with a
helpful message, the staged hints come in order, and no check raises."""

import math

import pytest
import torch

from aecourse.exercises import latent_variable_models as lvm_exercises
from aecourse.exercises.latent_variable_models import (
    check_effective_sample_size,
    check_elbo_gap,
    check_importance_log_px,
    check_one_sample_error,
    check_proposal_scale,
    reference_effective_sample_size,
)
from aecourse.lvm import LinearGaussianLVM

CHECKS = [
    check_effective_sample_size,
    check_importance_log_px,
    check_proposal_scale,
    check_elbo_gap,
    check_one_sample_error,
]


@pytest.fixture(autouse=True)
def fresh_hints():
    """Each test starts at hint 1: the hint stage is a property of each check."""
    for check in CHECKS:
        check.failures = 0
    yield
    for check in CHECKS:
        check.failures = 0


def stub(*args):
    return None  # an unfinished exercise


def chapter_model(latent_dim: int):
    """The chapter's model for this K: D = 16, s = 1, random W, five data points."""
    torch.manual_seed(latent_dim)
    W = torch.randn(16, latent_dim, dtype=torch.float64)
    model = LinearGaussianLVM(W, torch.zeros_like(W[:, 0]), s=1.0).requires_grad_(False)
    _, x = model.sample(5)
    return model, x


# --- implement: the effective sample size ------------------------------------------------


def test_effective_sample_size(assert_fails, assert_passes):
    assert_passes(
        check_effective_sample_size, reference_effective_sample_size, "✅ effective_sample_size"
    )

    def student(log_w):  # shift by the largest log-weight, then the plain ratio
        w = torch.exp(log_w - log_w.max(dim=0).values)
        return w.sum(0) ** 2 / (w**2).sum(0)

    assert_passes(check_effective_sample_size, student)

    def naive_exp(log_w):  # right ratio, but exp() underflows at log w = -1000
        w = log_w.exp()
        return w.sum(0) ** 2 / (w**2).sum(0)

    def inverted(log_w):
        w = torch.softmax(log_w, dim=0)
        return (w**2).sum(0)

    assert_fails(check_effective_sample_size, stub, "None", "Hint 1 of 2", "keeps the exponentials")
    assert_fails(check_effective_sample_size, naive_exp, "NaN", "Hint 2 of 2", "largest weight")
    assert_fails(check_effective_sample_size, inverted, "expected", "that was the last hint")


# --- debug: the importance-sampling estimator --------------------------------------------


def buggy_importance_log_px(model, x, q, num_samples):  # the notebook's stub
    z = torch.randn(num_samples, len(x), model.latent_dim, dtype=x.dtype)
    log_w = model.log_joint(x, z) - q.log_prob(z)
    return torch.logsumexp(log_w, dim=0) - math.log(num_samples)


def fixed_importance_log_px(model, x, q, num_samples):
    z = q.sample((num_samples,))
    log_w = model.log_joint(x, z) - q.log_prob(z)
    return torch.logsumexp(log_w, dim=0) - math.log(num_samples)


def test_importance_log_px(assert_fails, assert_passes):
    assert_passes(check_importance_log_px, fixed_importance_log_px, "✅ importance_log_px", "exact")

    def mean_of_log_weights(model, x, q, num_samples):  # the ELBO, not log p(x)
        z = q.sample((num_samples,))
        return (model.log_joint(x, z) - q.log_prob(z)).mean(dim=0)

    def adds_log_q(model, x, q, num_samples):
        z = q.sample((num_samples,))
        log_w = model.log_joint(x, z) + q.log_prob(z)
        return torch.logsumexp(log_w, dim=0) - math.log(num_samples)

    assert_fails(check_importance_log_px, stub, "None", "Hint 1 of 2", "drawn from")
    assert_fails(
        check_importance_log_px, buggy_importance_log_px, "twice its covariance", "Hint 2", "mean"
    )
    assert_fails(check_importance_log_px, mean_of_log_weights, "twice its covariance", "last hint")
    assert_fails(check_importance_log_px, adds_log_q, "exact posterior", "Monte Carlo error")


def test_importance_check_is_deterministic(capsys):
    check_importance_log_px(fixed_importance_log_px)
    first = capsys.readouterr().out
    torch.manual_seed(123)  # the global random state does not matter
    check_importance_log_px(fixed_importance_log_px)
    assert capsys.readouterr().out == first


# --- experiment: the scale of the proposal -----------------------------------------------


def test_proposal_scale(capsys):
    model, x = chapter_model(8)
    assert bool(check_proposal_scale(1.4, model, x)) is True  # the notebook's solution
    out = capsys.readouterr().out
    assert out.startswith("✅ proposal_scale") and "ESS" in out
    for scale, words in [
        (None, "set the factor"),
        ("wide", "expected a number"),
        (1.0, "not yet a clear improvement"),
        (0.7, "narrower"),
        (2.0, "too wide"),
        (2.5, "too wide"),
        (50.0, "between 0.1 and 10"),
    ]:
        assert bool(check_proposal_scale(scale, model, x)) is False
        out = capsys.readouterr().out
        assert out.startswith("❌") and words in out, (scale, out)


# --- derive: the ELBO gap ----------------------------------------------------------------


def test_elbo_gap(assert_fails, assert_passes):
    def student(mu, logvar, m, P):  # the KL to a full-covariance Gaussian, via Cholesky
        L = torch.linalg.cholesky(P)
        diff = mu - m
        maha = (diff @ L).pow(2).sum(-1)
        trace = (logvar.exp() * P.diagonal()).sum(-1)
        log_det_P = 2 * L.diagonal().log().sum()
        return 0.5 * (trace + maha - mu.shape[-1] - log_det_P - logvar.sum(-1))

    assert_passes(check_elbo_gap, student, "✅ elbo_gap")

    def forgets_the_trace(mu, logvar, m, P):  # treats q as if it had no spread
        diff = mu - m
        return 0.5 * (((diff @ P) * diff).sum(-1) - torch.logdet(P) - logvar.sum(-1))

    def inverse_for_precision(mu, logvar, m, P):  # uses Σ where P belongs
        return student(mu, logvar, m, torch.linalg.inv(P))

    assert_fails(check_elbo_gap, stub, "None", "Hint 1 of 2", "KL divergence between two")
    assert_fails(check_elbo_gap, forgets_the_trace, "expected", "Hint 2 of 2", "trace")
    assert_fails(check_elbo_gap, inverse_for_precision, "expected", "last hint")
    assert_fails(check_elbo_gap, 42, "expected a function")


def test_reference_elbo_gap_is_the_kl_to_the_posterior():
    torch.manual_seed(0)
    model = LinearGaussianLVM(torch.randn(5, 2, dtype=torch.float64), torch.zeros(5).double(), 0.7)
    _, x = model.sample(3)
    mu, logvar = torch.randn(3, 2).double(), torch.randn(3, 2).double()
    with torch.no_grad():
        gap = lvm_exercises.reference_elbo_gap(model, x, mu, logvar)
        torch.testing.assert_close(gap, model.kl_to_posterior(x, mu, logvar))


# --- derive: the error of a one-sample estimate ------------------------------------------


def one_sample_error(c, K):  # the notebook's solution: minus KL(N(m, c Σ) ‖ N(m, Σ))
    return -0.5 * K * (c - 1 - math.log(c))


def test_one_sample_error(assert_fails, assert_passes):
    assert_passes(
        check_one_sample_error, one_sample_error, "exact on 5 test cases", "100,000 one-sample"
    )
    assert_passes(check_one_sample_error, lambda c, K: torch.tensor(one_sample_error(c, K)))
    assert_fails(check_one_sample_error, stub, "None", "Hint 1 of 2", "central identity")
    slips = {
        "the sign": lambda c, K: -one_sample_error(c, K),
        "a factor of 2": lambda c, K: 2 * one_sample_error(c, K),
        "not the standard deviation": lambda c, K: one_sample_error(c**2, K),
        "expected": lambda c, K: -0.5 * (c - 1 - math.log(c)),  # forgets K
        "expected shape ()": lambda c, K: torch.full((K,), one_sample_error(c, K)),
        "raised ZeroDivisionError": lambda c, K: 1 / 0,
        "expected a function": None,
    }
    for words, answer in slips.items():
        assert_fails(check_one_sample_error, answer, words)
    assert check_one_sample_error.failures >= 2  # the later failures showed hint 2


def test_one_sample_reference_is_a_monte_carlo_average():
    mc, se = lvm_exercises._one_sample_average(0.5, 3, 50_000, seed=1)
    assert abs(mc - lvm_exercises.reference_one_sample_error(0.5, 3)) < 4 * se
    assert abs(lvm_exercises.reference_one_sample_error(0.5, 3) - one_sample_error(0.5, 3)) < 1e-9


# --- every check ---------------------------------------------------------------------------


def test_hints_are_staged_and_can_be_asked_for(capsys):
    for check in CHECKS:
        assert len(check.hints) >= 2
        check.hint(2)
        assert capsys.readouterr().out.startswith("Hint 2 of 2")


def test_checks_never_raise_on_a_broken_answer(assert_fails):
    def broken(*args):
        raise RuntimeError("not yet")

    for check in [
        check_effective_sample_size,
        check_importance_log_px,
        check_elbo_gap,
        check_one_sample_error,
    ]:
        assert_fails(check, broken, "raised RuntimeError: not yet")
