"""Diagonal (and full-covariance) Gaussians: sampling, log-densities and KL divergences.

Every VAE quantity in the book is built from these few formulas:

- the reparameterized sample z = mu + sigma * eps, eps ~ N(0, I);
- the log-density log N(z; mu, diag(sigma^2)) and the standard normal log p(z);
- KL(N(mu, diag sigma^2) || N(0, I)) and the KL between two diagonal Gaussians.

Variances are passed as ``logvar`` = log sigma^2 (what an encoder outputs), except in
:func:`reparameterize_diag`, which takes the standard deviation ``std`` itself (the
chapter on gradients differentiates with respect to it). Each formula has a twin in
``torch.distributions``; the tests check that the two agree.
"""

from __future__ import annotations

import math

import torch
from torch.distributions import Distribution, Independent, Normal

from aecourse._validate import (
    check_generator,
    check_positive_int,
    check_same_shape,
    check_scale_tril,
    check_std,
    check_tensor,
)

#: log(2 pi), the constant of every Gaussian log-density.
LOG_2PI = math.log(2.0 * math.pi)


def _check_mu_logvar(mu, logvar, names=("mu", "logvar"), ndim: int | None = None) -> None:
    check_tensor(names[0], mu, ndim=ndim)
    check_tensor(names[1], logvar, ndim=ndim)
    if mu.dim() < 1:
        raise ValueError(
            f"{names[0]} must have at least 1 dimension (the latent one), got a scalar"
        )
    check_same_shape(names[0], mu, names[1], logvar)


# --- Sampling ----------------------------------------------------------------------------


def reparameterize(
    mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor | None = None
) -> torch.Tensor:
    """A sample z ~ N(mu, diag(sigma^2)) written as a differentiable function of mu and logvar.

        z = mu + sigma * eps,   sigma = exp(logvar / 2),   eps ~ N(0, I)

    ``eps`` defaults to a fresh standard normal draw (``torch.randn_like``).
    ``torch.distributions.Normal(mu, sigma).rsample()`` does the same (and, from
    the same random state, draws the same eps). Shapes: all (..., K); returns (..., K).
    """
    _check_mu_logvar(mu, logvar)
    std = torch.exp(0.5 * logvar)
    if eps is None:
        eps = torch.randn_like(std)
    else:
        check_tensor("eps", eps)
        check_same_shape("eps", eps, "mu", mu)
    # z = mu + sigma * eps
    return mu + std * eps


def reparameterize_diag(mu: torch.Tensor, std: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z = mu + std * eps (elementwise), so z ~ N(mu, diag(std^2)) when eps ~ N(0, I).

    The same sample as :func:`reparameterize`, parameterized by the standard deviation.
    Shapes: ``mu`` and ``std`` (D,), ``eps`` (..., D); returns (..., D).
    This is what ``torch.distributions.Normal(mu, std).rsample()`` computes.
    """
    check_std("std", std, mu)
    check_tensor("eps", eps, last_dim=mu.shape[0])
    # z = mu + sigma * eps
    return mu + std * eps


def reparameterize_full(
    mu: torch.Tensor, scale_tril: torch.Tensor, eps: torch.Tensor
) -> torch.Tensor:
    """z = mu + L eps for each row eps, so z ~ N(mu, L L^T) when eps ~ N(0, I).

    Shapes: ``mu`` (D,), ``scale_tril`` L (D, D) lower triangular with a positive
    diagonal, ``eps`` (..., D); returns (..., D).  This is what
    ``MultivariateNormal(mu, scale_tril=L).rsample()`` computes.
    """
    check_tensor("mu", mu, ndim=1)
    check_scale_tril("scale_tril", scale_tril, dim=mu.shape[0])
    check_tensor("eps", eps, last_dim=mu.shape[0])
    # z = mu + L eps; with eps as a row vector that is eps @ L^T
    return mu + eps @ scale_tril.T


def sample_full_covariance(
    mu: torch.Tensor,
    scale_tril: torch.Tensor,
    num_samples: int,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """``num_samples`` reparameterized draws from N(mu, L L^T), shape (num_samples, D)."""
    check_positive_int("num_samples", num_samples)
    check_tensor("mu", mu, ndim=1)
    check_generator("generator", generator)
    eps = torch.randn(
        num_samples, mu.shape[0], generator=generator, device=mu.device, dtype=mu.dtype
    )  # (N, D)
    return reparameterize_full(mu, scale_tril, eps)


# --- Log-densities -----------------------------------------------------------------------


def log_standard_normal(z: torch.Tensor) -> torch.Tensor:
    """log p(z) = log N(z; 0, I) = -1/2 sum_k (log 2 pi + z_k^2), summed over the last
    dimension: ``z`` (..., K) -> (...). Same as ``Independent(Normal(0, 1), 1).log_prob(z)``."""
    check_tensor("z", z)
    if z.dim() < 1:
        raise ValueError("z must have at least 1 dimension (the latent one), got a scalar")
    # log p(z) = -1/2 sum_k (log 2 pi + z_k^2)
    return -0.5 * (LOG_2PI + z.pow(2)).sum(dim=-1)


def log_normal_diag(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag(exp(logvar))), summed over the last dimension.

        log N = -1/2 sum_k [log(2 pi) + logvar_k + (z_k - mu_k)^2 / exp(logvar_k)]

    ``mu`` and ``logvar`` are (B, K); ``z`` is (B, K) or (S, B, K); returns (B,) or (S, B).
    Same as ``Independent(Normal(mu, std), 1).log_prob(z)``.
    """
    _check_mu_logvar(mu, logvar, ndim=2)
    check_tensor("z", z, last_dim=mu.shape[-1])
    if z.dim() < 2 or z.shape[-2:] != mu.shape:
        raise ValueError(
            f"z must have shape {tuple(mu.shape)} or (S, *{tuple(mu.shape)}), got {tuple(z.shape)}"
        )
    # log N = -1/2 sum_k [log 2 pi + logvar_k + (z_k - mu_k)^2 / sigma_k^2]
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar)).sum(dim=-1)


def diag_normal(mu: torch.Tensor, logvar: torch.Tensor) -> Distribution:
    """q = N(mu, diag(exp(logvar))) as a torch distribution: batch shape (B,), event shape (K,)."""
    _check_mu_logvar(mu, logvar, ndim=2)
    std = torch.exp(0.5 * logvar)
    if not bool((std > 0).all()):
        raise ValueError(
            f"logvar is so small (min {float(logvar.min()):.4g}) that sigma = exp(logvar / 2) "
            f"is 0 in {logvar.dtype}: a distribution needs sigma > 0"
        )
    return Independent(Normal(mu, std), 1)


# --- KL divergences ----------------------------------------------------------------------


def kl_normal_std_normal_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu_k, sigma_k^2) || N(0, 1)) of each coordinate k, not summed: shape of ``mu``.

    KL_k = 1/2 (mu_k^2 + sigma_k^2 - 1 - log sigma_k^2),   sigma_k^2 = exp(logvar_k)
    """
    _check_mu_logvar(mu, logvar)
    # KL_k = 1/2 (mu_k^2 + sigma_k^2 - 1 - log sigma_k^2)
    return 0.5 * (mu.pow(2) + torch.exp(logvar) - 1.0 - logvar)


def kl_normal_std_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(sigma^2)) || N(0, I)) in closed form, summed over the latent dimension.

        KL = 1/2 sum_k (mu_k^2 + sigma_k^2 - 1 - log sigma_k^2),   sigma_k^2 = exp(logvar_k)

    Shapes: ``mu`` and ``logvar`` are (..., K), e.g. (B, K); returns (...), e.g. (B,).
    ``torch.distributions.kl_divergence(Independent(Normal(mu, std), 1),
    Independent(Normal(0, 1), 1))`` computes the same.
    """
    return kl_normal_std_normal_per_dim(mu, logvar).sum(dim=-1)


def kl_diag_normals(
    mu_q: torch.Tensor, logvar_q: torch.Tensor, mu_p: torch.Tensor, logvar_p: torch.Tensor
) -> torch.Tensor:
    """KL(q || p) between diagonal Gaussians q = N(mu_q, diag sigma_q^2) and p = N(mu_p, diag sigma_p^2).

        KL = 1/2 sum_k [logvar_p - logvar_q + (sigma_q^2 + (mu_q - mu_p)^2) / sigma_p^2 - 1]

    All four arguments are (B, K); returns (B,).  Same as
    ``kl_divergence(Independent(Normal(...), 1), Independent(Normal(...), 1))``.
    With mu_p = 0 and logvar_p = 0 it is :func:`kl_normal_std_normal`.
    """
    _check_mu_logvar(mu_q, logvar_q, ("mu_q", "logvar_q"), ndim=2)
    _check_mu_logvar(mu_p, logvar_p, ("mu_p", "logvar_p"), ndim=2)
    check_same_shape("mu_q", mu_q, "mu_p", mu_p)
    # KL = 1/2 sum_k [log sigma_p^2 - log sigma_q^2 + (sigma_q^2 + (mu_q - mu_p)^2) / sigma_p^2 - 1]
    ratio = (torch.exp(logvar_q) + (mu_q - mu_p).pow(2)) * torch.exp(-logvar_p)
    return 0.5 * (logvar_p - logvar_q + ratio - 1.0).sum(dim=-1)
