import pytest
import torch
from torch import nn

from aecourse.models import Autoencoder, mlp


def test_autoencoder_shapes():
    model = Autoencoder(10, 3, hidden=[8, 6], activation="tanh", out_activation="sigmoid")
    x = torch.rand(5, 10)
    assert model.encode(x).shape == (5, 3)
    x_hat = model(x)
    assert x_hat.shape == (5, 10)
    assert (x_hat > 0).all() and (x_hat < 1).all()


def test_decoder_mirrors_encoder():
    model = Autoencoder(10, 3, hidden=[8, 6])
    enc = [m.out_features for m in model.encoder if isinstance(m, nn.Linear)]
    dec = [m.out_features for m in model.decoder if isinstance(m, nn.Linear)]
    assert enc == [8, 6, 3] and dec == [6, 8, 10]


def test_linear_autoencoder_is_linear():
    model = Autoencoder(4, 2, activation=None)
    assert all(isinstance(m, nn.Linear) for m in [*model.encoder, *model.decoder])
    x, y = torch.randn(3, 4), torch.randn(3, 4)
    zero = model(torch.zeros(1, 4))
    torch.testing.assert_close(model(x + y) - zero, (model(x) - zero) + (model(y) - zero))


def test_code_activation():
    model = Autoencoder(4, 2, code_activation="sigmoid")
    h = model.encode(torch.randn(50, 4) * 10)
    assert (h >= 0).all() and (h <= 1).all()


def test_mlp_widths():
    net = mlp([4, 7, 2], activation="relu")
    assert [type(m) for m in net] == [nn.Linear, nn.ReLU, nn.Linear]
    with pytest.raises(ValueError, match="widths"):
        mlp([4])
    with pytest.raises(ValueError, match="widths"):
        mlp([4, 0, 2])


def test_bad_inputs():
    model = Autoencoder(4, 2)
    with pytest.raises(ValueError, match="unknown activation"):
        Autoencoder(4, 2, activation="swish2")
    with pytest.raises(ValueError, match="x must have last dimension 4"):
        model(torch.zeros(3, 5))
    with pytest.raises(ValueError, match="x must have 2 dimensions"):
        model(torch.zeros(4))
    with pytest.raises(TypeError, match="x must be a floating-point tensor"):
        model(torch.zeros(3, 4, dtype=torch.long))
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        model([[0.0] * 4])
    with pytest.raises(ValueError, match="code_dim"):
        Autoencoder(4, 0)
