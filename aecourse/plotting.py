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
    check_image_shape,
    check_int,
    check_latent_dims,
    check_positive_int,
    check_positive_number,
    check_same_shape,
    check_tensor,
)
from aecourse.diagnostics import latent_grid
from aecourse.models import VAE, check_vae
from aecourse.training import History


def _numpy(a) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    return np.asarray(a)


def tile_images(rows: Sequence, image_shape: tuple[int, int], pad: int = 0) -> np.ndarray:
    """One picture of image rows: ``rows`` is a list of (N_i, H*W) arrays or tensors, one
    per grid row; returns an array (rows * (H + pad) - pad, N * (W + pad) - pad) with NaN
    in the gaps and after a short row (drawn white by :func:`image_grid`)."""
    rows = [_check_images(f"rows[{i}]", r, image_shape) for i, r in enumerate(_list("rows", rows))]
    pad = check_int("pad", pad, minimum=0)
    height, width = check_image_shape(image_shape)
    rows = [r.reshape(len(r), height, width) for r in rows]  # (N_i, H, W) each
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
    height, width = check_image_shape(image_shape)
    check_positive_number("scale", scale)
    pad = max(1, height // 14)  # a white gap between tiles
    mosaic = tile_images(rows, image_shape, pad)
    n_rows = len(rows)
    if row_labels is not None and len(row_labels) != n_rows:
        raise ValueError(f"row_labels has {len(row_labels)} entries for {n_rows} rows")
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
    n = check_positive_int("n", n)
    x, x_hat = _check_images("x", x, image_shape), _check_images("x_hat", x_hat, image_shape)
    return image_grid(
        [x[:n], x_hat[:n]],
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
    points = _numbers("points", points)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2), got {points.shape}")
    if labels is not None:
        labels = _numbers("labels", labels, ndim=1, length=len(points), of="points")
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.5, 4))
    else:
        fig = ax.figure
    if labels is None:
        ax.scatter(points[:, 0], points[:, 1], s=s)
    else:
        sc = ax.scatter(points[:, 0], points[:, 1], c=labels, s=s, cmap=cmap)
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
    if not isinstance(history, History):
        raise TypeError(
            f"history must be the History that fit returns, got {type(history).__name__}"
        )
    if not any(history.train.values()):
        raise ValueError("history is empty (no epoch recorded): plot the History after fit")
    for term in _list("terms", terms, example="('recon', 'kl')"):
        if term not in list(history.train):
            raise ValueError(f"terms: history has no term {term!r}; it has {list(history.train)}")
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
    for label, values in _mapping("rho_hats", rho_hats, "{'λ = 0': rho_hat}").items():
        values = _numbers(f"rho_hats[{label!r}]", values, ndim=1)
        if values.min() < 0 or values.max() > 1:
            raise ValueError(
                f"rho_hats[{label!r}] must lie in [0, 1] (mean activations of sigmoid units), "
                f"got values in [{values.min():.3g}, {values.max():.3g}]"
            )
    if rho is not None and not check_positive_number("rho", rho) < 1:
        raise ValueError(f"rho must lie strictly between 0 and 1 (a mean activation), got {rho}")
    check_positive_int("bins", bins)
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
    for label, vectors in _mapping("features", features, "{'λ = 0': W}").items():
        check_tensor(f"features[{label!r}]", vectors, ndim=2)
        check_image_shape(image_shape, vectors.shape[1], f"the width of features[{label!r}]")
    rows = []
    for vectors in features.values():
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
    _check_model(model, 2, "the vector field is drawn in the plane, so it needs")
    check_tensor("data", data, ndim=2, last_dim=2)
    check_positive_int("steps", steps)
    xmin, xmax, ymin, ymax = _numbers("lim", lim, ndim=1, length=4).tolist()
    if not (xmin < xmax and ymin < ymax):
        raise ValueError(
            f"lim must be (xmin, xmax, ymin, ymax) with xmin < xmax, ymin < ymax: {lim}"
        )
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
    _check_model(model, x.shape[1], "x has width")
    sigmas = [
        check_positive_number("sigma", s, allow_zero=True)
        for s in _list("sigmas", sigmas, "[0.25, 0.5]")
    ]
    rows, labels = [x], ["clean"]
    with torch.no_grad():
        for sigma in sigmas:
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
    check_image_shape(image_shape, check_tensor("x", x, ndim=2).shape[1], "the width of x")
    rows, labels = denoise_rows(model, x, sigmas, eps)
    return image_grid(rows, image_shape, labels, xlabel="test image", title=title, scale=0.9)


def plot_circle_sensitivity(theta: torch.Tensor, curves: Mapping[str, tuple]):
    """Along (solid) and across (dashed) sensitivity against the angle, one colour per model.

    ``curves`` maps a label to the pair (along, across) of (N,) tensors from
    :func:`circle_sensitivity`.
    """
    check_tensor("theta", theta, ndim=1)
    for label, pair in _mapping("curves", curves, "{'plain': (along, across)}").items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"curves[{label!r}] must be the pair (along, across), got {pair!r}")
        for part, values in zip(("along", "across"), pair):
            check_tensor(f"curves[{label!r}] ({part})", values, ndim=1, last_dim=len(theta))
    order = torch.argsort(theta)
    t = _numpy(theta[order])
    fig, ax = plt.subplots(figsize=(8, 3.5))
    for label, (along, across) in curves.items():
        (line,) = ax.plot(t, _numpy(along[order]), label=f"{label}: along")
        ax.plot(t, _numpy(across[order]), "--", color=line.get_color(), label=f"{label}: across")
    ax.set_xlabel(r"angle $\psi$ on the circle (radians)")
    ax.set_ylabel(r"$\|J_f(x)\,v\|$")
    ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    return fig


# --- VAEs: the latent space and the bounds (chapters 5 and 6) ----------------------------


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
    check_positive_int("n", n)
    check_image_shape(image_shape, model.data_dim, "model.data_dim")
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
    values = torch.as_tensor(_numbers("values", values, ndim=1), dtype=torch.float32)
    check_image_shape(image_shape, model.data_dim, "model.data_dim")
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
    kl_by_model = {
        name: _numbers(f"kl_by_model[{name!r}]", kl, ndim=1)
        for name, kl in _mapping("kl_by_model", kl_by_model, "{'β = 1': kl}").items()
    }
    if threshold is not None:
        check_positive_number("threshold", threshold, allow_zero=True)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    width = 0.8 / len(kl_by_model)
    for i, (name, kl) in enumerate(kl_by_model.items()):
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
    ks = [check_positive_int("ks", k) for k in _list("ks", ks, example="[1, 10, 100]")]
    means = _numbers("means", means, ndim=1, length=len(ks), of="ks")
    errors = _numbers("errors", errors, ndim=1, length=len(ks), of="ks")
    if (errors < 0).any():
        raise ValueError(f"errors must be >= 0 (standard errors), got {errors.min():g}")
    reference = _mapping("reference", reference, "{'ELBO': -95.2}") if reference else {}
    if len(reference) > 3:
        raise ValueError(f"reference has {len(reference)} lines: pass at most 3 (one per style)")
    for name, value in reference.items():
        _numbers(f"reference[{name!r}]", value, ndim=0)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.errorbar(list(ks), list(means), yerr=list(errors), marker="o", capsize=3, label="$L_k$")
    for (name, value), style in zip(reference.items(), (":", "--", "-.")):
        ax.axhline(value, linestyle=style, color="gray", label=name)
    ax.set_xscale("log")
    ax.set_xlabel("number of importance samples $k$")
    ax.set_ylabel("average bound (nats)")
    if title:
        ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


# --- Diagrams (chapters 1, 4 and 6) -----------------------------------------------------
#
# Schematic figures drawn with matplotlib, so that they restyle with the book. A node is
# a labelled box at (x, y) in a 10 x 4 canvas: "data" (blue), "net" (grey, a network),
# "random" (orange, drawn at random) or "loss" (red); an edge is an arrow, solid for a
# differentiable computation and dashed for sampling, which gradients cannot cross.

_NODE_COLOURS = {"data": "#dbe9f6", "net": "#e6e6e6", "random": "#fde0c5", "loss": "#f8d0d0"}


def _diagram(ax, nodes: Mapping[str, tuple], edges: Sequence[tuple]) -> None:
    """Draw ``nodes`` {name: (x, y, label, kind)} and ``edges`` [(from, to, style)] on ``ax``
    (style "solid", "dashed", or "blocked": a dashed arrow crossed out). Arrows run from
    box edge to box edge."""
    boxes = {}
    for name, (x, y, label, kind) in nodes.items():
        boxes[name] = ax.text(
            x, y, label, ha="center", va="center", fontsize=11,
            bbox={"boxstyle": "round,pad=0.45", "facecolor": _NODE_COLOURS[kind], "edgecolor": "0.3"},
        )  # fmt: skip
    for start, end, style in edges:
        ax.annotate(
            "", xy=(0.5, 0.5), xycoords=boxes[end], xytext=(0.5, 0.5), textcoords=boxes[start],
            arrowprops={"arrowstyle": "-|>", "color": "0.25", "lw": 1.4, "shrinkA": 3, "shrinkB": 3,
                        "patchA": boxes[start].get_bbox_patch(), "patchB": boxes[end].get_bbox_patch(),
                        "linestyle": "-" if style == "solid" else "--"},
        )  # fmt: skip
        if style == "blocked":
            (x0, y0), (x1, y1) = nodes[start][:2], nodes[end][:2]
            ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.05, "✕", color="tab:red", fontsize=16,
                    ha="center", va="center")  # fmt: skip
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 4)
    ax.axis("off")


def plot_autoencoder_diagram():
    """An autoencoder: x -> encoder f -> code h (K < D numbers) -> decoder g -> x_hat,
    trained on the reconstruction loss between x and x_hat."""
    nodes = {
        "x": (0.9, 2.4, "$x$\n(D numbers)", "data"),
        "f": (3.0, 2.4, "encoder $f$", "net"),
        "h": (5.0, 2.4, "code $h = f(x)$\n(K < D)", "data"),
        "g": (7.0, 2.4, "decoder $g$", "net"),
        "x_hat": (9.1, 2.4, "$\\hat x = g(h)$", "data"),
        "loss": (5.0, 0.6, "loss $\\Delta(x, \\hat x)$", "loss"),
    }
    edges = [("x", "f", "solid"), ("f", "h", "solid"), ("h", "g", "solid"), ("g", "x_hat", "solid"),
             ("x", "loss", "solid"), ("x_hat", "loss", "solid")]  # fmt: skip
    fig, ax = plt.subplots(figsize=(9, 3.2))
    _diagram(ax, nodes, edges)
    fig.tight_layout()
    return fig


def plot_vae_forward_pass():
    """One training step of a VAE: the encoder gives mu and log sigma^2, eps ~ N(0, I) is
    drawn, z = mu + sigma * eps is decoded, and the loss is -log p(x|z) + KL(q || p)."""
    nodes = {
        "x": (0.7, 2.8, "$x$", "data"),
        "enc": (2.3, 2.8, "encoder", "net"),
        "q": (4.2, 2.8, "$\\mu,\\ \\log\\sigma^2$", "data"),
        "eps": (4.2, 0.7, "$\\varepsilon \\sim \\mathcal{N}(0, I)$", "random"),
        "z": (6.0, 2.8, "$z = \\mu + \\sigma \\odot \\varepsilon$", "data"),
        "dec": (7.7, 2.8, "decoder", "net"),
        "recon": (9.2, 2.8, "$-\\log p(x \\mid z)$", "loss"),
        "kl": (6.9, 1.2, "$\\mathrm{KL}(q(z \\mid x) \\,\\Vert\\, p(z))$", "loss"),
    }
    edges = [("x", "enc", "solid"), ("enc", "q", "solid"), ("q", "z", "solid"), ("eps", "z", "dashed"),
             ("z", "dec", "solid"), ("dec", "recon", "solid"), ("q", "kl", "solid")]  # fmt: skip
    fig, ax = plt.subplots(figsize=(10, 3.4))
    _diagram(ax, nodes, edges)
    fig.tight_layout()
    return fig


def plot_reparameterization_graphs():
    """Two computation graphs of E_q[u(z)]: sampling z ~ q_phi directly, where no gradient
    reaches phi = (mu, sigma), and the reparameterized z = mu + sigma * eps, where the only
    random node, eps, sits off the path from phi to the loss."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4))
    _diagram(
        left,
        {"phi": (1.2, 2.2, "$\\phi = (\\mu, \\sigma)$", "data"),
         "z": (5.0, 2.2, "$z \\sim q_\\phi(z)$", "random"),
         "u": (8.6, 2.2, "$u(z)$", "loss")},
        [("phi", "z", "blocked"), ("z", "u", "solid")],
    )  # fmt: skip
    left.set_title("sampling: no gradient reaches $\\phi$")
    _diagram(
        right,
        {"phi": (1.2, 2.8, "$\\phi = (\\mu, \\sigma)$", "data"),
         "eps": (1.2, 0.8, "$\\varepsilon \\sim \\mathcal{N}(0, I)$", "random"),
         "z": (5.0, 2.8, "$z = \\mu + \\sigma \\odot \\varepsilon$", "data"),
         "u": (8.6, 2.8, "$u(z)$", "loss")},
        [("phi", "z", "solid"), ("eps", "z", "dashed"), ("z", "u", "solid")],
    )  # fmt: skip
    right.set_title("reparameterized: the path from $\\phi$ is differentiable")
    fig.tight_layout()
    return fig


def plot_rate_distortion(
    points: Mapping[str, Sequence[float]],
    sweep: Sequence[str] = (),
    title: str | None = None,
):
    """Models on the rate-distortion plane (Alemi et al., 2018).

    ``points`` maps a label to (distortion 𝒟, rate ℛ) in nats, with 𝒟 = -E_q[log p(x|z)]
    and ℛ = KL(q(z|x) || p(z)) averaged over the data; the labels in ``sweep`` are joined
    by a line in their order (e.g. a beta sweep). Dashed: the line 𝒟 + ℛ = -ELBO through
    the point of the best ELBO, along which every point has that same ELBO.
    """
    points = _mapping("points", points, "{'β = 1': (104.8, 20.7)}")
    xy = {name: _numbers(f"points[{name!r}]", p, ndim=1, length=2) for name, p in points.items()}
    sweep = list(sweep)
    for name in sweep:
        if name not in xy:
            raise ValueError(f"sweep names {name!r}, which is not a key of points")
    fig, ax = plt.subplots(figsize=(6, 4))
    if len(sweep) > 1:
        ax.plot([xy[n][0] for n in sweep], [xy[n][1] for n in sweep], color="0.6", zorder=1)
    for name, (d, r) in xy.items():
        ax.scatter([d], [r], zorder=2)
        ax.annotate(name, (d, r), textcoords="offset points", xytext=(5, 4), fontsize=9)
    best = min(xy.values(), key=lambda p: p[0] + p[1])
    total = best[0] + best[1]
    low, high = min(p[0] for p in xy.values()), max(p[0] for p in xy.values())
    ds = np.array([low, max(low, min(high, total))])  # where the rate ℛ = total - 𝒟 >= 0
    ax.plot(
        ds,
        total - ds,
        "k--",
        lw=1,
        label=f"$\\mathcal{{D}} + \\mathcal{{R}}$ = {total:.1f} (best ELBO)",
        zorder=0,
    )
    ax.set_ylim(bottom=0)
    ax.set_xlabel("distortion $\\mathcal{D} = -\\mathbb{E}_q[\\log p(x \\mid z)]$ (nats)")
    ax.set_ylabel("rate $\\mathcal{R} = \\mathrm{KL}(q(z \\mid x) \\,\\|\\, p(z))$ (nats)")
    if title:
        ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


# --- argument checks shared by the figures ----------------------------------------------


def _numbers(name: str, value, *, ndim=None, length=None, of: str = "") -> np.ndarray:
    """``value`` (a tensor, an array, a list of numbers or a number) as a NumPy array of
    finite numbers, not empty; ``ndim`` and ``length`` (= that of ``of``) are checked."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    number_like = (np.ndarray, Sequence, int, float, np.number, np.bool_)
    if isinstance(value, (str, bytes)) or not isinstance(value, number_like):
        raise TypeError(f"{name} must be a tensor, an array or numbers, got {type(value).__name__}")
    try:
        array = np.asarray(value)
    except ValueError:  # a ragged list
        raise ValueError(f"{name} must be a regular array of numbers (not a ragged list)") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got values of dtype {array.dtype}")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}): pass at least one value")
    if length is not None and len(array) != length:
        against = f"but {of} has {length}: pass one per entry of {of}" if of else f"not {length}"
        raise ValueError(f"{name} has {len(array)} entries {against}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def _list(name: str, value, example: str = "[x_batch]") -> list:
    """``value`` (a list, a tuple, a range, a 1-D array or tensor) as a non-empty list."""
    if isinstance(value, (str, bytes)) or not isinstance(
        value, (Sequence, np.ndarray, torch.Tensor)
    ):
        raise TypeError(f"{name} must be a list such as {example}, got {type(value).__name__}")
    if getattr(value, "ndim", 1) != 1:
        raise TypeError(f"{name} must be a list such as {example}, got shape {tuple(value.shape)}")
    if len(value) == 0:
        raise ValueError(f"{name} is empty: pass a list such as {example}")
    return list(value)


def _mapping(name: str, value, example: str) -> Mapping:
    """``value``, a non-empty dict (label -> values)."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict such as {example}, got {type(value).__name__}")
    if len(value) == 0:
        raise ValueError(f"{name} is empty: pass a dict such as {example}")
    return value


def _check_images(name: str, images, image_shape) -> np.ndarray:
    """``images``, a (N, H*W) tensor or array of finite values, as a NumPy array."""
    images = _numbers(name, images, ndim=2)
    check_image_shape(image_shape, images.shape[1], f"the width of {name}")
    return images


def _check_model(model, data_dim: int, reason: str) -> None:
    """``model`` is an ``nn.Module``; where it records its ``data_dim``, that is ``data_dim``
    (``reason`` says why, e.g. "x has width")."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if getattr(model, "data_dim", data_dim) != data_dim:
        raise ValueError(
            f"model has data_dim {model.data_dim}, but {reason} {data_dim}: pass a model of "
            f"data_dim {data_dim}"
        )


# --- Autoencoders at work (chapter 3) ---------------------------------------------------------


def plot_error_against_code_size(code_sizes, errors: Mapping[str, Sequence[float]]):
    """Test reconstruction error against the code size K, one line per model.

    ``code_sizes`` lists the K values (x axis, log scale); ``errors`` maps a model's name
    to its errors, one per code size.
    """
    code_sizes = _numbers("code_sizes", code_sizes, ndim=1)
    errors = _mapping("errors", errors, "{'PCA': [44.1, 30.0]}")
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for name, values in errors.items():
        values = _numbers(
            f"errors[{name!r}]", values, ndim=1, length=len(code_sizes), of="code_sizes"
        )
        ax.plot(code_sizes, values, "o-", label=name)
    ax.set_xscale("log", base=2)
    ax.set_xticks(code_sizes, [str(int(k)) for k in code_sizes])
    ax.set(xlabel="code size $K$", ylabel="test error (squared error per digit)")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_roc_curves(curves: Mapping[str, tuple]):
    """ROC curves: ``curves`` maps a label to (false-positive rates, true-positive rates),
    e.g. the first two outputs of ``sklearn.metrics.roc_curve``; the diagonal is chance."""
    curves = _mapping("curves", curves, "{'noise': (fpr, tpr)}")
    fig, ax = plt.subplots(figsize=(4.5, 4.2))
    for label, pair in curves.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"curves[{label!r}] must be a pair (fpr, tpr)")
        fpr = _numbers(f"curves[{label!r}][0]", pair[0], ndim=1)
        tpr = _numbers(f"curves[{label!r}][1]", pair[1], ndim=1, length=len(fpr), of="fpr")
        ax.plot(fpr, tpr, label=label)
    ax.plot([0, 1], [0, 1], ":", c="0.5", label="chance")
    ax.set(
        xlabel="false-positive rate (normal inputs flagged)",
        ylabel="true-positive rate (anomalies flagged)",
        xlim=(0, 1),
        ylim=(0, 1.01),
    )
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def plot_scores_against_ink(ink, scores, marks: Mapping[str, tuple] | None = None):
    """Anomaly scores of inputs against how much ink each has (the sum of its pixels).

    ``ink`` and ``scores`` hold one value per input; ``marks`` maps a label to one more
    (ink, score) point drawn on top (e.g. a blank image).
    """
    ink = _numbers("ink", ink, ndim=1)
    scores = _numbers("scores", scores, ndim=1, length=len(ink), of="ink")
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    ax.scatter(ink, scores, s=6, c="0.5", label="normal test digits")
    marks = {} if marks is None else _mapping("marks", marks, "{'blank image': (0.0, 3.9)}")
    for i, (label, point) in enumerate(marks.items()):
        point = _numbers(f"marks[{label!r}]", point, ndim=1, length=2)
        ax.scatter(*point, s=60, marker="*", c=f"C{i + 1}", label=label, zorder=3)
    ax.set(xlabel="ink (sum of the pixels)", ylabel="anomaly score (reconstruction error)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --- The spectrum of a Jacobian (chapter 2) ----------------------------------------------


def plot_singular_values(spectra: Mapping[str, torch.Tensor], reference: float | None = 1.0):
    """Singular values against their rank (1 = largest), one line per model.

    ``spectra`` maps a label to a (K,) tensor of singular values, e.g. those of the
    Jacobian of a whole autoencoder averaged over test examples; ``reference`` draws a
    dashed horizontal line (1: a direction passed through unchanged), ``None`` none.
    """
    curves = {}
    for label, values in _mapping("spectra", spectra, "{'plain': singular_values}").items():
        curves[label] = np.sort(_numbers(f"spectra[{label!r}]", values, ndim=1))[::-1]
    if reference is not None:
        reference = check_positive_number("reference", reference)
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    for label, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=label)
    if reference is not None:
        ax.axhline(reference, color="0.5", linestyle="--", linewidth=1)
    ax.set_xlabel("rank of the singular value (1 = largest)")
    ax.set_ylabel("singular value")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


# --- Better VAEs (chapter 8) ------------------------------------------------------------


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    xlabel: str = "epoch",
    ylabel: str = "",
    title: str | None = None,
    symlog: bool = False,
):
    """One line per entry of ``curves`` (label -> values at x = 1, 2, ...), e.g. a term of
    several models' histories side by side; ``symlog`` for values of both signs that
    span orders of magnitude."""
    curves = _mapping("curves", curves, "{'model A': [1.0, 0.5, 0.2]}")
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for label, values in curves.items():
        values = _numbers(f"curves[{label!r}]", values, ndim=1)
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", markersize=3, label=label)
    if symlog:
        ax.set_yscale("symlog")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig
