"""Checks for the exercises of the chapter "Latent variable models and the ELBO".

Each ``check_*`` takes the student's function, builds fresh random inputs from a
seeded generator, compares with the reference solution written in this module
(on top of ``torch.distributions``), prints ✅ or ❌ with a hint, and returns a
:class:`~aecourse.exercises.CheckResult` (true when the answer passed).
"""

from __future__ import annotations

import math

import torch
from torch.distributions import Independent, Normal, kl_divergence

from aecourse.exercises._core import CheckResult, check_function, seeded
from aecourse.lvm import LinearGaussianLVM

DTYPE = torch.float64


def _randn(generator: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=generator, dtype=DTYPE)


def _random_model(generator: torch.Generator, data_dim: int, latent_dim: int) -> LinearGaussianLVM:
    W = _randn(generator, data_dim, latent_dim)
    b = _randn(generator, data_dim)
    s = 0.3 + float(torch.rand(1, generator=generator, dtype=DTYPE))
    return LinearGaussianLVM(W, b, s)


def _models_and_data(generator: torch.Generator):
    """Three random models with data: (model, x (B, D), number of samples S) each."""
    for data_dim, latent_dim, batch, num_samples in [
        (2, 1, 3, 50),
        (6, 3, 4, 200),
        (10, 8, 2, 100),
    ]:
        model = _random_model(generator, data_dim, latent_dim)
        yield model, _randn(generator, batch, data_dim), num_samples


def _diag(mu: torch.Tensor, logvar: torch.Tensor) -> Independent:
    return Independent(Normal(mu, torch.exp(0.5 * logvar)), 1)


# ---- Exercise 1: KL between diagonal Gaussians ---------------------------------------


def reference_kl_diag_normals(mu_q, logvar_q, mu_p, logvar_p) -> torch.Tensor:
    """KL(N(mu_q, diag exp(logvar_q)) ‖ N(mu_p, diag exp(logvar_p))), shape (B,)."""
    return kl_divergence(_diag(mu_q, logvar_q), _diag(mu_p, logvar_p))


def check_kl_diag_normals(kl_fn) -> CheckResult:
    """Check ``kl_fn(mu_q, logvar_q, mu_p, logvar_p) -> (B,)`` on random diagonal Gaussians."""
    generator = seeded(3101)
    cases = []
    for batch, latent_dim in [(4, 2), (1, 5), (6, 3)]:
        mu_q, mu_p = _randn(generator, batch, latent_dim), _randn(generator, batch, latent_dim)
        logvar_q = 0.5 * _randn(generator, batch, latent_dim)
        logvar_p = 0.5 * _randn(generator, batch, latent_dim)
        cases.append((mu_q, logvar_q, mu_p, logvar_p))
    zeros = torch.zeros(3, 4, dtype=DTYPE)
    cases.append((_randn(generator, 3, 4), 0.5 * _randn(generator, 3, 4), zeros, zeros))
    return check_function(
        "kl_diag_normals",
        kl_fn,
        reference_kl_diag_normals,
        cases,
        hint=(
            "KL = 1/2 * sum over the last dimension of [logvar_p - logvar_q "
            "+ (exp(logvar_q) + (mu_q - mu_p)**2) / exp(logvar_p) - 1]; return one value per row"
        ),
        atol=1e-8,
        rtol=1e-6,
    )


# ---- Exercise 2: naive Monte Carlo estimate of log p(x) --------------------------------


def _log_likelihood(model: LinearGaussianLVM, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        x_hat = z @ model.W.T + model.b  # (S, B, D)
        return Normal(x_hat, model.s).log_prob(x).sum(dim=-1)  # (S, B)


def reference_naive_log_px(
    model: LinearGaussianLVM, x: torch.Tensor, z: torch.Tensor
) -> torch.Tensor:
    """log (1/S) sum_s p(x|z_s) for prior samples ``z`` (S, B, K); returns (B,)."""
    log_px_given_z = _log_likelihood(model, x, z)
    return torch.logsumexp(log_px_given_z, dim=0) - math.log(z.shape[0])


def check_naive_log_px(naive_fn) -> CheckResult:
    """Check ``naive_fn(model, x, z) -> (B,)`` where ``z`` (S, B, K) are draws from p(z)."""
    generator = seeded(3102)
    cases = []
    for model, x, num_samples in _models_and_data(generator):
        z = _randn(generator, num_samples, len(x), model.latent_dim)
        cases.append((model, x, z))
    # a data point far from the model: every p(x|z) is below exp(-745), 0 in float64
    model = _random_model(generator, 10, 2)
    cases.append((model, 40.0 * _randn(generator, 2, 10), _randn(generator, 100, 2, 2)))
    return check_function(
        "naive_log_px",
        naive_fn,
        reference_naive_log_px,
        cases,
        hint=(
            "compute log p(x|z) with model.log_likelihood(x, z) (shape (S, B)), then "
            "torch.logsumexp(..., dim=0) - math.log(S): exponentiating first underflows"
        ),
        atol=1e-8,
        rtol=1e-6,
    )


# ---- Exercise 3: importance-sampling estimate of log p(x) ------------------------------


def reference_importance_log_px(model, x, mu, logvar, eps) -> torch.Tensor:
    """log (1/S) sum_s p(x, z_s) / q(z_s|x) with z_s = mu + std * eps_s; returns (B,)."""
    std = torch.exp(0.5 * logvar)
    z = mu + std * eps  # (S, B, K)
    log_pz = Normal(0.0, 1.0).log_prob(z).sum(dim=-1)
    log_qz_given_x = _diag(mu, logvar).log_prob(z)
    log_w = _log_likelihood(model, x, z) + log_pz - log_qz_given_x  # (S, B)
    return torch.logsumexp(log_w, dim=0) - math.log(eps.shape[0])


def check_importance_log_px(importance_fn) -> CheckResult:
    """Check ``importance_fn(model, x, mu, logvar, eps) -> (B,)`` with ``eps`` (S, B, K) ~ N(0, I)."""
    generator = seeded(3103)
    cases = []
    for model, x, num_samples in _models_and_data(generator):
        batch, latent_dim = len(x), model.latent_dim
        mu = _randn(generator, batch, latent_dim)
        logvar = 0.5 * _randn(generator, batch, latent_dim) - 1.0
        eps = _randn(generator, num_samples, batch, latent_dim)
        cases.append((model, x, mu, logvar, eps))
    return check_function(
        "importance_log_px",
        importance_fn,
        reference_importance_log_px,
        cases,
        hint=(
            "z = mu + exp(0.5 * logvar) * eps; log w = log p(x|z) + log p(z) - log q(z|x), "
            "each summed over its dimensions (model.log_joint gives the first two); "
            "then logsumexp over the samples minus log S"
        ),
        atol=1e-8,
        rtol=1e-6,
    )


# ---- Exercise 4: effective sample size ---------------------------------------------------


def reference_effective_sample_size(log_w: torch.Tensor) -> torch.Tensor:
    """(sum_s w_s)^2 / sum_s w_s^2 along dim 0 for w = exp(log_w) (S, B); returns (B,)."""
    return torch.exp(2 * torch.logsumexp(log_w, dim=0) - torch.logsumexp(2 * log_w, dim=0))


def check_effective_sample_size(ess_fn) -> CheckResult:
    """Check ``ess_fn(log_w) -> (B,)`` on log weights (S, B), some of them near -1000."""
    generator = seeded(3104)
    cases = [
        (_randn(generator, 100, 3),),  # mild weights
        (5.0 * _randn(generator, 1000, 2),),  # a few samples dominate
        (torch.full((50, 2), -3.0, dtype=DTYPE),),  # equal weights: ESS = S
        (-1000.0 + 2.0 * _randn(generator, 200, 4),),  # exp(log_w) underflows to 0
    ]
    return check_function(
        "effective_sample_size",
        ess_fn,
        reference_effective_sample_size,
        cases,
        hint=(
            "ESS = (sum w)^2 / sum w^2; with log weights near -1000 exp() gives 0/0, so "
            "compute it as exp(2 * logsumexp(log_w) - logsumexp(2 * log_w)) along dim 0"
        ),
        atol=1e-6,
        rtol=1e-6,
    )
