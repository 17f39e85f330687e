"""Gradients of an expectation E_q[f(z)] with respect to the parameters of q.

The distribution is a diagonal Gaussian q(z) = N(mu, diag(std^2)) over R^D, and
``f`` maps a batch of samples of shape (..., D) to values of shape (...).  Two
Monte Carlo estimators of the gradient of E_q[f(z)] are implemented:

- the pathwise (reparameterization) estimator (Kingma & Welling, 2014): write
  z = mu + std * eps with eps ~ N(0, I) and differentiate f(z) through z;
- the score-function (REINFORCE) estimator (Williams, 1992): average
  (f(z) - b) * grad log q(z), where b is an optional baseline.

Both use autograd for every derivative: the parameters are copied once per
sample, so that ``.grad`` holds one gradient per sample, and the estimate is the
average over samples.  Running ``num_repeats`` independent estimates at once
gives their variance (:func:`gradient_stats`).

:func:`reconstruction_gradient_samples` applies both estimators to a VAE: the
gradient of E_q(z|x)[log p(x|z)] with respect to the encoder's outputs (mu,
logvar), one gradient per sample of z, for every example of a batch.

Also here: a central finite-difference gradient to check the estimators against.
The reparameterized samples themselves (diagonal and full covariance) are in
:mod:`aecourse.gaussian`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch.distributions import Normal

from aecourse._validate import (
    check_callable,
    check_dim,
    check_generator,
    check_positive_int,
    check_positive_number,
    check_std,
    check_tensor,
)

__all__ = [
    "GradientEstimate",
    "GradientSamples",
    "GradientStats",
    "finite_difference_gradient",
    "gradient_stats",
    "leave_one_out_mean",
    "pathwise_gradient",
    "reconstruction_gradient_samples",
    "score_function_gradient",
]


@dataclass
class GradientEstimate:
    """Estimates of the gradient of E_q[f(z)] for q = N(mu, diag(std^2)).

    Shapes: (D,) for one estimate, (R, D) for ``num_repeats=R`` independent ones.
    """

    mu: torch.Tensor  # d E_q[f] / d mu
    std: torch.Tensor  # d E_q[f] / d std


@dataclass
class GradientStats:
    """Mean and spread of R independent estimates of a D-dimensional gradient."""

    mean: torch.Tensor  # (D,) average of the R estimates
    variance: torch.Tensor  # (D,) unbiased variance of one estimate, per coordinate
    num_repeats: int  # R

    @property
    def std_error(self) -> torch.Tensor:
        """Standard error of ``mean``: sqrt(variance / R), shape (D,)."""
        return (self.variance / self.num_repeats).sqrt()

    @property
    def mean_variance(self) -> float:
        """Variance averaged over the D coordinates, trace(Cov) / D."""
        return float(self.variance.mean())


# --------------------------------------------------------------------------- checks


def _evaluate_f(f: Callable, z: torch.Tensor, name: str = "f") -> torch.Tensor:
    values = f(z)
    if not isinstance(values, torch.Tensor) or values.shape != z.shape[:-1]:
        got = tuple(values.shape) if isinstance(values, torch.Tensor) else type(values).__name__
        raise ValueError(
            f"{name} must map samples of shape (..., D) = {tuple(z.shape)} to values of shape "
            f"{tuple(z.shape[:-1])}, got {got}"
        )
    return values


# ----------------------------------------------------------------------- estimators


def leave_one_out_mean(values: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """b_n = (sum_m values_m - values_n) / (N - 1): the mean over the other N - 1 samples
    along ``dim`` (N >= 2), a baseline that does not depend on sample n itself."""
    check_tensor("values", values)
    dim = check_dim("dim", dim, values.dim())
    n = values.shape[dim]
    if n < 2:
        raise ValueError(
            f"values needs at least 2 samples along dim for a leave-one-out mean, got {n}"
        )
    # b_n = (sum_m f_m - f_n) / (N - 1)
    return (values.sum(dim=dim, keepdim=True) - values) / (n - 1)


def _per_sample_params(mu, std, shape):
    """Copies of mu and std of shape (..., N, D), leaves of the graph: after a backward
    pass, ``.grad`` holds one gradient per sample."""
    mu_s = mu.detach().expand(shape).clone().requires_grad_(True)
    std_s = std.detach().expand(shape).clone().requires_grad_(True)
    return mu_s, std_s


def _draw_eps(mu, num_samples, num_repeats, generator):
    check_generator("generator", generator)
    check_positive_int("num_samples", num_samples)
    if num_repeats is not None:
        check_positive_int("num_repeats", num_repeats)
    lead = (num_samples,) if num_repeats is None else (num_repeats, num_samples)
    return torch.randn(
        *lead, mu.shape[0], generator=generator, device=mu.device, dtype=mu.dtype
    )  # (N, D) or (R, N, D)


def pathwise_gradient(
    f: Callable[[torch.Tensor], torch.Tensor],
    mu: torch.Tensor,
    std: torch.Tensor,
    num_samples: int,
    num_repeats: int | None = None,
    generator: torch.Generator | None = None,
) -> GradientEstimate:
    """Pathwise (reparameterization) estimate of the gradient of E_q[f(z)].

        grad_theta E_q[f(z)] ≈ (1/N) sum_n grad_theta f(mu + std * eps_n),  eps_n ~ N(0, I)

    ``f`` maps (..., D) to (...) and must be differentiable.  Returns a
    :class:`GradientEstimate` with fields of shape (D,), or (R, D) for
    ``num_repeats=R`` independent estimates.
    """
    check_callable("f", f, "a function of z")
    check_std("std", std, mu)
    eps = _draw_eps(mu, num_samples, num_repeats, generator)
    mu_s, std_s = _per_sample_params(mu, std, eps.shape)
    with torch.enable_grad():
        # z_n = mu + sigma ⊙ eps_n: the noise is an input, the parameters stay on the path
        z = mu_s + std_s * eps
        values = _evaluate_f(f, z)
        if not values.requires_grad:
            raise ValueError(
                "f(z) does not depend on z through autograd (no .detach(), .item() or "
                "torch.no_grad() inside f): the pathwise estimator differentiates f"
            )
        values.sum().backward()
    # average the per-sample gradients over the N samples
    return GradientEstimate(mu=mu_s.grad.mean(dim=-2), std=std_s.grad.mean(dim=-2))


def score_function_gradient(
    f: Callable[[torch.Tensor], torch.Tensor],
    mu: torch.Tensor,
    std: torch.Tensor,
    num_samples: int,
    num_repeats: int | None = None,
    baseline: float | str | None = None,
    generator: torch.Generator | None = None,
) -> GradientEstimate:
    """Score-function (REINFORCE) estimate of the gradient of E_q[f(z)].

        grad_theta E_q[f(z)] ≈ (1/N) sum_n (f(z_n) - b_n) grad_theta log q(z_n),  z_n ~ q

    ``f`` is only evaluated, never differentiated.  The baseline b_n keeps the
    estimate unbiased as long as it does not depend on z_n, because
    E_q[grad_theta log q(z)] = 0:

    - ``None``: b_n = 0 (plain REINFORCE);
    - a number: b_n = that constant (e.g. an estimate of E_q[f] from other data);
    - ``"loo"``: leave-one-out, b_n = mean of f over the other N - 1 samples
      (needs N >= 2).

    log q comes from ``torch.distributions.Normal``.  Returns a
    :class:`GradientEstimate` with fields of shape (D,), or (R, D).
    """
    check_callable("f", f, "a function of z")
    check_std("std", std, mu)
    check_positive_int("num_samples", num_samples)
    if baseline == "loo":
        if num_samples < 2:
            raise ValueError(f"baseline='loo' needs num_samples >= 2, got {num_samples}")
    elif baseline is not None:
        if isinstance(baseline, str):
            raise ValueError(f"baseline must be None, a number or 'loo', got {baseline!r}")
        if isinstance(baseline, bool) or not isinstance(baseline, (int, float, np.number)):
            raise TypeError(
                f"baseline must be None, a number or 'loo', got {type(baseline).__name__}"
            )
        if not math.isfinite(baseline):
            raise ValueError(f"baseline must be finite, got {baseline}")
    eps = _draw_eps(mu, num_samples, num_repeats, generator)
    with torch.no_grad():
        z = mu + std * eps  # (..., N, D): samples only, no path back to the parameters
        f_z = _evaluate_f(f, z)  # (..., N)
        if not bool(torch.isfinite(f_z).all()):
            raise ValueError("f returned NaN or infinite values at some samples z")
    if baseline == "loo":
        b = leave_one_out_mean(f_z, dim=-1)
    else:
        b = 0.0 if baseline is None else float(baseline)
    mu_s, std_s = _per_sample_params(mu, std, eps.shape)
    with torch.enable_grad():
        # log q(z_n) = sum_d log N(z_nd; mu_d, std_d^2)
        log_qz = Normal(mu_s, std_s).log_prob(z).sum(dim=-1)  # (..., N)
        # surrogate whose gradient is (f(z_n) - b_n) grad log q(z_n), per sample
        ((f_z - b) * log_qz).sum().backward()
    return GradientEstimate(mu=mu_s.grad.mean(dim=-2), std=std_s.grad.mean(dim=-2))


def gradient_stats(estimates: torch.Tensor) -> GradientStats:
    """Mean, per-coordinate variance and standard error of R independent estimates.

    ``estimates`` has shape (R, D) with R >= 2 (e.g. ``pathwise_gradient(...,
    num_repeats=R).mu``); the variance is the unbiased one (divides by R - 1).
    """
    check_tensor("estimates", estimates, ndim=2)
    if estimates.shape[0] < 2:
        raise ValueError(
            f"estimates needs at least 2 rows (repeats), got shape {tuple(estimates.shape)}"
        )
    return GradientStats(
        mean=estimates.mean(dim=0),
        variance=estimates.var(dim=0, unbiased=True),
        num_repeats=estimates.shape[0],
    )


def _scalar(fn: Callable, x: torch.Tensor) -> torch.Tensor:
    value = fn(x)
    if not isinstance(value, torch.Tensor) or value.numel() != 1:
        got = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
        raise ValueError(f"fn must return a scalar tensor for a (D,) input, got {got}")
    if not bool(torch.isfinite(value).all()):
        raise ValueError(
            f"fn returned {float(value)} at x = {x.tolist()}: it must be finite near x"
        )
    return value.reshape(())


def finite_difference_gradient(
    fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, step: float = 1e-4
) -> torch.Tensor:
    """Central finite differences of a scalar function, in float64.

        d fn / d x_i ≈ (fn(x + h e_i) - fn(x - h e_i)) / (2 h)

    ``x`` has shape (D,); ``fn`` maps a (D,) tensor to a scalar; returns (D,).
    The error is O(h^2) for a smooth fn (plus rounding of order 1e-16 / h).
    """
    check_callable("fn", fn, "a function")
    check_tensor("x", x, ndim=1)
    check_positive_number("step", step)
    x64 = x.detach().double()
    grad = torch.empty_like(x64)
    with torch.no_grad():
        for i in range(x64.shape[0]):
            e_i = torch.zeros_like(x64)
            e_i[i] = step
            grad[i] = (_scalar(fn, x64 + e_i) - _scalar(fn, x64 - e_i)) / (2 * step)
    return grad


@dataclass
class GradientSamples:
    """One gradient per sample of z, for each example: shapes (S, B, K)."""

    mu: torch.Tensor  # d/d mu of the per-sample term
    logvar: torch.Tensor  # d/d logvar of the per-sample term


def reconstruction_gradient_samples(
    log_px_given_z_fn: Callable[[torch.Tensor], torch.Tensor],
    mu: torch.Tensor,
    logvar: torch.Tensor,
    num_samples: int,
    estimator: str = "pathwise",
    baseline: str | None = None,
    generator: torch.Generator | None = None,
) -> GradientSamples:
    """Per-sample gradients of E_q(z|x)[log p(x|z)] with respect to (mu, logvar).

    q(z|x_b) = N(mu_b, diag(exp(logvar_b))) for each example b of a batch, and
    ``log_px_given_z_fn`` maps z of shape (S, B, K) to log p(x_b|z_sb), shape (S, B).
    With z_sb = mu_b + std_b * eps_sb, eps_sb ~ N(0, I), the s-th gradient is

    - ``"pathwise"``: grad log p(x_b | mu_b + std_b * eps_sb);
    - ``"score"``: (log p(x_b|z_sb) - c_sb) grad log q(z_sb|x_b), with c_sb = 0
      (``baseline=None``) or the leave-one-out mean of log p(x_b|z) over the other
      S - 1 samples of the same example (``baseline="loo"``).

    Their mean over S estimates the gradient, their variance over S is the variance
    of a one-sample estimate.  Each example's gradient uses only its own
    log p(x_b|z): the examples do not add noise to each other.
    Shapes: ``mu`` and ``logvar`` (B, K); returns :class:`GradientSamples` with
    fields (S, B, K).
    """
    check_callable("log_px_given_z_fn", log_px_given_z_fn, "a function of z")
    check_tensor("mu", mu, ndim=2)
    check_tensor("logvar", logvar, ndim=2, last_dim=mu.shape[1])
    if logvar.shape != mu.shape:
        raise ValueError(
            f"mu and logvar must have the same shape, got {tuple(mu.shape)} and {tuple(logvar.shape)}"
        )
    check_positive_int("num_samples", num_samples)
    if estimator not in ("pathwise", "score"):
        raise ValueError(f"estimator must be 'pathwise' or 'score', got {estimator!r}")
    if baseline not in (None, "loo"):
        raise ValueError(f"baseline must be None or 'loo', got {baseline!r}")
    if baseline == "loo" and (estimator != "score" or num_samples < 2):
        raise ValueError("baseline='loo' needs estimator='score' and num_samples >= 2")
    shape = (num_samples, *mu.shape)  # (S, B, K)
    check_generator("generator", generator)
    eps = torch.randn(shape, generator=generator, device=mu.device, dtype=mu.dtype)
    mu_s = mu.detach().expand(shape).clone().requires_grad_(True)
    logvar_s = logvar.detach().expand(shape).clone().requires_grad_(True)
    with torch.enable_grad():
        std_s = torch.exp(0.5 * logvar_s)
        if estimator == "pathwise":
            # z = mu + sigma ⊙ eps, differentiated through the decoder
            z = mu_s + std_s * eps
            surrogate = _evaluate_f(log_px_given_z_fn, z, "log_px_given_z_fn").sum()
        else:
            with torch.no_grad():
                z = mu_s + std_s * eps
                log_px = _evaluate_f(log_px_given_z_fn, z, "log_px_given_z_fn")  # (S, B)
                if baseline == "loo":
                    # c_sb = mean of log p(x_b|z) over the other S - 1 samples
                    log_px = log_px - leave_one_out_mean(log_px, dim=0)
            # log q(z|x) = sum_k log N(z_k; mu_k, sigma_k^2)
            log_qz_given_x = Normal(mu_s, std_s).log_prob(z).sum(dim=-1)  # (S, B)
            surrogate = (log_px * log_qz_given_x).sum()
        surrogate.backward()
    return GradientSamples(mu=mu_s.grad, logvar=logvar_s.grad)
