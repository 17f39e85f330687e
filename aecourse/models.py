"""Multilayer-perceptron autoencoders.

An autoencoder is an encoder ``f`` that maps x to a code h = f(x) and a decoder
``g`` that maps the code back, x_hat = g(h).  Both are MLPs here.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from aecourse._validate import check_positive_int, check_same_dtype, check_tensor

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "softplus": nn.Softplus,
    "leaky_relu": nn.LeakyReLU,
    "identity": nn.Identity,
}


def make_activation(name: str | None) -> nn.Module:
    """An activation module from its name (``None`` means identity)."""
    if name is None:
        return nn.Identity()
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]()


def mlp(
    widths: Sequence[int], activation: str | None = "relu", out_activation: str | None = None
) -> nn.Sequential:
    """Linear layers of the given widths, ``activation`` between them and
    ``out_activation`` after the last one.

    ``mlp([784, 256, 2])`` is Linear(784, 256), ReLU, Linear(256, 2).
    """
    widths = list(widths)
    if len(widths) < 2:
        raise ValueError(f"widths needs at least an input and an output width, got {widths}")
    for w in widths:
        check_positive_int("widths", w)
    make_activation(activation)  # reject an unknown name even when no layer uses it
    make_activation(out_activation)
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(n_in, n_out))
        last = i == len(widths) - 2
        act = out_activation if last else activation
        if act is not None and act != "identity":
            layers.append(make_activation(act))
    return nn.Sequential(*layers)


class Autoencoder(nn.Module):
    """An MLP autoencoder: x -> h = f(x) -> x_hat = g(h).

    Parameters
    ----------
    in_dim: input dimension D.
    code_dim: bottleneck width |h|.
    hidden: widths of the encoder's hidden layers; the decoder mirrors them.
    activation: non-linearity between layers (``None``/"identity" gives a linear
        autoencoder).
    code_activation: applied to the code (e.g. "sigmoid" for a sparse autoencoder).
    out_activation: applied to the output (e.g. "sigmoid" for pixels in [0, 1]).
    """

    def __init__(
        self,
        in_dim: int,
        code_dim: int,
        hidden: Sequence[int] = (),
        activation: str | None = "relu",
        code_activation: str | None = None,
        out_activation: str | None = None,
    ) -> None:
        super().__init__()
        check_positive_int("in_dim", in_dim)
        check_positive_int("code_dim", code_dim)
        self.in_dim, self.code_dim = in_dim, code_dim
        hidden = list(hidden)
        self.encoder = mlp([in_dim, *hidden, code_dim], activation, code_activation)
        self.decoder = mlp([code_dim, *reversed(hidden), in_dim], activation, out_activation)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """h = f(x), shape (B, code_dim)."""
        check_tensor("x", x, ndim=2, last_dim=self.in_dim, finite=False)
        check_same_dtype("x", x, "the model's parameters", self.encoder[0].weight.dtype)
        return self.encoder(x)

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        """x_hat = g(h), shape (B, in_dim)."""
        check_tensor("h", h, ndim=2, last_dim=self.code_dim, finite=False)
        check_same_dtype("h", h, "the model's parameters", self.decoder[0].weight.dtype)
        return self.decoder(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x_hat = g(f(x)), shape (B, in_dim)."""
        return self.decode(self.encode(x))
