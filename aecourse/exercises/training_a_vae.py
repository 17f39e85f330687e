"""Checks for the exercises of the chapter "Training a VAE".

Each ``check_<exercise>(answer)`` draws fresh inputs from a seeded generator,
compares the student's function with the reference solution below, prints ✅ or
❌ with a hint, and returns a ``CheckResult`` that is true when the answer passed.
It never raises.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from aecourse.exercises._core import CheckResult, check_function, seeded

# --- reference solutions ------------------------------------------------------------


def reference_kl_normal_std_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, I)) = 1/2 sum_k (mu^2 + sigma^2 - 1 - log sigma^2): (B,)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)


def reference_bernoulli_log_likelihood(x: torch.Tensor, x_logits: torch.Tensor) -> torch.Tensor:
    """sum_d x_d l_d - softplus(l_d): (B,)."""
    return (x * x_logits - F.softplus(x_logits)).sum(dim=-1)


def reference_beta_for_noise_std(s: float) -> float:
    """SSE / (2 s^2) + KL has the minimizer of SSE + 2 s^2 KL: beta = 2 s^2."""
    return 2.0 * s**2


def reference_active_units(mu: torch.Tensor, threshold: float) -> int:
    """The number of columns of mu (N, K) whose variance over the rows exceeds threshold."""
    return int((mu.var(dim=0) > threshold).sum())


# --- checks -------------------------------------------------------------------------


def check_kl_normal_std_normal(answer) -> CheckResult:
    """Exercise: the closed-form KL between N(mu, sigma^2) and N(0, I), one value per example."""
    g = seeded(101)
    cases = [
        (torch.zeros(3, 4), torch.zeros(3, 4)),
        (torch.randn(5, 2, generator=g), torch.randn(5, 2, generator=g)),
        (2 * torch.randn(8, 20, generator=g), torch.randn(8, 20, generator=g) - 2.0),
    ]
    return check_function(
        "kl_normal_std_normal",
        answer,
        reference_kl_normal_std_normal,
        cases,
        hint="KL = 1/2 sum_k (mu_k^2 + exp(logvar_k) - 1 - logvar_k), summed over the last "
        "dimension, so the result has shape (B,)",
    )


def check_bernoulli_log_likelihood(answer) -> CheckResult:
    """Exercise: log p(x|z) of Bernoulli pixels from logits, stable for large logits."""
    g = seeded(102)
    x = torch.rand(6, 10, generator=g)
    cases = [
        (torch.bernoulli(x, generator=g), torch.randn(6, 10, generator=g)),
        (x, 3 * torch.randn(6, 10, generator=g)),
        (torch.tensor([[1.0, 0.0, 1.0]]), torch.tensor([[60.0, -60.0, -60.0]])),  # saturated
    ]
    return check_function(
        "bernoulli_log_likelihood",
        answer,
        reference_bernoulli_log_likelihood,
        cases,
        hint="log sigmoid(l) = l - softplus(l) and log(1 - sigmoid(l)) = -softplus(l), so "
        "log p(x|z) = sum_d (x_d l_d - softplus(l_d)); torch.sigmoid followed by torch.log "
        "overflows for large |l|",
    )


def check_beta_for_noise_std(answer) -> CheckResult:
    """Exercise: the beta that a Gaussian decoder with standard deviation s puts on the KL."""
    cases = [(0.1,), (0.5,), (1.0,), (2.0,)]
    return check_function(
        "beta_for_noise_std",
        answer,
        reference_beta_for_noise_std,
        cases,
        hint="multiply -log p(x|z) + KL = ||x - x_hat||^2 / (2 s^2) + KL + const by 2 s^2: the "
        "squared error then has weight 1",
    )


def check_active_units(answer) -> CheckResult:
    """Exercise: count the active units from the posterior means of a data set."""
    g = seeded(103)
    scales = torch.tensor([1.0, 0.01, 0.5, 0.05, 0.2, 0.0])  # per-dimension spread
    mu = torch.randn(400, 6, generator=g) * scales + torch.randn(6, generator=g)  # (N, K)
    cases = [(mu, 0.01), (mu, 0.1), (torch.randn(50, 3, generator=g), 0.01)]
    return check_function(
        "active_units",
        answer,
        reference_active_units,
        cases,
        hint="take the variance of each column over the examples (mu.var(dim=0)) and count "
        "how many exceed the threshold; a large constant mean does not make a unit active",
    )
