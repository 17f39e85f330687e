"""The VAE model, its loss for fit, the latent-space tools and the chapter's reference result."""

import math

import matplotlib.pyplot as plt
import pytest
import torch
from torch.distributions import Normal

from aecourse.data import binarize, load_dataset
from aecourse.diagnostics import (
    count_active_units,
    interpolate,
    kl_per_dim,
    latent_grid,
    posterior_mean_variance,
)
from aecourse.gaussian import kl_normal_std_normal, reparameterize
from aecourse.losses import elbo
from aecourse.models import VAE, VAEConfig, VAEOutput
from aecourse.objectives import vae_loss_fn
from aecourse.plotting import (
    plot_bounds,
    plot_kl_per_dim,
    plot_latent_manifold,
    plot_latent_traversal,
)
from aecourse.runtime import set_seed
from aecourse.training import evaluate, fit
from aecourse.widgets import latent_explorer


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


# --- reparameterization -------------------------------------------------------------


def test_reparameterize_matches_normal_rsample_from_the_same_state():
    mu, logvar = torch.randn(5, 3, generator=gen(1)), torch.randn(5, 3, generator=gen(2))
    torch.manual_seed(0)
    z = reparameterize(mu, logvar)
    torch.manual_seed(0)
    z_ref = Normal(mu, torch.exp(0.5 * logvar)).rsample()
    torch.testing.assert_close(z, z_ref)


def test_reparameterize_with_given_eps_and_its_gradients():
    mu = torch.randn(4, 3, generator=gen(3), requires_grad=True)
    logvar = torch.randn(4, 3, generator=gen(4), requires_grad=True)
    eps = torch.randn(4, 3, generator=gen(5))
    z = reparameterize(mu, logvar, eps)
    torch.testing.assert_close(z, mu + torch.exp(0.5 * logvar) * eps)
    z.sum().backward()
    # dz/dmu = 1, dz/dlogvar = 1/2 sigma eps
    torch.testing.assert_close(mu.grad, torch.ones_like(mu))
    torch.testing.assert_close(logvar.grad, 0.5 * torch.exp(0.5 * logvar.detach()) * eps)


def test_reparameterize_draws_from_the_right_normal():
    mu, logvar = torch.tensor([1.0, -2.0]), torch.tensor([0.5, -1.0])
    torch.manual_seed(6)
    z = reparameterize(mu.expand(100_000, 2), logvar.expand(100_000, 2))
    var = logvar.exp()
    assert ((z.mean(0) - mu).abs() < 5 * torch.sqrt(var / len(z))).all()
    # the sample variance has standard error about var * sqrt(2 / n)
    assert ((z.var(0) - var).abs() < 5 * var * math.sqrt(2 / len(z))).all()


def test_reparameterize_rejects_bad_input():
    with pytest.raises(ValueError, match="mu and logvar must have the same shape"):
        reparameterize(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="eps and mu must have the same shape"):
        reparameterize(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(3))
    with pytest.raises(ValueError, match="logvar contains NaN"):
        reparameterize(torch.zeros(1), torch.tensor([float("nan")]))


# --- the model ----------------------------------------------------------------------


def test_vae_shapes_and_output():
    torch.manual_seed(0)
    model = VAE(12, 3, hidden=(8, 5))
    x = torch.rand(7, 12, generator=gen(7))
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (7, 3)
    assert model.decode(torch.zeros(4, 7, 3)).shape == (4, 7, 12)  # several samples of z
    out = model(x)
    assert isinstance(out, VAEOutput) and out.x_hat is None
    assert out.x_logits.shape == (7, 12) and out.z.shape == (7, 3)
    torch.testing.assert_close(out.x_mean, torch.sigmoid(out.x_logits))
    torch.testing.assert_close(model.decode_mean(out.z), out.x_mean)


def test_gaussian_vae_returns_x_hat():
    torch.manual_seed(0)
    model = VAE(12, 3, hidden=(8,), likelihood="gaussian", out_activation="sigmoid")
    out = model(torch.rand(7, 12, generator=gen(8)))
    assert out.x_logits is None and out.x_hat.shape == (7, 12)
    assert ((out.x_hat > 0) & (out.x_hat < 1)).all()
    torch.testing.assert_close(out.x_mean, out.x_hat)


def test_forward_uses_the_reparameterization():
    torch.manual_seed(0)
    model = VAE(6, 2, hidden=(4,))
    x = torch.rand(3, 6, generator=gen(9))
    torch.manual_seed(1)
    out = model(x)
    torch.manual_seed(1)
    mu, logvar = model.encode(x)
    torch.testing.assert_close(out.z, reparameterize(mu, logvar))


def test_vae_rejects_bad_arguments():
    with pytest.raises(ValueError, match="likelihood must be one of"):
        VAE(4, 2, likelihood="poisson")
    with pytest.raises(ValueError, match="out_activation='sigmoid': a Bernoulli decoder"):
        VAE(4, 2, out_activation="sigmoid")
    with pytest.raises(ValueError, match="latent_dim must be >= 1"):
        VAE(4, 0)
    with pytest.raises(ValueError, match="x must have last dimension 4"):
        VAE(4, 2, hidden=(3,)).encode(torch.zeros(2, 5))
    with pytest.raises(ValueError, match="z must have last dimension 2"):
        VAE(4, 2, hidden=(3,)).decode(torch.zeros(2, 3))


# --- the loss for fit ---------------------------------------------------------------


def test_vae_loss_fn_terms():
    torch.manual_seed(0)
    model, x = VAE(6, 2, hidden=(4,)), torch.rand(5, 6, generator=gen(10))
    for beta in (0.0, 1.0, 4.0):
        torch.manual_seed(1)
        terms = vae_loss_fn(beta)(model, x)
        torch.manual_seed(1)
        reference = elbo(x, model(x))
        assert set(terms) == {"loss", "recon", "kl"}
        torch.testing.assert_close(terms["recon"], -reference.recon)
        torch.testing.assert_close(terms["kl"], reference.kl)
        torch.testing.assert_close(terms["loss"], -reference.recon + beta * reference.kl)
    torch.manual_seed(1)
    torch.testing.assert_close(vae_loss_fn()(model, x)["loss"], -reference.elbo)


def test_vae_loss_fn_checks_arguments():
    with pytest.raises(ValueError, match="beta must be >= 0"):
        vae_loss_fn(-1.0)
    with pytest.raises(ValueError, match="s must be > 0"):
        vae_loss_fn(s=0.0)
    model = VAE(6, 2, hidden=(4,), likelihood="gaussian")
    with pytest.raises(ValueError, match="s .* is required"):
        vae_loss_fn()(model, torch.rand(3, 6))


def test_fit_tracks_recon_and_kl_and_lowers_the_loss():
    set_seed(0)
    prototypes = torch.rand(4, 16, generator=gen(13))  # four kinds of binary images
    x = torch.bernoulli(prototypes[torch.arange(600) % 4], generator=gen(14))  # (600, 16)
    model = VAE(16, 2, hidden=(16,))
    before = evaluate(model, x[500:], vae_loss_fn())["loss"]
    history = fit(model, x[:500], vae_loss_fn(), x_test=x[500:], epochs=5, lr=1e-2, progress=False)
    assert set(history.test) == {"loss", "recon", "kl"}
    assert history.test["loss"][-1] < before - 0.5
    for h in (history.train, history.test):
        assert h["loss"][-1] == pytest.approx(h["recon"][-1] + h["kl"][-1], rel=1e-5)


# --- inspecting the latent space ----------------------------------------------------


def model_with_dead_dimensions():
    """A VAE whose posterior mean ignores x in dimensions 1 and 3 (of 4)."""
    torch.manual_seed(0)
    model = VAE(6, 4, hidden=(8,))
    with torch.no_grad():
        last = model.encoder[-1]  # Linear(8, 8): rows 0..3 give mu, rows 4..7 logvar
        last.weight[[1, 3]] = 0.0
        last.weight[[0, 2]] *= 30.0
    return model


def test_active_units_and_posterior_mean_variance():
    model, x = model_with_dead_dimensions(), torch.rand(500, 6, generator=gen(11))
    variance = posterior_mean_variance(model, x)
    mu, _ = model.encode(x)
    torch.testing.assert_close(variance, mu.detach().var(0))
    assert variance[1] == 0 and variance[3] == 0
    assert (variance[[0, 2]] > 0.01).all()
    assert count_active_units(model, x) == 2
    assert count_active_units(model, x, threshold=1e9) == 0
    with pytest.raises(ValueError, match="threshold must be > 0"):
        count_active_units(model, x, threshold=0.0)


def test_kl_per_dim_adds_up_to_the_kl():
    model, x = model_with_dead_dimensions(), torch.rand(50, 6, generator=gen(12))
    mu, logvar = model.encode(x)
    torch.testing.assert_close(
        kl_per_dim(model, x).sum(), kl_normal_std_normal(mu, logvar).mean().detach()
    )


def test_latent_grid_sits_at_normal_quantiles():
    n = 5
    z = latent_grid(n)
    assert z.shape == (n * n, 2)
    # first row: z_2 at its largest, z_1 increasing left to right
    expected = Normal(0.0, 1.0).icdf((torch.arange(n) + 0.5) / n)
    torch.testing.assert_close(z[:n, 0], expected)
    torch.testing.assert_close(z[::n, 1], expected.flip(0))
    torch.testing.assert_close(Normal(0.0, 1.0).cdf(z[:n, 0]), (torch.arange(n) + 0.5) / n)


def test_interpolate():
    z0, z1 = torch.tensor([0.0, 2.0]), torch.tensor([1.0, -2.0])
    path = interpolate(z0, z1, 5)
    assert path.shape == (5, 2)
    torch.testing.assert_close(path[0], z0)
    torch.testing.assert_close(path[-1], z1)
    torch.testing.assert_close(path[2], (z0 + z1) / 2)
    with pytest.raises(ValueError, match="z0 and z1 must have the same shape"):
        interpolate(z0, torch.zeros(3), 4)
    for bad in (0, 1):  # the path holds both ends, so one step cannot be a path
        with pytest.raises(ValueError, match="num_steps must be >= 2"):
            interpolate(z0, z1, bad)


def test_latent_diagnostics_refuse_what_they_cannot_measure():
    torch.manual_seed(0)
    model = VAE(16, 3, hidden=(8,))
    x = torch.rand(5, 16)
    with pytest.raises(ValueError, match="at least 2 examples"):
        count_active_units(model, x[:1])  # a variance over one row would be NaN
    with pytest.raises(ValueError, match="x is empty"):
        kl_per_dim(model, x[:0])
    with pytest.raises(TypeError, match="model must be an aecourse.models.VAE"):
        kl_per_dim(lambda x: x, x)
    with pytest.raises(TypeError, match="x has dtype torch.float64"):
        kl_per_dim(model, x.double())
    with pytest.raises(ValueError, match="dims must be < latent_dim = 3"):
        plot_latent_traversal(model, (4, 4), dims=[0, 3])
    with pytest.raises(ValueError, match="dims is empty"):
        plot_latent_traversal(model, (4, 4), dims=[])
    with pytest.raises(TypeError, match="dims must be an int"):
        latent_explorer(model, (4, 4), dims=[0.5])


def test_plots_label_their_axes():
    torch.manual_seed(0)
    model = VAE(16, 2, hidden=(8,))
    figures = [
        plot_latent_manifold(model, (4, 4), n=5),
        plot_latent_traversal(model, (4, 4), dims=[0, 1]),
        plot_kl_per_dim({"a": [0.1, 0.2], "b": [1.0, 0.0]}),
        plot_bounds([1, 5, 50], [-3.0, -2.5, -2.3], [0.1, 0.1, 0.1], {"ELBO": -3.0}),
    ]
    for fig in figures:
        ax = fig.axes[0]
        assert ax.get_xlabel() and ax.get_ylabel()
        plt.close(fig)


def test_manifold_plot_needs_a_2d_latent():
    with pytest.raises(ValueError, match="latent_dim 2, got 3"):
        plot_latent_manifold(VAE(16, 3, hidden=(8,)), (4, 4))


def test_latent_explorer_updates_the_image():
    torch.manual_seed(0)
    model = VAE(16, 3, hidden=(8,))
    box = latent_explorer(model, (4, 4), dims=[0, 2])
    sliders, image = box.children[0].children, box.children[1]
    assert [s.description for s in sliders] == ["z1", "z3"]
    before = image.value
    sliders[1].value = 2.5
    assert image.value != before


# --- the chapter's reference result ---------------------------------------------------

#: Test ELBO (nats per binarized digit) of the default VAEConfig trained as chapter 5
#: trains it: dynamic binarization of the training digits, one fixed binarized test
#: set (seed 0), measured with torch 2.13 on one CPU thread.
REFERENCE_TEST_ELBO = -125.05
#: The result is bit-for-bit reproducible on one machine, but another CPU or torch
#: build rounds differently, and training amplifies that like a change of seed.
#: Over seeds 0-5 the final test ELBO had a mean of -123.7 and a standard deviation
#: of 1.3 nats; the tolerance is about 3.5 of those.
TOLERANCE = 4.5


def test_reference_test_elbo():
    config = VAEConfig()
    data = load_dataset("mnist-small")
    x_test = binarize(data.x_test, generator=torch.Generator().manual_seed(0))
    set_seed(config.seed)
    model = VAE(data.dim, config.latent_dim, config.hidden)
    history = fit(
        model,
        data.x_train,
        vae_loss_fn(binarize=True),
        x_test=x_test,
        epochs=config.epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        seed=config.seed,
        progress=False,
    )
    test_elbo = -history.test["loss"][-1]
    assert abs(test_elbo - REFERENCE_TEST_ELBO) < TOLERANCE


def test_dynamic_binarization_scores_fresh_binary_digits():
    from aecourse.objectives import vae_loss_fn

    torch.manual_seed(0)
    model = VAE(16, 2, hidden=(8,))
    grey = torch.full((256, 16), 0.5)
    binary = (torch.rand(256, 16) < 0.5).float()
    loss_fn = vae_loss_fn(binarize=True)
    torch.manual_seed(1)
    a = loss_fn(model, grey)["recon"]
    torch.manual_seed(2)
    b = loss_fn(model, grey)["recon"]
    assert not torch.equal(a, b)  # a new draw of the pixels each call
    # on binary data the draw is the data itself: the same as the plain loss with that eps
    torch.manual_seed(3)
    plain = vae_loss_fn()(model, binary)["loss"]
    torch.manual_seed(3)
    torch.bernoulli(binary)  # the binarized loss draws the pixels first, then eps
    expected = vae_loss_fn()(model, binary)["loss"]
    torch.manual_seed(3)
    got = loss_fn(model, binary)["loss"]
    torch.testing.assert_close(got, expected)
    assert plain.shape == got.shape
    with pytest.raises(ValueError, match="pass s=None"):
        vae_loss_fn(s=0.1, binarize=True)
    with pytest.raises(TypeError, match="binarize must be True or False"):
        vae_loss_fn(binarize="yes")
