"""The checks of notebook 08a_collapse_and_tighter_bounds: they pass on the effect the
exercise asks for, fail with a message otherwise, and never raise."""

from __future__ import annotations

import pytest
import torch

from aecourse.exercises._core import FAIL, PASS
from aecourse.exercises.collapse_and_tighter_bounds import (
    check_iwae_elbo_prediction,
    check_latent_use,
    reference_elbo_difference,
    reference_test_elbo,
    reference_used_dimensions,
)
from aecourse.models import VAE

D, K = 12, 5


def binary_data(n: int = 64) -> torch.Tensor:
    return torch.bernoulli(torch.full((n, D), 0.3), generator=torch.Generator().manual_seed(0))


def vae(seed: int, spread: float = 0.0) -> VAE:
    """A small VAE; ``spread`` > 0 makes every posterior mean depend strongly on x, so
    that every dimension carries information (a KL well above 0.1 nats)."""
    torch.manual_seed(seed)
    model = VAE(D, K, hidden=(8,))
    if spread:
        with torch.no_grad():
            last = model.encoder[-1]
            last.weight[:K] *= spread  # the rows of mu
    return model


def test_measurements_are_deterministic_and_leave_the_global_seed_alone():
    x, model = binary_data(), vae(0)
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    first = reference_test_elbo(model, x)
    assert torch.rand(1) == before  # the check's seeding is forked
    assert reference_test_elbo(model, x) == first
    assert reference_elbo_difference(model, model, x) == 0


def test_latent_use_passes_on_the_effect(capsys):
    x = binary_data()
    busy = vae(0, spread=30.0)
    assert reference_used_dimensions(busy, x) == K
    assert check_latent_use(busy, busy, x)  # all dimensions used, the same ELBO
    assert PASS in capsys.readouterr().out


def test_latent_use_fails_with_too_few_dimensions_or_a_worse_elbo(capsys):
    x = binary_data()
    idle, busy = vae(0), vae(0, spread=30.0)
    assert reference_used_dimensions(idle, x) < K
    assert not check_latent_use(idle, idle, x)
    assert "too few dimensions" in capsys.readouterr().out
    # all dimensions in use, but an ELBO far below that of the "plain" model
    assert reference_test_elbo(busy, x) < reference_test_elbo(idle, x) - 1
    assert not check_latent_use(busy, idle, x)
    out = capsys.readouterr().out
    assert FAIL in out and "paid for it" in out


@pytest.mark.parametrize(
    "args, expected",
    [
        (("not a model", None, None), "model must be a trained"),
        ((None, None, None), "model must be a trained"),
        ((vae(0), "plain", binary_data()), "plain_model must be a trained"),
        ((vae(0), vae(1), torch.zeros(3, D + 1)), "x must be the binarized test digits"),
    ],
)
def test_latent_use_reports_bad_arguments_without_raising(args, expected, capsys):
    assert not check_latent_use(*args)
    assert expected in capsys.readouterr().out


def test_prediction_check_measures_the_difference(capsys):
    x = binary_data()
    a, b = vae(0, spread=30.0), vae(0)
    measured = reference_elbo_difference(a, b, x)
    assert measured < 0
    assert check_iwae_elbo_prediction(measured + 1.0, a, b, x)
    assert PASS in capsys.readouterr().out
    assert not check_iwae_elbo_prediction(measured + 10.0, a, b, x)
    out = capsys.readouterr().out
    assert FAIL in out and "too high" in out


@pytest.mark.parametrize("prediction", [None, "lower", float("nan"), True])
def test_prediction_check_refuses_what_is_not_a_number(prediction, capsys):
    x = binary_data()
    assert not check_iwae_elbo_prediction(prediction, vae(0), vae(1), x)
    assert FAIL in capsys.readouterr().out


def test_prediction_check_reports_bad_models_without_raising(capsys):
    assert not check_iwae_elbo_prediction(-3.0, "iwae", vae(1), binary_data())
    assert "iwae_model must be a trained" in capsys.readouterr().out
