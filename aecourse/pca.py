"""Principal component analysis (PCA) with ``torch.linalg.svd``.

PCA is the linear baseline of every autoencoder in the book.  Centre the
training data, X_c = X - mean, and take its thin singular value decomposition
X_c = U S V^T.  The first k rows of V^T are the principal directions: the
orthonormal basis of the k-dimensional subspace that keeps the most variance,
equivalently the one with the smallest squared reconstruction error.

- code (projection):   h = (x - mean) V_k,          shape (B, k)
- reconstruction:      x_hat = mean + h V_k^T,      shape (B, D)

scikit-learn's ``sklearn.decomposition.PCA`` computes the same thing; the tests
check that the two agree (directions, variances and reconstructions).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from aecourse._validate import check_positive_int, check_same_dtype, check_tensor


@dataclass(frozen=True)
class PCA:
    """A fitted PCA: the training mean and the first k principal directions."""

    mean: torch.Tensor  # (D,) mean of the training data
    components: torch.Tensor  # (k, D) principal directions, orthonormal rows
    explained_variance: torch.Tensor  # (k,) variance of the training data along each direction

    def __post_init__(self) -> None:
        check_tensor("mean", self.mean, ndim=1)
        check_tensor("components", self.components, ndim=2, last_dim=self.mean.shape[0])
        check_tensor("explained_variance", self.explained_variance, ndim=1)
        if self.explained_variance.shape[0] != self.components.shape[0]:
            raise ValueError(
                f"explained_variance must have one value per component "
                f"({self.components.shape[0]}), got shape {tuple(self.explained_variance.shape)}"
            )

    @property
    def num_components(self) -> int:
        """k, the number of principal directions kept."""
        return self.components.shape[0]

    def truncate(self, num_components: int) -> PCA:
        """The same fit keeping only the first ``num_components`` directions (no new SVD)."""
        check_positive_int("num_components", num_components)
        if num_components > self.num_components:
            raise ValueError(
                f"num_components must be <= {self.num_components} (the directions kept), "
                f"got {num_components}"
            )
        k = num_components
        return PCA(self.mean, self.components[:k], self.explained_variance[:k])

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """The code h = (x - mean) V_k, shape (B, k)."""
        check_tensor("x", x, ndim=2, last_dim=self.mean.shape[0])
        check_same_dtype("x", x, "the fitted PCA's tensors", self.mean.dtype)
        return (x - self.mean) @ self.components.T

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        """The point of the subspace with code h: mean + h V_k^T, shape (B, D)."""
        check_tensor("h", h, ndim=2, last_dim=self.num_components)
        check_same_dtype("h", h, "the fitted PCA's tensors", self.mean.dtype)
        return self.mean + h @ self.components

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """The orthogonal projection of x onto the principal subspace, shape (B, D)."""
        return self.decode(self.project(x))


def fit_pca(x: torch.Tensor, num_components: int) -> PCA:
    """Fit PCA with ``num_components`` directions to the rows of ``x`` (N, D).

    The sign of each direction is fixed as in scikit-learn: its entry of largest
    absolute value is positive.  The variances use the unbiased 1/(N - 1) factor,
    as scikit-learn's ``explained_variance_`` does.
    """
    check_tensor("x", x, ndim=2)
    check_positive_int("num_components", num_components)
    n, d = x.shape
    if n < 2:
        raise ValueError(f"x needs at least 2 rows to fit PCA, got shape {tuple(x.shape)}")
    if num_components > min(n, d):
        raise ValueError(
            f"num_components must be <= min(N, D) = {min(n, d)} for x of shape "
            f"{tuple(x.shape)}, got {num_components}"
        )
    mean = x.mean(dim=0)  # (D,)
    centred = x - mean
    if centred.device.type == "mps":  # SVD on Apple GPUs falls back to the CPU or loses accuracy
        centred = centred.cpu()
    # X - mean = U S V^T; the rows of V^T are the principal directions
    _, s, vt = torch.linalg.svd(centred, full_matrices=False)  # s: (min(N, D),), vt: (min(N, D), D)
    s, vt = s.to(x.device), vt.to(x.device)
    components = vt[:num_components]  # (k, D)
    largest = components.abs().argmax(dim=1)  # (k,)
    signs = torch.sign(components.gather(1, largest[:, None]))  # (k, 1)
    components = components * signs
    # variance along direction j: s_j^2 / (N - 1)
    explained_variance = s[:num_components].pow(2) / (n - 1)
    return PCA(mean, components, explained_variance)
