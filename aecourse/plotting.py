"""Figures for the book: one function per kind of figure, every axis labelled.

Each function returns the matplotlib ``Figure`` (assign it, ``fig = ...``, so a
notebook shows it once).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch


def _numpy(a) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    return np.asarray(a)


def image_grid(
    rows: Sequence,
    image_shape: tuple[int, int],
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    title: str | None = None,
    cmap: str = "gray",
    vmin: float | None = 0.0,
    vmax: float | None = 1.0,
    scale: float = 1.0,
):
    """A grid of images: ``rows`` is a list of (N, H*W) arrays, one per grid row.

    Row labels become the y-labels of the first column, column labels the
    x-labels of the last row.
    """
    rows = [_numpy(r).reshape(len(r), *image_shape) for r in rows]
    n_rows, n_cols = len(rows), max(len(r) for r in rows)
    if row_labels is not None and len(row_labels) != n_rows:
        raise ValueError(f"row_labels has {len(row_labels)} entries for {n_rows} rows")
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(scale * 1.1 * n_cols, scale * 1.15 * n_rows), squeeze=False
    )
    for i, images in enumerate(rows):
        for j in range(n_cols):
            ax = axes[i, j]
            ax.set_xticks([])
            ax.set_yticks([])
            if j < len(images):
                ax.imshow(images[j], cmap=cmap, vmin=vmin, vmax=vmax)
            else:
                ax.axis("off")
            if j == 0 and row_labels is not None:
                ax.set_ylabel(row_labels[i], rotation=0, ha="right", va="center")
            if i == n_rows - 1 and col_labels is not None and j < len(col_labels):
                ax.set_xlabel(col_labels[j])
    if title:
        fig.suptitle(title)
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
