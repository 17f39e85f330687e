"""Checks for the exercises of the chapter "Sparse autoencoders" (notebook 02a_sparse_autoencoders).

Each ``check_*`` takes the student's function, calls it on fresh seeded random
inputs, compares with the reference solution below, prints ✅ or ❌ with a hint
and returns a :class:`~aecourse.exercises.CheckResult` (it never raises).
"""

from __future__ import annotations

import torch

from aecourse.exercises._core import CheckResult, check_function, seeded

# --- reference solutions ------------------------------------------------------------------


def reference_kl_bernoulli(rho: float, rho_hat: torch.Tensor) -> torch.Tensor:
    """KL(Bernoulli(rho) || Bernoulli(rho_hat)) per entry of ``rho_hat``."""
    # rho log(rho / rho_hat) + (1 - rho) log((1 - rho) / (1 - rho_hat))
    return rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))


# --- checks ---------------------------------------------------------------------------------


def check_kl_bernoulli(answer) -> CheckResult:
    """Exercise: write KL(rho || rho_hat) between two Bernoulli distributions."""
    gen = seeded(2011)
    cases = []
    for rho in (0.05, 0.2, 0.5):
        rho_hat = 0.01 + 0.98 * torch.rand(16, generator=gen)  # (H,), inside (0, 1)
        cases.append((rho, rho_hat))
    return check_function(
        "kl_bernoulli",
        answer,
        reference_kl_bernoulli,
        cases,
        hint="one value per unit: rho*log(rho/rho_hat) + (1-rho)*log((1-rho)/(1-rho_hat))",
    )
