import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from aecourse.plotting import (
    image_grid,
    plot_history,
    plot_reconstructions,
    scatter_2d,
    tile_images,
)
from aecourse.training import History


def labelled(ax):
    return bool(ax.get_xlabel()) and bool(ax.get_ylabel())


def test_plot_history_labels_both_curves():
    h = History(train={"loss": [3.0, 2.0]}, test={"loss": [3.5, 2.5]})
    fig = plot_history(h)
    ax = fig.axes[0]
    assert labelled(ax) and len(ax.lines) == 2
    plt.close(fig)


def test_scatter_2d_labels_and_checks_shape():
    fig = scatter_2d(torch.randn(20, 2), labels=torch.arange(20) % 3)
    assert labelled(fig.axes[0])
    plt.close(fig)
    with pytest.raises(ValueError, match="points"):
        scatter_2d(torch.randn(20, 3))


def test_reconstruction_grid_has_labelled_rows():
    fig = plot_reconstructions(torch.rand(5, 64), torch.rand(5, 64), (8, 8), n=4)
    (ax,) = fig.axes  # one picture, tiled by tile_images
    assert [t.get_text() for t in ax.get_yticklabels()] == ["original", "reconstruction"]
    plt.close(fig)


def test_tile_images_places_each_image_with_white_gaps():
    rows = [torch.zeros(3, 4), torch.ones(2, 4)]  # 2x2 images; the second row is short
    mosaic = tile_images(rows, (2, 2), pad=1)
    assert mosaic.shape == (2 * 3 - 1, 3 * 3 - 1)
    assert (mosaic[:2, :2] == 0).all() and (mosaic[3:, 3:5] == 1).all()
    assert np.isnan(mosaic[2]).all()  # the gap between rows
    assert np.isnan(mosaic[3:, 6:]).all()  # after the short row
    with pytest.raises(ValueError, match="rows is empty"):
        tile_images([], (2, 2))


def test_image_grid_labels_columns():
    fig = image_grid([torch.rand(3, 4)], (2, 2), col_labels=["a", "b", "c"])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["a", "b", "c"]
    plt.close(fig)
    with pytest.raises(ValueError, match="col_labels has 4 entries for 3 columns"):
        image_grid([torch.rand(3, 4)], (2, 2), col_labels=list("abcd"))


def test_image_grid_checks_labels():
    with pytest.raises(ValueError, match="row_labels"):
        image_grid([torch.rand(2, 4)], (2, 2), row_labels=["a", "b"])


@pytest.mark.parametrize(
    "draw, labels",
    [
        ("plot_autoencoder_diagram", ["encoder $f$", "decoder $g$", "loss $\\Delta(x, \\hat x)$"]),
        ("plot_vae_forward_pass", ["encoder", "decoder", "$-\\log p(x \\mid z)$"]),
        ("plot_reparameterization_graphs", ["$u(z)$", "$z \\sim q_\\phi(z)$"]),
    ],
)
def test_diagrams_draw_their_nodes_and_arrows(draw, labels):
    import aecourse.plotting as plotting

    fig = getattr(plotting, draw)()
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    for label in labels:
        assert label in texts, (label, texts)
    arrows = [t for ax in fig.axes for t in ax.texts if getattr(t, "arrow_patch", None)]
    assert len(arrows) >= 2
    fig.canvas.draw()  # the arrows are clipped to their boxes at draw time: this must work
    plt.close(fig)
