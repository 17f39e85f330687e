"""Tests for the exercise checks of the chapter "Latent variable models and the ELBO":
each reference solution passes, and wrong or unfinished answers fail with a helpful message."""

import math

import torch

from aecourse.exercises.latent_variable_models import (
    check_effective_sample_size,
    check_importance_log_px,
    check_kl_diag_normals,
    check_naive_log_px,
    reference_effective_sample_size,
    reference_importance_log_px,
    reference_kl_diag_normals,
    reference_naive_log_px,
)
from aecourse.gaussian import diag_normal


def stub(*args):
    return None  # an unfinished exercise


def test_kl_diag_normals_check(assert_fails, assert_passes):
    assert_passes(check_kl_diag_normals, reference_kl_diag_normals, "✅ kl_diag_normals")

    def student(mu_q, logvar_q, mu_p, logvar_p):  # a correct answer written independently
        var_q, var_p = logvar_q.exp(), logvar_p.exp()
        return 0.5 * (torch.log(var_p / var_q) + (var_q + (mu_q - mu_p) ** 2) / var_p - 1).sum(-1)

    assert_passes(check_kl_diag_normals, student)

    def forgets_the_sum(mu_q, logvar_q, mu_p, logvar_p):
        return 0.5 * (
            logvar_p - logvar_q + (logvar_q.exp() + (mu_q - mu_p) ** 2) / logvar_p.exp() - 1
        )

    def std_for_var(mu_q, logvar_q, mu_p, logvar_p):  # uses sigma where sigma^2 belongs
        ratio = (torch.exp(0.5 * logvar_q) + (mu_q - mu_p) ** 2) / torch.exp(0.5 * logvar_p)
        return 0.5 * (logvar_p - logvar_q + ratio - 1).sum(-1)

    assert_fails(check_kl_diag_normals, stub, "None", "Hint")
    assert_fails(check_kl_diag_normals, forgets_the_sum, "shape", "Hint")
    assert_fails(check_kl_diag_normals, std_for_var, "expected", "Hint")


def test_naive_log_px_check(assert_fails, assert_passes):
    assert_passes(check_naive_log_px, reference_naive_log_px, "✅ naive_log_px")

    def student(model, x, z):
        return torch.logsumexp(model.log_likelihood(x, z), dim=0) - math.log(z.shape[0])

    assert_passes(check_naive_log_px, student)

    def underflows(model, x, z):  # exp() of log-likelihoods near -8000 is 0
        return model.log_likelihood(x, z).exp().mean(dim=0).log()

    def forgets_log_s(model, x, z):
        return torch.logsumexp(model.log_likelihood(x, z), dim=0)

    assert_fails(check_naive_log_px, stub, "None", "Hint")
    assert_fails(check_naive_log_px, underflows, "infinity", "logsumexp")
    assert_fails(check_naive_log_px, forgets_log_s, "expected", "math.log(S)")


def test_importance_log_px_check(assert_fails, assert_passes):
    assert_passes(check_importance_log_px, reference_importance_log_px, "✅ importance_log_px")

    def student(model, x, mu, logvar, eps):
        z = mu + torch.exp(0.5 * logvar) * eps
        log_w = model.log_joint(x, z) - diag_normal(mu, logvar).log_prob(z)
        return torch.logsumexp(log_w, dim=0) - math.log(eps.shape[0])

    assert_passes(check_importance_log_px, student)

    def forgets_q(model, x, mu, logvar, eps):  # averages p(x, z) instead of p(x, z) / q(z|x)
        z = mu + torch.exp(0.5 * logvar) * eps
        return torch.logsumexp(model.log_joint(x, z), dim=0) - math.log(eps.shape[0])

    def var_for_std(model, x, mu, logvar, eps):  # scales eps by the variance
        z = mu + logvar.exp() * eps
        log_w = model.log_joint(x, z) - diag_normal(mu, logvar).log_prob(z)
        return torch.logsumexp(log_w, dim=0) - math.log(eps.shape[0])

    assert_fails(check_importance_log_px, stub, "None", "Hint")
    assert_fails(check_importance_log_px, forgets_q, "expected", "log q(z|x)")
    assert_fails(check_importance_log_px, var_for_std, "expected", "exp(0.5 * logvar)")


def test_effective_sample_size_check(assert_fails, assert_passes):
    assert_passes(
        check_effective_sample_size, reference_effective_sample_size, "✅ effective_sample_size"
    )

    def naive_exp(log_w):  # right formula, but exp() underflows at log w = -1000
        w = log_w.exp()
        return w.sum(0) ** 2 / (w**2).sum(0)

    def inverted(log_w):
        w = torch.softmax(log_w, dim=0)
        return (w**2).sum(0)

    assert_fails(check_effective_sample_size, stub, "None", "Hint")
    assert_fails(check_effective_sample_size, naive_exp, "NaN", "logsumexp")
    assert_fails(check_effective_sample_size, inverted, "expected", "Hint")


def test_checks_never_raise_on_a_broken_answer(assert_fails):
    def broken(*args):
        raise RuntimeError("not yet")

    for check in [
        check_kl_diag_normals,
        check_naive_log_px,
        check_importance_log_px,
        check_effective_sample_size,
    ]:
        assert_fails(check, broken, "raised RuntimeError: not yet")
    assert_fails(check_kl_diag_normals, 42, "expected a function")
