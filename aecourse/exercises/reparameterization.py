"""Checks for the exercises of the chapter "The reparameterization trick".

Each check builds fresh random inputs from a seeded generator, runs the
student's function and the reference solution below on them, prints ✅ or ❌
with a hint, and returns a :class:`~aecourse.exercises.CheckResult` (true when the
answer passed).  None of them raises.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable

import torch

from aecourse.exercises._core import CheckResult, check_function, compare, report, seeded

__all__ = [
    "check_full_covariance_sample",
    "check_reparameterize",
    "check_score_function_grad_mu",
    "reference_full_covariance_sample",
    "reference_reparameterize",
    "reference_score_function_grad_mu",
]


# ------------------------------------------------------------ reference solutions


def reference_reparameterize(
    mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor
) -> torch.Tensor:
    """z = mu + std ⊙ eps with std = exp(logvar / 2); all shapes (B, D)."""
    std = torch.exp(0.5 * logvar)
    return mu + std * eps


def reference_score_function_grad_mu(
    f_values: torch.Tensor, z: torch.Tensor, mu: torch.Tensor, std: torch.Tensor
) -> torch.Tensor:
    """(1/N) sum_n f(z_n) (z_n - mu) / std^2, the REINFORCE estimate of
    d E_q[f] / d mu for q = N(mu, diag(std^2)).

    Shapes: ``f_values`` (N,), ``z`` (N, D), ``mu`` and ``std`` (D,); returns (D,).
    """
    # d/d mu log N(z; mu, std^2) = (z - mu) / std^2
    score_mu = (z - mu) / std**2  # (N, D)
    return (f_values[:, None] * score_mu).mean(dim=0)


def reference_full_covariance_sample(
    mu: torch.Tensor, scale_tril: torch.Tensor, eps: torch.Tensor
) -> torch.Tensor:
    """z_n = mu + L eps_n for each row of ``eps`` (N, D); returns (N, D)."""
    return mu + eps @ scale_tril.T


# --------------------------------------------------------------------- the checks


def _reparameterize_cases():
    gen = seeded(601)
    cases = []
    for batch, dim in [(1, 1), (4, 2), (8, 5)]:
        mu = torch.randn(batch, dim, generator=gen)
        logvar = torch.randn(batch, dim, generator=gen)
        eps = torch.randn(batch, dim, generator=gen)
        cases.append((mu, logvar, eps))
    return cases


def check_reparameterize(student_fn: Callable) -> CheckResult:
    """Exercise: z = reparameterize(mu, logvar, eps) = mu + exp(logvar / 2) * eps.

    Checks the values on three fresh cases, then that gradients reach ``mu``
    (dz/dmu = 1) and ``logvar`` (dz/dlogvar = std * eps / 2).
    """
    name = "reparameterize"
    hint = "std = torch.exp(0.5 * logvar) is the standard deviation; z = mu + std * eps"
    values = check_function(
        name + " (values)", student_fn, reference_reparameterize, _reparameterize_cases(), hint=hint
    )
    if not values:
        return values
    mu, logvar, eps = _reparameterize_cases()[-1]
    mu, logvar = mu.clone().requires_grad_(True), logvar.clone().requires_grad_(True)
    try:
        z = student_fn(mu, logvar, eps)
    except Exception as err:  # the student's code may raise anything
        return report(False, name, f"your function raised {type(err).__name__}: {err}")
    if not isinstance(z, torch.Tensor) or z.grad_fn is None:
        return report(
            False,
            name,
            "the values are right but z carries no gradient back to mu and logvar: build z "
            "from torch operations on mu and logvar (no .sample(), .detach() or numpy)",
        )
    grads = torch.autograd.grad(z.sum(), (mu, logvar), allow_unused=True)
    expected = (torch.ones_like(mu), 0.5 * torch.exp(0.5 * logvar.detach()) * eps)
    for what, got, want in zip(("mu", "logvar"), grads, expected):
        if got is None:
            return report(False, name, f"z does not depend on {what} through autograd")
        problem = compare(got, want, atol=1e-5, rtol=1e-4)
        if problem is not None:
            return report(False, name, f"the gradient of sum(z) with respect to {what}: {problem}")
    return report(True, name, "correct values, and gradients reach mu and logvar")


def _score_function_cases():
    gen = seeded(602)
    cases = []
    for num_samples, dim in [(1, 1), (5, 3), (64, 4)]:
        mu = torch.randn(dim, generator=gen)
        std = 0.5 + torch.rand(dim, generator=gen)
        z = mu + std * torch.randn(num_samples, dim, generator=gen)
        f_values = z.pow(2).sum(-1) + torch.randn(num_samples, generator=gen)
        cases.append((f_values, z, mu, std))
    return cases


def check_score_function_grad_mu(student_fn: Callable) -> CheckResult:
    """Exercise: the score-function estimate of d E_q[f] / d mu from samples,
    ``student_fn(f_values, z, mu, std)`` -> (D,)."""
    return check_function(
        "score_function_grad_mu",
        student_fn,
        reference_score_function_grad_mu,
        _score_function_cases(),
        hint="the score of N(mu, std^2) in mu is (z - mu) / std**2 (divide by the variance, "
        "not the std); weight row n by f_values[n] and average over the N samples (dim=0)",
    )


def _full_covariance_cases():
    gen = seeded(603)
    cases = []
    for num_samples, dim in [(1, 2), (6, 3), (10, 4)]:
        mu = torch.randn(dim, generator=gen)
        # a lower-triangular L with a positive diagonal and non-zero entries below it
        scale_tril = torch.randn(dim, dim, generator=gen).tril(-1) + torch.diag(
            0.5 + torch.rand(dim, generator=gen)
        )
        eps = torch.randn(num_samples, dim, generator=gen)
        cases.append((mu, scale_tril, eps))
    return cases


def check_full_covariance_sample(student_fn: Callable) -> CheckResult:
    """Exercise: z = mu + L eps for each row eps, ``student_fn(mu, scale_tril, eps)``
    -> (N, D)."""
    name = "full_covariance_sample"
    cases = _full_covariance_cases()
    # a common slip first, for a more specific hint: eps @ L gives covariance L^T L
    mu, scale_tril, eps = cases[-1]
    try:
        got = student_fn(mu, scale_tril, eps)
        slip = mu + eps @ scale_tril
        if isinstance(got, torch.Tensor) and got.shape == slip.shape and torch.allclose(got, slip):
            return report(
                False,
                name,
                "you computed mu + eps @ L, whose covariance is L^T L, not L L^T. Hint: for a row "
                "vector eps, L eps is eps @ L.T",
            )
    except Exception as err:  # the student's code may raise anything
        where = traceback.extract_tb(err.__traceback__)[-1]
        return report(
            False, name, f"your function raised {type(err).__name__}: {err} (line {where.lineno})"
        )
    return check_function(
        name,
        student_fn,
        reference_full_covariance_sample,
        cases,
        hint="each row is z_n = mu + L eps_n; with eps of shape (N, D) that is mu + eps @ L.T",
    )
