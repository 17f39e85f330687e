"""Checks for the exercises of the chapter "Regularized autoencoders".

Each ``check_*`` takes the student's function, calls it on fresh seeded random
inputs, compares with the reference solution below, prints ✅ or ❌ with a hint
and returns a bool (it never raises).
"""

from __future__ import annotations

import torch

from aecourse.exercises._core import check_function, seeded

# --- reference solutions ------------------------------------------------------------------


def kl_bernoulli_reference(rho: float, rho_hat: torch.Tensor) -> torch.Tensor:
    """KL(Bernoulli(rho) || Bernoulli(rho_hat)) per entry of ``rho_hat``."""
    # rho log(rho / rho_hat) + (1 - rho) log((1 - rho) / (1 - rho_hat))
    return rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))


def masking_noise_reference(x: torch.Tensor, u: torch.Tensor, p: float) -> torch.Tensor:
    """x with every entry whose uniform draw u is below p set to 0 (shape of x)."""
    return torch.where(u < p, torch.zeros_like(x), x)


def copy_loss_reference(dim: int, sigma: float) -> float:
    """E ||x_tilde - x||^2 for x_tilde ~ N(x, sigma^2 I) in ``dim`` dimensions: dim * sigma^2."""
    return dim * sigma**2


def tanh_jacobian_frobenius_sq_reference(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor
) -> torch.Tensor:
    """||J_f(x)||_F^2 for h = tanh(W x + b): sum_j (1 - h_j^2)^2 sum_i W_ji^2, shape (B,)."""
    h = torch.tanh(x @ weight.T + bias)  # (B, H)
    return (1 - h.pow(2)).pow(2) @ weight.pow(2).sum(dim=1)


# --- checks ---------------------------------------------------------------------------------


def check_kl_bernoulli(answer) -> bool:
    """Exercise: write KL(rho || rho_hat) between two Bernoulli distributions."""
    gen = seeded(2011)
    cases = []
    for rho in (0.05, 0.2, 0.5):
        rho_hat = 0.01 + 0.98 * torch.rand(16, generator=gen)  # (H,), inside (0, 1)
        cases.append((rho, rho_hat))
    return check_function(
        "kl_bernoulli",
        answer,
        kl_bernoulli_reference,
        cases,
        hint="one value per unit: rho*log(rho/rho_hat) + (1-rho)*log((1-rho)/(1-rho_hat))",
    )


def check_masking_noise(answer) -> bool:
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
        masking_noise_reference,
        cases,
        hint="set x to 0 where u < p and keep it elsewhere (torch.where); p is the "
        "probability of masking an entry",
    )


def check_copy_loss(answer) -> bool:
    """Exercise: the expected denoising loss of the network that copies its input."""
    cases = [(2, 0.3), (784, 0.5), (64, 1.0)]
    return check_function(
        "copy_loss",
        answer,
        copy_loss_reference,
        cases,
        hint="x_tilde - x = sigma * eps with eps ~ N(0, I); what is E[eps_i^2], and "
        "how many terms does the squared norm sum?",
    )


def check_tanh_jacobian_frobenius_sq(answer) -> bool:
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
        tanh_jacobian_frobenius_sq_reference,
        cases,
        hint="tanh'(a) = 1 - tanh(a)^2, so dh_j/dx_i = (1 - h_j^2) W_ji; square, then sum "
        "over i and j; return one value per example, shape (B,)",
    )
