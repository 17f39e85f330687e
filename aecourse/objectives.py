"""Training objectives: factories that build ``loss_fn(model, x)`` for :func:`aecourse.training.fit`.

Each returned ``loss_fn`` computes per-example terms from the model's outputs with the
pure functions of :mod:`aecourse.losses` and returns a dict of (B,) tensors with the
key ``"loss"`` (what ``fit`` minimizes) and the parts worth tracking per epoch:

- :func:`sparse_loss`: squared error + lam * sum_j KL(rho || rho_hat_j);
- :func:`denoising_loss`: the squared error of reconstructing x from a corrupted copy;
- :func:`contractive_loss`: squared error + lam * ||J_f(x)||_F^2;
- :func:`vae_loss_fn`: minus the (beta-)ELBO;
- :func:`linear_vae_terms`: minus the closed-form ELBO of a :class:`aecourse.models.LinearVAE`.

A penalty that is one number per mini-batch (the sparsity penalty) is broadcast to
every example, so that the batch mean ``fit`` minimizes is reconstruction mean + penalty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import nn

from aecourse._validate import check_callable, check_open_unit, check_positive_number
from aecourse.losses import (
    elbo,
    jacobian_frobenius_sq,
    sigmoid_jacobian_frobenius_sq,
    sparsity_penalty,
    squared_error,
)
from aecourse.models import LinearVAE, sigmoid_encoder_weight


def sparse_loss(rho: float, lam: float) -> Callable:
    """A ``loss_fn(model, x)`` for a sparse autoencoder (``model`` has encode/decode).

    loss_i = ||x_i - g(f(x_i))||^2 + lam * sum_j KL(rho || rho_hat_j), with rho_hat
    from the mini-batch; returns the dict {"loss", "recon", "kl"} of (B,) terms (the
    batch's KL is repeated for every example, so the mean is right).
    """
    check_open_unit("rho", rho)
    lam = check_positive_number("lam", lam, allow_zero=True)

    def loss_fn(model: nn.Module, x: torch.Tensor) -> Mapping[str, torch.Tensor]:
        h = model.encode(x)  # (B, H)
        recon = squared_error(model.decode(h), x)  # (B,)
        kl = sparsity_penalty(h, rho).expand_as(recon)  # one number per batch -> (B,)
        return {"loss": recon + lam * kl, "recon": recon, "kl": kl}

    return loss_fn


def denoising_loss(corrupt: Callable[[torch.Tensor], torch.Tensor]) -> Callable:
    """A ``loss_fn(model, x)``: ||x - g(f(x_tilde))||^2 with x_tilde = corrupt(x), shape (B,).

    The target is the clean x; ``corrupt`` draws fresh noise at every call (e.g.
    ``lambda x: gaussian_noise(x, 0.5)``).
    """
    check_callable("corrupt", corrupt, "a function x -> x_tilde")

    def loss_fn(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        x_tilde = corrupt(x)
        if not isinstance(x_tilde, torch.Tensor) or x_tilde.shape != x.shape:
            got = (
                tuple(x_tilde.shape)
                if isinstance(x_tilde, torch.Tensor)
                else type(x_tilde).__name__
            )
            raise ValueError(
                f"corrupt must return a tensor shaped like x {tuple(x.shape)}, got {got}"
            )
        return squared_error(model(x_tilde), x)

    return loss_fn


def contractive_loss(lam: float, closed_form: bool = True) -> Callable:
    """A ``loss_fn(model, x)`` for a contractive autoencoder.

    loss_i = ||x_i - g(f(x_i))||^2 + lam * ||J_f(x_i)||_F^2; returns the dict
    {"loss", "recon", "jacobian"} of (B,) terms. ``closed_form`` uses
    :func:`sigmoid_jacobian_frobenius_sq` (one sigmoid layer only), otherwise
    :func:`jacobian_frobenius_sq` (autograd, any encoder; evaluate with
    ``eval_grad=True``).
    """
    lam = check_positive_number("lam", lam, allow_zero=True)

    def loss_fn(model: nn.Module, x: torch.Tensor) -> Mapping[str, torch.Tensor]:
        h = model.encode(x)  # (B, H)
        recon = squared_error(model.decode(h), x)  # (B,)
        if closed_form:
            jac = sigmoid_jacobian_frobenius_sq(h, sigmoid_encoder_weight(model))
        else:
            jac = jacobian_frobenius_sq(model.encode, x)
        return {"loss": recon + lam * jac, "recon": recon, "jacobian": jac}

    return loss_fn


def vae_loss_fn(beta: float = 1.0, s: float | None = None, binarize: bool = False):
    """A ``loss_fn(model, x)`` for :func:`aecourse.training.fit`: minus the (beta-)ELBO.

    Returns per-example terms, each (B,), in nats:

    - ``"loss"``:  -log p(x|z) + beta * KL   (= -ELBO when beta = 1)
    - ``"recon"``: -log p(x|z), the reconstruction term of the loss
    - ``"kl"``:    KL(q(z|x) || p(z))

    so ``fit`` tracks reconstruction and KL per epoch; the ELBO is -(recon + kl).
    ``s`` is the standard deviation of a Gaussian decoder (``None`` for Bernoulli).

    ``binarize=True`` is *dynamic binarization* (for a Bernoulli decoder): each batch
    of grey pixels is replaced by a fresh draw x_d ~ Bernoulli(x_d) before it is scored,
    so every epoch sees new binary digits and the loss is the negative ELBO of a proper
    distribution over binary images. Data that are binary already stay as they are
    (a pixel of 0 or 1 draws itself), so a fixed binarized test set
    (:func:`aecourse.data.binarize`) is scored unchanged.
    """
    beta = check_positive_number("beta", beta, allow_zero=True)
    if s is not None:
        s = check_positive_number("s", s)
    if not isinstance(binarize, bool):
        raise TypeError(f"binarize must be True or False, got {type(binarize).__name__}")
    if binarize and s is not None:
        raise ValueError("binarize=True draws binary pixels for a Bernoulli decoder; pass s=None")

    def loss_fn(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
        if binarize:
            x = torch.bernoulli(x)  # x_d ~ Bernoulli(grey level), fresh for every batch
        terms = elbo(x, model(x), s=s)
        recon = -terms.recon
        # loss = -log p(x|z) + beta * KL(q(z|x) || p(z))
        return {"loss": recon + beta * terms.kl, "recon": recon, "kl": terms.kl}

    return loss_fn


def linear_vae_terms(model: LinearVAE, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-example terms for :func:`aecourse.training.fit`, each (B,).

    ``loss`` = -ELBO (closed form, no sampling), ``elbo``, the exact ``log_px`` and
    ``kl_posterior`` = KL(q(z|x) ‖ p(z|x)) = log p(x) - ELBO.
    """
    if not isinstance(model, LinearVAE):
        raise TypeError(f"model must be an aecourse.models.LinearVAE, got {type(model).__name__}")
    mu, logvar = model.encode(x)
    elbo = model.decoder.elbo(x, mu, logvar)
    with torch.no_grad():
        log_px = model.decoder.log_marginal(x)
        kl_posterior = model.decoder.kl_to_posterior(x, mu, logvar)
    return {"loss": -elbo, "elbo": elbo, "log_px": log_px, "kl_posterior": kl_posterior}
