"""Tests of the exercise checks of the chapter "Regularized autoencoders".

For every check: the reference solution passes, a wrong answer and an unfinished
stub (returning None) fail with a helpful message, and nothing raises. The
reference solutions themselves are checked against independent references.
"""

import torch
from torch.distributions import Bernoulli, kl_divergence

from aecourse.data import gaussian_noise
from aecourse.exercises.contractive_autoencoders import (
    check_tanh_jacobian_frobenius_sq,
    reference_tanh_jacobian_frobenius_sq,
)
from aecourse.exercises.denoising_autoencoders import (
    check_copy_loss,
    check_masking_noise,
    reference_copy_loss,
    reference_masking_noise,
)
from aecourse.exercises.sparse_autoencoders import check_kl_bernoulli, reference_kl_bernoulli
from aecourse.losses import jacobian_frobenius_sq, kl_bernoulli


def stub(*args):
    return None  # an unfinished exercise


# --- the references are right -----------------------------------------------------------------


def test_kl_reference_matches_torch_distributions_and_the_package():
    rho_hat = torch.tensor([0.02, 0.3, 0.8], dtype=torch.float64)
    expected = kl_divergence(
        Bernoulli(probs=torch.full_like(rho_hat, 0.1)), Bernoulli(probs=rho_hat)
    )
    torch.testing.assert_close(reference_kl_bernoulli(0.1, rho_hat), expected)
    torch.testing.assert_close(reference_kl_bernoulli(0.1, rho_hat), kl_bernoulli(0.1, rho_hat))


def test_masking_reference_masks_where_u_is_below_p():
    x = torch.tensor([[1.0, 2.0, 3.0]])
    u = torch.tensor([[0.1, 0.5, 0.9]])
    torch.testing.assert_close(reference_masking_noise(x, u, 0.5), torch.tensor([[0.0, 2.0, 3.0]]))


def test_copy_loss_reference_matches_monte_carlo():
    torch.manual_seed(0)
    x = torch.zeros(20000, 10)
    loss = (gaussian_noise(x, 0.3) - x).pow(2).sum(dim=1)  # (N,)
    standard_error = loss.std() / len(loss) ** 0.5
    assert abs(loss.mean() - reference_copy_loss(10, 0.3)) < 5 * standard_error


def test_tanh_reference_matches_autograd():
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    W = torch.randn(3, 4, generator=gen, dtype=torch.float64)
    b = torch.randn(3, generator=gen, dtype=torch.float64)
    expected = jacobian_frobenius_sq(lambda v: torch.tanh(v @ W.T + b), x)
    torch.testing.assert_close(reference_tanh_jacobian_frobenius_sq(x, W, b), expected)


# --- the checks pass the reference and fail wrong answers ---------------------------------------


def test_check_kl_bernoulli(assert_passes, assert_fails):
    assert_passes(check_kl_bernoulli, reference_kl_bernoulli, "✅ kl_bernoulli")
    assert_fails(check_kl_bernoulli, stub, "your answer is None")
    # the KL the wrong way round, KL(rho_hat || rho)
    assert_fails(
        check_kl_bernoulli,
        lambda rho, rho_hat: reference_kl_bernoulli(rho_hat, rho),
        "❌ kl_bernoulli",
        "Hint:",
    )


def test_check_masking_noise(assert_passes, assert_fails):
    assert_passes(check_masking_noise, reference_masking_noise, "✅ masking_noise")
    assert_fails(check_masking_noise, stub, "your answer is None")
    # masks with probability 1 - p instead of p
    assert_fails(
        check_masking_noise,
        lambda x, u, p: torch.where(u < p, x, torch.zeros_like(x)),
        "❌ masking_noise",
        "Hint:",
    )


def test_check_copy_loss(assert_passes, assert_fails):
    assert_passes(check_copy_loss, reference_copy_loss, "✅ copy_loss")
    assert_fails(check_copy_loss, stub, "your answer is None")

    def sigma_not_squared(d, sigma):  # sigma instead of sigma^2
        return d * sigma

    assert_fails(check_copy_loss, sigma_not_squared, "❌ copy_loss", "Hint:")


def test_check_tanh_jacobian(assert_passes, assert_fails):
    assert_passes(
        check_tanh_jacobian_frobenius_sq,
        reference_tanh_jacobian_frobenius_sq,
        "✅ tanh_jacobian_frobenius_sq",
    )
    assert_fails(check_tanh_jacobian_frobenius_sq, stub, "your answer is None")

    def sigmoid_formula(x, W, b):  # the sigmoid's closed form, not the tanh's
        h = torch.tanh(x @ W.T + b)
        return (h * (1 - h)).pow(2) @ W.pow(2).sum(dim=1)

    assert_fails(
        check_tanh_jacobian_frobenius_sq, sigmoid_formula, "❌ tanh_jacobian_frobenius_sq", "Hint:"
    )

    def raises(x, W, b):
        raise RuntimeError("shape mismatch")

    assert_fails(check_tanh_jacobian_frobenius_sq, raises, "raised RuntimeError")
