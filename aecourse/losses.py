"""Loss functions: pure functions that return one value per example, shape (B,).

The batch is reduced once, at the call site (``loss = squared_error(x_hat, x).mean()``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from aecourse._validate import (
    check_positive_int,
    check_positive_number,
    check_same_shape,
    check_tensor,
    value_scans_enabled,
)


def squared_error(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Squared reconstruction error ||x - x_hat||^2, summed over dimensions.

    Shapes: ``x_hat`` and ``x`` are (B, D); returns (B,).
    """
    check_tensor("x_hat", x_hat, ndim=2, finite=False)
    check_tensor("x", x, ndim=2)
    check_same_shape("x_hat", x_hat, "x", x)
    return (x - x_hat).pow(2).sum(dim=1)


# --- Variational autoencoders -------------------------------------------------------
#
# Every function below returns nats, one value per example (shape (B,), or (S, B)
# for S samples of z per example). Each hand-written formula has a library twin in
# torch.distributions; tests/test_losses.py checks that the two agree.

#: log(2 pi), the constant of every Gaussian log-density.
LOG_2PI = math.log(2.0 * math.pi)


def _check_at_least_1d(name: str, value) -> torch.Tensor:
    check_tensor(name, value)
    if value.dim() < 1:
        raise ValueError(f"{name} must have at least 1 dimension, got a scalar")
    return value


def _check_x_and_param(x: torch.Tensor, param_name: str, param: torch.Tensor) -> None:
    """``x`` is (B, D); ``param`` is (B, D) or (S, B, D) with the same last two sizes."""
    check_tensor("x", x, ndim=2)
    check_tensor(param_name, param)
    if param.dim() < 2 or param.shape[-2:] != x.shape:
        raise ValueError(
            f"{param_name} must have shape {tuple(x.shape)} (or (S, *{tuple(x.shape)}) for S "
            f"samples of z), like x; got shape {tuple(param.shape)}"
        )


def kl_normal_std_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(sigma^2)) || N(0, I)) in closed form, summed over the latent dimension.

        KL = 1/2 sum_k (mu_k^2 + sigma_k^2 - 1 - log sigma_k^2),   sigma_k^2 = exp(logvar_k)

    Shapes: ``mu`` and ``logvar`` are (..., K), e.g. (B, K); returns (...), e.g. (B,).
    ``torch.distributions.kl_divergence(Independent(Normal(mu, std), 1),
    Independent(Normal(0, 1), 1))`` computes the same.
    """
    _check_at_least_1d("mu", mu)
    _check_at_least_1d("logvar", logvar)
    check_same_shape("mu", mu, "logvar", logvar)
    # KL = 1/2 sum_k (mu_k^2 + sigma_k^2 - 1 - log sigma_k^2)
    var = torch.exp(logvar)
    return 0.5 * (mu.pow(2) + var - 1.0 - logvar).sum(dim=-1)


def bernoulli_log_likelihood(x: torch.Tensor, x_logits: torch.Tensor) -> torch.Tensor:
    """log p(x|z) for independent Bernoulli pixels with logits l = x_logits, summed over D.

        log p(x|z) = sum_d [x_d log s(l_d) + (1 - x_d) log(1 - s(l_d))]
                   = sum_d [x_d l_d - softplus(l_d)]          (s = sigmoid)

    This is minus the binary cross-entropy. Grey values x_d in [0, 1] are allowed
    (the usual continuous relaxation for MNIST). Shapes: ``x`` is (B, D),
    ``x_logits`` is (B, D) or (S, B, D); returns (B,) or (S, B).
    ``Independent(Bernoulli(logits=x_logits), 1).log_prob(x)`` computes the same.
    """
    _check_x_and_param(x, "x_logits", x_logits)
    if value_scans_enabled() and (bool((x < 0).any()) or bool((x > 1).any())):
        raise ValueError(
            f"x must lie in [0, 1] for a Bernoulli likelihood, got values in "
            f"[{float(x.min()):.3g}, {float(x.max()):.3g}]"
        )
    # log p(x|z) = sum_d x_d l_d - log(1 + exp(l_d))
    return (x * x_logits - F.softplus(x_logits)).sum(dim=-1)


def gaussian_log_likelihood(x: torch.Tensor, x_hat: torch.Tensor, s: float) -> torch.Tensor:
    """log N(x; x_hat, s^2 I), a Gaussian p(x|z) with mean x_hat and fixed variance s^2.

        log p(x|z) = -||x - x_hat||^2 / (2 s^2) - D log s - D/2 log(2 pi)

    so maximizing it is minimizing the squared error, weighted by 1/(2 s^2).
    Shapes: ``x`` is (B, D), ``x_hat`` is (B, D) or (S, B, D); returns (B,) or (S, B).
    ``Independent(Normal(x_hat, s), 1).log_prob(x)`` computes the same.
    """
    _check_x_and_param(x, "x_hat", x_hat)
    s = check_positive_number("s", s)
    dim = x.shape[-1]
    # log p(x|z) = -||x - x_hat||^2 / (2 s^2) - D log s - D/2 log(2 pi)
    squared = (x - x_hat).pow(2).sum(dim=-1)
    return -squared / (2.0 * s**2) - dim * math.log(s) - 0.5 * dim * LOG_2PI


def log_px_given_z(
    x: torch.Tensor,
    x_logits: torch.Tensor | None = None,
    x_hat: torch.Tensor | None = None,
    s: float | None = None,
) -> torch.Tensor:
    """log p(x|z) for whichever decoder output is given: Bernoulli ``x_logits`` or
    Gaussian ``x_hat`` with standard deviation ``s``. Returns (B,) or (S, B)."""
    if (x_logits is None) == (x_hat is None):
        raise ValueError("give exactly one of x_logits (Bernoulli) and x_hat (Gaussian)")
    if x_logits is not None:
        if s is not None:
            raise ValueError(
                f"s={s} only applies to a Gaussian decoder; this decoder returns Bernoulli "
                "logits (pass s=None)"
            )
        return bernoulli_log_likelihood(x, x_logits)
    if s is None:
        raise ValueError(
            "s (the standard deviation of the Gaussian p(x|z)) is required for a decoder "
            "that returns x_hat"
        )
    return gaussian_log_likelihood(x, x_hat, s)


@dataclass
class ELBOTerms:
    """The ELBO of each example and its two parts, all of shape (B,), in nats."""

    elbo: torch.Tensor  # recon - kl, a lower bound of log p(x)
    recon: torch.Tensor  # log p(x|z) at one z ~ q(z|x): a one-sample estimate of E_q[log p(x|z)]
    kl: torch.Tensor  # KL(q(z|x) || p(z)), in closed form


def elbo(x: torch.Tensor, out, s: float | None = None) -> ELBOTerms:
    """The evidence lower bound of each example, estimated with the sample z in ``out``.

        ELBO(x) = E_q(z|x)[log p(x|z)] - KL(q(z|x) || p(z))  <=  log p(x)

    The expectation is estimated with the one sample ``out.z`` that produced the
    decoder output; the KL is exact (:func:`kl_normal_std_normal`).

    ``out`` is a :class:`aecourse.vae.VAEOutput` (anything with ``mu``, ``logvar``
    and one of ``x_logits``/``x_hat``); ``s`` is the standard deviation of a
    Gaussian decoder (``None`` for a Bernoulli one). Returns :class:`ELBOTerms`,
    each of shape (B,).
    """
    recon = log_px_given_z(x, getattr(out, "x_logits", None), getattr(out, "x_hat", None), s)
    if recon.dim() != 1:
        raise ValueError(
            f"elbo expects one sample of z per example (decoder output (B, D)); got "
            f"log p(x|z) of shape {tuple(recon.shape)}: use iwae_bound for several samples"
        )
    kl = kl_normal_std_normal(out.mu, out.logvar)
    if kl.shape != recon.shape:
        raise ValueError(
            f"mu has shape {tuple(out.mu.shape)}, which does not match x's batch "
            f"of {recon.shape[0]}"
        )
    # ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z))
    return ELBOTerms(elbo=recon - kl, recon=recon, kl=kl)


def _chunks(num_samples: int, batch: int, dim: int, chunk_size: int | None):
    """Split ``num_samples`` into chunks whose decoder output stays near 4M numbers."""
    if chunk_size is None:
        chunk_size = max(1, 4_000_000 // max(1, batch * dim))
    chunk_size = check_positive_int("chunk_size", chunk_size)
    for start in range(0, num_samples, chunk_size):
        yield min(chunk_size, num_samples - start)


def _decoder_kwargs(model, decoded: torch.Tensor) -> dict:
    likelihood = getattr(model, "likelihood", None)
    if likelihood == "bernoulli":
        return {"x_logits": decoded}
    if likelihood == "gaussian":
        return {"x_hat": decoded}
    raise ValueError(f"model.likelihood must be 'bernoulli' or 'gaussian', got {likelihood!r}")


def log_importance_weights(
    model, x: torch.Tensor, num_samples: int, s: float | None = None, chunk_size: int | None = None
) -> torch.Tensor:
    """log w_i = log p(x|z_i) + log p(z_i) - log q(z_i|x) for z_i ~ q(z|x), i = 1..S.

    ``model`` has ``encode(x) -> (mu, logvar)``, ``decode(z)`` and ``likelihood``
    (an :class:`aecourse.vae.VAE`). Samples are drawn in chunks of ``chunk_size``
    so that the decoder never holds more than a few million numbers at once.
    Shapes: ``x`` is (B, D); returns (S, B).
    """
    check_tensor("x", x, ndim=2, last_dim=getattr(model, "in_dim", None))
    num_samples = check_positive_int("num_samples", num_samples)
    mu, logvar = model.encode(x)  # (B, K) each
    std = torch.exp(0.5 * logvar)
    log_w = []
    for n in _chunks(num_samples, x.shape[0], x.shape[1], chunk_size):
        eps = torch.randn(n, *mu.shape, dtype=mu.dtype, device=mu.device)  # (n, B, K)
        z = mu + std * eps  # (n, B, K)
        log_px = log_px_given_z(x, s=s, **_decoder_kwargs(model, model.decode(z)))  # (n, B)
        # log p(z) = sum_k log N(z_k; 0, 1)
        log_pz = -0.5 * (z.pow(2) + LOG_2PI).sum(dim=-1)
        # log q(z|x) = sum_k log N(z_k; mu_k, sigma_k^2), with (z_k - mu_k) / sigma_k = eps_k
        log_qz_given_x = -0.5 * (eps.pow(2) + LOG_2PI + logvar).sum(dim=-1)
        log_w.append(log_px + log_pz - log_qz_given_x)
    return torch.cat(log_w, dim=0)  # (S, B)


def log_mean_exp(log_w: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """log((1/S) sum_i exp(log_w_i)) along ``dim``, without overflow (logsumexp).

    A log-weight of -inf is a weight of zero and is allowed (all -inf gives -inf);
    NaN and +inf are refused, and so is an empty ``dim``.
    """
    check_tensor("log_w", log_w, finite=False)
    if log_w.dim() == 0:
        raise ValueError("log_w must have at least 1 dimension (the samples), got a scalar")
    if not -log_w.dim() <= dim < log_w.dim():
        raise ValueError(f"dim must be in [-{log_w.dim()}, {log_w.dim()}), got {dim}")
    if bool(torch.isnan(log_w).any()) or bool(torch.isposinf(log_w).any()):
        raise ValueError("log_w contains NaN or +inf; only -inf (a zero weight) is allowed")
    # log (1/S) sum_i w_i = logsumexp_i(log w_i) - log S
    return torch.logsumexp(log_w, dim=dim) - math.log(log_w.shape[dim])


def iwae_bound(
    model, x: torch.Tensor, num_samples: int, s: float | None = None, chunk_size: int | None = None
) -> torch.Tensor:
    """The importance-weighted bound L_k with k = ``num_samples`` (Burda et al., 2016).

        L_k(x) = E[log (1/k) sum_i w_i],  w_i = p(x|z_i) p(z_i) / q(z_i|x),  z_i ~ q(z|x)

    estimated with one draw of k samples. L_1 is the ELBO, L_k <= L_{k+1} <= log p(x)
    in expectation, and L_k tends to log p(x) as k grows. Returns (B,) in nats.
    """
    return log_mean_exp(log_importance_weights(model, x, num_samples, s, chunk_size), dim=0)


def prior_sampling_estimate(
    model, x: torch.Tensor, num_samples: int, s: float | None = None, chunk_size: int | None = None
) -> torch.Tensor:
    """The naive Monte Carlo estimate of log p(x) that ignores the encoder:

        log p(x) ~ log (1/S) sum_i p(x|z_i),   z_i ~ p(z) = N(0, I)

    Consistent, but almost every z_i from the prior explains x badly, so it needs
    enormous S. Shapes: ``x`` is (B, D); returns (B,) in nats.
    """
    check_tensor("x", x, ndim=2, last_dim=getattr(model, "in_dim", None))
    num_samples = check_positive_int("num_samples", num_samples)
    latent_dim = getattr(model, "latent_dim", None)
    if not isinstance(latent_dim, int):
        raise ValueError("model must have an int attribute latent_dim (the size of z)")
    log_px = []
    for n in _chunks(num_samples, x.shape[0], x.shape[1], chunk_size):
        z = torch.randn(n, x.shape[0], latent_dim, dtype=x.dtype, device=x.device)  # (n, B, K)
        log_px.append(log_px_given_z(x, s=s, **_decoder_kwargs(model, model.decode(z))))
    return log_mean_exp(torch.cat(log_px, dim=0), dim=0)  # (B,)
