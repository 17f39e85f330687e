"""The book's models: they compute outputs, never losses.

- :func:`mlp`, the building block;
- :class:`Autoencoder`: an encoder f that maps x to a code h = f(x) and a decoder g
  that maps it back, x_hat = g(h), both MLPs;
- :class:`TiedAutoencoder`: one sigmoid layer whose decoder reuses the encoder's
  weights (the contractive autoencoder's original shape);
- :class:`VAE`: an encoder that returns q(z|x) = N(mu, diag(sigma^2)) and a decoder
  that returns the parameters of p(x|z), one :class:`VAEOutput` per forward pass;
  :class:`VAEConfig` holds the settings of the chapter "Training a VAE";
- :class:`LinearVAE`: a linear encoder in front of the exact linear-Gaussian model of
  :mod:`aecourse.lvm`.

:mod:`aecourse.losses` scores the outputs and :mod:`aecourse.objectives` turns the
scores into losses for :func:`aecourse.training.fit`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from aecourse._validate import (
    check_float_dtype,
    check_positive_int,
    check_same_dtype,
    check_tensor,
)
from aecourse.gaussian import reparameterize
from aecourse.lvm import LinearGaussianLVM

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
    if not isinstance(name, str):
        raise TypeError(
            f"activation must be a name such as 'relu' or None, got {type(name).__name__}"
        )
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]()


def _check_widths(name: str, widths) -> list[int]:
    """A list of layer widths, each an int >= 1."""
    if isinstance(widths, (str, bytes)) or not isinstance(widths, (Sequence, range)):
        raise TypeError(f"{name} must be a list of layer widths, e.g. (256,), got {widths!r}")
    return [check_positive_int(name, w) for w in widths]


def mlp(
    widths: Sequence[int], activation: str | None = "relu", out_activation: str | None = None
) -> nn.Sequential:
    """Linear layers of the given widths, ``activation`` between them and
    ``out_activation`` after the last one.

    ``mlp([784, 256, 2])`` is Linear(784, 256), ReLU, Linear(256, 2).
    """
    widths = _check_widths("widths", widths)
    if len(widths) < 2:
        raise ValueError(f"widths needs at least an input and an output width, got {widths}")
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
    data_dim: input dimension D.
    code_dim: bottleneck width |h|.
    hidden: widths of the encoder's hidden layers; the decoder mirrors them.
    activation: non-linearity between layers (``None``/"identity" gives a linear
        autoencoder).
    code_activation: applied to the code (e.g. "sigmoid" for a sparse autoencoder).
    out_activation: applied to the output (e.g. "sigmoid" for pixels in [0, 1]).
    """

    def __init__(
        self,
        data_dim: int,
        code_dim: int,
        hidden: Sequence[int] = (),
        activation: str | None = "relu",
        code_activation: str | None = None,
        out_activation: str | None = None,
    ) -> None:
        super().__init__()
        data_dim = check_positive_int("data_dim", data_dim)
        code_dim = check_positive_int("code_dim", code_dim)
        self.data_dim, self.code_dim = data_dim, code_dim
        hidden = _check_widths("hidden", hidden)
        self.encoder = mlp([data_dim, *hidden, code_dim], activation, code_activation)
        self.decoder = mlp([code_dim, *reversed(hidden), data_dim], activation, out_activation)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """h = f(x), shape (B, code_dim)."""
        check_tensor("x", x, ndim=2, last_dim=self.data_dim)
        check_same_dtype("x", x, "the model's parameters", self.encoder[0].weight.dtype)
        return self.encoder(x)

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        """x_hat = g(h), shape (B, data_dim)."""
        check_tensor("h", h, ndim=2, last_dim=self.code_dim)
        check_same_dtype("h", h, "the model's parameters", self.decoder[0].weight.dtype)
        return self.decoder(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x_hat = g(f(x)), shape (B, data_dim)."""
        return self.decode(self.encode(x))


# --- A tied autoencoder (chapter 2) ------------------------------------------------------


class TiedAutoencoder(nn.Module):
    """One sigmoid layer with a tied linear decoder (the original CAE's shape).

    h = f(x) = s(W x + b), x_hat = g(h) = W^T h + c (then ``out_activation``).
    Because the decoder reuses W, the encoder cannot shrink W without also
    shrinking what the decoder can output.
    """

    def __init__(self, data_dim: int, code_dim: int, out_activation: str | None = None) -> None:
        super().__init__()
        data_dim = check_positive_int("data_dim", data_dim)
        code_dim = check_positive_int("code_dim", code_dim)
        self.data_dim, self.code_dim = data_dim, code_dim
        layer = nn.Linear(data_dim, code_dim)  # PyTorch's default initialisation of W and b
        self.weight = nn.Parameter(layer.weight.detach().clone())  # W, (H, D)
        self.bias = nn.Parameter(layer.bias.detach().clone())  # b, (H,)
        self.out_bias = nn.Parameter(torch.zeros(data_dim))  # c, (D,)
        if out_activation not in (None, "identity", "sigmoid"):
            raise ValueError(f"out_activation must be None or 'sigmoid', got {out_activation!r}")
        self.out_activation = out_activation

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """h = s(W x + b), shape (B, code_dim)."""
        check_tensor("x", x, ndim=2, last_dim=self.data_dim)
        check_same_dtype("x", x, "the model's parameters", self.weight.dtype)
        return torch.sigmoid(x @ self.weight.T + self.bias)

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        """x_hat = W^T h + c, shape (B, data_dim)."""
        check_tensor("h", h, ndim=2, last_dim=self.code_dim)
        check_same_dtype("h", h, "the model's parameters", self.weight.dtype)
        out = h @ self.weight + self.out_bias
        return torch.sigmoid(out) if self.out_activation == "sigmoid" else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x_hat = g(f(x)), shape (B, data_dim)."""
        return self.decode(self.encode(x))


def sigmoid_encoder_weight(model: nn.Module) -> torch.Tensor:
    """W of a model whose encoder is one sigmoid layer, shape (H, D).

    Accepts a :class:`TiedAutoencoder` or an :class:`aecourse.models.Autoencoder`
    built with ``hidden=()`` and ``code_activation="sigmoid"``; anything else
    raises ValueError (the closed form would not apply).
    """
    if isinstance(model, TiedAutoencoder):
        return model.weight
    encoder = getattr(model, "encoder", None)
    if (
        isinstance(encoder, nn.Sequential)
        and len(encoder) == 2
        and isinstance(encoder[0], nn.Linear)
        and isinstance(encoder[1], nn.Sigmoid)
    ):
        return encoder[0].weight
    raise ValueError(
        "model's encoder is not a single sigmoid layer (Linear then Sigmoid), so the "
        "closed-form Jacobian does not apply; use jacobian_frobenius_sq"
    )


# --- Variational autoencoders (Kingma & Welling, 2014) ------------------------------------


LIKELIHOODS = ("bernoulli", "gaussian")


@dataclass
class VAEOutput:
    """What one forward pass returns: q(z|x), the sample z, and the decoder's output.

    Exactly one of ``x_logits`` (Bernoulli decoder) and ``x_hat`` (Gaussian
    decoder) is set.
    """

    z: torch.Tensor  # (B, K) one sample z ~ q(z|x)
    mu: torch.Tensor  # (B, K) mean of q(z|x)
    logvar: torch.Tensor  # (B, K) log sigma^2 of q(z|x)
    x_logits: torch.Tensor | None = None  # (B, D) logits of a Bernoulli p(x|z)
    x_hat: torch.Tensor | None = None  # (B, D) mean of a Gaussian p(x|z)

    @property
    def x_mean(self) -> torch.Tensor:
        """The mean of p(x|z): sigmoid(x_logits) or x_hat, shape (B, D)."""
        return torch.sigmoid(self.x_logits) if self.x_logits is not None else self.x_hat


class VAE(nn.Module):
    """An MLP variational autoencoder.

    Parameters
    ----------
    data_dim: data dimension D.
    latent_dim: dimension K of z.
    hidden: widths of the encoder's hidden layers; the decoder mirrors them.
    activation: non-linearity between layers.
    likelihood: "bernoulli" (the decoder returns logits) or "gaussian" (the
        decoder returns the mean x_hat; its fixed standard deviation ``s`` is
        given to the loss).
    out_activation: applied to a Gaussian decoder's mean, e.g. "sigmoid" for
        pixels in [0, 1]; a Bernoulli decoder returns raw logits.
    """

    def __init__(
        self,
        data_dim: int,
        latent_dim: int,
        hidden: Sequence[int] = (400,),
        activation: str = "relu",
        likelihood: str = "bernoulli",
        out_activation: str | None = None,
    ) -> None:
        super().__init__()
        data_dim = check_positive_int("data_dim", data_dim)
        latent_dim = check_positive_int("latent_dim", latent_dim)
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {LIKELIHOODS}, got {likelihood!r}")
        if likelihood == "bernoulli" and out_activation not in (None, "identity"):
            raise ValueError(
                f"out_activation={out_activation!r}: a Bernoulli decoder returns logits, "
                "so it takes no output activation (use likelihood='gaussian')"
            )
        self.data_dim, self.latent_dim, self.likelihood = data_dim, latent_dim, likelihood
        hidden = _check_widths("hidden", hidden)
        # one network outputs [mu, logvar] side by side: 2K numbers
        self.encoder = mlp([data_dim, *hidden, 2 * latent_dim], activation)
        self.decoder = mlp([latent_dim, *reversed(hidden), data_dim], activation, out_activation)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The parameters of q(z|x): ``mu`` and ``logvar``, each (B, K)."""
        check_tensor("x", x, ndim=2, last_dim=self.data_dim)
        check_same_dtype("x", x, "the model's parameters", self.encoder[0].weight.dtype)
        mu, logvar = self.encoder(x).chunk(2, dim=-1)  # (B, K), (B, K)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The decoder's output for z of shape (..., K): logits or x_hat, (..., D)."""
        check_tensor("z", z, last_dim=self.latent_dim)
        check_same_dtype("z", z, "the model's parameters", self.decoder[0].weight.dtype)
        return self.decoder(z)

    def decode_mean(self, z: torch.Tensor) -> torch.Tensor:
        """The mean of p(x|z), shape (..., D): sigmoid(logits) or x_hat."""
        out = self.decode(z)
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out

    def forward(self, x: torch.Tensor) -> VAEOutput:
        """Encode, draw one z ~ q(z|x) with the reparameterization, decode."""
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar)
        decoded = self.decode(z)
        if self.likelihood == "bernoulli":
            return VAEOutput(z=z, mu=mu, logvar=logvar, x_logits=decoded)
        return VAEOutput(z=z, mu=mu, logvar=logvar, x_hat=decoded)


def check_vae(model) -> None:
    if not isinstance(model, VAE):
        raise TypeError(
            f"model must be an aecourse.models.VAE (with encode, decode and latent_dim), got "
            f"{type(model).__name__}"
        )


@dataclass
class VAEConfig:
    """The settings of the chapter "Training a VAE" (its reference result is in the tests).

    Chosen so that a CPU thread trains the model on the 4,000 training digits of
    ``load_dataset("mnist-small")`` in a few seconds; a GPU can afford more epochs.
    """

    latent_dim: int = 20  # K, the size of z
    hidden: tuple[int, ...] = (256,)  # encoder widths; the decoder mirrors them
    epochs: int = 12  # passes over the training data
    batch_size: int = 128  # examples per gradient step
    lr: float = 5e-3  # Adam's step size
    seed: int = 0  # seeds the weights (via set_seed), the batch order and eps


# --- A linear VAE (chapter 3) ---------------------------------------------------------------


class LinearVAE(nn.Module):
    """A linear 'VAE': encoder q(z|x) = N(A x + c, diag(exp(logvar))), decoder a PPCA model.

    The encoder's mean is linear in x and its variance does not depend on x, as for
    the exact PPCA posterior (whose covariance, however, need not be diagonal).
    """

    def __init__(self, data_dim: int, latent_dim: int, s: float = 1.0, dtype=torch.float64):
        super().__init__()
        data_dim = check_positive_int("data_dim", data_dim)
        latent_dim = check_positive_int("latent_dim", latent_dim)
        dtype = check_float_dtype("dtype", dtype)
        self.encoder = nn.Linear(data_dim, latent_dim, dtype=dtype)  # x -> mu
        self.logvar = nn.Parameter(torch.zeros(latent_dim, dtype=dtype))  # (K,)
        W = 0.1 * torch.randn(data_dim, latent_dim, dtype=dtype)
        self.decoder = LinearGaussianLVM(W, torch.zeros(data_dim, dtype=dtype), s)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """q(z|x): returns (mu, logvar), each (B, K)."""
        check_tensor("x", x, ndim=2, last_dim=self.decoder.data_dim)
        if x.dtype != self.logvar.dtype:
            raise TypeError(f"x has dtype {x.dtype} but the model is {self.logvar.dtype}")
        mu = self.encoder(x)
        return mu, self.logvar.expand_as(mu)
