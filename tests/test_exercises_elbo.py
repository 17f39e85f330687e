"""Tests for the exercise checks of the chapter "Latent variable models and the ELBO":
each reference solution passes, and wrong or unfinished answers fail with a helpful message."""

import math

import torch

from aecourse.exercises.elbo import (
    check_effective_sample_size,
    check_importance_log_px,
    check_kl_diag_normals,
    check_naive_log_px,
    reference_effective_sample_size,
    reference_importance_log_px,
    reference_kl_diag_normals,
    reference_naive_log_px,
)
from aecourse.lvm import diag_normal


def stub(*args):
    return None  # an unfinished exercise


def assert_fails(check, answer, capsys, *fragments):
    assert not check(answer)
    out = capsys.readouterr().out
    assert out.startswith("❌")
    for fragment in fragments:
        assert fragment in out, (fragment, out)


def test_kl_diag_normals_check(capsys):
    assert check_kl_diag_normals(reference_kl_diag_normals)
    assert "✅ kl_diag_normals" in capsys.readouterr().out

    def student(mu_q, logvar_q, mu_p, logvar_p):  # a correct answer written independently
        var_q, var_p = logvar_q.exp(), logvar_p.exp()
        return 0.5 * (torch.log(var_p / var_q) + (var_q + (mu_q - mu_p) ** 2) / var_p - 1).sum(-1)

    assert check_kl_diag_normals(student)
    capsys.readouterr()

    def forgets_the_sum(mu_q, logvar_q, mu_p, logvar_p):
        return 0.5 * (
            logvar_p - logvar_q + (logvar_q.exp() + (mu_q - mu_p) ** 2) / logvar_p.exp() - 1
        )

    def std_for_var(mu_q, logvar_q, mu_p, logvar_p):  # uses sigma where sigma^2 belongs
        ratio = (torch.exp(0.5 * logvar_q) + (mu_q - mu_p) ** 2) / torch.exp(0.5 * logvar_p)
        return 0.5 * (logvar_p - logvar_q + ratio - 1).sum(-1)

    assert_fails(check_kl_diag_normals, stub, capsys, "None", "Hint")
    assert_fails(check_kl_diag_normals, forgets_the_sum, capsys, "shape", "Hint")
    assert_fails(check_kl_diag_normals, std_for_var, capsys, "expected", "Hint")


def test_naive_log_px_check(capsys):
    assert check_naive_log_px(reference_naive_log_px)
    assert "✅ naive_log_px" in capsys.readouterr().out

    def student(model, x, z):
        return torch.logsumexp(model.log_likelihood(x, z), dim=0) - math.log(z.shape[0])

    assert check_naive_log_px(student)
    capsys.readouterr()

    def underflows(model, x, z):  # exp() of log-likelihoods near -8000 is 0
        return model.log_likelihood(x, z).exp().mean(dim=0).log()

    def forgets_log_s(model, x, z):
        return torch.logsumexp(model.log_likelihood(x, z), dim=0)

    assert_fails(check_naive_log_px, stub, capsys, "None", "Hint")
    assert_fails(check_naive_log_px, underflows, capsys, "infinity", "logsumexp")
    assert_fails(check_naive_log_px, forgets_log_s, capsys, "expected", "math.log(S)")


def test_importance_log_px_check(capsys):
    assert check_importance_log_px(reference_importance_log_px)
    assert "✅ importance_log_px" in capsys.readouterr().out

    def student(model, x, mu, logvar, eps):
        z = mu + torch.exp(0.5 * logvar) * eps
        log_w = model.log_joint(x, z) - diag_normal(mu, logvar).log_prob(z)
        return torch.logsumexp(log_w, dim=0) - math.log(eps.shape[0])

    assert check_importance_log_px(student)
    capsys.readouterr()

    def forgets_q(model, x, mu, logvar, eps):  # averages p(x, z) instead of p(x, z) / q(z|x)
        z = mu + torch.exp(0.5 * logvar) * eps
        return torch.logsumexp(model.log_joint(x, z), dim=0) - math.log(eps.shape[0])

    def var_for_std(model, x, mu, logvar, eps):  # scales eps by the variance
        z = mu + logvar.exp() * eps
        log_w = model.log_joint(x, z) - diag_normal(mu, logvar).log_prob(z)
        return torch.logsumexp(log_w, dim=0) - math.log(eps.shape[0])

    assert_fails(check_importance_log_px, stub, capsys, "None", "Hint")
    assert_fails(check_importance_log_px, forgets_q, capsys, "expected", "log q(z|x)")
    assert_fails(check_importance_log_px, var_for_std, capsys, "expected", "exp(0.5 * logvar)")


def test_effective_sample_size_check(capsys):
    assert check_effective_sample_size(reference_effective_sample_size)
    assert "✅ effective_sample_size" in capsys.readouterr().out

    def naive_exp(log_w):  # right formula, but exp() underflows at log w = -1000
        w = log_w.exp()
        return w.sum(0) ** 2 / (w**2).sum(0)

    def inverted(log_w):
        w = torch.softmax(log_w, dim=0)
        return (w**2).sum(0)

    assert_fails(check_effective_sample_size, stub, capsys, "None", "Hint")
    assert_fails(check_effective_sample_size, naive_exp, capsys, "NaN", "logsumexp")
    assert_fails(check_effective_sample_size, inverted, capsys, "expected", "Hint")


def test_checks_never_raise_on_a_broken_answer(capsys):
    def broken(*args):
        raise RuntimeError("not yet")

    for check in [
        check_kl_diag_normals,
        check_naive_log_px,
        check_importance_log_px,
        check_effective_sample_size,
    ]:
        assert not check(broken)
        assert "raised RuntimeError: not yet" in capsys.readouterr().out
    assert not check_kl_diag_normals(42)
    assert "expected a function" in capsys.readouterr().out
