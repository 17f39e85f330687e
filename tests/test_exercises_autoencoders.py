"""Exercises of the chapter "Autoencoders": references against independent
implementations, and every check on a correct, a wrong and an unfinished answer."""

import math

import numpy as np
import pytest
import torch
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA as SklearnPCA

from aecourse.exercises.autoencoders import (
    check_nearest_neighbour_error,
    check_pca_reconstruction_error,
    check_subspace_angle,
    reference_nearest_neighbour_error,
    reference_pca_reconstruction_error,
    reference_subspace_angle,
)

# --- reference solutions against independent references -------------------------------


@pytest.mark.parametrize("d,k", [(2, 1), (5, 2), (9, 4)])
def test_subspace_angle_matches_scipy(d, k):
    g = torch.Generator().manual_seed(d)
    u = torch.randn(d, k, generator=g, dtype=torch.float64)
    v = torch.randn(d, k, generator=g, dtype=torch.float64)
    expected = math.degrees(subspace_angles(u.numpy(), v.numpy()).max())
    assert reference_subspace_angle(u, v) == pytest.approx(expected, abs=1e-9)


def test_subspace_angle_lines_and_small_angles():
    u = torch.tensor([[1.0], [0.0]], dtype=torch.float64)
    # lines ignore sign and length
    assert reference_subspace_angle(
        u, torch.tensor([[-3.0], [0.0]], dtype=torch.float64)
    ) == pytest.approx(0.0, abs=1e-12)
    theta = 1e-6  # radians: arccos in float64 would lose most digits here
    v = torch.tensor([[math.cos(theta)], [math.sin(theta)]], dtype=torch.float64)
    assert reference_subspace_angle(u, v) == pytest.approx(math.degrees(theta), rel=1e-8)
    v = torch.tensor([[1.0], [1.0]], dtype=torch.float64)
    assert reference_subspace_angle(u, v) == pytest.approx(45.0, abs=1e-10)


@pytest.mark.parametrize("k", [1, 2, 4])
def test_pca_reconstruction_error_matches_sklearn(k):
    g = torch.Generator().manual_seed(k)
    mixing = torch.randn(5, 5, generator=g, dtype=torch.float64)
    x_train = torch.randn(50, 5, generator=g, dtype=torch.float64) @ mixing + 4.0
    x_test = torch.randn(20, 5, generator=g, dtype=torch.float64) @ mixing + 4.0
    ref = SklearnPCA(n_components=k, svd_solver="full").fit(x_train.numpy())
    x_hat = ref.inverse_transform(ref.transform(x_test.numpy()))
    expected = ((x_test.numpy() - x_hat) ** 2).sum(axis=1).mean()
    assert reference_pca_reconstruction_error(x_train, x_test, k) == pytest.approx(
        expected, rel=1e-10
    )


def test_pca_reconstruction_error_k0_is_the_mean_and_kD_is_exact():
    g = torch.Generator().manual_seed(0)
    x_train = torch.randn(30, 4, generator=g, dtype=torch.float64) + 1.0
    x_test = torch.randn(10, 4, generator=g, dtype=torch.float64)
    expected = ((x_test - x_train.mean(0)) ** 2).sum(1).mean().item()
    assert reference_pca_reconstruction_error(x_train, x_test, 0) == pytest.approx(
        expected, rel=1e-12
    )
    assert reference_pca_reconstruction_error(x_train, x_test, 4) == pytest.approx(0.0, abs=1e-20)


def test_nearest_neighbour_error_brute_force():
    rng = np.random.default_rng(0)
    x_train, x_test = rng.random((7, 3)), rng.random((5, 3))
    expected = np.mean([min(((t - s) ** 2).sum() for s in x_train) for t in x_test])
    got = reference_nearest_neighbour_error(torch.as_tensor(x_train), torch.as_tensor(x_test))
    assert got == pytest.approx(expected, rel=1e-12)


def test_reference_bad_input():
    a = torch.zeros(4, 2)
    with pytest.raises(ValueError, match="u and v must have the same shape"):
        reference_subspace_angle(a, torch.zeros(4, 1))
    with pytest.raises(ValueError, match="u must have at most D columns"):
        reference_subspace_angle(torch.zeros(2, 3), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="u must have 2 dimensions"):
        reference_subspace_angle(torch.zeros(4), torch.zeros(4))
    with pytest.raises(ValueError, match="k must be an int"):
        reference_pca_reconstruction_error(a, a, 3)
    with pytest.raises(ValueError, match="k must be an int"):
        reference_pca_reconstruction_error(a, a, -1)
    with pytest.raises(ValueError, match="x_test must have last dimension 2"):
        reference_pca_reconstruction_error(a, torch.zeros(3, 3), 1)
    with pytest.raises(ValueError, match="x_test must have last dimension 2"):
        reference_nearest_neighbour_error(a, torch.zeros(3, 3))
    with pytest.raises(TypeError, match="x_train must be a torch.Tensor"):
        reference_nearest_neighbour_error(np.zeros((3, 2)), a)


# --- the checks -------------------------------------------------------------------------


def _lines(capsys):
    return capsys.readouterr().out


def test_check_subspace_angle(capsys):
    assert check_subspace_angle(reference_subspace_angle)
    assert "✅ subspace_angle: correct" in _lines(capsys)

    def unfinished(u, v):
        return None  # your code here

    assert not check_subspace_angle(unfinished)
    out = _lines(capsys)
    assert "❌ subspace_angle" in out and "None" in out and "Hint:" in out

    def radians(u, v):
        return math.radians(reference_subspace_angle(u, v))

    assert not check_subspace_angle(radians)
    assert "degrees" in _lines(capsys)

    def smallest_angle(u, v):  # a common slip: the largest singular value
        q_u, q_v = torch.linalg.qr(u)[0], torch.linalg.qr(v)[0]
        cos = torch.linalg.svdvals(q_u.T @ q_v).max().clamp(-1, 1)
        return math.degrees(math.acos(cos))

    assert not check_subspace_angle(smallest_angle)
    assert "❌ subspace_angle: on test case 3" in _lines(capsys)

    def signed(u, v):  # forgets that a line has no direction
        cos = (u[:, 0] @ v[:, 0]) / (u[:, 0].norm() * v[:, 0].norm())
        return math.degrees(math.acos(cos.clamp(-1, 1)))

    assert not check_subspace_angle(signed)
    assert "❌" in _lines(capsys)


def test_check_pca_reconstruction_error(capsys):
    assert check_pca_reconstruction_error(reference_pca_reconstruction_error)
    assert "✅ pca_reconstruction_error: correct" in _lines(capsys)

    assert not check_pca_reconstruction_error(lambda x_train, x_test, k: None)
    assert "None" in _lines(capsys)

    def test_mean(x_train, x_test, k):  # centres the test set with its own mean
        mean = x_train.mean(0)
        v_k = torch.linalg.svd(x_train - mean, full_matrices=False)[2][:k]
        centred = x_test - x_test.mean(0)
        return float((centred - centred @ v_k.T @ v_k).pow(2).sum(1).mean())

    assert not check_pca_reconstruction_error(test_mean)
    assert "training mean" in _lines(capsys)

    def not_centred(x_train, x_test, k):
        v_k = torch.linalg.svd(x_train, full_matrices=False)[2][:k]
        return float((x_test - x_test @ v_k.T @ v_k).pow(2).sum(1).mean())

    assert not check_pca_reconstruction_error(not_centred)

    def crashes(x_train, x_test, k):
        raise RuntimeError("boom")

    assert not check_pca_reconstruction_error(crashes)
    assert "raised RuntimeError: boom" in _lines(capsys)


def test_check_nearest_neighbour_error(capsys):
    assert check_nearest_neighbour_error(reference_nearest_neighbour_error)
    assert "✅ nearest_neighbour_error: correct" in _lines(capsys)

    def stub(x_train, x_test):
        return None  # your code here

    assert not check_nearest_neighbour_error(stub)
    assert "your answer is None" in _lines(capsys)

    def not_squared(x_train, x_test):
        return float(torch.cdist(x_test, x_train).min(dim=1).values.mean())

    assert not check_nearest_neighbour_error(not_squared)
    assert "SQUARE" in _lines(capsys)

    def solution(x_train, x_test):
        return float(torch.cdist(x_test, x_train).min(dim=1).values.pow(2).mean())

    assert check_nearest_neighbour_error(solution)
