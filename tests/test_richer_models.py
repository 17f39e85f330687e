"""The models of the section "Richer models" (chapter 8): a Gaussian decoder with a learned
variance, a conditional VAE and a convolutional VAE, each against an independent reference
(torch.distributions, the convolution size formula, hand-counted parameters), and their
argument checks."""

import math

import pytest
import torch
from torch import nn
from torch.distributions import Independent, Normal

from aecourse.estimators import iwae_bound
from aecourse.gaussian import kl_normal_std_normal
from aecourse.losses import bernoulli_log_likelihood
from aecourse.models import (
    ConditionalVAE,
    ConvVAE,
    GaussianVAEOutput,
    LearnedVarianceVAE,
    conv_output_size,
    count_parameters,
)
from aecourse.objectives import conditional_vae_loss_fn, vae_loss_fn
from aecourse.training import evaluate, fit

# --- learned decoder variance ---------------------------------------------------------------


def test_learned_variance_output_and_density():
    torch.manual_seed(0)
    model = LearnedVarianceVAE(12, 3, hidden=(8,))
    with torch.no_grad():
        model.free_logvar.normal_()
    x = torch.rand(5, 12)
    out = model(x)
    assert isinstance(out, GaussianVAEOutput)
    assert out.x_hat.shape == out.x_logvar.shape == (5, 12)
    assert bool(((out.x_hat > 0) & (out.x_hat < 1)).all())  # a sigmoid mean
    # the same variance for every example: it does not depend on z
    torch.testing.assert_close(out.x_logvar, model.free_logvar.expand(5, 12))
    log_px = -0.5 * (
        math.log(2 * math.pi) + out.x_logvar + (x - out.x_hat) ** 2 / out.x_logvar.exp()
    )
    reference = Independent(Normal(out.x_hat, torch.exp(0.5 * out.x_logvar)), 1).log_prob(x)
    torch.testing.assert_close(log_px.sum(-1), reference)


def test_shared_variance_has_one_parameter():
    model = LearnedVarianceVAE(12, 3, hidden=(8,), variance="shared")
    assert model.free_logvar.shape == (1,)
    assert model.decoder_logvar().shape == (12,)
    assert len(set(model.decoder_logvar().tolist())) == 1


def test_variance_floor():
    model = LearnedVarianceVAE(6, 2, hidden=(4,), min_std=0.1)
    with torch.no_grad():
        model.free_logvar.copy_(torch.tensor([-20.0, -5.0, -4.0, 0.0, 1.0, 3.0]))
    s = torch.exp(0.5 * model.decoder_logvar())
    expected = torch.tensor([0.1, 0.1, math.exp(-2.0), 1.0, math.exp(0.5), math.exp(1.5)])
    torch.testing.assert_close(s, expected)


def test_learned_variance_trains_with_fit():
    torch.manual_seed(0)
    model = LearnedVarianceVAE(10, 2, hidden=(8,))

    def loss_fn(model, x):
        out = model(x)
        log_px = Independent(Normal(out.x_hat, torch.exp(0.5 * out.x_logvar)), 1).log_prob(x)
        kl = kl_normal_std_normal(out.mu, out.logvar)
        return kl - log_px

    x = torch.rand(64, 10)
    history = fit(model, x, loss_fn, epochs=5, batch_size=16, lr=1e-2, progress=False)
    assert history.train_loss[-1] < history.train_loss[0]


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"variance": "diagonal"}, ValueError, "variance"),
        ({"min_std": 0.0}, ValueError, "min_std"),
        ({"min_std": "0.1"}, TypeError, "min_std"),
        ({"data_dim": 0}, ValueError, "data_dim"),
    ],
)
def test_learned_variance_bad_arguments(kwargs, error, words):
    arguments = {"data_dim": 6, "latent_dim": 2, **kwargs}
    with pytest.raises(error, match=words):
        LearnedVarianceVAE(**arguments)


# --- conditional VAE -----------------------------------------------------------------------


def test_conditional_vae_one_hot_conditioning():
    torch.manual_seed(0)
    model = ConditionalVAE(6, 4, 2, hidden=(5,))
    y = torch.tensor([0, 3, 1])
    y1 = model.one_hot(y)
    torch.testing.assert_close(y1, torch.eye(4)[y])
    # int labels and their one-hot rows give the same decoder output
    z = torch.randn(3, 2)
    torch.testing.assert_close(model.decode(z, y), model.decode(z, y1))
    # the decoder's first layer reads [z, onehot(y)]: K + C inputs
    first = model.decoder[0]
    assert first.in_features == 2 + 4
    torch.testing.assert_close(
        model.decode(z, y), model.decoder(torch.cat([z, torch.eye(4)[y]], dim=1))
    )
    # another label changes the output, the same label does not
    assert not torch.allclose(model.decode(z, y), model.decode(z, (y + 1) % 4))
    assert model.encoder[0].in_features == 6 + 4


def test_conditional_vae_decodes_sample_batches():
    model = ConditionalVAE(6, 3, 2, hidden=(5,))
    z = torch.randn(7, 4, 2)  # (S, B, K)
    y = torch.tensor([0, 1, 2, 0])
    out = model.decode(z, y)
    assert out.shape == (7, 4, 6)
    torch.testing.assert_close(out[3], model.decode(z[3], y))


def test_pack_and_split_round_trip():
    model = ConditionalVAE(5, 3, 2)
    x, y = torch.rand(4, 5), torch.tensor([2, 0, 1, 2])
    rows = model.pack(x, y)
    assert rows.shape == (4, 8) and model.data_dim == 8
    x_back, y_back = model.split(rows)
    torch.testing.assert_close(x_back, x)
    torch.testing.assert_close(y_back, torch.eye(3)[y])


def test_conditional_loss_is_minus_the_elbo():
    torch.manual_seed(0)
    model = ConditionalVAE(5, 3, 2, hidden=(4,))
    x, y = torch.bernoulli(torch.full((6, 5), 0.5)), torch.tensor([0, 1, 2, 0, 1, 2])
    torch.manual_seed(1)
    terms = conditional_vae_loss_fn()(model, model.pack(x, y))
    torch.manual_seed(1)
    out = model(x, y)
    recon = -bernoulli_log_likelihood(x, out.x_logits)
    kl = kl_normal_std_normal(out.mu, out.logvar)
    torch.testing.assert_close(terms["loss"], recon + kl)
    torch.testing.assert_close(terms["kl"], kl)
    history = fit(
        model, model.pack(x, y), conditional_vae_loss_fn(binarize=True), epochs=2, progress=False
    )
    assert len(history.train_loss) == 2


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda m: m.one_hot(torch.tensor([0, 5])), ValueError, "labels 0..3"),
        (lambda m: m.one_hot([0, 1]), TypeError, "y must be a torch.Tensor"),
        (lambda m: m.one_hot(torch.rand(2, 3)), ValueError, "last dimension 4"),
        (lambda m: m.encode(torch.rand(2, 6), torch.tensor([0, 1, 2])), ValueError, "one label"),
        (lambda m: m.encode(torch.rand(2, 5), torch.tensor([0, 1])), ValueError, "x must have"),
        (lambda m: m.decode(torch.rand(3, 2), torch.tensor([0, 1])), ValueError, "one row per"),
        (lambda m: m.split(torch.rand(2, 6)), ValueError, "rows must have last dimension 10"),
        (lambda m: conditional_vae_loss_fn("yes"), TypeError, "binarize"),
    ],
)
def test_conditional_vae_bad_inputs(call, error, words):
    model = ConditionalVAE(6, 4, 2)
    with pytest.raises(error, match=words):
        call(model)


@pytest.mark.parametrize(
    "args, error, words",
    [
        ((0, 3, 2), ValueError, "x_dim"),
        ((6, 1, 2), ValueError, "num_classes"),
        ((6, 3, 2.5), TypeError, "latent_dim"),
    ],
)
def test_conditional_vae_bad_arguments(args, error, words):
    with pytest.raises(error, match=words):
        ConditionalVAE(*args)


def test_conditional_loss_rejects_another_model():
    from aecourse.models import VAE

    with pytest.raises(TypeError, match="ConditionalVAE"):
        conditional_vae_loss_fn()(VAE(4, 2), torch.rand(3, 4))


# --- convolutional VAE ------------------------------------------------------------------


@pytest.mark.parametrize(
    "size, kernel, stride, padding", [(28, 4, 2, 1), (14, 4, 2, 1), (9, 3, 1, 0), (10, 5, 3, 2)]
)
def test_conv_output_size_matches_conv2d(size, kernel, stride, padding):
    layer = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding)
    out = layer(torch.zeros(1, 1, size, size))
    assert out.shape[-1] == conv_output_size(size, kernel, stride, padding)


def test_conv_vae_shapes_and_parameter_count():
    model = ConvVAE(5, (28, 28), channels=(4, 6))
    x = torch.rand(3, 784)
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (3, 5)
    assert model.feature_shape == (6, 7, 7)
    # Conv2d: c_out (c_in k^2 + 1); ConvTranspose2d the same with in/out swapped; Linear
    conv = 4 * (1 * 16 + 1) + 6 * (4 * 16 + 1)
    transposed = 4 * (6 * 16) + 4 + 1 * (4 * 16) + 1
    linear = (6 * 49 + 1) * 10 + (5 + 1) * 6 * 49
    assert count_parameters(model) == conv + transposed + linear
    z = torch.randn(2, 3, 5)  # (S, B, K)
    assert model.decode(z).shape == (2, 3, 784)
    torch.testing.assert_close(model.decode(z)[1], model.decode(z[1]))
    out = model(torch.bernoulli(x))
    assert out.x_logits.shape == (3, 784) and out.x_hat is None
    assert bool(((model.decode_mean(z) > 0) & (model.decode_mean(z) < 1)).all())


def test_conv_vae_is_convolutional():
    """Shifting an image (away from the border) shifts the first layer's feature maps."""
    torch.manual_seed(0)
    model = ConvVAE(2, (16, 16), channels=(3, 3))
    image = torch.zeros(1, 16, 16)
    image[0, 4:7, 4:6] = 1.0
    shifted = torch.roll(image, shifts=(2, 2), dims=(1, 2))
    first = model.encoder[:2]  # Unflatten, Conv2d
    a, b = first(image.reshape(1, -1)), first(shifted.reshape(1, -1))
    torch.testing.assert_close(
        torch.roll(a, shifts=(1, 1), dims=(2, 3))[..., 2:7, 2:7], b[..., 2:7, 2:7]
    )


def test_conv_vae_works_with_fit_and_the_estimators():
    torch.manual_seed(0)
    model = ConvVAE(3, (8, 8), channels=(2, 4))
    x = torch.bernoulli(torch.full((32, 64), 0.3))
    history = fit(model, x, vae_loss_fn(binarize=True), epochs=3, batch_size=8, progress=False)
    assert len(history.train_loss) == 3
    assert math.isfinite(evaluate(model, x, vae_loss_fn())["loss"])
    bound = iwae_bound(model, x[:4], num_samples=5)
    assert bound.shape == (4,) and bool(torch.isfinite(bound).all())


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"latent_dim": 0}, ValueError, "latent_dim"),
        ({"image_shape": (30, 30)}, ValueError, "divisible by 4"),
        ({"image_shape": 28}, TypeError, "image_shape"),
        ({"channels": (8,)}, TypeError, "channels"),
        ({"channels": (8, 0)}, ValueError, "channels"),
    ],
)
def test_conv_vae_bad_arguments(kwargs, error, words):
    arguments = {"latent_dim": 2, **kwargs}
    with pytest.raises(error, match=words):
        ConvVAE(**arguments)


def test_conv_vae_bad_inputs():
    model = ConvVAE(2, (8, 8), channels=(2, 2))
    with pytest.raises(ValueError, match="x must have last dimension 64"):
        model.encode(torch.rand(3, 63))
    with pytest.raises(TypeError, match="x must be a floating-point"):
        model.encode(torch.ones(3, 64, dtype=torch.int64))
    with pytest.raises(ValueError, match="z must have last dimension 2"):
        model.decode(torch.rand(3, 5))


@pytest.mark.parametrize(
    "args, error, words",
    [
        ((3, 5), ValueError, "does not fit"),
        ((0, 3), ValueError, "size"),
        ((8, 3, 0), ValueError, "stride"),
        ((8, 3, 1, -1), ValueError, "padding"),
    ],
)
def test_conv_output_size_bad_arguments(args, error, words):
    with pytest.raises(error, match=words):
        conv_output_size(*args)


# --- the figure of the learned-variance experiment ------------------------------------------


def test_plot_curves_draws_one_line_per_entry():
    import matplotlib

    matplotlib.use("Agg")
    from aecourse.plotting import plot_curves

    fig = plot_curves({"a": [1.0, 2.0, 3.0], "b": [3.0, -1.0]}, ylabel="nats", symlog=True)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"]
    assert list(ax.get_lines()[1].get_xdata()) == [1, 2]
    assert ax.get_yscale() == "symlog"


@pytest.mark.parametrize(
    "curves, error, words",
    [
        ([1.0, 2.0], TypeError, "curves must be a dict"),
        ({}, ValueError, "curves is empty"),
        ({"a": [[1.0, 2.0]]}, ValueError, "curves\\['a'\\]"),
    ],
)
def test_plot_curves_bad_inputs(curves, error, words):
    from aecourse.plotting import plot_curves

    with pytest.raises(error, match=words):
        plot_curves(curves)
