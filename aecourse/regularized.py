"""Regularized autoencoders: sparse, denoising and contractive.

Three ways to stop an autoencoder from learning a useless copy of its input,
each a term added to (or a change of) the reconstruction loss D(x, g(f(x))):

- sparse (Ng, CS294A notes): a sigmoid code h = f(x), the mean activation
  ``rho_hat_j`` of each unit, and the penalty lam * sum_j KL(rho || rho_hat_j)
  between two Bernoulli distributions;
- denoising (Vincent et al., 2010): reconstruct x from a corrupted copy
  x_tilde (Gaussian noise x_tilde ~ N(x, sigma^2 I), or masking noise);
- contractive (Rifai et al., 2011): the penalty lam * ||J_f(x)||_F^2, the
  squared Frobenius norm of the encoder's Jacobian, with autograd in general
  and in closed form for one sigmoid layer.

Loss functions follow the book's convention (one value per example, shape (B,));
the ``*_loss`` factories build ``loss_fn(model, x)`` callables for
:func:`aecourse.training.fit`.  A penalty that is one number per mini-batch (the
sparsity penalty) is broadcast to every example, so that the batch mean that
``fit`` minimises is reconstruction mean + penalty.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn
from torch.func import jacfwd, jacrev, vmap

from aecourse._validate import (
    check_positive_int,
    check_positive_number,
    check_same_dtype,
    check_same_shape,
    check_tensor,
    value_scans_enabled,
)
from aecourse.data import Dataset
from aecourse.losses import squared_error

#: Where a float32 sigmoid can round to exactly 0 or 1, mean activations are
#: clamped into [RHO_HAT_CLAMP, 1 - RHO_HAT_CLAMP] before the KL is taken.
RHO_HAT_CLAMP = 1e-6


# --- Sparse autoencoders ---------------------------------------------------------------


def _check_open_unit(name: str, value) -> torch.Tensor:
    """A float tensor (or number) whose entries all lie strictly inside (0, 1)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number or a tensor, got bool")
    if isinstance(value, (int, float)):
        value = torch.tensor(float(value))
    check_tensor(name, value)
    # value scans are off inside fit/evaluate (no device sync per training step)
    if value_scans_enabled() and not bool(((value > 0) & (value < 1)).all()):
        bad = value[(value <= 0) | (value >= 1)].flatten()[0].item()
        raise ValueError(
            f"{name} must lie strictly between 0 and 1 (a Bernoulli mean; use a sigmoid "
            f"code layer), got {bad:.6g}"
        )
    return value


def kl_bernoulli(rho, rho_hat) -> torch.Tensor:
    """KL(Bernoulli(rho) || Bernoulli(rho_hat)), element by element.

    KL(rho || rho_hat) = rho log(rho / rho_hat) + (1 - rho) log((1 - rho) / (1 - rho_hat))

    ``rho`` (a number or tensor) and ``rho_hat`` (a tensor) must lie in (0, 1) and
    broadcast together; returns their broadcast shape. Same value as
    ``torch.distributions.kl_divergence(Bernoulli(rho), Bernoulli(rho_hat))``
    (tested), written out so that the formula is visible.
    """
    rho = _check_open_unit("rho", rho)
    rho_hat = _check_open_unit("rho_hat", rho_hat)
    rho = rho.to(rho_hat)
    # rho log(rho / rho_hat) + (1 - rho) log((1 - rho) / (1 - rho_hat))
    return rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))


def mean_activation(h: torch.Tensor) -> torch.Tensor:
    """rho_hat_j = (1/B) sum_i h_j(x_i): each code unit's mean over the batch, shape (H,).

    ``h`` is (B, H). Over the whole training set this is the source's definition;
    during training it is estimated on each mini-batch.
    """
    check_tensor("h", h, ndim=2)
    return h.mean(dim=0)


def sparsity_penalty(h: torch.Tensor, rho: float) -> torch.Tensor:
    """sum_j KL(rho || rho_hat_j), with rho_hat the mean activation of the batch ``h``.

    ``h`` is (B, H) with entries in [0, 1] (a sigmoid code); returns a scalar (one
    number for the whole batch). A float32 sigmoid can round to exactly 0 or 1, so
    rho_hat is clamped to [1e-6, 1 - 1e-6] (``RHO_HAT_CLAMP``).
    """
    check_tensor("h", h, ndim=2)
    if value_scans_enabled() and not bool(((h >= 0) & (h <= 1)).all()):
        raise ValueError(
            "h must hold activations in [0, 1] (a sigmoid code layer); got values in "
            f"[{h.min().item():.4g}, {h.max().item():.4g}]"
        )
    rho_hat = mean_activation(h).clamp(RHO_HAT_CLAMP, 1 - RHO_HAT_CLAMP)  # (H,)
    return kl_bernoulli(rho, rho_hat).sum()


def sparse_loss(rho: float, lam: float) -> Callable:
    """A ``loss_fn(model, x)`` for a sparse autoencoder (``model`` has encode/decode).

    loss_i = ||x_i - g(f(x_i))||^2 + lam * sum_j KL(rho || rho_hat_j), with rho_hat
    from the mini-batch; returns the dict {"loss", "recon", "kl"} of (B,) terms (the
    batch's KL is repeated for every example, so the mean is right).
    """
    _check_open_unit("rho", rho)
    lam = check_positive_number("lam", lam, allow_zero=True)

    def loss_fn(model: nn.Module, x: torch.Tensor) -> Mapping[str, torch.Tensor]:
        h = model.encode(x)  # (B, H)
        recon = squared_error(model.decode(h), x)  # (B,)
        kl = sparsity_penalty(h, rho).expand_as(recon)  # one number per batch -> (B,)
        return {"loss": recon + lam * kl, "recon": recon, "kl": kl}

    return loss_fn


# --- Denoising autoencoders ------------------------------------------------------------


def gaussian_noise(
    x: torch.Tensor, sigma: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """x_tilde = x + sigma * eps with eps ~ N(0, I): a sample of N(x, sigma^2 I), shape of x."""
    check_tensor("x", x)
    sigma = check_positive_number("sigma", sigma, allow_zero=True)
    eps = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return x + sigma * eps


def masking_noise(
    x: torch.Tensor, p: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Set each entry of ``x`` to 0 with probability ``p`` (independently), shape of x."""
    check_tensor("x", x)
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        raise TypeError(f"p must be a number, got {type(p).__name__}")
    if not 0 <= p < 1:
        raise ValueError(f"p must lie in [0, 1), got {p}")
    u = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    # keep entry i when u_i >= p, which happens with probability 1 - p
    return torch.where(u < p, torch.zeros_like(x), x)


def denoising_loss(corrupt: Callable[[torch.Tensor], torch.Tensor]) -> Callable:
    """A ``loss_fn(model, x)``: ||x - g(f(x_tilde))||^2 with x_tilde = corrupt(x), shape (B,).

    The target is the clean x; ``corrupt`` draws fresh noise at every call (e.g.
    ``lambda x: gaussian_noise(x, 0.5)``).
    """
    if not callable(corrupt):
        raise TypeError(f"corrupt must be a function x -> x_tilde, got {type(corrupt).__name__}")

    def loss_fn(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        return squared_error(model(corrupt(x)), x)

    return loss_fn


def distance_to_data(points: torch.Tensor, data: torch.Tensor) -> torch.Tensor:
    """Euclidean distance from each point to its nearest neighbour in ``data``.

    ``points`` is (B, D), ``data`` is (N, D); returns (B,).
    """
    check_tensor("points", points, ndim=2)
    check_tensor("data", data, ndim=2, last_dim=points.shape[1])
    return torch.cdist(points, data).min(dim=1).values


def load_circle(
    n_samples: int = 1000, noise: float = 0.1, radius: float = 1.0, seed: int = 0
) -> Dataset:
    """Points near a circle: angle theta ~ U(0, 2 pi), x = (r + noise * eps) (cos theta, sin theta).

    Returns a :class:`aecourse.data.Dataset` (80 % train, 20 % test) whose labels
    are all 0: a curve whose tangent and normal are known at every point.
    """
    check_positive_int("n_samples", n_samples)
    noise = check_positive_number("noise", noise, allow_zero=True)
    radius = check_positive_number("radius", radius)
    generator = torch.Generator().manual_seed(seed)
    theta = 2 * math.pi * torch.rand(n_samples, generator=generator)
    r = radius + noise * torch.randn(n_samples, generator=generator)
    x = torch.stack([r * torch.cos(theta), r * torch.sin(theta)], dim=1)  # (N, 2)
    n_train = int(round(0.8 * n_samples))
    y = torch.zeros(n_samples, dtype=torch.int64)
    return Dataset("circle", x[:n_train], y[:n_train], x[n_train:], y[n_train:])


# --- Contractive autoencoders ----------------------------------------------------------


def jacobian(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, mode: str = "auto"
) -> torch.Tensor:
    """The Jacobian J_f(x_i) = dh/dx of a row-wise map h = f(x) at every row x_i.

    ``x`` is (B, D) and ``f`` maps (B, D) to (B, H), each row independently; returns
    (B, H, D), built with ``torch.func.vmap`` over ``jacrev`` (one reverse pass per
    code unit, for H <= D) or ``jacfwd`` (one forward pass per input, for D < H);
    ``mode`` = "rev", "fwd" or "auto". The result is differentiable, so it can be
    part of a training loss.
    """
    check_tensor("x", x, ndim=2)
    if mode not in ("auto", "rev", "fwd"):
        raise ValueError(f"mode must be 'auto', 'rev' or 'fwd', got {mode!r}")

    def f_one(x_i: torch.Tensor) -> torch.Tensor:  # (D,) -> (H,)
        return f(x_i.unsqueeze(0)).squeeze(0)

    if mode == "auto":
        code_dim = f(x[:1]).shape[1]
        mode = "fwd" if x.shape[1] < code_dim else "rev"
    transform = jacfwd if mode == "fwd" else jacrev
    return vmap(transform(f_one))(x)  # (B, H, D)


def jacobian_frobenius_sq(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, mode: str = "auto"
) -> torch.Tensor:
    """||J_f(x_i)||_F^2 = sum_jk (dh_j / dx_k)^2 for every row of ``x`` (B, D); returns (B,)."""
    # ||J||_F^2 = sum over code units j and inputs k of J_jk^2
    return jacobian(f, x, mode).pow(2).sum(dim=(1, 2))


def sigmoid_jacobian_frobenius_sq(h: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Closed form of ||J_f(x)||_F^2 for one sigmoid layer h = s(W x + b).

    dh_j/dx_k = h_j (1 - h_j) W_jk, so ||J||_F^2 = sum_j (h_j (1 - h_j))^2 sum_k W_jk^2.
    ``h`` is (B, H), ``weight`` is W with shape (H, D); returns (B,).
    """
    check_tensor("h", h, ndim=2)
    check_tensor("weight", weight, ndim=2)
    if weight.shape[0] != h.shape[1]:
        raise ValueError(
            f"weight must have shape (H, D) with H = {h.shape[1]} code units (h is "
            f"{tuple(h.shape)}), got {tuple(weight.shape)}"
        )
    # sum_j (h_j (1 - h_j))^2 * sum_k W_jk^2
    return (h * (1 - h)).pow(2) @ weight.pow(2).sum(dim=1)


class TiedAutoencoder(nn.Module):
    """One sigmoid layer with a tied linear decoder (the original CAE's shape).

    h = f(x) = s(W x + b), x_hat = g(h) = W^T h + c (then ``out_activation``).
    Because the decoder reuses W, the encoder cannot shrink W without also
    shrinking what the decoder can output.
    """

    def __init__(self, in_dim: int, code_dim: int, out_activation: str | None = None) -> None:
        super().__init__()
        check_positive_int("in_dim", in_dim)
        check_positive_int("code_dim", code_dim)
        self.in_dim, self.code_dim = in_dim, code_dim
        layer = nn.Linear(in_dim, code_dim)  # PyTorch's default initialisation of W and b
        self.weight = nn.Parameter(layer.weight.detach().clone())  # W, (H, D)
        self.bias = nn.Parameter(layer.bias.detach().clone())  # b, (H,)
        self.out_bias = nn.Parameter(torch.zeros(in_dim))  # c, (D,)
        if out_activation not in (None, "identity", "sigmoid"):
            raise ValueError(f"out_activation must be None or 'sigmoid', got {out_activation!r}")
        self.out_activation = out_activation

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """h = s(W x + b), shape (B, code_dim)."""
        check_tensor("x", x, ndim=2, last_dim=self.in_dim, finite=False)
        check_same_dtype("x", x, "the model's parameters", self.weight.dtype)
        return torch.sigmoid(x @ self.weight.T + self.bias)

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        """x_hat = W^T h + c, shape (B, in_dim)."""
        check_tensor("h", h, ndim=2, last_dim=self.code_dim, finite=False)
        check_same_dtype("h", h, "the model's parameters", self.weight.dtype)
        out = h @ self.weight + self.out_bias
        return torch.sigmoid(out) if self.out_activation == "sigmoid" else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x_hat = g(f(x)), shape (B, in_dim)."""
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


def contractive_loss(lam: float, closed_form: bool = True) -> Callable:
    """A ``loss_fn(model, x)`` for a contractive autoencoder.

    loss_i = ||x_i - g(f(x_i))||^2 + lam * ||J_f(x_i)||_F^2; returns the dict
    {"loss", "recon", "jacobian"} of (B,) terms. ``closed_form`` uses
    :func:`sigmoid_jacobian_frobenius_sq` (one sigmoid layer only), otherwise
    :func:`jacobian_frobenius_sq` (autograd, any encoder; evaluate with
    ``eval_grad=True``).
    """
    lam = check_positive_number("lam", lam, allow_zero=True)

    def loss_fn(model: nn.Module, x: torch.Tensor) -> Mapping[str, torch.Tensor]:
        h = model.encode(x)  # (B, H)
        recon = squared_error(model.decode(h), x)  # (B,)
        if closed_form:
            jac = sigmoid_jacobian_frobenius_sq(h, sigmoid_encoder_weight(model))
        else:
            jac = jacobian_frobenius_sq(model.encode, x)
        return {"loss": recon + lam * jac, "recon": recon, "jacobian": jac}

    return loss_fn


def directional_sensitivity(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, v: torch.Tensor
) -> torch.Tensor:
    """||J_f(x_i) v_i|| for each row: how fast the code moves when x_i moves along v_i.

    ``x`` and ``v`` are (B, D) (``v`` unit vectors for a rate per unit length);
    one forward-mode pass (``torch.func.jvp``); returns (B,).
    """
    check_tensor("x", x, ndim=2)
    check_tensor("v", v, ndim=2)
    check_same_shape("x", x, "v", v)
    # rows are independent, so the JVP of the batched map gives J_f(x_i) v_i row by row
    _, jv = torch.func.jvp(f, (x,), (v,))  # (B, H)
    return jv.norm(dim=1)


def circle_sensitivity(
    f: Callable[[torch.Tensor], torch.Tensor], theta: torch.Tensor, radius: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sensitivity of ``f`` along and across a circle, at the points of angle ``theta``.

    At x = r (cos t, sin t) the tangent is (-sin t, cos t) and the normal
    (cos t, sin t); returns (along, across), each ``||J_f(x) v||`` of shape (N,).
    """
    check_tensor("theta", theta, ndim=1)
    radius = check_positive_number("radius", radius)
    normal = torch.stack([torch.cos(theta), torch.sin(theta)], dim=1)  # (N, 2)
    tangent = torch.stack([-torch.sin(theta), torch.cos(theta)], dim=1)  # (N, 2)
    x = radius * normal
    return directional_sensitivity(f, x, tangent), directional_sensitivity(f, x, normal)


# --- Figures and the widget ------------------------------------------------------------


def _numpy(a) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    return np.asarray(a)


def plot_activation_histograms(
    rho_hats: Mapping[str, torch.Tensor], rho: float | None = None, bins: int = 20
):
    """One histogram of mean activations rho_hat_j per model, side by side.

    ``rho_hats`` maps a label (e.g. "lam = 0") to a (H,) tensor; ``rho`` draws the
    target as a dashed line.
    """
    n = len(rho_hats)
    fig, axes = plt.subplots(1, n, figsize=(2.8 * n, 2.8), sharey=True, squeeze=False)
    for ax, (label, values) in zip(axes[0], rho_hats.items()):
        ax.hist(_numpy(values), bins=bins, range=(0.0, 1.0), color="tab:blue")
        if rho is not None:
            ax.axvline(rho, color="tab:red", linestyle="--", label=f"ρ = {rho:g}")
            ax.legend()
        ax.set_title(label)
        ax.set_xlabel(r"mean activation $\hat\rho_j$")
    axes[0, 0].set_ylabel("number of code units")
    fig.tight_layout()
    return fig


def plot_image_rows(
    rows: Sequence,
    image_shape: tuple[int, int],
    row_labels: Sequence[str],
    xlabel: str = "one image per column",
    title: str | None = None,
    scale: float = 0.9,
):
    """Rows of images tiled into one picture on a single axis, each row labelled.

    ``rows`` is a list of (N, H*W) arrays with values in [0, 1]. Like
    :func:`aecourse.plotting.image_grid`, but drawn with one ``imshow``, which is
    much faster for many images; the row labels are the y tick labels.
    """
    if len(row_labels) != len(rows):
        raise ValueError(f"row_labels has {len(row_labels)} entries for {len(rows)} rows")
    height, width = image_shape
    pad = max(1, height // 14)  # white gap between tiles
    n_cols = max(len(r) for r in rows)
    mosaic = np.full((len(rows) * (height + pad) - pad, n_cols * (width + pad) - pad), np.nan)
    for i, images in enumerate(rows):
        images = _numpy(images).reshape(len(images), height, width)
        for j, image in enumerate(images):
            top, left = i * (height + pad), j * (width + pad)
            mosaic[top : top + height, left : left + width] = image
    cmap = plt.get_cmap("gray").with_extremes(bad="white")
    fig, ax = plt.subplots(figsize=(scale * 1.1 * n_cols, scale * 1.1 * len(rows)))
    ax.imshow(mosaic, cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_yticks([i * (height + pad) + height / 2 for i in range(len(rows))], list(row_labels))
    ax.set_xticks([])
    ax.set_xlabel(xlabel)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_features(features: Mapping[str, torch.Tensor], image_shape: tuple[int, int], n: int = 12):
    """The first ``n`` feature vectors of each model drawn as images, one row per model.

    ``features`` maps a row label to a (K, H*W) tensor (decoder columns or encoder
    rows). Each image is scaled by its largest absolute value, so 0 is mid-grey,
    positive weights are light and negative weights dark.
    """
    check_positive_int("n", n)
    rows = []
    for label, vectors in features.items():
        check_tensor(label, vectors, ndim=2)
        v = vectors[:n].detach().cpu()
        scale = v.abs().amax(dim=1, keepdim=True).clamp_min(1e-12)  # (n, 1)
        rows.append(0.5 + 0.5 * v / scale)  # [-max, max] -> [0, 1]
    return plot_image_rows(rows, image_shape, list(features), xlabel="code unit j")


def plot_vector_field(
    model: nn.Module,
    data: torch.Tensor,
    lim: tuple[float, float, float, float] = (-2.5, 2.5, -2.5, 2.5),
    steps: int = 21,
    title: str | None = None,
):
    """Arrows g(f(x)) - x from each point of a grid, over the data (2-D models).

    ``lim`` is (xmin, xmax, ymin, ymax) of the grid with ``steps`` points per side.
    """
    check_tensor("data", data, ndim=2, last_dim=2)
    check_positive_int("steps", steps)
    xmin, xmax, ymin, ymax = lim
    device = next(model.parameters()).device
    gx, gy = torch.meshgrid(
        torch.linspace(xmin, xmax, steps), torch.linspace(ymin, ymax, steps), indexing="xy"
    )
    grid = torch.stack([gx.flatten(), gy.flatten()], dim=1).to(device)  # (steps^2, 2)
    with torch.no_grad():
        move = model(grid) - grid  # (steps^2, 2)
    grid, move, data = _numpy(grid), _numpy(move), _numpy(data)
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.scatter(data[:, 0], data[:, 1], s=4, color="tab:gray", alpha=0.5, label="training data")
    ax.quiver(
        grid[:, 0], grid[:, 1], move[:, 0], move[:, 1], color="tab:red",
        angles="xy", scale_units="xy", scale=1.0, width=0.004, label=r"$g(f(\tilde x)) - \tilde x$",
    )  # fmt: skip
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize="small")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def denoise_rows(
    model: nn.Module, x: torch.Tensor, sigmas: Sequence[float], eps: torch.Tensor
) -> tuple[list[torch.Tensor], list[str]]:
    """Image rows (clean, then noisy and denoised for each sigma) and their labels.

    The same noise ``eps`` (shape of ``x``) is scaled by each sigma, so rows differ
    only by the noise level. Noisy images are clipped to [0, 1] for display only.
    """
    check_tensor("x", x, ndim=2)
    check_tensor("eps", eps, ndim=2)
    check_same_shape("x", x, "eps", eps)
    rows, labels = [x], ["clean"]
    with torch.no_grad():
        for sigma in sigmas:
            sigma = check_positive_number("sigma", sigma, allow_zero=True)
            x_tilde = x + sigma * eps
            rows += [x_tilde.clamp(0, 1), model(x_tilde)]
            labels += [f"noisy σ={sigma:g}", f"denoised σ={sigma:g}"]
    return rows, labels


def plot_denoising(
    model: nn.Module,
    x: torch.Tensor,
    sigmas: Sequence[float],
    eps: torch.Tensor,
    image_shape: tuple[int, int],
    title: str | None = None,
):
    """Static figure: clean images, then noisy and denoised rows for each sigma."""
    rows, labels = denoise_rows(model, x, sigmas, eps)
    return plot_image_rows(rows, image_shape, labels, xlabel="test image", title=title)


def denoising_slider(
    model: nn.Module,
    x: torch.Tensor,
    eps: torch.Tensor,
    image_shape: tuple[int, int],
    sigma_max: float = 1.0,
    step: float = 0.05,
    value: float = 0.5,
):
    """An ipywidgets slider for sigma that redraws clean / noisy / denoised images.

    Returns an ``ipywidgets.interactive`` (display it as a cell's last value). It
    needs a live kernel; the book's static page shows :func:`plot_denoising` instead.
    """
    import ipywidgets as widgets

    check_positive_number("sigma_max", sigma_max)
    check_positive_number("step", step)

    def draw(sigma: float) -> None:
        rows, labels = denoise_rows(model, x, [sigma], eps)
        plot_image_rows(rows, image_shape, labels, xlabel="test image")
        plt.show()

    slider = widgets.FloatSlider(
        value=value, min=0.0, max=sigma_max, step=step, description="σ", continuous_update=False
    )
    return widgets.interactive(draw, sigma=slider)


def plot_circle_sensitivity(theta: torch.Tensor, curves: Mapping[str, tuple]):
    """Along (solid) and across (dashed) sensitivity against the angle, one colour per model.

    ``curves`` maps a label to the pair (along, across) of (N,) tensors from
    :func:`circle_sensitivity`.
    """
    order = torch.argsort(theta)
    t = _numpy(theta[order])
    fig, ax = plt.subplots(figsize=(8, 3.5))
    for label, (along, across) in curves.items():
        (line,) = ax.plot(t, _numpy(along[order]), label=f"{label}: along")
        ax.plot(t, _numpy(across[order]), "--", color=line.get_color(), label=f"{label}: across")
    ax.set_xlabel(r"angle $\theta$ on the circle (radians)")
    ax.set_ylabel(r"$\|J_f(x)\,v\|$")
    ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    return fig
