import matplotlib.pyplot as plt
import pytest
import torch

from aecourse.plotting import image_grid, plot_history, plot_reconstructions, scatter_2d
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
    axes = fig.axes
    assert len(axes) == 8
    assert axes[0].get_ylabel() == "original" and axes[4].get_ylabel() == "reconstruction"
    plt.close(fig)


def test_image_grid_checks_labels():
    with pytest.raises(ValueError, match="row_labels"):
        image_grid([torch.rand(2, 4)], (2, 2), row_labels=["a", "b"])
