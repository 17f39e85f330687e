"""Training objectives: factories that build ``loss_fn(model, x)`` for :func:`aecourse.training.fit`.

Each returned ``loss_fn`` computes per-example terms from the model's outputs with the
pure functions of :mod:`aecourse.losses` and returns a dict of (B,) tensors with the
key ``"loss"`` (what ``fit`` minimizes) and the parts worth tracking per epoch:

- :func:`sparse_loss`: squared error + lam * sum_j KL(rho || rho_hat_j);
- :func:`denoising_loss`: the squared error of reconstructing x from a corrupted copy;
- :func:`contractive_loss`: squared error + lam * ||J_f(x)||_F^2;
- :func:`vae_loss_fn`: minus the (beta-)ELBO;
- :func:`linear_vae_terms`: minus the closed-form ELBO of a :class:`aecourse.models.LinearVAE`;
- :func:`conditional_vae_loss_fn`: minus the ELBO of a conditional VAE, log p(x | y) >= L(x | y);
- :func:`warmup_free_bits_loss_fn`: minus the ELBO with KL warm-up and free bits (chapter 8);
- :func:`iwae_loss_fn`: minus the importance-weighted bound L_k (chapter 8).

A penalty that is one number per mini-batch (the sparsity penalty) is broadcast to
every example, so that the batch mean ``fit`` minimizes is reconstruction mean + penalty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import nn

from aecourse._validate import (
    check_callable,
    check_int,
    check_open_unit,
    check_positive_int,
    check_positive_number,
)
from aecourse.estimators import importance_log_weights, log_mean_exp
from aecourse.losses import (
    elbo,
    free_bits_kl,
    jacobian_frobenius_sq,
    sigmoid_jacobian_frobenius_sq,
    sparsity_penalty,
    squared_error,
)
from aecourse.models import ConditionalVAE, LinearVAE, sigmoid_encoder_weight


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


def conditional_vae_loss_fn(binarize: bool = False) -> Callable:
    """A ``loss_fn(model, rows)`` for a :class:`aecourse.models.ConditionalVAE`: minus the
    conditional ELBO,

        -L(x | y) = -E_q(z|x,y)[log p(x|z, y)] + KL(q(z|x, y) || p(z)),

    on rows [x, onehot(y)] (M classes) made by ``model.pack(x, y)``. It bounds
    log p(x | y), not log p(x): the two differ by log p(y | x) - log p(y), at most
    log M for equally frequent classes. Returns the dict {"loss",
    "recon", "kl"} of (B,) terms, like :func:`vae_loss_fn`; ``binarize=True`` draws
    fresh binary pixels x_d ~ Bernoulli(x_d) for each batch (the labels stay as they are).
    """
    if not isinstance(binarize, bool):
        raise TypeError(f"binarize must be True or False, got {type(binarize).__name__}")

    def loss_fn(model: ConditionalVAE, rows: torch.Tensor) -> dict[str, torch.Tensor]:
        if not isinstance(model, ConditionalVAE):
            raise TypeError(
                f"model must be an aecourse.models.ConditionalVAE, got {type(model).__name__}"
            )
        x, y = model.split(rows)  # (B, D), (B, M)
        if binarize:
            x = torch.bernoulli(x)  # fresh binary pixels for every batch
        terms = elbo(x, model(x, y))
        recon = -terms.recon
        # loss = -log p(x|z, y) + KL(q(z|x, y) || p(z))
        return {"loss": recon + terms.kl, "recon": recon, "kl": terms.kl}

    return loss_fn


# --- Better VAEs (chapter 8) -----------------------------------------------------------------


def kl_warmup(step: int, warmup_steps: int) -> float:
    """The KL weight of a linear warm-up (Bowman et al., 2016) after ``step`` gradient steps:

        beta(step) = min(1, step / T),   T = ``warmup_steps``

    so training starts as an autoencoder with a noisy code (beta = 0) and reaches the
    ELBO (beta = 1) after T steps. ``warmup_steps=0`` means no warm-up (always 1).
    """
    step = check_int("step", step, minimum=0)
    warmup_steps = check_int("warmup_steps", warmup_steps, minimum=0)
    if warmup_steps == 0:
        return 1.0
    return min(1.0, step / warmup_steps)


def warmup_free_bits_loss_fn(
    warmup_steps: int = 0, free_bits: float = 0.0, binarize: bool = False
) -> Callable:
    """A ``loss_fn(model, x)`` for :func:`aecourse.training.fit`: minus the ELBO of a
    :class:`aecourse.models.VAE`, with two remedies for posterior collapse.

        loss = -log p(x|z) + beta(step) * sum_k max(kappa, KL_k)

    - KL warm-up: beta(step) = :func:`kl_warmup` (step, ``warmup_steps``), step the number
      of training steps taken so far;
    - free bits: each dimension's batch-mean KL counts as at least kappa = ``free_bits``
      nats (:func:`aecourse.losses.free_bits_kl`, one number per batch, shared by every
      example); with ``free_bits=0`` the KL term is the per-example KL.

    With the defaults it is ``vae_loss_fn(binarize=binarize)``. Returns the dict of (B,)
    terms {"loss", "recon" (-log p(x|z)), "kl" (the plain per-example KL, so that the
    ELBO is -(recon + kl) whatever the remedy), "beta"}. ``binarize`` as in
    :func:`vae_loss_fn`.

    The step counter lives in the returned function: it counts the calls made while
    the model is in training mode with autograd on (one per mini-batch of ``fit``), not
    evaluations. Make a new ``loss_fn`` for each model you train.
    """
    warmup_steps = check_int("warmup_steps", warmup_steps, minimum=0)
    free_bits = check_positive_number("free_bits", free_bits, allow_zero=True)
    if not isinstance(binarize, bool):
        raise TypeError(f"binarize must be True or False, got {type(binarize).__name__}")
    steps = 0  # gradient steps taken so far with this loss_fn

    def loss_fn(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
        nonlocal steps
        if binarize:
            x = torch.bernoulli(x)  # x_d ~ Bernoulli(grey level), fresh for every batch
        out = model(x)
        terms = elbo(x, out)
        recon = -terms.recon
        beta = kl_warmup(steps, warmup_steps)
        if model.training and torch.is_grad_enabled():
            steps += 1
        if free_bits > 0:
            kl_term = free_bits_kl(out.mu, out.logvar, free_bits).expand_as(recon)  # (B,)
        else:
            kl_term = terms.kl
        # loss = -log p(x|z) + beta(step) * sum_k max(kappa, KL_k)
        loss = recon + beta * kl_term
        return {"loss": loss, "recon": recon, "kl": terms.kl, "beta": torch.full_like(recon, beta)}

    return loss_fn


def iwae_loss_fn(num_samples: int, binarize: bool = False) -> Callable:
    """A ``loss_fn(model, x)`` for :func:`aecourse.training.fit`: minus the importance-
    weighted bound L_k of Burda et al. (2016), k = ``num_samples``.

        L_k(x) = log (1/k) sum_i w_i,   w_i = p(x|z_i) p(z_i) / q(z_i|x),   z_i ~ q(z|x)

    estimated with one draw of k reparameterized samples
    (:func:`aecourse.estimators.importance_log_weights`), so its gradient reaches the
    encoder and the decoder. k = 1 is the ELBO with a sampled KL. Returns the dict of
    (B,) terms {"loss": -L_k, "elbo": the mean of the k log-weights, a k-sample
    estimate of the ELBO}. ``binarize`` as in :func:`vae_loss_fn`.
    """
    num_samples = check_positive_int("num_samples", num_samples)
    if not isinstance(binarize, bool):
        raise TypeError(f"binarize must be True or False, got {type(binarize).__name__}")

    def loss_fn(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
        if binarize:
            x = torch.bernoulli(x)  # x_d ~ Bernoulli(grey level), fresh for every batch
        log_w = importance_log_weights(model, x, num_samples)  # (k, B)
        # L_k = log (1/k) sum_i w_i, in log space
        return {"loss": -log_mean_exp(log_w, dim=0), "elbo": log_w.mean(dim=0)}

    return loss_fn
