"""Checks for the exercises of the chapter "Generating new data".

Each ``check_<exercise>(answer)`` draws fresh inputs from a seeded generator,
compares the student's function with the reference solution below, prints ✅ or
❌ with a hint, and returns a ``CheckResult`` that is true when the answer passed.
It never raises.
"""

from __future__ import annotations

import math

import torch

from aecourse.exercises._core import CheckResult, check_function, seeded

# --- reference solutions ------------------------------------------------------------


def reference_interpolate(z0: torch.Tensor, z1: torch.Tensor, num_steps: int) -> torch.Tensor:
    """z(t) = (1 - t) z0 + t z1 for num_steps values of t from 0 to 1: (num_steps, K)."""
    t = torch.linspace(0.0, 1.0, num_steps)[:, None]
    return (1.0 - t) * z0 + t * z1


def reference_grid_values(n: int) -> torch.Tensor:
    """Phi^{-1}((i + 1/2) / n) for i = 0..n-1: the n coordinates of the latent grid, (n,)."""
    quantiles = (torch.arange(n, dtype=torch.float32) + 0.5) / n
    return torch.distributions.Normal(0.0, 1.0).icdf(quantiles)


def reference_iwae_from_log_weights(log_w: torch.Tensor) -> torch.Tensor:
    """log (1/S) sum_i exp(log_w_i) over the first dimension of log_w (S, B): (B,)."""
    return torch.logsumexp(log_w, dim=0) - math.log(log_w.shape[0])


# --- checks -------------------------------------------------------------------------


def check_interpolate(answer) -> CheckResult:
    """Exercise: points on the straight line between two codes."""
    g = seeded(201)
    cases = [
        (torch.zeros(2), torch.ones(2), 3),
        (torch.randn(20, generator=g), torch.randn(20, generator=g), 8),
        (torch.randn(5, generator=g), torch.randn(5, generator=g), 2),
    ]
    return check_function(
        "interpolate",
        answer,
        reference_interpolate,
        cases,
        hint="t = torch.linspace(0, 1, num_steps)[:, None] gives a column of weights; the "
        "first row must be z0 and the last z1",
    )


def check_grid_values(answer) -> CheckResult:
    """Exercise: the coordinates of an n x n latent grid at quantiles of N(0, 1)."""
    return check_function(
        "grid_values",
        answer,
        reference_grid_values,
        [(1,), (4,), (15,)],
        hint="the quantiles are (i + 0.5) / n for i = 0..n-1 (never 0 or 1, where the "
        "inverse CDF is infinite); torch.distributions.Normal(0, 1).icdf maps them to z",
    )


def check_iwae_from_log_weights(answer) -> CheckResult:
    """Exercise: the importance-weighted bound from S log weights per example."""
    g = seeded(202)
    cases = [
        (torch.randn(5, 3, generator=g),),
        (torch.randn(50, 4, generator=g) * 3 - 100.0,),
        (torch.randn(500, 2, generator=g) * 10 - 1000.0,),  # exp underflows to 0 here
    ]
    return check_function(
        "iwae_from_log_weights",
        answer,
        reference_iwae_from_log_weights,
        cases,
        hint="log of the mean of exp(log_w) over dim 0 is torch.logsumexp(log_w, dim=0) - "
        "log(S); computing exp(log_w) first underflows for log_w near -1000",
    )
