"""Tests of the exercise checks of the chapter "Regularized autoencoders".

For every check: the reference solution passes, a wrong answer and an unfinished
stub (returning None) fail with a helpful message, and nothing raises. The
reference solutions themselves are checked against independent references.
"""

from functools import partial

import pytest
import torch
from torch import nn
from torch.distributions import Bernoulli, kl_divergence

import aecourse.exercises.sparse_autoencoders as sparse_exercises
from aecourse.data import gaussian_noise, load_dataset, load_mnist
from aecourse.exercises.contractive_autoencoders import (
    check_circle_contraction,
    check_penalty_grad_weight,
    reference_penalty_grad_weight,
)
from aecourse.exercises.denoising_autoencoders import (
    check_denoising_loss_fix,
    check_training_noise,
    reference_denoising_loss,
)
from aecourse.exercises.sparse_autoencoders import (
    check_mean_activation_prediction,
    check_penalty_gradient,
    reference_penalty_gradient,
)
from aecourse.losses import jacobian_frobenius_sq, kl_bernoulli
from aecourse.models import Autoencoder
from aecourse.objectives import denoising_loss
from aecourse.runtime import set_seed
from aecourse.training import fit


def stub(*args):
    return None  # an unfinished exercise


# --- the references are right -----------------------------------------------------------------


def _sparsity_penalty_of(a, rho, lam):
    """lam * sum_j KL(rho || rho_hat_j), rho_hat_j = mean_n sigmoid(a_nj), by torch.distributions."""
    rho_hat = torch.sigmoid(a).mean(dim=0)  # (K,)
    target = Bernoulli(probs=torch.full_like(rho_hat, rho))
    return lam * kl_divergence(target, Bernoulli(probs=rho_hat)).sum()


def test_penalty_gradient_reference_matches_finite_differences():
    a = torch.randn(6, 4, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    rho, lam, step = 0.1, 2.0, 1e-6
    expected = torch.zeros_like(a)
    for n in range(a.shape[0]):
        for j in range(a.shape[1]):
            bump = torch.zeros_like(a)
            bump[n, j] = step
            up = _sparsity_penalty_of(a + bump, rho, lam)
            down = _sparsity_penalty_of(a - bump, rho, lam)
            expected[n, j] = (up - down) / (2 * step)
    got = reference_penalty_gradient(a, rho, lam).double()
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-7)


def test_penalty_gradient_reference_matches_autograd_through_the_package():
    a = torch.randn(5, 3, generator=torch.Generator().manual_seed(4)).requires_grad_(True)
    penalty = 0.5 * kl_bernoulli(0.05, torch.sigmoid(a).mean(dim=0)).sum()
    (expected,) = torch.autograd.grad(penalty, a)
    torch.testing.assert_close(reference_penalty_gradient(a, 0.05, 0.5), expected)


def test_denoising_loss_reference_is_the_package_loss_and_charges_the_copy_d_sigma_squared():
    x = torch.randn(20000, 10, generator=torch.Generator().manual_seed(5))
    torch.manual_seed(0)
    loss = reference_denoising_loss(nn.Identity(), x, 0.3)  # (N,)
    assert loss.shape == (20000,)
    standard_error = loss.std() / len(loss) ** 0.5
    assert abs(loss.mean() - 10 * 0.3**2) < 5 * standard_error  # D sigma^2
    torch.manual_seed(1)
    ours = reference_denoising_loss(torch.tanh, x, 0.3)
    torch.manual_seed(1)
    package = denoising_loss(partial(gaussian_noise, sigma=0.3))(torch.tanh, x)
    torch.testing.assert_close(ours, package)


def _contractive_penalty(x, W, b):
    """Batch mean of ||J_f(x)||_F^2 for h = sigmoid(W x + b), by autograd."""
    return jacobian_frobenius_sq(lambda v: torch.sigmoid(v @ W.T + b), x).mean()


def closed_form_penalty_grad_weight(x, W, b):
    """The derived gradient: (2/B) sum_n s_nj^2 (W_ji + r_j (1 - 2 h_nj) x_ni), (K, D)."""
    h = torch.sigmoid(x @ W.T + b)  # (B, K)
    slope_sq = (h * (1 - h)).pow(2)  # (B, K)
    row_sq = W.pow(2).sum(dim=1)  # (K,)
    saturate = row_sq[:, None] * ((slope_sq * (1 - 2 * h)).T @ x) / len(x)  # (K, D)
    return 2 * (slope_sq.mean(dim=0)[:, None] * W + saturate)


def test_contractive_gradient_reference_matches_finite_differences_and_the_closed_form():
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(5, 4, generator=gen, dtype=torch.float64)
    W = torch.randn(3, 4, generator=gen, dtype=torch.float64)
    b = torch.randn(3, generator=gen, dtype=torch.float64)
    step = 1e-6
    expected = torch.zeros_like(W)
    for j in range(W.shape[0]):
        for i in range(W.shape[1]):
            bump = torch.zeros_like(W)
            bump[j, i] = step
            up, down = _contractive_penalty(x, W + bump, b), _contractive_penalty(x, W - bump, b)
            expected[j, i] = (up - down) / (2 * step)
    reference = reference_penalty_grad_weight(x, W, b)
    torch.testing.assert_close(reference, expected, rtol=1e-5, atol=1e-8)
    torch.testing.assert_close(closed_form_penalty_grad_weight(x, W, b), reference)


# --- the checks pass the reference and fail wrong answers ---------------------------------------


def derived_penalty_gradient(a, rho, lam):
    """The notebook's solution: (lam / B) (rho_hat - rho) / (rho_hat (1 - rho_hat)) h (1 - h)."""
    h = torch.sigmoid(a)  # (B, K)
    rho_hat = h.mean(dim=0)  # (K,)
    return lam / len(a) * (rho_hat - rho) / (rho_hat * (1 - rho_hat)) * h * (1 - h)


def test_check_penalty_gradient(assert_passes, assert_fails):
    check_penalty_gradient.failures = 0
    assert_fails(check_penalty_gradient, stub, "your answer is None", "Hint 1 of 2")
    assert_fails(check_penalty_gradient, stub, "Hint 2 of 2")
    assert_passes(check_penalty_gradient, derived_penalty_gradient, "agrees with autograd")
    assert_passes(check_penalty_gradient, reference_penalty_gradient)
    slips = {
        "the sign is flipped": lambda a, rho, lam: -derived_penalty_gradient(a, rho, lam),
        "B = 8 times too large": lambda a, rho, lam: len(a) * derived_penalty_gradient(a, rho, lam),
        "slope of the sigmoid is missing": lambda a, rho, lam: (
            derived_penalty_gradient(a, rho, lam) / (torch.sigmoid(a) * (1 - torch.sigmoid(a)))
        ),
        "lam = 3 of the penalty is missing": lambda a, rho, lam: (
            derived_penalty_gradient(a, rho, lam) / lam
        ),
        "one value per unit": lambda a, rho, lam: torch.sigmoid(a).mean(dim=0) - rho,
        "raised ZeroDivisionError": lambda a, rho, lam: 1 / 0,
    }
    for message, wrong in slips.items():
        assert_fails(check_penalty_gradient, wrong, message)
    assert_fails(check_penalty_gradient, "not a function", "expected a function")


@pytest.fixture(scope="module")
def digits():
    return load_mnist()


def test_check_mean_activation_prediction_trains_and_compares(assert_passes, digits):
    set_seed(0)  # one thread: the training takes seconds
    assert_passes(
        lambda p: check_mean_activation_prediction(p, digits.x_train),
        0.062,  # about what the notebook's solution extrapolates from its table
        "the experiment gave",
        "ends above the target rho = 0.05",
    )


def test_check_mean_activation_prediction_messages(
    assert_fails, assert_passes, digits, monkeypatch
):
    monkeypatch.setattr(sparse_exercises, "measure_mean_activation", lambda x_train: 0.061)
    check_mean_activation_prediction.failures = 0

    def check(prediction):
        return check_mean_activation_prediction(prediction, digits.x_train)

    assert_fails(check, None, "write your prediction", "hints come after your first attempt")
    assert_fails(check, 0.3, "0.239 too high", "Hint 1 of 2")
    assert_fails(check, 0.05, "at or below", "Hint 2 of 2")
    assert_fails(check, 0.055 - 0.01, "at or below the target rho")
    # the naive answer rho fails, and so does anything below it, whatever the CPU measures
    assert_fails(check, 0.05, "at or below the target rho = 0.05", "the experiment gave 0.061")
    assert_fails(check, 0.045, "at or below the target rho")
    assert_fails(check, 0.07, "0.009 too high")
    assert_fails(check, 0.052, "0.009 too low")
    assert_passes(check, 0.055, "within 0.008")
    assert_fails(check, "0.06", "a mean activation is a number in [0, 1]")
    assert_fails(check, 1.5, "a mean activation is a number in [0, 1]")
    assert_fails(
        lambda p: check_mean_activation_prediction(p, None), 0.06, "pass the training digits"
    )


@pytest.fixture(scope="module")
def moons():
    return load_dataset("moons")


def _moons_denoiser(moons, sigma):
    """The notebook's experiment: the moons autoencoder trained with noise ``sigma``."""
    set_seed(0)
    model = Autoencoder(2, 16, hidden=[64, 64], activation="tanh")
    loss_fn = denoising_loss(partial(gaussian_noise, sigma=sigma))
    fit(model, moons.x_train, loss_fn, epochs=60, batch_size=200, lr=1e-2, progress=False)
    return model


def test_check_training_noise(assert_passes, assert_fails, moons):
    check_training_noise.failures = 0
    trained = {sigma: _moons_denoiser(moons, sigma) for sigma in (0.03, 0.3, 1.0)}

    def check(sigmas):
        little, right, much = sigmas
        models = {"too little": trained[little], "about right": trained[right]}
        return check_training_noise({**models, "too much": trained[much]}, moons)

    # the notebook's stub: 1.0 everywhere; only "too much" behaves as labelled
    assert_fails(
        check, (1.0, 1.0, 1.0), "✗ too little", "also moves clean points off", "Hint 1 of 2"
    )
    # the chapter's value for all three: the ends are not found
    assert_fails(check, (0.3, 0.3, 0.3), "so it is not too little", "Hint 2 of 2")
    assert_fails(check, (1.0, 0.3, 0.03), "but clean points stay on the data")
    assert_passes(check, (0.03, 0.3, 1.0), "each model behaves as its label says")
    copies = dict.fromkeys(("too little", "about right", "too much"), nn.Identity())
    assert_fails(lambda m: check_training_noise(m, moons), copies, "✗ about right")
    for models, message in [
        (nn.Identity(), "pass a dict of three trained models"),
        ({"about right": nn.Identity()}, "pass a dict of three trained models"),
        ({**copies, "too much": lambda x: x[:, :1]}, "must return one point of the plane"),
        ({**copies, "too much": "not a model"}, "expected a trained model"),
    ]:
        assert_fails(lambda m: check_training_noise(m, moons), models, message)
    assert_fails(lambda m: check_training_noise(m, None), copies, "pass the moons data")


def target_overwritten(model, x, sigma):
    """The notebook's stub: the clean x is overwritten by the corrupted one."""
    x = x + sigma * torch.randn_like(x)
    return (model(x) - x).pow(2).sum(dim=1)


def test_check_denoising_loss_fix(assert_passes, assert_fails):
    check_denoising_loss_fix.failures = 0
    copy_message = "A denoising loss charges them about 2.000 and 1.600"
    assert_fails(
        check_denoising_loss_fix,
        target_overwritten,
        "copies its input 0.000",
        "rates the copy better than the best denoiser",
        copy_message,
        "Hint 1 of 2",
    )
    assert_fails(check_denoising_loss_fix, target_overwritten, "Hint 2 of 2")
    assert_passes(check_denoising_loss_fix, reference_denoising_loss, "less than the copy")

    def ignores_the_model(model, x, sigma):  # charges every network what the copy pays
        return (x + sigma * torch.randn_like(x) - x).pow(2).sum(dim=1)

    def variance_as_std(model, x, sigma):
        return (model(x + sigma**2 * torch.randn_like(x)) - x).pow(2).sum(dim=1)

    wrong = {
        "those are not the amounts of a denoising loss": ignores_the_model,
        copy_message: variance_as_std,
        "one value per example": lambda m, x, s: reference_denoising_loss(m, x, s).mean(),
        "your loss returned a NoneType": stub,
        "raised ZeroDivisionError": lambda m, x, s: 1 / 0,
        "expected a function": None,
    }
    for message, answer in wrong.items():
        assert_fails(check_denoising_loss_fix, answer, message)


def test_check_penalty_grad_weight(assert_passes, assert_fails):
    check_penalty_grad_weight.failures = 0  # the staged hints start again at hint 1
    assert_fails(check_penalty_grad_weight, stub, "your answer is None", "Hint 1 of 2")

    def slopes_held_fixed(x, W, b):  # forgets that h_j (1 - h_j) depends on W
        h = torch.sigmoid(x @ W.T + b)
        return 2 * (h * (1 - h)).pow(2).mean(dim=0)[:, None] * W

    assert_fails(check_penalty_grad_weight, slopes_held_fixed, "holds the slopes", "Hint 2 of 2")
    summed = lambda x, W, b: len(x) * closed_form_penalty_grad_weight(x, W, b)  # noqa: E731
    assert_fails(check_penalty_grad_weight, summed, "times the gradient", "not summed")
    transposed = lambda x, W, b: closed_form_penalty_grad_weight(x, W, b).T  # noqa: E731
    assert_fails(check_penalty_grad_weight, transposed, "expected shape (3, 4)")

    def raises(x, W, b):
        raise RuntimeError("shape mismatch")

    assert_fails(check_penalty_grad_weight, raises, "raised RuntimeError")
    assert_passes(
        check_penalty_grad_weight, closed_form_penalty_grad_weight, "✅ penalty_grad_weight"
    )


def test_check_circle_contraction(assert_passes, assert_fails):
    check_circle_contraction.failures = 0
    assert_fails(check_circle_contraction, None, "set my_lam", "hints come after")  # no attempt
    assert_fails(check_circle_contraction, "3", "expected a number", "Hint 1 of 2")
    assert_fails(check_circle_contraction, 0.5, "still nearly as sensitive across", "Hint 2 of 2")
    assert_fails(check_circle_contraction, -1.0, "must be a finite number >= 0")
    torch.manual_seed(0)
    expected_draw = torch.rand(3)
    torch.manual_seed(0)
    threads = torch.get_num_threads()
    # lambda = 1 falls short of the ratio; lambda = 10 gives up more than the noise
    assert_fails(check_circle_contraction, 1.0, "still nearly as sensitive across")
    torch.testing.assert_close(torch.rand(3), expected_draw)  # the caller's random state
    assert torch.get_num_threads() == threads
    assert_fails(check_circle_contraction, 10.0, "gives up more than the radial noise")
    assert_passes(check_circle_contraction, 3.0, "✅ circle_contraction", "along / across")
