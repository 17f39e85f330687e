"""Exercises of the chapter "Autoencoders": reference solutions and checks.

Each ``check_<exercise>(answer)`` calls the student's function and the reference
below on fresh random inputs (a seeded generator), prints ✅ or ❌ with a hint,
and returns a :class:`CheckResult` (true when the answer passed).  It never raises.
"""

from __future__ import annotations

import math

import torch

from aecourse._validate import check_tensor
from aecourse.exercises._core import CheckResult, check_function, seeded

# --- reference solutions --------------------------------------------------------------


def reference_subspace_angle(u: torch.Tensor, v: torch.Tensor) -> float:
    """Largest principal angle, in degrees, between the column spans of u and v.

    ``u`` and ``v`` are (D, k) with linearly independent columns.  With
    orthonormal bases Q_u, Q_v of the two spans, the singular values of
    Q_u^T Q_v are the cosines of the k principal angles; the largest angle has
    the smallest cosine.  For k = 1 this is the angle between two lines,
    arccos(|u . v| / (||u|| ||v||)), in [0, 90].  Returns a Python float.
    """
    check_tensor("u", u, ndim=2)
    check_tensor("v", v, ndim=2)
    if u.shape != v.shape:
        raise ValueError(
            f"u and v must have the same shape (D, k), got {tuple(u.shape)} and {tuple(v.shape)}"
        )
    if u.shape[1] > u.shape[0]:
        raise ValueError(f"u must have at most D columns, got shape {tuple(u.shape)}")
    q_u = torch.linalg.qr(u.double())[0]  # (D, k)
    q_v = torch.linalg.qr(v.double())[0]  # (D, k)
    # cos(theta_max) = smallest singular value of Q_u^T Q_v
    cos_max = torch.linalg.svdvals(q_u.T @ q_v).min()
    # sin(theta_max) = largest singular value of the part of Q_v outside span(u)
    # (more accurate than arccos for small angles)
    sin_max = torch.linalg.svdvals(q_v - q_u @ (q_u.T @ q_v)).max()
    return math.degrees(float(torch.atan2(sin_max, cos_max)))


def reference_pca_reconstruction_error(
    x_train: torch.Tensor, x_test: torch.Tensor, k: int
) -> float:
    """Mean over the test rows of ||x - x_hat||^2, with x_hat the projection of x
    onto the k principal directions of the training data (fitted with the
    training mean).  k = 0 keeps only the mean: x_hat = mean of x_train.
    """
    check_tensor("x_train", x_train, ndim=2)
    check_tensor("x_test", x_test, ndim=2, last_dim=x_train.shape[1])
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= min(x_train.shape):
        raise ValueError(f"k must be an int in [0, {min(x_train.shape)}], got {k!r}")
    mean = x_train.mean(dim=0)  # (D,)
    # X_train - mean = U S V^T; the first k rows of V^T span the principal subspace
    v_k = torch.linalg.svd(x_train - mean, full_matrices=False)[2][:k]  # (k, D)
    # x_hat = mean + (x - mean) V_k V_k^T
    x_hat = mean + (x_test - mean) @ v_k.T @ v_k  # (B, D)
    return float((x_test - x_hat).pow(2).sum(dim=1).mean())


def reference_nearest_neighbour_error(x_train: torch.Tensor, x_test: torch.Tensor) -> float:
    """Mean over the test rows of min_i ||x - x_train[i]||^2: the error of a
    'reconstruction' that returns the closest stored training example.
    """
    check_tensor("x_train", x_train, ndim=2)
    check_tensor("x_test", x_test, ndim=2, last_dim=x_train.shape[1])
    # ||x - x_i||^2 for every test row x and training row x_i
    sq_dist = (x_test[:, None, :] - x_train[None, :, :]).pow(2).sum(dim=2)  # (B, N)
    return float(sq_dist.min(dim=1).values.mean())


# --- checks ---------------------------------------------------------------------------


def check_subspace_angle(student_fn) -> CheckResult:
    """Check ``subspace_angle(u, v)`` (degrees) on random subspaces, including
    two bases of the same subspace (0 degrees) and orthogonal ones (90 degrees)."""
    g = seeded(2)
    cases = []
    for d, k in [(2, 1), (5, 1), (6, 2), (10, 3)]:
        u = torch.randn(d, k, generator=g, dtype=torch.float64)
        v = torch.randn(d, k, generator=g, dtype=torch.float64)
        cases.append((u, v))
    u = torch.randn(7, 2, generator=g, dtype=torch.float64)
    mix = torch.tensor([[2.0, 1.0], [-1.0, 3.0]], dtype=torch.float64)  # invertible
    cases.append((u, -u @ mix))  # same span, other basis: 0 degrees
    e = torch.eye(4, dtype=torch.float64)
    cases.append((e[:, :2], e[:, 2:]))  # orthogonal planes: 90 degrees
    return check_function(
        "subspace_angle",
        student_fn,
        reference_subspace_angle,
        cases,
        hint=(
            "orthonormalise each basis (torch.linalg.qr), take the smallest singular value "
            "of Q_u^T Q_v as the cosine of the largest angle, clamp it to [-1, 1] before "
            "arccos, and return degrees (math.degrees or torch.rad2deg)"
        ),
        atol=1e-4,
        rtol=1e-6,
    )


def check_pca_reconstruction_error(student_fn) -> CheckResult:
    """Check ``pca_reconstruction_error(x_train, x_test, k)`` on random
    correlated data that is not centred, for k = 0 (the mean) up to k = D."""
    g = seeded(3)
    cases = []
    for n, d, k in [(40, 5, 2), (30, 4, 1), (50, 6, 0), (25, 3, 3)]:
        mixing = torch.randn(d, d, generator=g, dtype=torch.float64)
        shift = 2.0 + torch.randn(d, generator=g, dtype=torch.float64)
        x_train = torch.randn(n, d, generator=g, dtype=torch.float64) @ mixing + shift
        x_test = torch.randn(10, d, generator=g, dtype=torch.float64) @ mixing + shift
        cases.append((x_train, x_test, k))
    return check_function(
        "pca_reconstruction_error",
        student_fn,
        reference_pca_reconstruction_error,
        cases,
        hint=(
            "centre BOTH sets with the training mean; the directions are the first k rows "
            "of V^T in torch.linalg.svd(x_train - mean); add the mean back; sum the squared "
            "error over dimensions, then average over test rows (k = 0 keeps only the mean)"
        ),
        atol=1e-8,
        rtol=1e-6,
    )


def check_nearest_neighbour_error(student_fn) -> CheckResult:
    """Check ``nearest_neighbour_error(x_train, x_test)`` on random data."""
    g = seeded(4)
    cases = []
    for n, b, d in [(8, 5, 2), (20, 12, 6), (3, 30, 10)]:
        x_train = torch.rand(n, d, generator=g, dtype=torch.float64)
        x_test = torch.rand(b, d, generator=g, dtype=torch.float64)
        cases.append((x_train, x_test))
    return check_function(
        "nearest_neighbour_error",
        student_fn,
        reference_nearest_neighbour_error,
        cases,
        hint=(
            "torch.cdist(x_test, x_train) holds every distance, shape (B, N); keep the "
            "smallest of each row, SQUARE it, then average over the test rows"
        ),
        atol=1e-8,
        rtol=1e-6,
    )
