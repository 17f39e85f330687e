"""Every exercise check of the chapters "Training a VAE" and "Generating new data":
the reference solution passes, a wrong answer and an unfinished stub fail with a
helpful message, and nothing raises."""

import math

import pytest
import torch
import torch.nn.functional as F

from aecourse.exercises import generating_data, training_a_vae


def stub(*args):
    return None  # an unfinished exercise


def kl_without_minus_one(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar).sum(-1)


def bernoulli_naive(x, x_logits):
    p = torch.sigmoid(x_logits)
    return (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(-1)  # -inf * 0 = nan when saturated


def active_units_with_std(mu, threshold):
    return int((mu.std(0) > threshold).sum())


def interpolate_without_endpoint(z0, z1, num_steps):
    t = torch.arange(num_steps)[:, None] / num_steps
    return (1 - t) * z0 + t * z1


def grid_values_with_endpoints(n):
    return torch.distributions.Normal(0.0, 1.0).icdf(torch.linspace(0.01, 0.99, n))


def iwae_naive(log_w):
    return torch.log(torch.exp(log_w).mean(0))


CASES = [
    # (check, reference solution, wrong answer, words the hint must contain)
    (
        training_a_vae.check_kl_normal_std_normal,
        training_a_vae.reference_kl_normal_std_normal,
        kl_without_minus_one,
        "exp(logvar_k) - 1",
    ),
    (
        training_a_vae.check_bernoulli_log_likelihood,
        lambda x, logits: x * logits - F.softplus(logits),  # forgets the sum over pixels
        bernoulli_naive,
        "softplus",
    ),
    (
        training_a_vae.check_beta_for_noise_std,
        lambda s: 2 * s * s,
        lambda s: 1 / (2 * s * s),
        "2 s^2",
    ),
    (
        training_a_vae.check_active_units,
        training_a_vae.reference_active_units,
        active_units_with_std,
        "variance",
    ),
    (
        generating_data.check_interpolate,
        generating_data.reference_interpolate,
        interpolate_without_endpoint,
        "linspace",
    ),
    (
        generating_data.check_grid_values,
        generating_data.reference_grid_values,
        grid_values_with_endpoints,
        "(i + 0.5) / n",
    ),
    (
        generating_data.check_iwae_from_log_weights,
        lambda log_w: torch.logsumexp(log_w, 0) - math.log(len(log_w)),
        iwae_naive,
        "logsumexp",
    ),
]


@pytest.mark.parametrize(("check", "solution", "wrong", "hint"), CASES)
def test_solution_passes(check, solution, wrong, hint, assert_passes):
    if check is training_a_vae.check_bernoulli_log_likelihood:
        solution = training_a_vae.reference_bernoulli_log_likelihood
    assert_passes(check, solution)


@pytest.mark.parametrize(("check", "solution", "wrong", "hint"), CASES)
def test_wrong_answer_fails_with_a_hint(check, solution, wrong, hint, assert_fails):
    assert_fails(check, wrong, "Hint:", hint)


def test_a_forgotten_sum_is_reported_as_a_shape_problem(capsys):
    assert (
        bool(
            training_a_vae.check_bernoulli_log_likelihood(
                lambda x, logits: x * logits - F.softplus(logits)
            )
        )
        is False
    )
    assert "expected shape" in capsys.readouterr().out


@pytest.mark.parametrize(("check", "solution", "wrong", "hint"), CASES)
def test_unfinished_stub_fails_helpfully(check, solution, wrong, hint, assert_fails):
    assert_fails(check, stub, "None", "replace the placeholder")


@pytest.mark.parametrize(("check", "solution", "wrong", "hint"), CASES)
def test_an_answer_that_raises_is_reported(check, solution, wrong, hint, assert_fails):
    def broken(*args):
        raise RuntimeError("oops")

    assert_fails(check, broken, "raised RuntimeError: oops")


def test_reference_solutions_agree_with_the_package():
    from aecourse.diagnostics import interpolate, latent_grid
    from aecourse.gaussian import kl_normal_std_normal
    from aecourse.losses import bernoulli_log_likelihood

    g = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g)
    torch.testing.assert_close(
        training_a_vae.reference_kl_normal_std_normal(mu, logvar), kl_normal_std_normal(mu, logvar)
    )
    x, logits = torch.rand(4, 3, generator=g), torch.randn(4, 3, generator=g)
    torch.testing.assert_close(
        training_a_vae.reference_bernoulli_log_likelihood(x, logits),
        bernoulli_log_likelihood(x, logits),
    )
    z0, z1 = torch.randn(3, generator=g), torch.randn(3, generator=g)
    torch.testing.assert_close(
        generating_data.reference_interpolate(z0, z1, 5), interpolate(z0, z1, 5)
    )
    torch.testing.assert_close(generating_data.reference_grid_values(6), latent_grid(6)[:6, 0])
