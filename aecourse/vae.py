"""Variational autoencoders (Kingma & Welling, 2014) built from MLPs.

The generative model is p(z) = N(0, I) and p(x|z), a decoder that returns either
Bernoulli logits (``likelihood="bernoulli"``, for pixels in [0, 1]) or the mean
of a Gaussian with a fixed standard deviation ``s`` (``likelihood="gaussian"``).
The encoder returns the mean and the log variance of q(z|x) = N(mu, diag(sigma^2)).

The model computes outputs, never losses: :meth:`VAE.forward` returns a
:class:`VAEOutput`; :mod:`aecourse.losses` scores it (``elbo``, ``iwae_bound``)
and :func:`vae_loss_fn` turns that into a loss for :func:`aecourse.training.fit`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import MaxNLocator
from torch import nn

from aecourse._validate import (
    check_int,
    check_positive_int,
    check_positive_number,
    check_same_dtype,
    check_same_shape,
    check_tensor,
)
from aecourse.losses import elbo
from aecourse.models import mlp

LIKELIHOODS = ("bernoulli", "gaussian")


def reparameterize(
    mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor | None = None
) -> torch.Tensor:
    """A sample z ~ N(mu, diag(sigma^2)) written as a differentiable function of mu and logvar.

        z = mu + sigma * eps,   sigma = exp(logvar / 2),   eps ~ N(0, I)

    ``eps`` defaults to a fresh standard normal draw (``torch.randn_like``).
    ``torch.distributions.Normal(mu, sigma).rsample()`` does the same (and, from
    the same random state, draws the same eps). Shapes: all (..., K); returns (..., K).
    """
    check_tensor("mu", mu)
    check_tensor("logvar", logvar)
    check_same_shape("mu", mu, "logvar", logvar)
    std = torch.exp(0.5 * logvar)
    if eps is None:
        eps = torch.randn_like(std)
    else:
        check_tensor("eps", eps)
        check_same_shape("eps", eps, "mu", mu)
    # z = mu + sigma * eps
    return mu + std * eps


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
    in_dim: data dimension D.
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
        in_dim: int,
        latent_dim: int,
        hidden: Sequence[int] = (400,),
        activation: str = "relu",
        likelihood: str = "bernoulli",
        out_activation: str | None = None,
    ) -> None:
        super().__init__()
        check_positive_int("in_dim", in_dim)
        check_positive_int("latent_dim", latent_dim)
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {LIKELIHOODS}, got {likelihood!r}")
        if likelihood == "bernoulli" and out_activation not in (None, "identity"):
            raise ValueError(
                f"out_activation={out_activation!r}: a Bernoulli decoder returns logits, "
                "so it takes no output activation (use likelihood='gaussian')"
            )
        self.in_dim, self.latent_dim, self.likelihood = in_dim, latent_dim, likelihood
        hidden = list(hidden)
        # one network outputs [mu, logvar] side by side: 2K numbers
        self.encoder = mlp([in_dim, *hidden, 2 * latent_dim], activation)
        self.decoder = mlp([latent_dim, *reversed(hidden), in_dim], activation, out_activation)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The parameters of q(z|x): ``mu`` and ``logvar``, each (B, K)."""
        check_tensor("x", x, ndim=2, last_dim=self.in_dim)
        check_same_dtype("x", x, "the model's parameters", self.encoder[0].weight.dtype)
        mu, logvar = self.encoder(x).chunk(2, dim=-1)  # (B, K), (B, K)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The decoder's output for z of shape (..., K): logits or x_hat, (..., D)."""
        check_tensor("z", z, last_dim=self.latent_dim, finite=False)
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


def vae_loss_fn(beta: float = 1.0, s: float | None = None):
    """A ``loss_fn(model, x)`` for :func:`aecourse.training.fit`: minus the (beta-)ELBO.

    Returns per-example terms, each (B,), in nats:

    - ``"loss"``:  -log p(x|z) + beta * KL   (= -ELBO when beta = 1)
    - ``"recon"``: -log p(x|z), the reconstruction term of the loss
    - ``"kl"``:    KL(q(z|x) || p(z))

    so ``fit`` tracks reconstruction and KL per epoch; the ELBO is -(recon + kl).
    ``s`` is the standard deviation of a Gaussian decoder (``None`` for Bernoulli).
    """
    beta = check_positive_number("beta", beta, allow_zero=True)
    if s is not None:
        s = check_positive_number("s", s)

    def loss_fn(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
        terms = elbo(x, model(x), s=s)
        recon = -terms.recon
        # loss = -log p(x|z) + beta * KL(q(z|x) || p(z))
        return {"loss": recon + beta * terms.kl, "recon": recon, "kl": terms.kl}

    return loss_fn


# --- Inspecting the latent space ------------------------------------------------------


def _check_dims(dims, latent_dim: int) -> list[int]:
    """``dims`` is a non-empty sequence of latent coordinates 0..latent_dim-1."""
    if isinstance(dims, (str, bytes)) or not isinstance(dims, (Sequence, range)):
        raise TypeError(f"dims must be a list of latent coordinates, got {type(dims).__name__}")
    dims = [check_int("dims", d, minimum=0) for d in dims]
    if not dims:
        raise ValueError("dims is empty: pass at least one latent coordinate")
    if max(dims) >= latent_dim:
        raise ValueError(f"dims must be < latent_dim = {latent_dim}, got {max(dims)}")
    return dims


def _check_vae(model) -> None:
    if not isinstance(model, VAE):
        raise TypeError(
            f"model must be an aecourse.vae.VAE (with encode, decode and latent_dim), got "
            f"{type(model).__name__}"
        )


@torch.no_grad()
def kl_per_dim(model: VAE, x: torch.Tensor) -> torch.Tensor:
    """KL(q(z_k|x) || N(0, 1)) of each latent dimension k, averaged over ``x``: (K,)."""
    _check_vae(model)
    mu, logvar = model.encode(x)
    # KL_k = 1/2 (mu_k^2 + sigma_k^2 - 1 - log sigma_k^2)
    return (0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)).mean(dim=0)


@torch.no_grad()
def posterior_mean_variance(model: VAE, x: torch.Tensor) -> torch.Tensor:
    """Cov_x(E_q[z_k]): how much the posterior mean of each dimension varies over ``x``: (K,).

    A variance over examples: ``x`` needs at least 2 rows.
    """
    _check_vae(model)
    check_tensor("x", x, ndim=2)
    if x.shape[0] < 2:
        raise ValueError(
            f"x must hold at least 2 examples to measure how the posterior mean varies "
            f"over them, got shape {tuple(x.shape)}"
        )
    mu, _ = model.encode(x)
    return mu.var(dim=0)


def count_active_units(model: VAE, x: torch.Tensor, threshold: float = 0.01) -> int:
    """The number of active units (Burda et al., 2016): dimensions with Cov_x(E_q[z_k]) > threshold."""
    threshold = check_positive_number("threshold", threshold)
    return int((posterior_mean_variance(model, x) > threshold).sum())


def latent_grid(n: int) -> torch.Tensor:
    """An n x n grid of 2-D codes at equally spaced quantiles of N(0, 1): (n*n, 2).

    The coordinates are Phi^{-1}((i + 0.5) / n), i = 0..n-1 (Phi^{-1} is the normal
    inverse CDF), so each cell covers the same prior probability. Rows go from
    high z_2 (top) to low z_2 (bottom), as an image is drawn.
    """
    check_positive_int("n", n)
    quantiles = (torch.arange(n, dtype=torch.float32) + 0.5) / n
    values = torch.distributions.Normal(0.0, 1.0).icdf(quantiles)  # (n,)
    z2, z1 = torch.meshgrid(values.flip(0), values, indexing="ij")  # (n, n) each
    return torch.stack([z1.reshape(-1), z2.reshape(-1)], dim=1)  # (n*n, 2)


def interpolate(z0: torch.Tensor, z1: torch.Tensor, num_steps: int) -> torch.Tensor:
    """Points on the straight line from z0 to z1: z(t) = (1 - t) z0 + t z1, t in [0, 1].

    Shapes: ``z0`` and ``z1`` are (K,); returns (num_steps, K), first z0, last z1,
    so ``num_steps`` is at least 2.
    """
    check_tensor("z0", z0, ndim=1)
    check_tensor("z1", z1, ndim=1)
    check_same_shape("z0", z0, "z1", z1)
    num_steps = check_int("num_steps", num_steps, minimum=2)
    t = torch.linspace(0.0, 1.0, num_steps, dtype=z0.dtype, device=z0.device)[:, None]
    # z(t) = (1 - t) z0 + t z1
    return (1.0 - t) * z0 + t * z1


# --- Figures -------------------------------------------------------------------------


def _mosaic(images: np.ndarray, n_rows: int, n_cols: int, image_shape) -> np.ndarray:
    h, w = image_shape
    grid = images.reshape(n_rows, n_cols, h, w).transpose(0, 2, 1, 3)
    return grid.reshape(n_rows * h, n_cols * w)


@torch.no_grad()
def plot_latent_manifold(
    model: VAE, image_shape: tuple[int, int], n: int = 15, title: str | None = None
):
    """Decode an n x n grid of 2-D codes placed at quantiles of N(0, 1) (:func:`latent_grid`)."""
    _check_vae(model)
    if model.latent_dim != 2:
        raise ValueError(
            f"the manifold plot needs a model with latent_dim 2, got {model.latent_dim}"
        )
    device = next(model.parameters()).device
    z = latent_grid(n).to(device)
    images = model.decode_mean(z).cpu().numpy()  # (n*n, D)
    values = latent_grid(n)[:n, 0].numpy()
    h, w = image_shape
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.imshow(_mosaic(images, n, n, image_shape), cmap="gray", vmin=0.0, vmax=1.0)
    ticks = np.arange(0, n, 2)
    ax.set_xticks(ticks * w + w / 2, [f"{v:.1f}" for v in values[ticks]])
    ax.set_yticks(ticks * h + h / 2, [f"{v:.1f}" for v in values[::-1][ticks]])
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


@torch.no_grad()
def plot_latent_traversal(
    model: VAE,
    image_shape: tuple[int, int],
    dims: Sequence[int],
    values: Sequence[float] = (-2.0, -1.0, 0.0, 1.0, 2.0),
    z0: torch.Tensor | None = None,
    title: str | None = None,
):
    """Change one latent coordinate at a time, keep the others at ``z0`` (default 0).

    One row per dimension in ``dims``, one column per value; each image is the
    mean of p(x|z). A static stand-in for :func:`latent_explorer`.
    """
    _check_vae(model)
    dims = _check_dims(dims, model.latent_dim)
    device = next(model.parameters()).device
    if z0 is None:
        z0 = torch.zeros(model.latent_dim)
    check_tensor("z0", z0, ndim=1, last_dim=model.latent_dim)
    values = torch.as_tensor(list(values), dtype=torch.float32)
    rows = []
    for d in dims:
        z = z0.detach().cpu().float().repeat(len(values), 1)  # (V, K)
        z[:, d] = values
        rows.append(model.decode_mean(z.to(device)).cpu().numpy())
    h, w = image_shape
    fig, ax = plt.subplots(figsize=(1.0 * len(values) + 1, 1.0 * len(dims) + 0.8))
    ax.imshow(
        _mosaic(np.concatenate(rows), len(dims), len(values), image_shape),
        cmap="gray",
        vmin=0,
        vmax=1,
    )
    ax.set_xticks(np.arange(len(values)) * w + w / 2, [f"{v:.1f}" for v in values.tolist()])
    ax.set_yticks(np.arange(len(dims)) * h + h / 2, [f"$z_{{{d + 1}}}$" for d in dims])
    ax.set_xlabel("value of the changed coordinate")
    ax.set_ylabel("changed coordinate")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_kl_per_dim(
    kl_by_model: Mapping[str, Sequence[float]],
    title: str | None = None,
    threshold: float | None = None,
    xlabel: str = "latent dimension $k$",
):
    """Bars of the average KL of each latent dimension, one group of bars per model."""
    fig, ax = plt.subplots(figsize=(7, 3.2))
    width = 0.8 / max(1, len(kl_by_model))
    for i, (name, kl) in enumerate(kl_by_model.items()):
        kl = np.asarray(torch.as_tensor(kl).detach().cpu())
        ax.bar(
            np.arange(1, len(kl) + 1) + (i - (len(kl_by_model) - 1) / 2) * width,
            kl,
            width,
            label=name,
        )
    if threshold is not None:
        ax.axhline(threshold, color="gray", linestyle=":", label=f"{threshold:g} nats")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("KL per dimension (nats)")
    if title:
        ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_bounds(
    ks: Sequence[int],
    means: Sequence[float],
    errors: Sequence[float],
    reference: Mapping[str, float] | None = None,
    title: str | None = None,
):
    """Average bound L_k against k (log scale), with error bars; ``reference`` adds lines."""
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.errorbar(list(ks), list(means), yerr=list(errors), marker="o", capsize=3, label="$L_k$")
    for (name, value), style in zip((reference or {}).items(), (":", "--", "-.")):
        ax.axhline(value, linestyle=style, color="gray", label=name)
    ax.set_xscale("log")
    ax.set_xlabel("number of importance samples $k$")
    ax.set_ylabel("average bound (nats)")
    if title:
        ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


# --- Latent explorer (ipywidgets) ----------------------------------------------------


def _png(image: np.ndarray, zoom: int = 5) -> bytes:
    image = np.kron(np.clip(image, 0.0, 1.0), np.ones((zoom, zoom)))  # nearest-neighbour zoom
    buffer = io.BytesIO()
    plt.imsave(buffer, image, cmap="gray", vmin=0.0, vmax=1.0, format="png")
    return buffer.getvalue()


def latent_explorer(
    model: VAE,
    image_shape: tuple[int, int],
    dims: Sequence[int] | None = None,
    limit: float = 3.0,
    z0: torch.Tensor | None = None,
):
    """Sliders for latent coordinates and the decoded image, updated live (Jupyter).

    ``dims`` chooses which coordinates get a slider (default: all of them, at
    most 10); the others stay at ``z0`` (default 0). Returns an ipywidgets box.
    """
    import ipywidgets as widgets

    _check_vae(model)
    check_positive_number("limit", limit)
    device = next(model.parameters()).device
    if dims is None:
        dims = range(min(model.latent_dim, 10))
    dims = _check_dims(dims, model.latent_dim)
    z = torch.zeros(model.latent_dim) if z0 is None else z0.detach().cpu().float().clone()
    check_tensor("z0", z, ndim=1, last_dim=model.latent_dim)
    sliders = [
        widgets.FloatSlider(
            value=float(z[d]), min=-limit, max=limit, step=0.05, description=f"z{d + 1}"
        )
        for d in dims
    ]
    image = widgets.Image(format="png", width=image_shape[1] * 5, height=image_shape[0] * 5)

    @torch.no_grad()
    def update(_change=None):
        for d, slider in zip(dims, sliders):
            z[d] = slider.value
        x_mean = model.decode_mean(z[None].to(device))[0].cpu().numpy()  # (D,)
        image.value = _png(x_mean.reshape(image_shape))

    for slider in sliders:
        slider.observe(update, names="value")
    update()
    return widgets.HBox([widgets.VBox(sliders), image])
