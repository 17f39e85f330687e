"""Tests of aecourse.regularized: each formula against an independent reference."""

import math

import matplotlib
import pytest
import torch
from torch import nn
from torch.distributions import Bernoulli, kl_divergence

from aecourse.data import gaussian_noise, load_circle, masking_noise
from aecourse.diagnostics import (
    circle_sensitivity,
    directional_sensitivity,
    distance_to_data,
    jacobian,
)
from aecourse.losses import (
    jacobian_frobenius_sq,
    kl_bernoulli,
    mean_activation,
    sigmoid_jacobian_frobenius_sq,
    sparsity_penalty,
)
from aecourse.models import Autoencoder, TiedAutoencoder, mlp, sigmoid_encoder_weight
from aecourse.objectives import contractive_loss, denoising_loss, sparse_loss
from aecourse.plotting import (
    denoise_rows,
    image_grid,
    plot_activation_histograms,
    plot_circle_sensitivity,
    plot_denoising,
    plot_features,
    plot_vector_field,
)
from aecourse.widgets import denoising_slider

matplotlib.use("Agg")

# torch's forward-mode autograd (jacfwd, jvp) warns about torch.jit.script internally
pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)


def per_example_jacobian(f, x):
    """Reference: torch.autograd.functional.jacobian, one example at a time, (B, H, D)."""
    return torch.stack(
        [torch.autograd.functional.jacobian(lambda v: f(v.unsqueeze(0)).squeeze(0), xi) for xi in x]
    )


# --- sparse -----------------------------------------------------------------------------------


@pytest.mark.parametrize("rho", [0.01, 0.05, 0.3, 0.9])
def test_kl_bernoulli_matches_torch_distributions(rho):
    gen = torch.Generator().manual_seed(0)
    rho_hat = 0.001 + 0.998 * torch.rand(50, generator=gen, dtype=torch.float64)
    expected = kl_divergence(
        Bernoulli(probs=torch.full_like(rho_hat, rho)), Bernoulli(probs=rho_hat)
    )
    torch.testing.assert_close(kl_bernoulli(rho, rho_hat), expected)


def test_kl_bernoulli_broadcasts_tensor_rho_and_is_zero_only_at_rho():
    rho = torch.tensor([[0.1], [0.6]], dtype=torch.float64)  # (2, 1)
    rho_hat = torch.tensor([0.1, 0.6, 0.3], dtype=torch.float64)  # (3,)
    kl = kl_bernoulli(rho, rho_hat)
    expected = kl_divergence(
        Bernoulli(probs=rho.expand(2, 3)), Bernoulli(probs=rho_hat.expand(2, 3))
    )
    torch.testing.assert_close(kl, expected)
    assert kl[0, 0] == 0 and kl[1, 1] == 0
    assert (kl[0, 1:] > 0).all() and kl[1, 0] > 0 and kl[1, 2] > 0


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 1.5])
def test_kl_bernoulli_rejects_rho_outside_open_unit_interval(bad):
    with pytest.raises(ValueError, match="rho must lie strictly between 0 and 1"):
        kl_bernoulli(bad, torch.tensor([0.5]))


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.2])
def test_kl_bernoulli_rejects_rho_hat_outside_open_unit_interval(bad):
    with pytest.raises(ValueError, match="rho_hat must lie strictly between 0 and 1"):
        kl_bernoulli(0.05, torch.tensor([0.3, bad]))


def test_kl_bernoulli_rejects_nan_and_wrong_types():
    with pytest.raises(ValueError, match="rho_hat contains NaN"):
        kl_bernoulli(0.05, torch.tensor([0.3, float("nan")]))
    with pytest.raises(TypeError, match="rho"):
        kl_bernoulli(True, torch.tensor([0.3]))
    with pytest.raises(TypeError, match="rho_hat"):
        kl_bernoulli(0.05, [0.3])


def test_mean_activation_and_sparsity_penalty():
    gen = torch.Generator().manual_seed(1)
    h = torch.rand(32, 6, generator=gen, dtype=torch.float64)
    rho_hat = mean_activation(h)
    assert rho_hat.shape == (6,)
    torch.testing.assert_close(rho_hat, h.sum(0) / 32)
    expected = kl_divergence(
        Bernoulli(probs=torch.full((6,), 0.05, dtype=torch.float64)), Bernoulli(probs=rho_hat)
    ).sum()
    torch.testing.assert_close(sparsity_penalty(h, 0.05), expected)


def test_sparsity_penalty_rejects_non_sigmoid_codes_and_survives_saturation():
    with pytest.raises(ValueError, match="h must hold activations in"):
        sparsity_penalty(torch.tensor([[0.5, 1.5]]), 0.05)
    with pytest.raises(ValueError, match="h must have 2 dimensions"):
        mean_activation(torch.rand(5))
    saturated = torch.tensor([[1.0, 0.2], [1.0, 0.4]])  # a float32 sigmoid can round to 1
    assert torch.isfinite(sparsity_penalty(saturated, 0.05))


def test_sparse_loss_terms():
    torch.manual_seed(0)
    model = Autoencoder(10, 4, code_activation="sigmoid")
    x = torch.rand(16, 10)
    terms = sparse_loss(0.1, 2.0)(model, x)
    assert set(terms) == {"loss", "recon", "kl"}
    for value in terms.values():
        assert value.shape == (16,)
    h = model.encode(x)
    kl = kl_divergence(Bernoulli(probs=torch.full((4,), 0.1)), Bernoulli(probs=h.mean(0))).sum()
    torch.testing.assert_close(terms["kl"], kl.expand(16))
    torch.testing.assert_close(terms["loss"].mean(), ((model(x) - x) ** 2).sum(1).mean() + 2.0 * kl)
    with pytest.raises(ValueError, match="rho"):
        sparse_loss(1.0, 1.0)
    with pytest.raises(ValueError, match="lam"):
        sparse_loss(0.05, -1.0)


def test_sparse_training_moves_mean_activations_towards_rho():
    from aecourse.training import fit

    torch.manual_seed(0)
    x = torch.rand(256, 12)
    model = Autoencoder(12, 8, code_activation="sigmoid")
    history = fit(
        model, x, sparse_loss(0.05, 3.0), epochs=30, batch_size=64, lr=1e-2, progress=False
    )
    assert history.train["kl"][-1] < 0.2 * history.train["kl"][0]
    with torch.no_grad():
        assert mean_activation(model.encode(x)).mean() < 0.15  # from about 0.5 at the start


# --- denoising --------------------------------------------------------------------------------


def test_gaussian_noise_mean_and_std_monte_carlo():
    gen = torch.Generator().manual_seed(3)
    x = torch.full((200, 500), 0.3, dtype=torch.float64)
    sigma = 0.7
    noise = gaussian_noise(x, sigma, generator=gen) - x
    n = noise.numel()
    assert abs(noise.mean().item()) < 5 * sigma / math.sqrt(n)
    # the sample variance of n normals has standard error sigma^2 sqrt(2 / (n - 1))
    assert abs(noise.var().item() - sigma**2) < 5 * sigma**2 * math.sqrt(2 / (n - 1))


def test_gaussian_noise_is_reproducible_and_validates():
    x = torch.rand(3, 4)
    a = gaussian_noise(x, 0.5, generator=torch.Generator().manual_seed(7))
    b = gaussian_noise(x, 0.5, generator=torch.Generator().manual_seed(7))
    torch.testing.assert_close(a, b)
    torch.testing.assert_close(gaussian_noise(x, 0.0), x)
    with pytest.raises(ValueError, match="sigma must be >= 0"):
        gaussian_noise(x, -0.1)
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        gaussian_noise([1.0], 0.1)


def test_masking_noise_fraction_monte_carlo():
    gen = torch.Generator().manual_seed(4)
    x = torch.rand(300, 400, generator=gen) + 0.5  # no zeros before masking
    p = 0.3
    x_tilde = masking_noise(x, p, generator=gen)
    masked = (x_tilde == 0).double()
    n = masked.numel()
    assert abs(masked.mean().item() - p) < 5 * math.sqrt(p * (1 - p) / n)
    kept = x_tilde != 0
    torch.testing.assert_close(x_tilde[kept], x[kept])


@pytest.mark.parametrize("bad", [1.0, -0.1, 1.5])
def test_masking_noise_rejects_bad_probability(bad):
    with pytest.raises(ValueError, match="p must lie in"):
        masking_noise(torch.rand(2, 3), bad)


def test_denoising_loss_of_the_copying_network_is_d_sigma_squared():
    torch.manual_seed(5)
    x = torch.rand(4000, 20)
    sigma = 0.4
    loss = denoising_loss(lambda v: gaussian_noise(v, sigma))(nn.Identity(), x)
    assert loss.shape == (4000,)
    # each ||sigma eps||^2 is sigma^2 chi^2_20: mean 20 sigma^2, variance 2 * 20 sigma^4
    standard_error = sigma**2 * math.sqrt(2 * 20 / len(x))
    assert abs(loss.mean().item() - 20 * sigma**2) < 5 * standard_error
    shifted = denoising_loss(lambda v: v + 1.0)(nn.Identity(), x)
    torch.testing.assert_close(shifted, torch.full((4000,), 20.0))
    with pytest.raises(TypeError, match="corrupt"):
        denoising_loss(0.5)


def test_distance_to_data_matches_brute_force():
    gen = torch.Generator().manual_seed(6)
    points, data = torch.randn(7, 3, generator=gen), torch.randn(11, 3, generator=gen)
    expected = torch.tensor([min((p - d).norm().item() for d in data) for p in points])
    torch.testing.assert_close(distance_to_data(points, data), expected)
    with pytest.raises(ValueError, match="data must have last dimension 3"):
        distance_to_data(points, torch.randn(5, 2))


def test_load_circle_radius_statistics():
    circle = load_circle(4000, noise=0.1, radius=2.0, seed=1)
    assert circle.x_train.shape == (3200, 2) and circle.x_test.shape == (800, 2)
    r = torch.cat([circle.x_train, circle.x_test]).norm(dim=1)
    assert abs(r.mean().item() - 2.0) < 5 * 0.1 / math.sqrt(4000)
    assert abs(r.std().item() - 0.1) < 5 * 0.1 / math.sqrt(2 * 3999)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        load_circle(noise=-1.0)


# --- contractive ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["rev", "fwd", "auto"])
def test_jacobian_matches_autograd_functional(mode):
    torch.manual_seed(0)
    f = mlp([3, 8, 5], "tanh", "sigmoid").double()
    x = torch.randn(6, 3, dtype=torch.float64)
    J = jacobian(f, x, mode=mode)
    assert J.shape == (6, 5, 3)
    torch.testing.assert_close(J, per_example_jacobian(f, x))
    torch.testing.assert_close(jacobian_frobenius_sq(f, x, mode), J.pow(2).sum((1, 2)))
    with pytest.raises(ValueError, match="mode"):
        jacobian(f, x, mode="sideways")


def test_sigmoid_closed_form_matches_autograd_for_both_models():
    torch.manual_seed(1)
    x = torch.rand(9, 12, dtype=torch.float64)
    for model in (Autoencoder(12, 7, code_activation="sigmoid"), TiedAutoencoder(12, 7)):
        model = model.double()
        h = model.encode(x)
        closed = sigmoid_jacobian_frobenius_sq(h, sigmoid_encoder_weight(model))
        assert closed.shape == (9,)
        torch.testing.assert_close(closed, per_example_jacobian(model.encode, x).pow(2).sum((1, 2)))
        torch.testing.assert_close(closed, jacobian_frobenius_sq(model.encode, x))


def test_contractive_penalty_gradients_agree():
    torch.manual_seed(2)
    model = TiedAutoencoder(5, 4).double()
    x = torch.rand(10, 5, dtype=torch.float64)
    grads = []
    for closed_form in (True, False):
        model.zero_grad()
        terms = contractive_loss(0.3, closed_form=closed_form)(model, x)
        terms["loss"].mean().backward()
        grads.append([p.grad.clone() for p in model.parameters()])
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b)


def test_closed_form_rejects_bad_shapes_and_encoders():
    with pytest.raises(ValueError, match="weight must have shape"):
        sigmoid_jacobian_frobenius_sq(torch.rand(4, 3), torch.rand(5, 2))
    with pytest.raises(ValueError, match="single sigmoid layer"):
        sigmoid_encoder_weight(Autoencoder(4, 2, hidden=[3], code_activation="sigmoid"))
    with pytest.raises(ValueError, match="single sigmoid layer"):
        sigmoid_encoder_weight(Autoencoder(4, 2, code_activation="tanh"))


def test_tied_autoencoder_decoder_is_the_transpose():
    torch.manual_seed(3)
    model = TiedAutoencoder(6, 3)
    x = torch.rand(4, 6)
    h = model.encode(x)
    torch.testing.assert_close(h, torch.sigmoid(x @ model.weight.T + model.bias))
    torch.testing.assert_close(model(x), h @ model.weight + model.out_bias)
    assert torch.all(TiedAutoencoder(6, 3, "sigmoid")(x) > 0)
    with pytest.raises(ValueError, match="out_activation"):
        TiedAutoencoder(6, 3, "relu")
    with pytest.raises(ValueError, match="x must have last dimension 6"):
        model.encode(torch.rand(4, 5))


def test_directional_and_circle_sensitivity_of_a_linear_map():
    A = torch.tensor([[3.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # f(x) = A x, (H=3, D=2)

    def f(x):
        return x @ A.T

    theta = torch.tensor([0.0, math.pi / 2, 1.0])
    along, across = circle_sensitivity(f, theta, radius=2.0)
    tangent = torch.stack([-torch.sin(theta), torch.cos(theta)], 1)
    normal = torch.stack([torch.cos(theta), torch.sin(theta)], 1)
    torch.testing.assert_close(along, (tangent @ A.T).norm(dim=1))
    torch.testing.assert_close(across, (normal @ A.T).norm(dim=1))
    torch.manual_seed(4)
    g = mlp([2, 5], None, "sigmoid")
    x, v = torch.randn(8, 2), torch.randn(8, 2)
    expected = (per_example_jacobian(g, x) @ v.unsqueeze(2)).squeeze(2).norm(dim=1)
    torch.testing.assert_close(directional_sensitivity(g, x, v), expected)
    with pytest.raises(ValueError, match="x and v must have the same shape"):
        directional_sensitivity(g, x, v[:3])


# --- figures and the widget -------------------------------------------------------------------


def _labelled(fig):
    return all(ax.get_xlabel() or ax.get_ylabel() or not ax.has_data() for ax in fig.axes)


def test_figures_have_labelled_axes():
    torch.manual_seed(5)
    fig = plot_activation_histograms({"a": torch.rand(10), "b": torch.rand(10)}, rho=0.05)
    assert fig.axes[0].get_ylabel() == "number of code units" and _labelled(fig)
    model = Autoencoder(2, 3)
    fig = plot_vector_field(model, torch.randn(20, 2), steps=5)
    assert fig.axes[0].get_xlabel() == "$x_1$" and fig.axes[0].get_ylabel() == "$x_2$"
    theta = torch.linspace(0, 6, 10)
    fig = plot_circle_sensitivity(theta, {"m": (torch.rand(10), torch.rand(10))})
    assert _labelled(fig)
    image_model = Autoencoder(16, 3)
    fig = plot_denoising(image_model, torch.rand(3, 16), [0.1, 0.5], torch.randn(3, 16), (4, 4))
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["clean", "noisy σ=0.1", "denoised σ=0.1", "noisy σ=0.5", "denoised σ=0.5"]
    assert fig.axes[0].get_xlabel() == "test image"


def test_plot_image_rows_tiles_every_image():
    rows = [torch.rand(3, 4), torch.rand(2, 4)]
    fig = image_grid(rows, (2, 2), ["a", "b"])
    mosaic = fig.axes[0].get_images()[0].get_array()
    assert mosaic.shape == (2 * 2 + 1, 3 * 2 + 2)  # one-pixel gaps between tiles
    torch.testing.assert_close(
        torch.tensor(mosaic[3:5, 0:2].data), rows[1][0].reshape(2, 2).double()
    )
    assert mosaic.mask[3:5, 6:8].all()  # the missing third image of row 2 stays blank
    with pytest.raises(ValueError, match="row_labels"):
        image_grid(rows, (2, 2), ["a"])
    fig = plot_features({"m": torch.randn(5, 4)}, (2, 2), n=3)
    assert fig.axes[0].get_xlabel() == "code unit j"


def test_denoise_rows_scale_the_same_noise():
    x, eps = torch.rand(2, 4), torch.randn(2, 4)
    rows, labels = denoise_rows(nn.Identity(), x, [0.0, 0.5], eps)
    assert labels == ["clean", "noisy σ=0", "denoised σ=0", "noisy σ=0.5", "denoised σ=0.5"]
    torch.testing.assert_close(rows[4], x + 0.5 * eps)  # the copying network returns x_tilde
    torch.testing.assert_close(rows[3], (x + 0.5 * eps).clamp(0, 1))
    with pytest.raises(ValueError, match="sigma must be >= 0"):
        denoise_rows(nn.Identity(), x, [-1.0], eps)


def test_denoising_slider_is_an_interactive_sigma_slider():
    import ipywidgets as widgets

    w = denoising_slider(nn.Identity(), torch.rand(2, 4), torch.randn(2, 4), (2, 2), sigma_max=2.0)
    assert isinstance(w, widgets.interactive)
    slider = w.children[0]
    assert (
        isinstance(slider, widgets.FloatSlider) and slider.max == 2.0 and slider.description == "σ"
    )


def test_tied_autoencoder_explains_a_dtype_mismatch():
    model = TiedAutoencoder(5, 3)
    with pytest.raises(TypeError, match=r"x has dtype torch.float64 .* x.float\(\)"):
        model(torch.rand(2, 5, dtype=torch.float64))
    with pytest.raises(TypeError, match="h has dtype torch.float64"):
        model.decode(torch.rand(2, 3, dtype=torch.float64))
