"""Measurements of a trained model: what its latent space holds and how its code moves.

- VAEs: the KL of each latent dimension, the variance of the posterior means and the
  number of active units (Burda et al., 2016), a grid of 2-D codes at prior
  quantiles, straight-line interpolation between codes;
- encoders: the Jacobian J_f(x) = dh/dx at every example (autograd, ``torch.func``)
  and the rate ||J_f(x) v|| at which the code moves along a direction v;
- geometry: the distance from points to the data, the principal angles between
  two subspaces;
- codes: the test accuracy of a linear probe trained on the codes of a few labelled
  examples (scikit-learn's logistic regression).

Every function checks its arguments and returns tensors (the probe: a number);
:mod:`aecourse.plotting` draws them.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable

import torch
from torch.func import jacfwd, jacrev, vmap

from aecourse._validate import (
    check_callable,
    check_int,
    check_positive_int,
    check_positive_number,
    check_same_dtype,
    check_same_shape,
    check_tensor,
)
from aecourse.gaussian import kl_normal_std_normal_per_dim
from aecourse.models import VAE, check_vae

# --- The latent space of a VAE -----------------------------------------------------------


@torch.no_grad()
def kl_per_dim(model: VAE, x: torch.Tensor) -> torch.Tensor:
    """KL(q(z_k|x) || N(0, 1)) of each latent dimension k, averaged over ``x``: (K,)."""
    check_vae(model)
    mu, logvar = model.encode(x)  # (B, K) each
    return kl_normal_std_normal_per_dim(mu, logvar).mean(dim=0)


@torch.no_grad()
def posterior_mean_variance(model: VAE, x: torch.Tensor) -> torch.Tensor:
    """Cov_x(E_q[z_k]): how much the posterior mean of each dimension varies over ``x``: (K,).

    A variance over examples: ``x`` needs at least 2 rows.
    """
    check_vae(model)
    check_tensor("x", x, ndim=2)
    if x.shape[0] < 2:
        raise ValueError(
            f"x must hold at least 2 examples to measure how the posterior mean varies "
            f"over them, got shape {tuple(x.shape)}"
        )
    mu, _ = model.encode(x)
    return mu.var(dim=0)


def count_active_units(model: VAE, x: torch.Tensor, threshold: float = 0.01) -> int:
    """The number of active units (Burda et al., 2016): dimensions with Cov_x(E_q[z_k]) > threshold."""
    threshold = check_positive_number("threshold", threshold)
    return int((posterior_mean_variance(model, x) > threshold).sum())


def latent_grid(n: int) -> torch.Tensor:
    """An n x n grid of 2-D codes at equally spaced quantiles of N(0, 1): (n*n, 2).

    The coordinates are Phi^{-1}((i + 0.5) / n), i = 0..n-1 (Phi^{-1} is the normal
    inverse CDF), so each cell covers the same prior probability. Rows go from
    high z_2 (top) to low z_2 (bottom), as an image is drawn.
    """
    check_positive_int("n", n)
    quantiles = (torch.arange(n, dtype=torch.float32) + 0.5) / n
    values = torch.distributions.Normal(0.0, 1.0).icdf(quantiles)  # (n,)
    z2, z1 = torch.meshgrid(values.flip(0), values, indexing="ij")  # (n, n) each
    return torch.stack([z1.reshape(-1), z2.reshape(-1)], dim=1)  # (n*n, 2)


def interpolate(z0: torch.Tensor, z1: torch.Tensor, num_steps: int) -> torch.Tensor:
    """Points on the straight line from z0 to z1: z(t) = (1 - t) z0 + t z1, t in [0, 1].

    Shapes: ``z0`` and ``z1`` are (K,); returns (num_steps, K), first z0, last z1,
    so ``num_steps`` is at least 2.
    """
    check_tensor("z0", z0, ndim=1)
    check_tensor("z1", z1, ndim=1)
    check_same_shape("z0", z0, "z1", z1)
    num_steps = check_int("num_steps", num_steps, minimum=2)
    t = torch.linspace(0.0, 1.0, num_steps, dtype=z0.dtype, device=z0.device)[:, None]
    # z(t) = (1 - t) z0 + t z1
    return (1.0 - t) * z0 + t * z1


# --- How the code moves: Jacobians of the encoder -----------------------------------------


@contextlib.contextmanager
def _no_jit_script_warning():
    """Hide torch's "`torch.jit.script` is deprecated" warning, and only it.

    torch emits it from inside itself (``torch/jit/_script.py``, while it loads its
    forward-mode decompositions) the first time a process uses forward-mode autograd
    (``torch.func.jvp``, ``jacfwd``), about nothing aecourse does: a FutureWarning, shown
    by default, from torch 2.14 on; a DeprecationWarning, hidden by default, in earlier
    releases (2.13 among them).
    """
    with warnings.catch_warnings():
        for category in (FutureWarning, DeprecationWarning):
            warnings.filterwarnings(
                "ignore",
                message=r"`torch\.jit\.script` is deprecated",
                category=category,
                module=r"torch\.jit\._script",
            )
        yield


def _check_rowwise_output(f, x: torch.Tensor) -> torch.Tensor:
    """f maps the first row of x, shape (1, D), to one code row, shape (1, H); returns it."""
    with torch.no_grad():
        h = f(x[:1])
    if not isinstance(h, torch.Tensor) or h.dim() != 2 or h.shape[0] != 1:
        got = tuple(h.shape) if isinstance(h, torch.Tensor) else type(h).__name__
        raise ValueError(
            f"f must map a batch (B, D) to codes (B, H) row by row; f(x[:1]) gave {got}"
        )
    return h


def jacobian(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, mode: str = "auto"
) -> torch.Tensor:
    """The Jacobian J_f(x_i) = dh/dx of a row-wise map h = f(x) at every row x_i.

    ``x`` is (B, D) and ``f`` maps (B, D) to (B, H), each row independently; returns
    (B, H, D), built with ``torch.func.vmap`` over ``jacrev`` (one reverse pass per
    code unit, for H <= D) or ``jacfwd`` (one forward pass per input, for D < H);
    ``mode`` = "rev", "fwd" or "auto". The result is differentiable, so it can be
    part of a training loss.
    """
    check_callable("f", f, "a function of x (B, D) -> h (B, H), e.g. model.encode")
    check_tensor("x", x, ndim=2)
    if mode not in ("auto", "rev", "fwd"):
        raise ValueError(f"mode must be 'auto', 'rev' or 'fwd', got {mode!r}")
    h = _check_rowwise_output(f, x)  # (1, H)

    def f_one(x_i: torch.Tensor) -> torch.Tensor:  # (D,) -> (H,)
        return f(x_i.unsqueeze(0)).squeeze(0)

    if mode == "auto":
        mode = "fwd" if x.shape[1] < h.shape[1] else "rev"
    if mode == "rev":
        return vmap(jacrev(f_one))(x)  # (B, H, D)
    with _no_jit_script_warning():  # jacfwd is forward mode, like jvp
        return vmap(jacfwd(f_one))(x)  # (B, H, D)


def directional_sensitivity(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, v: torch.Tensor
) -> torch.Tensor:
    """||J_f(x_i) v_i|| for each row: how fast the code moves when x_i moves along v_i.

    ``x`` and ``v`` are (B, D) (``v`` unit vectors for a rate per unit length);
    one forward-mode pass (``torch.func.jvp``); returns (B,).
    """
    check_tensor("x", x, ndim=2)
    check_callable("f", f, "a function of x (B, D) -> h (B, H), e.g. model.encode")
    check_tensor("v", v, ndim=2)
    check_same_shape("x", x, "v", v)
    check_same_dtype("v", v, "x", x.dtype)
    _check_rowwise_output(f, x)
    # rows are independent, so the JVP of the batched map gives J_f(x_i) v_i row by row
    with _no_jit_script_warning():
        _, jv = torch.func.jvp(f, (x,), (v,))  # (B, H)
    return jv.norm(dim=1)


def circle_sensitivity(
    f: Callable[[torch.Tensor], torch.Tensor], theta: torch.Tensor, radius: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sensitivity of ``f`` along and across a circle, at the points of angle ``theta``.

    At x = r (cos t, sin t) the tangent is (-sin t, cos t) and the normal
    (cos t, sin t); returns (along, across), each ``||J_f(x) v||`` of shape (N,).
    """
    check_tensor("theta", theta, ndim=1)
    radius = check_positive_number("radius", radius)
    normal = torch.stack([torch.cos(theta), torch.sin(theta)], dim=1)  # (N, 2)
    tangent = torch.stack([-torch.sin(theta), torch.cos(theta)], dim=1)  # (N, 2)
    x = radius * normal
    return directional_sensitivity(f, x, tangent), directional_sensitivity(f, x, normal)


# --- Geometry ----------------------------------------------------------------------------


def distance_to_data(points: torch.Tensor, data: torch.Tensor) -> torch.Tensor:
    """Euclidean distance from each point to its nearest neighbour in ``data``.

    ``points`` is (B, D), ``data`` is (N, D); returns (B,).
    """
    check_tensor("points", points, ndim=2)
    check_tensor("data", data, ndim=2, last_dim=points.shape[1])
    check_same_dtype("data", data, "points", points.dtype)
    return torch.cdist(points, data).min(dim=1).values


def subspace_angles(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """Principal angles (radians, ascending) between the column spaces of A (D, K) and B (D, K).

    0 for every angle means the two matrices span the same subspace.
    """
    check_tensor("A", A, ndim=2)
    check_tensor("B", B, ndim=2, last_dim=A.shape[1])
    if A.shape != B.shape:
        raise ValueError(
            f"A and B must have the same shape, got {tuple(A.shape)} and {tuple(B.shape)}"
        )
    if A.shape[1] > A.shape[0]:
        raise ValueError(
            f"A and B have more columns ({A.shape[1]}) than rows ({A.shape[0]}): at most D "
            "directions span a subspace of R^D"
        )
    qa, ra = torch.linalg.qr(A)  # A = Q R: the columns of Q span the columns of A
    qb, rb = torch.linalg.qr(B)
    for name, r in (("A", ra), ("B", rb)):
        diag = r.diagonal().abs()
        if bool((diag <= 1e-10 * diag.max().clamp_min(1e-300)).any()) or not bool(diag.max() > 0):
            raise ValueError(f"{name}'s columns are linearly dependent: they span fewer dimensions")
    cosines = torch.linalg.svdvals(qa.T @ qb).clamp(max=1.0)  # descending
    return torch.arccos(cosines)


# --- What a code is good for ---------------------------------------------------------------


def linear_probe_accuracy(
    h_train: torch.Tensor,
    y_train: torch.Tensor,
    h_test: torch.Tensor,
    y_test: torch.Tensor,
    per_class: int = 10,
    seed: int = 0,
) -> float:
    """Test accuracy of a linear classifier trained on the codes of a few labelled examples.

    Draws ``per_class`` training rows of each class (NumPy generator seeded with ``seed``),
    fits scikit-learn's ``LogisticRegression`` on their codes ``h_train`` (N, H) and
    labels ``y_train`` (N,), and returns the fraction of rows of ``h_test`` (M, H) whose
    predicted class equals ``y_test`` (M,). Pass pixels as the codes for a baseline.
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    check_tensor("h_train", h_train, ndim=2)
    check_tensor("h_test", h_test, ndim=2, last_dim=h_train.shape[1])
    for name, y, h in (("y_train", y_train, h_train), ("y_test", y_test, h_test)):
        check_tensor(name, y, ndim=1, floating=False)
        if y.is_floating_point() or y.dtype == torch.bool:
            raise TypeError(f"{name} must hold integer class labels, got dtype {y.dtype}")
        if len(y) != len(h):
            raise ValueError(f"{name} has {len(y)} labels but its codes have {len(h)} rows")
    per_class = check_positive_int("per_class", per_class)
    seed = check_int("seed", seed, minimum=0)
    labels = y_train.cpu().numpy()
    classes, counts = np.unique(labels, return_counts=True)
    if len(classes) < 2:
        raise ValueError("y_train must hold at least two classes for a classifier")
    if counts.min() < per_class:
        raise ValueError(
            f"per_class must be at most {counts.min()}, the size of the smallest class of "
            f"y_train, got {per_class}"
        )
    rng = np.random.default_rng(seed)
    pick = np.concatenate(
        [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in classes]
    )  # per_class rows of each class
    features = h_train.detach().cpu().double().numpy()
    probe = LogisticRegression(max_iter=5000).fit(features[pick], labels[pick])
    test = h_test.detach().cpu().double().numpy()
    return float(probe.score(test, y_test.cpu().numpy()))
