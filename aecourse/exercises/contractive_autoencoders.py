"""Checks for the exercises of the chapter "Contractive autoencoders" (notebook 02c_contractive_autoencoders).

Each ``check_*`` takes the student's function, calls it on fresh seeded random
inputs, compares with the reference solution below, prints ✅ or ❌ with a hint
and returns a :class:`~aecourse.exercises.CheckResult` (it never raises).
"""

from __future__ import annotations

import torch

from aecourse.exercises._core import CheckResult, check_function, seeded

# --- reference solutions ------------------------------------------------------------------


def reference_tanh_jacobian_frobenius_sq(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor
) -> torch.Tensor:
    """||J_f(x)||_F^2 for h = tanh(W x + b): sum_j (1 - h_j^2)^2 sum_i W_ji^2, shape (B,)."""
    h = torch.tanh(x @ weight.T + bias)  # (B, H)
    return (1 - h.pow(2)).pow(2) @ weight.pow(2).sum(dim=1)


# --- checks ---------------------------------------------------------------------------------


def check_tanh_jacobian_frobenius_sq(answer) -> CheckResult:
    """Exercise: the closed-form Jacobian penalty of a tanh layer."""
    gen = seeded(2012)
    cases = []
    for batch, dim, code in ((5, 3, 4), (8, 10, 6), (3, 2, 32)):
        x = torch.randn(batch, dim, generator=gen)
        weight = torch.randn(code, dim, generator=gen)  # W, (H, D)
        bias = torch.randn(code, generator=gen)  # b, (H,)
        cases.append((x, weight, bias))
    return check_function(
        "tanh_jacobian_frobenius_sq",
        answer,
        reference_tanh_jacobian_frobenius_sq,
        cases,
        hint="tanh'(a) = 1 - tanh(a)^2, so dh_j/dx_i = (1 - h_j^2) W_ji; square, then sum "
        "over i and j; return one value per example, shape (B,)",
    )
