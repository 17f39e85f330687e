"""The exercise checks of the section "Richer models" (aecourse.exercises.richer_models):
the reference solutions pass, wrong answers and unfinished stubs fail with the staged
hints, and nothing raises."""

import pytest
import torch
from torch import nn

from aecourse.data import load_mnist_small
from aecourse.exercises import richer_models
from aecourse.gaussian import reparameterize
from aecourse.models import VAEOutput, mlp


@pytest.fixture
def fresh_hints():
    """The hint stage is a property of each check: start these tests at hint 1."""
    checks = [richer_models.check_best_shared_logvar, richer_models.check_conditional_decoder]
    for check in checks:
        check.failures = 0
    yield
    for check in checks:
        check.failures = 0


def stub(*args):
    return None  # an unfinished exercise


# --- derive: the best shared variance -------------------------------------------------------


def test_reference_shared_logvar_is_the_log_of_the_mean_squared_error():
    """The numerical maximizer agrees with the closed form the solution derives."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand(20, 30, generator=g)
    x_hat = x + 0.2 * torch.randn(20, 30, generator=g)
    best = richer_models.reference_best_shared_logvar(x, x_hat)
    torch.testing.assert_close(best, torch.log((x - x_hat).pow(2).mean()), atol=1e-4, rtol=0)


def test_best_shared_logvar_check(assert_fails, assert_passes, fresh_hints):
    check = richer_models.check_best_shared_logvar

    def student(x, x_hat):
        return torch.log(torch.mean((x_hat - x) ** 2))

    def sum_over_pixels(x, x_hat):  # the mean squared error per example, not per pixel value
        return torch.log((x - x_hat).pow(2).sum(dim=1).mean())

    def variance_not_log(x, x_hat):
        return (x - x_hat).pow(2).mean()

    def raises(x, x_hat):
        raise RuntimeError("oops")

    assert_fails(check, stub, "None", "Hint 1 of 2", "derivative")
    assert_fails(check, sum_over_pixels, "expected", "Hint 2 of 2", "logarithm")
    assert_fails(check, variance_not_log, "expected", "last hint")
    assert_fails(check, raises, "raised RuntimeError: oops")
    assert_passes(check, student, "✅ best_shared_logvar")


# --- debug: the conditional decoder ---------------------------------------------------------


class BuggyConditionalVAE(nn.Module):
    """The notebook's stub: the decoder never sees the label."""

    def __init__(self, x_dim, num_classes, latent_dim, hidden=256):
        super().__init__()
        self.encoder = mlp([x_dim + num_classes, hidden, 2 * latent_dim])
        self.decoder = mlp([latent_dim, hidden, x_dim])

    def forward(self, x, y):
        mu, logvar = self.encoder(torch.cat([x, y], dim=1)).chunk(2, dim=1)
        z = reparameterize(mu, logvar)
        return VAEOutput(z=z, mu=mu, logvar=logvar, x_logits=self.decode(z, y))

    def decode(self, z, y):
        return self.decoder(z)


class WrongShapeVAE(BuggyConditionalVAE):
    def decode(self, z, y):  # a decoder that was given the label but not the width for it
        return self.decoder(torch.cat([z, y], dim=1))


@pytest.fixture(scope="module")
def digits():
    data = load_mnist_small()
    return data.x_train, data.y_train


def run(check, capsys, *args):
    result = check(*args)
    return bool(result), capsys.readouterr().out


def test_conditional_decoder_check(digits, capsys, fresh_hints):
    check = richer_models.check_conditional_decoder
    ok, out = run(check, capsys, BuggyConditionalVAE, *digits)
    assert not ok and out.startswith("❌") and "does not steer" in out and "Hint 1 of 2" in out
    ok, out = run(check, capsys, WrongShapeVAE, *digits)
    assert not ok and "raised RuntimeError" in out and "Hint 2 of 2" in out
    ok, out = run(check, capsys, BuggyConditionalVAE(784, 10, 8), *digits)
    assert not ok and "pass the class itself" in out
    ok, out = run(check, capsys, richer_models.ReferenceConditionalVAE, *digits)
    assert ok and out.startswith("✅") and "draws the digit you ask for" in out
