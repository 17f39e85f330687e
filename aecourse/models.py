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

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from aecourse._validate import (
    check_float_dtype,
    check_image_shape,
    check_int,
    check_positive_int,
    check_positive_number,
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


class _EncoderDecoder(nn.Module):
    """x -> h = f(x) -> x_hat = g(h) for flattened inputs (B, data_dim): the checked
    ``encode``, ``decode`` and ``forward`` shared by the deterministic autoencoders;
    a subclass builds ``self.encoder``, ``self.decoder``, ``data_dim`` and ``code_dim``."""

    def _dtype(self) -> torch.dtype:
        return next(self.parameters()).dtype

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """h = f(x), shape (B, code_dim)."""
        check_tensor("x", x, ndim=2, last_dim=self.data_dim)
        check_same_dtype("x", x, "the model's parameters", self._dtype())
        return self.encoder(x)

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        """x_hat = g(h), shape (B, data_dim)."""
        check_tensor("h", h, ndim=2, last_dim=self.code_dim)
        check_same_dtype("h", h, "the model's parameters", self._dtype())
        return self.decoder(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x_hat = g(f(x)), shape (B, data_dim)."""
        return self.decode(self.encode(x))


class Autoencoder(_EncoderDecoder):
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


# --- A linear VAE (chapter 4) ---------------------------------------------------------------


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


# --- Better VAEs (chapter 8): a learned decoder variance, a conditional and a conv VAE ---


@dataclass
class GaussianVAEOutput(VAEOutput):
    """A :class:`VAEOutput` whose Gaussian decoder also returns its learned log-variance."""

    x_logvar: torch.Tensor | None = None  # (B, D): log s_d^2 of p(x|z) for each pixel


VARIANCES = ("pixel", "shared")


class LearnedVarianceVAE(VAE):
    """A Gaussian VAE that learns its decoder's variance: p(x|z) = N(x_hat(z), diag(s^2)).

        log p(x|z) = -1/2 sum_d [log 2 pi + log s_d^2 + (x_d - x_hat_d)^2 / s_d^2]

    The mean x_hat(z) is an MLP with a sigmoid output (pixels in [0, 1]); the variance
    does not depend on z:

    - ``variance="pixel"``: one free log s_d^2 per pixel, D parameters;
    - ``variance="shared"``: one log s^2 for every pixel.

    ``min_std`` (optional) floors the standard deviation: s_d = max(s_free_d, min_std),
    which bounds each pixel's term by -1/2 log 2 pi - log min_std. Without a floor, a
    pixel that the mean predicts exactly lets s_d shrink towards 0 and log p(x|z) grow
    without bound; a shared s is pulled towards the root mean squared error of all
    pixels, so it shrinks to 0 only if every pixel is predicted exactly. ``forward``
    returns a :class:`GaussianVAEOutput` whose ``x_logvar`` is (B, D).
    """

    def __init__(
        self,
        data_dim: int,
        latent_dim: int,
        hidden: Sequence[int] = (400,),
        activation: str = "relu",
        variance: str = "pixel",
        min_std: float | None = None,
    ) -> None:
        super().__init__(
            data_dim,
            latent_dim,
            hidden,
            activation,
            likelihood="gaussian",
            out_activation="sigmoid",
        )
        if variance not in VARIANCES:
            raise ValueError(f"variance must be one of {VARIANCES}, got {variance!r}")
        if min_std is not None:
            min_std = check_positive_number("min_std", min_std)
        self.variance, self.min_std = variance, min_std
        width = data_dim if variance == "pixel" else 1
        self.free_logvar = nn.Parameter(torch.zeros(width))  # (D,) or (1,), log s^2 at s = 1

    def decoder_logvar(self) -> torch.Tensor:
        """log s_d^2 of every pixel, shape (D,) (floored at 2 log min_std when set)."""
        logvar = self.free_logvar
        if self.min_std is not None:
            # s_d = max(s_free_d, min_std)  <=>  log s_d^2 = max(log s_free_d^2, 2 log min_std)
            logvar = logvar.clamp(min=2.0 * math.log(self.min_std))
        return logvar.expand(self.data_dim)

    def forward(self, x: torch.Tensor) -> GaussianVAEOutput:
        """Encode, draw one z ~ q(z|x), decode the mean; ``x_logvar`` is (B, D)."""
        out = super().forward(x)
        x_logvar = self.decoder_logvar().expand_as(out.x_hat)  # (B, D)
        return GaussianVAEOutput(**vars(out), x_logvar=x_logvar)


class ConditionalVAE(nn.Module):
    """A conditional VAE (Sohn et al., 2015) with a Bernoulli decoder: both networks see
    the label y as a one-hot vector, q(z|x, y) and p(x|z, y); the prior stays N(0, I).

    With M classes (``num_classes``; the book writes M, since C is chapter 4's
    covariance): encoder [x, onehot(y)] (D + M) -> MLP -> [mu, logvar] (2K); decoder
    [z, onehot(y)] (K + M) -> MLP -> logits (D). ``y`` is given as int64 labels (B,) or
    as rows of M class weights (B, M), e.g. one-hot. The conditional ELBO bounds
    log p(x | y) (see :func:`aecourse.objectives.conditional_vae_loss_fn`).

    For :func:`aecourse.training.fit`, which passes one data tensor, the rows it trains
    on are [x, onehot(y)] (:meth:`pack`), so ``data_dim`` is D + M; ``x_dim`` is D.
    :func:`aecourse.objectives.conditional_vae_loss_fn` splits them again.
    """

    likelihood = "bernoulli"

    def __init__(
        self,
        x_dim: int,
        num_classes: int,
        latent_dim: int,
        hidden: Sequence[int] = (400,),
        activation: str = "relu",
    ) -> None:
        super().__init__()
        x_dim = check_positive_int("x_dim", x_dim)
        num_classes = check_positive_int("num_classes", num_classes)
        latent_dim = check_positive_int("latent_dim", latent_dim)
        if num_classes < 2:
            raise ValueError(
                f"num_classes must be at least 2 (a label to choose), got {num_classes}"
            )
        self.x_dim, self.num_classes, self.latent_dim = x_dim, num_classes, latent_dim
        self.data_dim = x_dim + num_classes  # the width of a packed row [x, onehot(y)]
        hidden = _check_widths("hidden", hidden)
        self.encoder = mlp([x_dim + num_classes, *hidden, 2 * latent_dim], activation)
        self.decoder = mlp([latent_dim + num_classes, *reversed(hidden), x_dim], activation)

    def _dtype(self) -> torch.dtype:
        return self.encoder[0].weight.dtype

    def one_hot(self, y: torch.Tensor) -> torch.Tensor:
        """``y`` as (B, M) rows in the model's dtype: int labels become one-hot rows."""
        if not isinstance(y, torch.Tensor):
            raise TypeError(f"y must be a torch.Tensor of labels, got {type(y).__name__}")
        if not y.is_floating_point():
            check_tensor("y", y, ndim=1, floating=False)
            if bool((y < 0).any()) or bool((y >= self.num_classes).any()):
                raise ValueError(
                    f"y must hold labels 0..{self.num_classes - 1}, got values in "
                    f"[{int(y.min())}, {int(y.max())}]"
                )
            return nn.functional.one_hot(y, self.num_classes).to(self._dtype())  # (B, M)
        check_tensor("y", y, ndim=2, last_dim=self.num_classes)
        check_same_dtype("y", y, "the model's parameters", self._dtype())
        return y

    def pack(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Rows [x, onehot(y)] of width D + M, for ``fit``: shape (B, D + M)."""
        check_tensor("x", x, ndim=2, last_dim=self.x_dim)
        y = self.one_hot(y)
        if len(y) != len(x):
            raise ValueError(f"y has {len(y)} rows but x has {len(x)}: one label per example")
        return torch.cat([x, y.to(x.dtype)], dim=1)

    def split(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Packed rows (B, D + M) -> x (B, D) and the label rows (B, M)."""
        check_tensor("rows", rows, ndim=2, last_dim=self.data_dim)
        return rows[:, : self.x_dim], rows[:, self.x_dim :]

    def encode(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """q(z|x, y): ``mu`` and ``logvar``, each (B, K)."""
        check_tensor("x", x, ndim=2, last_dim=self.x_dim)
        check_same_dtype("x", x, "the model's parameters", self._dtype())
        y = self.one_hot(y)
        if len(y) != len(x):
            raise ValueError(f"y has {len(y)} rows but x has {len(x)}: one label per example")
        mu, logvar = self.encoder(torch.cat([x, y], dim=-1)).chunk(2, dim=-1)  # (B, K) each
        return mu, logvar

    def decode(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Logits of p(x|z, y) for z of shape (..., B, K) and labels of B rows: (..., B, D)."""
        check_tensor("z", z, last_dim=self.latent_dim)
        check_same_dtype("z", z, "the model's parameters", self._dtype())
        y = self.one_hot(y)
        if z.dim() < 2 or z.shape[-2] != len(y):
            raise ValueError(
                f"z must have shape (..., {len(y)}, {self.latent_dim}), one row per label; "
                f"got {tuple(z.shape)}"
            )
        y = y.expand(*z.shape[:-1], self.num_classes)  # (..., B, M)
        return self.decoder(torch.cat([z, y], dim=-1))

    def decode_mean(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The mean of p(x|z, y), sigmoid of the logits: (..., B, D)."""
        return torch.sigmoid(self.decode(z, y))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> VAEOutput:
        """Encode (x, y), draw one z ~ q(z|x, y), decode (z, y)."""
        mu, logvar = self.encode(x, y)
        z = reparameterize(mu, logvar)
        return VAEOutput(z=z, mu=mu, logvar=logvar, x_logits=self.decode(z, y))


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Side of a ``Conv2d`` output for an input of side H = ``size`` (chapter 3's notation):

        H_out = floor((H + 2 padding - kernel) / stride) + 1,

    the number of positions at which the kernel fits along a side of the padded input.
    Raises ``ValueError`` when the kernel does not fit at all.
    """
    size, kernel = check_positive_int("size", size), check_positive_int("kernel", kernel)
    stride, padding = check_positive_int("stride", stride), check_int("padding", padding, 0)
    out = (size + 2 * padding - kernel) // stride + 1
    if out < 1:
        raise ValueError(f"kernel {kernel} does not fit in size {size} with padding {padding}")
    return out


def _conv_layers(image_shape, channels, encoder_out: int, decoder_in: int, example: tuple):
    """The layers that :class:`ConvVAE` and :class:`ConvAutoencoder` share: ``image_shape``
    (H, W) and ``channels`` (c1, c2) checked, an encoder (B, D) -> (B, encoder_out) and a
    decoder (B, decoder_in) -> (B, D) without a final activation; also returns (H, W) and
    the shape (c2, H/4, W/4) of the last convolution's output."""
    height, width = check_image_shape(image_shape)
    if height % 4 or width % 4:
        raise ValueError(
            f"image_shape must be divisible by 4 (two stride-2 layers), got {image_shape}"
        )
    if (
        isinstance(channels, (str, bytes))
        or not isinstance(channels, Sequence)
        or len(channels) != 2
    ):
        raise TypeError(f"channels must be two widths (c1, c2), e.g. {example}, got {channels!r}")
    c1, c2 = (check_positive_int("channels", c) for c in channels)
    feature_shape = (c2, height // 4, width // 4)  # what the last convolution returns
    features = c2 * (height // 4) * (width // 4)
    encoder = nn.Sequential(
        nn.Unflatten(1, (1, height, width)),  # (B, D) -> (B, 1, H, W)
        nn.Conv2d(1, c1, kernel_size=4, stride=2, padding=1),  # (B, c1, H/2, W/2)
        nn.ReLU(),
        nn.Conv2d(c1, c2, kernel_size=4, stride=2, padding=1),  # (B, c2, H/4, W/4)
        nn.ReLU(),
        nn.Flatten(),  # (B, c2 H/4 W/4)
        nn.Linear(features, encoder_out),  # (B, encoder_out)
    )
    decoder = nn.Sequential(
        nn.Linear(decoder_in, features),
        nn.ReLU(),
        nn.Unflatten(1, feature_shape),  # (B, c2, H/4, W/4)
        nn.ConvTranspose2d(c2, c1, kernel_size=4, stride=2, padding=1),  # (B, c1, H/2, W/2)
        nn.ReLU(),
        nn.ConvTranspose2d(c1, 1, kernel_size=4, stride=2, padding=1),  # (B, 1, H, W)
        nn.Flatten(),  # (B, D)
    )
    return (height, width), feature_shape, encoder, decoder


class ConvVAE(nn.Module):
    """A VAE with a convolutional encoder and a transposed-convolutional decoder, with a
    Bernoulli p(x|z), for images of shape (H, W) with H and W divisible by 4: the layers of
    :class:`ConvAutoencoder` (chapter 3), with an encoder that returns mu and logvar.

    Encoder: (B, 1, H, W) -> Conv2d(1, c1, 4, stride 2, padding 1) -> (B, c1, H/2, W/2)
    -> Conv2d(c1, c2, 4, 2, 1) -> (B, c2, H/4, W/4) -> Linear -> [mu, logvar] (2K).
    Decoder: the mirror image, Linear(K, c2 H/4 W/4) -> ConvTranspose2d(c2, c1, 4, 2, 1)
    -> ConvTranspose2d(c1, 1, 4, 2, 1) -> logits (H, W). ReLU between layers.

    It reads and returns flattened images, (B, D) with D = H W, like :class:`VAE`, so
    ``vae_loss_fn``, ``fit`` and the estimators treat the two alike.
    """

    likelihood = "bernoulli"

    def __init__(
        self,
        latent_dim: int,
        image_shape: tuple[int, int] = (28, 28),
        channels: tuple[int, int] = (16, 32),
    ) -> None:
        super().__init__()
        latent_dim = check_positive_int("latent_dim", latent_dim)
        (height, width), self.feature_shape, self.encoder, self.decoder = _conv_layers(
            image_shape, channels, 2 * latent_dim, latent_dim, example=(16, 32)
        )
        self.image_shape, self.latent_dim = (height, width), latent_dim
        self.data_dim = height * width

    def _dtype(self) -> torch.dtype:
        return self.encoder[1].weight.dtype

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The parameters of q(z|x) for flattened images x (B, D): ``mu``, ``logvar``, (B, K)."""
        check_tensor("x", x, ndim=2, last_dim=self.data_dim)
        check_same_dtype("x", x, "the model's parameters", self._dtype())
        mu, logvar = self.encoder(x).chunk(2, dim=-1)  # (B, K), (B, K)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Logits of p(x|z) for z of shape (..., K): flattened images (..., D)."""
        check_tensor("z", z, last_dim=self.latent_dim)
        check_same_dtype("z", z, "the model's parameters", self._dtype())
        leading = z.shape[:-1]
        logits = self.decoder(z.reshape(-1, self.latent_dim))  # (prod(leading), D)
        return logits.reshape(*leading, self.data_dim)

    def decode_mean(self, z: torch.Tensor) -> torch.Tensor:
        """The mean of p(x|z), sigmoid of the logits: (..., D)."""
        return torch.sigmoid(self.decode(z))

    def forward(self, x: torch.Tensor) -> VAEOutput:
        """Encode, draw one z ~ q(z|x) with the reparameterization, decode."""
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar)
        return VAEOutput(z=z, mu=mu, logvar=logvar, x_logits=self.decode(z))


# --- A convolutional autoencoder (chapter 3) -------------------------------------------------


class ConvAutoencoder(_EncoderDecoder):
    """A deterministic convolutional autoencoder for (H, W) images, H and W divisible by 4.

    Encoder: (B, 1, H, W) -> Conv2d(1, c1, 4, stride 2, padding 1) -> (B, c1, H/2, W/2)
    -> Conv2d(c1, c2, 4, 2, 1) -> (B, c2, H/4, W/4) -> Linear -> h (B, K).
    Decoder: the mirror image, Linear(K, c2 H/4 W/4) -> ConvTranspose2d(c2, c1, 4, 2, 1)
    -> ConvTranspose2d(c1, 1, 4, 2, 1) -> x_hat (H, W), ReLU between layers and
    ``out_activation`` (e.g. "sigmoid" for pixels in [0, 1]) at the end.

    Each convolution slides one small kernel over the whole image (weight sharing), so
    its parameter count, c_out (c_in k^2 + 1), does not grow with the image. It reads
    and returns flattened images, (B, D) with D = H W, like :class:`Autoencoder`, so
    ``fit``, ``evaluate`` and ``squared_error`` treat the two alike.
    """

    def __init__(
        self,
        code_dim: int,
        image_shape: tuple[int, int] = (28, 28),
        channels: tuple[int, int] = (8, 16),
        out_activation: str | None = "sigmoid",
    ) -> None:
        super().__init__()
        code_dim = check_positive_int("code_dim", code_dim)
        (height, width), _, self.encoder, decoder = _conv_layers(
            image_shape, channels, code_dim, code_dim, example=(8, 16)
        )
        self.decoder = nn.Sequential(*decoder, make_activation(out_activation))
        self.image_shape, self.code_dim = (height, width), code_dim
        self.data_dim = height * width


def count_parameters(model: nn.Module) -> int:
    """The number of trainable numbers in ``model``: the sum of ``p.numel()`` over its
    parameters that require a gradient."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
