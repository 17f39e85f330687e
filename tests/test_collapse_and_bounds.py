"""Chapter 8's package code: KL warm-up, free bits, the IWAE objective and the
rate-distortion figure, checked against independent references and on bad inputs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch.distributions import Independent, Normal, kl_divergence  # noqa: E402

from aecourse.estimators import iwae_bound  # noqa: E402
from aecourse.losses import free_bits_kl  # noqa: E402
from aecourse.models import VAE  # noqa: E402
from aecourse.objectives import (  # noqa: E402
    iwae_loss_fn,
    kl_warmup,
    vae_loss_fn,
    warmup_free_bits_loss_fn,
)
from aecourse.plotting import plot_rate_distortion  # noqa: E402
from aecourse.training import evaluate, fit  # noqa: E402

D, K = 10, 4


def binary(n: int = 32, seed: int = 0) -> torch.Tensor:
    return torch.bernoulli(torch.full((n, D), 0.4), generator=torch.Generator().manual_seed(seed))


def small_vae(seed: int = 0) -> VAE:
    torch.manual_seed(seed)
    return VAE(D, K, hidden=(8,))


# --- kl_warmup ---------------------------------------------------------------------------------


def test_kl_warmup_is_linear_then_one():
    assert [kl_warmup(t, 4) for t in (0, 1, 2, 4, 9)] == [0.0, 0.25, 0.5, 1.0, 1.0]
    assert kl_warmup(0, 0) == 1.0 and kl_warmup(7, 0) == 1.0  # no warm-up


@pytest.mark.parametrize(
    "step, warmup_steps, error, match",
    [(-1, 10, ValueError, "step"), (1.5, 10, TypeError, "step"), (0, -3, ValueError, "warmup")],
)
def test_kl_warmup_bad_inputs(step, warmup_steps, error, match):
    with pytest.raises(error, match=match):
        kl_warmup(step, warmup_steps)


# --- free_bits_kl ----------------------------------------------------------------------------


def test_free_bits_kl_against_torch_distributions():
    g = torch.Generator().manual_seed(1)
    mu = torch.randn(16, 6, generator=g) * torch.linspace(0.01, 2.0, 6)
    logvar = 0.1 * torch.randn(16, 6, generator=g)
    q = Normal(mu, torch.exp(0.5 * logvar))
    kl_k = kl_divergence(q, Normal(torch.zeros_like(mu), torch.ones_like(mu))).mean(0)  # (K,)
    for kappa in (0.0, 0.1, 1.0):
        expected = torch.maximum(kl_k, torch.full_like(kl_k, kappa)).sum()
        assert torch.allclose(free_bits_kl(mu, logvar, kappa), expected, atol=1e-5)
    # kappa = 0: the batch mean of the full KL
    full = kl_divergence(Independent(q, 1), Independent(Normal(0 * mu, 1 + 0 * mu), 1)).mean()
    assert torch.allclose(free_bits_kl(mu, logvar, 0.0), full, atol=1e-5)


def test_free_bits_kl_gradient_vanishes_below_kappa():
    g = torch.Generator().manual_seed(2)
    mu = (torch.randn(32, 6, generator=g) * torch.linspace(0.01, 2.0, 6)).requires_grad_()
    logvar = torch.zeros(32, 6)
    (grad,) = torch.autograd.grad(free_bits_kl(mu, logvar, 0.3), mu)
    below = (0.5 * mu.detach().pow(2)).mean(0) < 0.3  # KL_k with logvar = 0
    assert 0 < below.sum() < 6
    assert (grad[:, below] == 0).all() and (grad[:, ~below] != 0).any()


@pytest.mark.parametrize(
    "mu, logvar, free_bits, error, match",
    [
        (torch.zeros(4), torch.zeros(4), 0.1, ValueError, "mu"),
        (torch.zeros(4, 2), torch.zeros(4, 3), 0.1, ValueError, "logvar"),
        (torch.zeros(4, 2), torch.zeros(4, 2), -0.1, ValueError, "free_bits"),
        (torch.zeros(4, 2), torch.zeros(4, 2), "a lot", TypeError, "free_bits"),
    ],
)
def test_free_bits_kl_bad_inputs(mu, logvar, free_bits, error, match):
    with pytest.raises(error, match=match):
        free_bits_kl(mu, logvar, free_bits)


# --- warmup_free_bits_loss_fn ----------------------------------------------------------------


def test_without_remedies_it_is_the_plain_vae_loss():
    model, x = small_vae(), binary()
    torch.manual_seed(3)
    reference = vae_loss_fn()(model, x)
    torch.manual_seed(3)
    ours = warmup_free_bits_loss_fn()(model, x)
    for term in ("loss", "recon", "kl"):
        assert torch.allclose(ours[term], reference[term])
    assert (ours["beta"] == 1).all()


def test_warmup_counts_training_steps_only():
    model, x = small_vae(), binary(64)
    loss_fn = warmup_free_bits_loss_fn(warmup_steps=4)
    history = fit(model, x, loss_fn, x_test=x, epochs=3, batch_size=32, progress=False)
    # 2 steps per epoch: beta = 0, 0.25 in epoch 1; 0.5, 0.75 in epoch 2; 1, 1 in epoch 3
    assert history.train["beta"] == pytest.approx([0.125, 0.625, 1.0])
    # evaluations do not advance the schedule, and use the beta reached so far
    assert evaluate(model, x, loss_fn)["beta"] == pytest.approx(1.0)
    assert history.test["beta"] == pytest.approx([0.5, 1.0, 1.0])


def test_warmup_loss_weights_the_kl_by_beta():
    model, x = small_vae(), binary()
    loss_fn = warmup_free_bits_loss_fn(warmup_steps=2)
    torch.manual_seed(4)
    first = loss_fn(model, x)  # step 0: beta = 0, the loss is the reconstruction alone
    assert torch.allclose(first["loss"], first["recon"])
    torch.manual_seed(4)
    second = loss_fn(model, x)  # step 1: beta = 1/2
    assert torch.allclose(second["loss"], second["recon"] + 0.5 * second["kl"])


def test_free_bits_loss_adds_the_batch_term_to_every_example():
    model, x = small_vae(), binary()
    torch.manual_seed(5)
    terms = warmup_free_bits_loss_fn(free_bits=0.5)(model, x)
    torch.manual_seed(5)
    out = model(x)
    expected = free_bits_kl(out.mu, out.logvar, 0.5)
    assert torch.allclose(terms["loss"] - terms["recon"], expected.expand(len(x)))
    assert expected >= 0.5 * K - 1e-6  # every dimension counts as at least kappa


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"warmup_steps": -1}, ValueError, "warmup_steps"),
        ({"warmup_steps": 2.5}, TypeError, "warmup_steps"),
        ({"free_bits": -0.5}, ValueError, "free_bits"),
        ({"binarize": "yes"}, TypeError, "binarize"),
    ],
)
def test_warmup_free_bits_loss_fn_bad_inputs(kwargs, error, match):
    with pytest.raises(error, match=match):
        warmup_free_bits_loss_fn(**kwargs)


# --- iwae_loss_fn ------------------------------------------------------------------------------


def test_iwae_loss_is_minus_the_iwae_bound():
    model, x = small_vae(), binary()
    torch.manual_seed(6)
    terms = iwae_loss_fn(5)(model, x)
    torch.manual_seed(6)
    bound = iwae_bound(model, x, 5)
    assert torch.allclose(-terms["loss"], bound)
    assert (terms["elbo"] <= -terms["loss"] + 1e-5).all()  # mean of log w <= log mean of w


def test_iwae_loss_with_one_sample_estimates_the_elbo():
    model, x = small_vae(), binary(2000)
    torch.manual_seed(7)
    with torch.no_grad():
        one = -iwae_loss_fn(1)(model, x)["loss"].mean()
        exact_kl = -vae_loss_fn()(model, x)["loss"].mean()
    assert abs(one - exact_kl) < 0.2  # two estimates of the same ELBO


def test_iwae_loss_trains_and_reaches_the_encoder():
    model, x = small_vae(), binary()
    loss = iwae_loss_fn(3)(model, x)["loss"].mean()
    loss.backward()
    assert model.encoder[0].weight.grad.abs().sum() > 0
    history = fit(small_vae(), binary(128), iwae_loss_fn(3), epochs=20, lr=0.02, progress=False)
    assert history.train["loss"][-1] < history.train["loss"][0]


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((0,), ValueError, "num_samples"),
        ((2.0,), TypeError, "num_samples"),
        ((2, 1), TypeError, "binarize"),
    ],
)
def test_iwae_loss_fn_bad_inputs(args, error, match):
    with pytest.raises(error, match=match):
        iwae_loss_fn(*args)


# --- plot_rate_distortion ----------------------------------------------------------------------


def test_plot_rate_distortion_draws_points_sweep_and_iso_elbo_line():
    points = {"a": (100.0, 20.0), "b": (90.0, 40.0), "c": (130.0, 8.0), "d": (99.0, 19.0)}
    fig = plot_rate_distortion(points, sweep=["b", "a", "c"], title="t")
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert any(
        "$\\mathcal{D} + \\mathcal{R}$ = 118.0" in label for label in labels
    )  # through "d", the best ELBO
    assert len(ax.collections) == 4
    plt.close(fig)


@pytest.mark.parametrize(
    "points, sweep, error, match",
    [
        ({}, (), ValueError, "points is empty"),
        ([(1.0, 2.0)], (), TypeError, "points must be a dict"),
        ({"a": (1.0, 2.0, 3.0)}, (), ValueError, "points\\['a'\\]"),
        ({"a": (1.0, float("nan"))}, (), ValueError, "NaN"),
        ({"a": (1.0, 2.0)}, ["b"], ValueError, "sweep"),
    ],
)
def test_plot_rate_distortion_bad_inputs(points, sweep, error, match):
    with pytest.raises(error, match=match):
        plot_rate_distortion(points, sweep=sweep)
