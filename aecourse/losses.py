"""Loss terms: pure functions of one example each, returned for a batch as shape (B,).

- reconstruction: :func:`squared_error`, and the log-likelihoods log p(x|z) of a
  Bernoulli or a Gaussian decoder;
- the VAE's :func:`elbo` (reconstruction minus the closed-form KL of
  :mod:`aecourse.gaussian`);
- the regularizers of chapter 2: the sparsity penalty (a KL between Bernoulli
  means) and the contractive penalty ||J_f(x)||_F^2.

The batch is reduced once, at the call site (``loss = squared_error(x_hat, x).mean()``);
:mod:`aecourse.objectives` turns these terms into ``loss_fn`` callables for ``fit``.
Each hand-written formula has a library twin in ``torch.distributions`` or autograd;
the tests check that the two agree. Log-likelihoods are in nats.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from aecourse._validate import (
    check_open_unit,
    check_positive_number,
    check_same_shape,
    check_tensor,
    value_scans_enabled,
)
from aecourse.diagnostics import jacobian
from aecourse.gaussian import LOG_2PI, kl_normal_std_normal, kl_normal_std_normal_per_dim

# --- Reconstruction ----------------------------------------------------------------------


def squared_error(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Squared reconstruction error ||x - x_hat||^2, summed over dimensions.

    Shapes: ``x_hat`` and ``x`` are (B, D); returns (B,).
    """
    check_tensor("x_hat", x_hat, ndim=2)
    check_tensor("x", x, ndim=2)
    check_same_shape("x_hat", x_hat, "x", x)
    return (x - x_hat).pow(2).sum(dim=1)


def _check_x_and_param(x: torch.Tensor, param_name: str, param: torch.Tensor) -> None:
    """``x`` is (B, D); ``param`` is (B, D) or (S, B, D) with the same last two sizes."""
    check_tensor("x", x, ndim=2)
    check_tensor(param_name, param)
    if param.dim() < 2 or param.shape[-2:] != x.shape:
        raise ValueError(
            f"{param_name} must have shape {tuple(x.shape)} (or (S, *{tuple(x.shape)}) for S "
            f"samples of z), like x; got shape {tuple(param.shape)}"
        )


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
    if s**2 < torch.finfo(x.dtype).tiny:  # 1/s^2 would overflow to inf
        raise ValueError(f"s={s} is too small for {x.dtype}: s^2 underflows to 0; use s >= 1e-15")
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


# --- The VAE's evidence lower bound ------------------------------------------------------


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

    ``out`` is a :class:`aecourse.models.VAEOutput` (anything with ``mu``, ``logvar``
    and one of ``x_logits``/``x_hat``); ``s`` is the standard deviation of a
    Gaussian decoder (``None`` for a Bernoulli one). Returns :class:`ELBOTerms`,
    each of shape (B,).
    """
    x_logits, x_hat = getattr(out, "x_logits", None), getattr(out, "x_hat", None)
    if not (hasattr(out, "mu") and hasattr(out, "logvar")) or (x_logits is None and x_hat is None):
        raise TypeError(
            f"out must be a VAEOutput (what model(x) returns for an aecourse.models.VAE), "
            f"got {type(out).__name__}"
        )
    recon = log_px_given_z(x, x_logits, x_hat, s)
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


# --- Sparsity penalty (chapter 2) -------------------------------------------------------


#: Where a float32 sigmoid can round to exactly 0 or 1, mean activations are
#: clamped into [RHO_HAT_CLAMP, 1 - RHO_HAT_CLAMP] before the KL is taken.
RHO_HAT_CLAMP = 1e-6


def kl_bernoulli(rho, rho_hat) -> torch.Tensor:
    """KL(Bernoulli(rho) || Bernoulli(rho_hat)), element by element.

    KL(rho || rho_hat) = rho log(rho / rho_hat) + (1 - rho) log((1 - rho) / (1 - rho_hat))

    ``rho`` (a number or tensor) and ``rho_hat`` (a tensor) must lie in (0, 1) and
    broadcast together; returns their broadcast shape. Same value as
    ``torch.distributions.kl_divergence(Bernoulli(rho), Bernoulli(rho_hat))``
    (tested), written out so that the formula is visible.
    """
    rho = check_open_unit("rho", rho)
    rho_hat = check_open_unit("rho_hat", rho_hat)
    try:
        torch.broadcast_shapes(rho.shape, rho_hat.shape)
    except RuntimeError:
        raise ValueError(
            f"rho (shape {tuple(rho.shape)}) and rho_hat (shape {tuple(rho_hat.shape)}) do not "
            "broadcast together: give rho as one number or one value per code unit"
        ) from None
    rho = rho.to(rho_hat)
    # rho log(rho / rho_hat) + (1 - rho) log((1 - rho) / (1 - rho_hat))
    return rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))


def mean_activation(h: torch.Tensor) -> torch.Tensor:
    """rho_hat_j = (1/B) sum_i h_j(x_i): each code unit's mean over the batch, shape (H,).

    ``h`` is (B, H). Over the whole training set this is the source's definition;
    during training it is estimated on each mini-batch.
    """
    check_tensor("h", h, ndim=2)
    return h.mean(dim=0)


def sparsity_penalty(h: torch.Tensor, rho: float) -> torch.Tensor:
    """sum_j KL(rho || rho_hat_j), with rho_hat the mean activation of the batch ``h``.

    ``h`` is (B, H) with entries in [0, 1] (a sigmoid code); returns a scalar (one
    number for the whole batch). A float32 sigmoid can round to exactly 0 or 1, so
    rho_hat is clamped to [1e-6, 1 - 1e-6] (``RHO_HAT_CLAMP``).
    """
    check_tensor("h", h, ndim=2)
    if value_scans_enabled() and not bool(((h >= 0) & (h <= 1)).all()):
        raise ValueError(
            "h must hold activations in [0, 1] (a sigmoid code layer); got values in "
            f"[{h.min().item():.4g}, {h.max().item():.4g}]"
        )
    rho_hat = mean_activation(h).clamp(RHO_HAT_CLAMP, 1 - RHO_HAT_CLAMP)  # (H,)
    return kl_bernoulli(rho, rho_hat).sum()


# --- Contractive penalty (chapter 2) ----------------------------------------------------


def jacobian_frobenius_sq(
    f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, mode: str = "auto"
) -> torch.Tensor:
    """||J_f(x_i)||_F^2 = sum_jk (dh_j / dx_k)^2 for every row of ``x`` (B, D); returns (B,)."""
    # ||J||_F^2 = sum over code units j and inputs k of J_jk^2
    return jacobian(f, x, mode).pow(2).sum(dim=(1, 2))


def sigmoid_jacobian_frobenius_sq(h: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Closed form of ||J_f(x)||_F^2 for one sigmoid layer h = s(W x + b).

    dh_j/dx_k = h_j (1 - h_j) W_jk, so ||J||_F^2 = sum_j (h_j (1 - h_j))^2 sum_k W_jk^2.
    ``h`` is (B, H), ``weight`` is W with shape (H, D); returns (B,).
    """
    check_tensor("h", h, ndim=2)
    check_tensor("weight", weight, ndim=2)
    if weight.shape[0] != h.shape[1]:
        raise ValueError(
            f"weight must have shape (H, D) with H = {h.shape[1]} code units (h is "
            f"{tuple(h.shape)}), got {tuple(weight.shape)}"
        )
    # sum_j (h_j (1 - h_j))^2 * sum_k W_jk^2
    return (h * (1 - h)).pow(2) @ weight.pow(2).sum(dim=1)


# --- Free bits: a remedy for posterior collapse (chapter 8) -------------------------------


def free_bits_kl(mu: torch.Tensor, logvar: torch.Tensor, free_bits: float) -> torch.Tensor:
    """The KL term with free bits (Kingma et al., 2016), one number for the batch.

        sum_k max(kappa, KL_k),   KL_k = (1/B) sum_b KL(q(z_k | x_b) || N(0, 1))

    Each latent dimension's KL, averaged over the mini-batch, counts as at least
    ``free_bits`` (kappa, in nats): below kappa the term is constant, so its gradient no
    longer pulls that dimension towards the prior. ``mu`` and ``logvar`` are (B, K);
    returns a scalar. With ``free_bits=0`` it is the batch mean of the KL.
    """
    check_tensor("mu", mu, ndim=2)
    free_bits = check_positive_number("free_bits", free_bits, allow_zero=True)
    kl_k = kl_normal_std_normal_per_dim(mu, logvar).mean(dim=0)  # (K,), checks logvar
    # sum_k max(kappa, KL_k)
    return kl_k.clamp(min=free_bits).sum()
