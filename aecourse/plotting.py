"""Figures for the book: one function per kind of figure, every axis labelled.

Each function returns the matplotlib ``Figure`` (assign it, ``fig = ...``, so a
notebook shows it once). Images are tiled by one helper, :func:`tile_images`, and
drawn by :func:`image_grid`; the interactive versions of some figures are in
:mod:`aecourse.widgets`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import MaxNLocator
from torch import nn

from aecourse._validate import (
    check_latent_dims,
    check_positive_int,
    check_positive_number,
    check_same_shape,
    check_tensor,
)
from aecourse.diagnostics import latent_grid
from aecourse.models import VAE, check_vae


def _numpy(a) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    return np.asarray(a)


def tile_images(rows: Sequence, image_shape: tuple[int, int], pad: int = 0) -> np.ndarray:
    """One picture of image rows: ``rows`` is a list of (N_i, H*W) arrays or tensors, one
    per grid row; returns an array (rows * (H + pad) - pad, N * (W + pad) - pad) with NaN
    in the gaps and after a short row (drawn white by :func:`image_grid`)."""
    if len(rows) == 0:
        raise ValueError("rows is empty: pass at least one row of images")
    height, width = image_shape
    rows = [_numpy(r).reshape(len(r), height, width) for r in rows]  # (N_i, H, W) each
    n_cols = max(len(r) for r in rows)
    mosaic = np.full((len(rows) * (height + pad) - pad, n_cols * (width + pad) - pad), np.nan)
    for i, images in enumerate(rows):
        for j, image in enumerate(images):
            top, left = i * (height + pad), j * (width + pad)
            mosaic[top : top + height, left : left + width] = image
    return mosaic


def image_grid(
    rows: Sequence,
    image_shape: tuple[int, int],
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    cmap: str = "gray",
    vmin: float | None = 0.0,
    vmax: float | None = 1.0,
    scale: float = 1.0,
):
    """A grid of images drawn with one ``imshow``: ``rows`` is a list of (N, H*W) arrays,
    one per grid row, with values in [vmin, vmax].

    Row labels are the y tick labels, column labels the x tick labels.
    """
    n_rows = len(rows)
    if row_labels is not None and len(row_labels) != n_rows:
        raise ValueError(f"row_labels has {len(row_labels)} entries for {n_rows} rows")
    height, width = image_shape
    pad = max(1, height // 14)  # a white gap between tiles
    mosaic = tile_images(rows, image_shape, pad)
    n_cols = (mosaic.shape[1] + pad) // (width + pad)
    if col_labels is not None and len(col_labels) > n_cols:
        raise ValueError(f"col_labels has {len(col_labels)} entries for {n_cols} columns")
    fig, ax = plt.subplots(figsize=(scale * 1.1 * n_cols, scale * 1.15 * n_rows + 0.3))
    cmap = plt.get_cmap(cmap).with_extremes(bad="white")
    ax.imshow(mosaic, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    centres = [i * (height + pad) + height / 2 for i in range(n_rows)]
    ax.set_yticks(centres, list(row_labels) if row_labels is not None else [])
    col_centres = [j * (width + pad) + width / 2 for j in range(len(col_labels or []))]
    ax.set_xticks(col_centres, list(col_labels or []))
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_reconstructions(
    x, x_hat, image_shape: tuple[int, int], n: int = 10, title: str | None = None
):
    """Originals (top row) above their reconstructions (bottom row)."""
    return image_grid(
        [_numpy(x)[:n], _numpy(x_hat)[:n]],
        image_shape,
        row_labels=["original", "reconstruction"],
        title=title,
    )


def scatter_2d(
    points,
    labels=None,
    ax=None,
    xlabel: str = "$z_1$",
    ylabel: str = "$z_2$",
    title: str | None = None,
    label_name: str = "label",
    s: float = 8.0,
    cmap: str = "tab10",
):
    """A scatter plot of 2-D points (codes or data), coloured by ``labels``."""
    points = _numpy(points)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2), got {points.shape}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.5, 4))
    else:
        fig = ax.figure
    if labels is None:
        ax.scatter(points[:, 0], points[:, 1], s=s)
    else:
        sc = ax.scatter(points[:, 0], points[:, 1], c=_numpy(labels), s=s, cmap=cmap)
        fig.colorbar(sc, ax=ax, label=label_name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return fig


def plot_history(
    history,
    terms: Sequence[str] = ("loss",),
    ylabel: str = "loss per example",
    title: str | None = None,
    logy: bool = False,
):
    """Training (solid) and test (dashed) curves of the chosen loss terms per epoch."""
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for term in terms:
        train = history.train[term]
        epochs = np.arange(1, len(train) + 1)
        (line,) = ax.plot(epochs, train, label=f"train {term}")
        if term in history.test:
            ax.plot(epochs, history.test[term], "--", color=line.get_color(), label=f"test {term}")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


# --- Regularized autoencoders (chapter 2) ------------------------------------------------


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
    return image_grid(rows, image_shape, list(features), xlabel="code unit j", scale=0.9)


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
    return image_grid(rows, image_shape, labels, xlabel="test image", title=title, scale=0.9)


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


# --- VAEs: the latent space and the bounds (chapters 4 and 5) ----------------------------


@torch.no_grad()
def plot_latent_manifold(
    model: VAE, image_shape: tuple[int, int], n: int = 15, title: str | None = None
):
    """Decode an n x n grid of 2-D codes placed at quantiles of N(0, 1) (:func:`latent_grid`)."""
    check_vae(model)
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
    ax.imshow(
        tile_images([images[i * n : (i + 1) * n] for i in range(n)], image_shape),
        cmap="gray",
        vmin=0.0,
        vmax=1.0,
    )
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
    check_vae(model)
    dims = check_latent_dims(dims, model.latent_dim)
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
        tile_images(rows, image_shape),
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
