"""Tests of the package code behind 02c's overcomplete comparison: the linear probe
(:func:`aecourse.diagnostics.linear_probe_accuracy`) and the spectrum figure
(:func:`aecourse.plotting.plot_singular_values`)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from aecourse.diagnostics import linear_probe_accuracy
from aecourse.plotting import plot_singular_values


def _blobs(n_per_class: int, classes: int, dim: int, spread: float, seed: int):
    """Gaussian blobs around well-separated centres: codes (N, dim), labels (N,)."""
    gen = torch.Generator().manual_seed(seed)
    centres = 10 * torch.eye(classes, dim)  # (classes, dim)
    y = torch.arange(classes).repeat_interleave(n_per_class)  # (N,)
    h = centres[y] + spread * torch.randn(len(y), dim, generator=gen)
    return h, y


def test_probe_separates_separable_codes_and_not_uninformative_ones():
    h_train, y_train = _blobs(30, 4, 6, 0.5, seed=0)
    h_test, y_test = _blobs(20, 4, 6, 0.5, seed=1)
    assert linear_probe_accuracy(h_train, y_train, h_test, y_test, per_class=5) == 1.0
    gen = torch.Generator().manual_seed(2)
    noise_train, noise_test = torch.randn(120, 6, generator=gen), torch.randn(400, 6, generator=gen)
    chance = linear_probe_accuracy(noise_train, y_train, noise_test, y_test.repeat(5), per_class=5)
    assert chance < 0.45  # 4 classes: chance is 0.25


def test_probe_trains_on_per_class_examples_of_each_class_like_sklearn():
    h_train, y_train = _blobs(30, 3, 5, 6.0, seed=3)  # overlapping: the pick matters
    h_test, y_test = _blobs(50, 3, 5, 6.0, seed=4)
    ours = linear_probe_accuracy(h_train, y_train, h_test, y_test, per_class=4, seed=7)
    assert ours == linear_probe_accuracy(h_train, y_train, h_test, y_test, per_class=4, seed=7)
    # the same pick by hand, then scikit-learn directly
    rng = np.random.default_rng(7)
    labels = y_train.numpy()
    pick = np.concatenate(
        [rng.choice(np.flatnonzero(labels == c), 4, replace=False) for c in range(3)]
    )
    probe = LogisticRegression(max_iter=5000).fit(h_train.double().numpy()[pick], labels[pick])
    assert ours == pytest.approx(probe.score(h_test.double().numpy(), y_test.numpy()))
    # all the training codes as the pick: the same as fitting on everything
    everything = LogisticRegression(max_iter=5000).fit(h_train.double().numpy(), labels)
    assert linear_probe_accuracy(h_train, y_train, h_test, y_test, per_class=30) == pytest.approx(
        everything.score(h_test.double().numpy(), y_test.numpy())
    )


@pytest.mark.parametrize(
    "change, error, fragment",
    [
        ({"h_train": np.zeros((6, 2))}, TypeError, "h_train"),
        ({"h_test": torch.zeros(4, 3)}, ValueError, "h_test"),
        ({"y_train": torch.zeros(6)}, TypeError, "y_train"),
        ({"y_train": torch.zeros(5, dtype=torch.int64)}, ValueError, "y_train"),
        ({"y_test": torch.zeros(4, 1, dtype=torch.int64)}, ValueError, "y_test"),
        ({"per_class": 0}, ValueError, "per_class"),
        ({"per_class": 4}, ValueError, "per_class"),
        ({"per_class": 1.5}, TypeError, "per_class"),
        ({"seed": -1}, ValueError, "seed"),
        ({"y_train": torch.zeros(6, dtype=torch.int64)}, ValueError, "y_train"),
    ],
)
def test_probe_bad_inputs_name_the_argument(change, error, fragment):
    args = {
        "h_train": torch.randn(6, 2),
        "y_train": torch.tensor([0, 0, 0, 1, 1, 1]),
        "h_test": torch.randn(4, 2),
        "y_test": torch.tensor([0, 1, 0, 1]),
        "per_class": 2,
    }
    args.update(change)
    with pytest.raises(error, match=fragment):
        linear_probe_accuracy(**args)


def test_plot_singular_values_draws_one_sorted_line_per_model():
    fig = plot_singular_values({"a": torch.tensor([0.5, 2.0, 1.0]), "b": [3.0, 1.0, 0.1]})
    lines = [line for line in fig.axes[0].get_lines() if line.get_label() in ("a", "b")]
    assert [line.get_label() for line in lines] == ["a", "b"]
    np.testing.assert_allclose(lines[0].get_ydata(), [2.0, 1.0, 0.5])  # largest first
    assert fig.axes[0].get_xlabel() and fig.axes[0].get_ylabel()
    plt.close(fig)
    plt.close(plot_singular_values({"a": [1.0, 0.5]}, reference=None))


@pytest.mark.parametrize(
    "spectra, kwargs, error, fragment",
    [
        ([1.0, 0.5], {}, TypeError, "spectra"),
        ({}, {}, ValueError, "spectra"),
        ({"a": torch.ones(2, 2)}, {}, ValueError, "spectra"),
        ({"a": [1.0, float("nan")]}, {}, ValueError, "spectra"),
        ({"a": [1.0]}, {"reference": -1.0}, ValueError, "reference"),
    ],
)
def test_plot_singular_values_bad_inputs_name_the_argument(spectra, kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        plot_singular_values(spectra, **kwargs)
