"""Package code of the chapter "Autoencoders at work": the convolutional autoencoder, the
parameter count and the chapter's figures (shapes, agreement with PyTorch, bad inputs)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from sklearn.metrics import roc_curve
from torch import nn

from aecourse.losses import squared_error
from aecourse.models import Autoencoder, ConvAutoencoder, count_parameters
from aecourse.plotting import (
    plot_error_against_code_size,
    plot_roc_curves,
    plot_scores_against_ink,
)
from aecourse.training import evaluate, fit

# --- ConvAutoencoder --------------------------------------------------------------------------


@pytest.mark.parametrize("image_shape", [(28, 28), (8, 12)])
def test_conv_autoencoder_reads_and_returns_flat_images(image_shape):
    torch.manual_seed(0)
    model = ConvAutoencoder(5, image_shape, channels=(3, 4))
    x = torch.rand(6, image_shape[0] * image_shape[1])
    h = model.encode(x)
    assert h.shape == (6, 5)
    x_hat = model.decode(h)
    assert x_hat.shape == x.shape and model(x).shape == x.shape
    assert bool(((x_hat > 0) & (x_hat < 1)).all())  # the sigmoid output
    assert model.data_dim == x.shape[1] and model.code_dim == 5


def test_conv_autoencoder_layers_are_the_documented_convolutions():
    model = ConvAutoencoder(16, (28, 28), channels=(8, 16))
    convs = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    assert [(c.in_channels, c.out_channels) for c in convs] == [(1, 8), (8, 16), (16, 8), (8, 1)]
    assert all(c.kernel_size == (4, 4) and c.stride == (2, 2) for c in convs)
    features = model.encoder[:-1](torch.zeros(2, 784))  # everything before the code layer
    assert features.shape == (2, 16 * 7 * 7)


def test_conv_autoencoder_without_out_activation_is_unbounded_and_trains():
    torch.manual_seed(0)
    model = ConvAutoencoder(4, (8, 8), channels=(2, 3), out_activation=None)
    x = torch.rand(64, 64)

    def loss(m, x):
        return squared_error(m(x), x)

    before = evaluate(model, x, loss)["loss"]
    fit(model, x, loss, epochs=30, batch_size=32, lr=1e-2, progress=False)
    assert evaluate(model, x, loss)["loss"] < 0.5 * before
    assert not isinstance(model.decoder[-1], nn.Sigmoid)


@pytest.mark.parametrize(
    "kwargs, error, fragment",
    [
        ({"code_dim": 0}, ValueError, "code_dim"),
        ({"code_dim": 2.5}, TypeError, "code_dim"),
        ({"code_dim": 4, "image_shape": (28, 30)}, ValueError, "divisible by 4"),
        ({"code_dim": 4, "image_shape": 28}, TypeError, "image_shape"),
        ({"code_dim": 4, "channels": 8}, TypeError, "channels"),
        ({"code_dim": 4, "channels": (8, 16, 32)}, TypeError, "channels"),
        ({"code_dim": 4, "channels": (8, 0)}, ValueError, "channels"),
        ({"code_dim": 4, "out_activation": "softmax"}, ValueError, "activation"),
    ],
)
def test_conv_autoencoder_rejects_bad_arguments(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        ConvAutoencoder(**kwargs)


def test_conv_autoencoder_rejects_bad_inputs():
    model = ConvAutoencoder(4, (8, 8), channels=(2, 2))
    with pytest.raises(ValueError, match="x must have last dimension 64"):
        model.encode(torch.zeros(3, 63))
    with pytest.raises(TypeError, match="x has dtype"):
        model.encode(torch.zeros(3, 64, dtype=torch.float64))
    with pytest.raises(ValueError, match="h must have last dimension 4"):
        model.decode(torch.zeros(3, 5))
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        model(np.zeros((3, 64)))


# --- count_parameters -------------------------------------------------------------------------


def test_count_parameters_matches_the_layer_sizes_and_skips_frozen_ones():
    model = Autoencoder(10, 3, hidden=[4])
    expected = (10 * 4 + 4) + (4 * 3 + 3) + (3 * 4 + 4) + (4 * 10 + 10)
    assert count_parameters(model) == expected
    model.encoder[0].weight.requires_grad_(False)
    assert count_parameters(model) == expected - 40
    conv = nn.Conv2d(3, 5, 4)
    assert count_parameters(conv) == 5 * (3 * 16 + 1)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        count_parameters([torch.zeros(3)])


# --- figures ------------------------------------------------------------------------------------


def test_error_against_code_size_draws_one_line_per_model():
    fig = plot_error_against_code_size([2, 4, 8], {"PCA": [3.0, 2.0, 1.0], "AE": [2.0, 1.5, 0.9]})
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and ax.get_xlabel() and ax.get_ylabel()
    plt.close(fig)
    with pytest.raises(ValueError, match=r"errors\['PCA'\] has 2 entries"):
        plot_error_against_code_size([2, 4, 8], {"PCA": [3.0, 2.0]})
    with pytest.raises(TypeError, match="errors must be a dict"):
        plot_error_against_code_size([2, 4], [3.0, 2.0])
    with pytest.raises(ValueError, match="errors is empty"):
        plot_error_against_code_size([2, 4], {})


def test_roc_curves_draw_sklearn_curves_and_the_diagonal():
    scores = np.r_[
        np.random.default_rng(0).normal(size=50), 1 + np.random.default_rng(1).normal(size=50)
    ]
    fpr, tpr, _ = roc_curve(np.r_[np.zeros(50), np.ones(50)], scores)
    fig = plot_roc_curves({"a": (fpr, tpr), "b": (torch.tensor(fpr), torch.tensor(tpr))})
    ax = fig.axes[0]
    assert len(ax.lines) == 3 and ax.get_xlabel() and ax.get_ylabel()  # two curves and chance
    plt.close(fig)
    with pytest.raises(TypeError, match=r"curves\['a'\] must be a pair"):
        plot_roc_curves({"a": fpr})
    with pytest.raises(ValueError, match="entries"):
        plot_roc_curves({"a": (fpr, tpr[:-1])})


def test_scores_against_ink_marks_extra_points():
    fig = plot_scores_against_ink(torch.rand(30), torch.rand(30), marks={"blank": (0.0, 0.1)})
    ax = fig.axes[0]
    assert len(ax.collections) == 2 and ax.get_xlabel() and ax.get_ylabel()
    plt.close(fig)
    fig = plot_scores_against_ink(torch.rand(30), torch.rand(30))
    assert len(fig.axes[0].collections) == 1
    plt.close(fig)
    with pytest.raises(ValueError, match="scores has 29 entries"):
        plot_scores_against_ink(torch.rand(30), torch.rand(29))
    with pytest.raises(ValueError, match=r"marks\['blank'\] has 3 entries"):
        plot_scores_against_ink(torch.rand(30), torch.rand(30), marks={"blank": (0, 1, 2)})
    with pytest.raises(TypeError, match="marks must be a dict"):
        plot_scores_against_ink(torch.rand(30), torch.rand(30), marks=[(0, 1)])
