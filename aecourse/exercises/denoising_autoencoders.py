"""Checks for the exercises of the chapter "Denoising autoencoders" (notebook 02b_denoising_autoencoders).

Each ``check_*`` takes the student's function, calls it on fresh seeded random
inputs, compares with the reference solution below, prints ✅ or ❌ with a hint
and returns a :class:`~aecourse.exercises.CheckResult` (it never raises).
"""

from __future__ import annotations

import torch

from aecourse.exercises._core import CheckResult, check_function, seeded

# --- reference solutions ------------------------------------------------------------------


def reference_masking_noise(x: torch.Tensor, u: torch.Tensor, p: float) -> torch.Tensor:
    """x with every entry whose uniform draw u is below p set to 0 (shape of x)."""
    return torch.where(u < p, torch.zeros_like(x), x)


def reference_copy_loss(dim: int, sigma: float) -> float:
    """E ||x_tilde - x||^2 for x_tilde ~ N(x, sigma^2 I) in ``dim`` dimensions: dim * sigma^2."""
    return dim * sigma**2


# --- checks ---------------------------------------------------------------------------------


def check_masking_noise(answer) -> CheckResult:
    """Exercise: masking noise, given the uniform draws ``u``."""
    gen = seeded(2010)
    cases = []
    for p in (0.1, 0.5, 0.9):
        x = torch.rand(4, 20, generator=gen) + 0.1  # no zeros, so masking is visible
        u = torch.rand(4, 20, generator=gen)
        cases.append((x, u, p))
    return check_function(
        "masking_noise",
        answer,
        reference_masking_noise,
        cases,
        hint="set x to 0 where u < p and keep it elsewhere (torch.where); p is the "
        "probability of masking an entry",
    )


def check_copy_loss(answer) -> CheckResult:
    """Exercise: the expected denoising loss of the network that copies its input."""
    cases = [(2, 0.3), (784, 0.5), (64, 1.0)]
    return check_function(
        "copy_loss",
        answer,
        reference_copy_loss,
        cases,
        hint="x_tilde - x = sigma * eps with eps ~ N(0, I); what is E[eps_i^2], and "
        "how many terms does the squared norm sum?",
    )
