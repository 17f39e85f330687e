"""Monte Carlo estimates of log p(x): naive sampling from the prior, importance sampling,
the importance-weighted bound L_k, and the tools to judge them (log-mean-exp, ESS).

Each estimator works for any latent variable model of the book with a standard normal
prior p(z) = N(0, I):

- a model with ``log_likelihood(x, z)`` (the exact :class:`aecourse.lvm.LinearGaussianLVM`);
- a model with ``decode(z)`` and ``likelihood`` (a :class:`aecourse.models.VAE`), whose
  decoder output is scored by :func:`aecourse.losses.log_px_given_z`.

The proposal q(z|x) is a ``torch.distributions`` object with batch shape (B,) and event
shape (K,); it defaults to the model's encoder, ``diag_normal(*model.encode(x))``.
Samples are drawn in chunks (:func:`_chunk_sizes`, the one chunker) so that the decoder
never holds more than a few million numbers at once. Shapes: ``x`` (B, D); log-weights
(S, B); estimates (B,), in nats.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from torch import nn
from torch.distributions import Distribution

from aecourse._validate import (
    check_dim,
    check_positive_int,
    check_same_dtype,
    check_tensor,
    is_int,
)
from aecourse.gaussian import diag_normal, log_standard_normal
from aecourse.losses import log_px_given_z

#: The most samples of z drawn at once (fewer when the batch is large).
CHUNK_SIZE = 4096
#: The most numbers a chunk of decoder outputs may hold (S_chunk * B * D).
CHUNK_NUMBERS = 4_000_000


def _check_log_w(log_w, dim) -> None:
    """Log-weights: a tensor with at least 1 dimension, no NaN or +inf (-inf is a zero
    weight), and a valid ``dim``."""
    check_tensor("log_w", log_w, finite=False)
    if log_w.dim() == 0:
        raise ValueError("log_w must have at least 1 dimension (the samples), got a scalar")
    check_dim("dim", dim, log_w.dim())
    if bool(torch.isnan(log_w).any()) or bool(torch.isposinf(log_w).any()):
        raise ValueError("log_w contains NaN or +inf; only -inf (a zero weight) is allowed")


def log_mean_exp(log_w: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """log((1/S) sum_i exp(log_w_i)) along ``dim``, without overflow (logsumexp).

    A log-weight of -inf is a weight of zero and is allowed (all -inf gives -inf);
    NaN and +inf are refused, and so is an empty ``dim``.
    """
    _check_log_w(log_w, dim)
    # log (1/S) sum_i w_i = logsumexp_i(log w_i) - log S
    return torch.logsumexp(log_w, dim=dim) - math.log(log_w.shape[dim])


def effective_sample_size(log_w: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """Kish's effective sample size of importance weights w = exp(log_w) along ``dim``.

        ESS = (sum_s w_s)^2 / sum_s w_s^2

    between 1 (one sample carries all the weight) and S (all weights equal), computed in
    log space: exp(2 logsumexp(log w) - logsumexp(2 log w)).
    """
    _check_log_w(log_w, dim)
    if bool(torch.isneginf(log_w).all(dim=dim).any()):
        raise ValueError(
            "log_w is -inf for every sample of some example (all its weights are 0): the "
            "effective sample size is undefined there"
        )
    # ESS = exp(2 logsumexp(log w) - logsumexp(2 log w))
    return torch.exp(2 * torch.logsumexp(log_w, dim=dim) - torch.logsumexp(2 * log_w, dim=dim))


def _chunk_sizes(num_samples: int, batch: int, dim: int, chunk_size: int | None) -> Iterator[int]:
    """Split ``num_samples`` into chunks of at most ``chunk_size`` samples (default: at most
    :data:`CHUNK_SIZE`, and at most :data:`CHUNK_NUMBERS` numbers of shape (n, B, D))."""
    if chunk_size is None:
        chunk_size = min(CHUNK_SIZE, max(1, CHUNK_NUMBERS // max(1, batch * dim)))
    chunk_size = check_positive_int("chunk_size", chunk_size)
    for start in range(0, num_samples, chunk_size):
        yield min(chunk_size, num_samples - start)


def _check_model_and_x(model, x) -> None:
    if not (hasattr(model, "log_likelihood") or hasattr(model, "decode")):
        raise TypeError(
            "model must be a latent variable model: an aecourse.models.VAE (decode, "
            f"likelihood) or an aecourse.lvm.LinearGaussianLVM, got {type(model).__name__}"
        )
    check_tensor("x", x, ndim=2, last_dim=getattr(model, "data_dim", None))
    if not is_int(getattr(model, "latent_dim", None)):
        raise TypeError("model must have an int attribute latent_dim (the size of z)")
    parameter = next(model.parameters(), None) if isinstance(model, nn.Module) else None
    if parameter is not None:
        check_same_dtype("x", x, "the model's parameters", parameter.dtype)


def _log_px_given_z(model, x: torch.Tensor, z: torch.Tensor, s: float | None) -> torch.Tensor:
    """log p(x|z) of the model for z of shape (n, B, K): (n, B)."""
    if hasattr(model, "log_likelihood"):
        if s is not None:
            raise ValueError(f"s={s}: this model has its own noise level (model.s); pass s=None")
        return model.log_likelihood(x, z)
    decoded = model.decode(z)  # (n, B, D)
    likelihood = getattr(model, "likelihood", None)
    if likelihood == "bernoulli":
        return log_px_given_z(x, x_logits=decoded, s=s)
    if likelihood == "gaussian":
        return log_px_given_z(x, x_hat=decoded, s=s)
    raise ValueError(f"model.likelihood must be 'bernoulli' or 'gaussian', got {likelihood!r}")


def prior_log_weights(
    model, x: torch.Tensor, num_samples: int, s: float | None = None, chunk_size: int | None = None
) -> torch.Tensor:
    """log p(x|z_i) for z_i ~ p(z) = N(0, I), i = 1..S: the log-weights of naive Monte
    Carlo, shape (S, B). ``s`` is a Gaussian VAE decoder's standard deviation."""
    _check_model_and_x(model, x)
    num_samples = check_positive_int("num_samples", num_samples)
    log_w = []
    for n in _chunk_sizes(num_samples, x.shape[0], x.shape[1], chunk_size):
        z = torch.randn(n, x.shape[0], model.latent_dim, dtype=x.dtype, device=x.device)
        log_w.append(_log_px_given_z(model, x, z, s))  # (n, B)
    return torch.cat(log_w, dim=0)  # (S, B)


def naive_log_px(
    model, x: torch.Tensor, num_samples: int, s: float | None = None, chunk_size: int | None = None
) -> torch.Tensor:
    """The naive Monte Carlo estimate of log p(x), which ignores the encoder:

        log p(x) ~ log (1/S) sum_i p(x|z_i),   z_i ~ p(z) = N(0, I)

    Consistent, but almost every z_i from the prior explains x badly, so it needs
    enormous S. Returns (B,) in nats.
    """
    return log_mean_exp(prior_log_weights(model, x, num_samples, s, chunk_size), dim=0)


def _proposal(model, x: torch.Tensor, q: Distribution | None) -> Distribution:
    if q is None:
        if not hasattr(model, "encode"):
            raise ValueError(
                f"q is required: {type(model).__name__} has no encoder to propose z "
                "(pass e.g. q=model.posterior_distribution(x) or diag_normal(mu, logvar))"
            )
        return diag_normal(*model.encode(x))
    if not isinstance(q, Distribution):
        raise TypeError(f"q must be a torch.distributions.Distribution, got {type(q).__name__}")
    expected = (x.shape[0], model.latent_dim)
    if tuple(q.batch_shape) + tuple(q.event_shape) != expected:
        raise ValueError(
            f"q must have batch shape ({x.shape[0]},) and event shape ({model.latent_dim},), "
            f"got {tuple(q.batch_shape)} and {tuple(q.event_shape)}"
        )
    if q.mean.dtype != x.dtype:
        raise TypeError(
            f"q has dtype {q.mean.dtype} but x is {x.dtype}: build q from {x.dtype} tensors"
        )
    return q


def importance_log_weights(
    model,
    x: torch.Tensor,
    num_samples: int,
    q: Distribution | None = None,
    s: float | None = None,
    chunk_size: int | None = None,
) -> torch.Tensor:
    """log w_i = log p(x|z_i) + log p(z_i) - log q(z_i|x) for z_i ~ q(z|x), i = 1..S.

    ``q`` defaults to the model's encoder. The mean of log w over i is a Monte Carlo
    estimate of the ELBO. Returns (S, B); differentiable when q can be reparameterized.
    """
    _check_model_and_x(model, x)
    num_samples = check_positive_int("num_samples", num_samples)
    q = _proposal(model, x, q)
    draw = q.rsample if q.has_rsample else q.sample
    log_w = []
    for n in _chunk_sizes(num_samples, x.shape[0], x.shape[1], chunk_size):
        z = draw((n,))  # (n, B, K)
        # log w = log p(x|z) + log p(z) - log q(z|x)
        log_w.append(_log_px_given_z(model, x, z, s) + log_standard_normal(z) - q.log_prob(z))
    return torch.cat(log_w, dim=0)  # (S, B)


def iwae_bound(
    model,
    x: torch.Tensor,
    num_samples: int,
    q: Distribution | None = None,
    s: float | None = None,
    chunk_size: int | None = None,
) -> torch.Tensor:
    """The importance-weighted bound L_k with k = ``num_samples`` (Burda et al., 2016).

        L_k(x) = E[log (1/k) sum_i w_i],  w_i = p(x|z_i) p(z_i) / q(z_i|x),  z_i ~ q(z|x)

    estimated with one draw of k samples; this is also the importance-sampling estimate
    of log p(x) with proposal q. L_1 is the ELBO, L_k <= L_{k+1} <= log p(x) in
    expectation, and L_k tends to log p(x) as k grows. Returns (B,) in nats.
    """
    return log_mean_exp(importance_log_weights(model, x, num_samples, q, s, chunk_size), dim=0)
