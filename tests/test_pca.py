"""aecourse.pca against scikit-learn's PCA (an independent implementation)."""

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA as SklearnPCA

from aecourse.pca import fit_pca


def _data(n=60, d=5, seed=0):
    # correlated, non-centred data with well separated variances
    g = torch.Generator().manual_seed(seed)
    scales = torch.tensor([5.0, 3.0, 2.0, 1.0, 0.5], dtype=torch.float64)[:d]
    mixing = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))[0]
    return torch.randn(n, d, generator=g, dtype=torch.float64) * scales @ mixing + 3.0


@pytest.mark.parametrize("k", [1, 2, 4])
def test_matches_sklearn(k):
    x = _data()
    ours = fit_pca(x, k)
    ref = SklearnPCA(n_components=k, svd_solver="full").fit(x.numpy())
    np.testing.assert_allclose(ours.mean.numpy(), ref.mean_, atol=1e-12)
    # same sign convention as scikit-learn: the directions agree entry by entry
    np.testing.assert_allclose(ours.components.numpy(), ref.components_, atol=1e-10)
    np.testing.assert_allclose(ours.explained_variance.numpy(), ref.explained_variance_, rtol=1e-10)
    x_new = _data(n=20, seed=1)
    np.testing.assert_allclose(
        ours.project(x_new).numpy(), ref.transform(x_new.numpy()), atol=1e-10
    )
    np.testing.assert_allclose(
        ours.reconstruct(x_new).numpy(),
        ref.inverse_transform(ref.transform(x_new.numpy())),
        atol=1e-10,
    )


def test_directions_orthonormal_and_residual_orthogonal():
    x = _data()
    pca = fit_pca(x, 3)
    torch.testing.assert_close(pca.components @ pca.components.T, torch.eye(3, dtype=x.dtype))
    residual = x - pca.reconstruct(x)  # (N, D)
    # the reconstruction is an orthogonal projection: the residual has no component in the subspace
    assert residual.matmul(pca.components.T).abs().max() < 1e-10
    assert pca.num_components == 3


def test_full_rank_reconstruction_is_exact():
    x = _data(d=4)
    pca = fit_pca(x, 4)
    torch.testing.assert_close(pca.reconstruct(x), x)


def test_truncate_equals_a_smaller_fit():
    x = _data()
    small, large = fit_pca(x, 2), fit_pca(x, 4).truncate(2)
    for name in ("mean", "components", "explained_variance"):
        torch.testing.assert_close(getattr(large, name), getattr(small, name))
    with pytest.raises(ValueError, match="num_components must be <= 4"):
        fit_pca(x, 4).truncate(5)


def test_float32_shapes():
    x = _data().float()
    pca = fit_pca(x, 2)
    assert pca.project(x).shape == (60, 2)
    assert pca.decode(torch.zeros(7, 2)).shape == (7, 5)
    assert pca.reconstruct(x).dtype == torch.float32


def test_bad_input():
    x = _data()
    with pytest.raises(ValueError, match="num_components"):
        fit_pca(x, 6)
    with pytest.raises(ValueError, match="num_components"):
        fit_pca(x, 0)
    with pytest.raises(TypeError, match="num_components"):
        fit_pca(x, 1.5)
    with pytest.raises(ValueError, match="x must have 2 dimensions"):
        fit_pca(x[0], 1)
    with pytest.raises(ValueError, match="at least 2 rows"):
        fit_pca(x[:1], 1)
    bad = x.clone()
    bad[0, 0] = float("nan")
    with pytest.raises(ValueError, match="x contains NaN"):
        fit_pca(bad, 1)
    with pytest.raises(TypeError, match="x must be a floating-point"):
        fit_pca(torch.ones(5, 2, dtype=torch.int64), 1)
    pca = fit_pca(x, 2)
    with pytest.raises(ValueError, match="x must have last dimension 5"):
        pca.project(torch.zeros(3, 4, dtype=x.dtype))
    with pytest.raises(ValueError, match="h must have last dimension 2"):
        pca.decode(torch.zeros(3, 3, dtype=x.dtype))


def test_dtype_mismatch_is_explained():
    fit32 = fit_pca(torch.randn(20, 4), 2)
    with pytest.raises(TypeError, match=r"x has dtype torch.float64 .* convert with x.float\(\)"):
        fit32.project(torch.randn(3, 4, dtype=torch.float64))
    with pytest.raises(TypeError, match="h has dtype torch.float64"):
        fit32.decode(torch.randn(3, 2, dtype=torch.float64))
