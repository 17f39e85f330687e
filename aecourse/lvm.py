"""A latent variable model in which every quantity of the ELBO derivation is exact.

The linear-Gaussian model (probabilistic PCA, Tipping & Bishop 1999)::

    z ~ p(z) = N(0, I_K)                      prior
    x | z ~ p(x|z) = N(W z + b, s^2 I_D)      likelihood (the "decoder")

is simple enough that the integral p(x) = ∫ p(x|z) p(z) dz and the posterior
p(z|x) have closed forms::

    x ~ N(b, C),            C = W W^T + s^2 I_D
    z | x ~ N(m(x), Σ),     Σ = P^{-1},  P = I_K + W^T W / s^2,  m(x) = Σ W^T (x - b) / s^2

For a diagonal Gaussian q(z|x) = N(mu, diag(exp(logvar))) the ELBO and
KL(q(z|x) ‖ p(z|x)) have closed forms too, so the identity
log p(x) = ELBO(q) + KL(q ‖ p(z|x)) can be checked to floating-point precision.
The tests check each hand-written formula against ``torch.distributions``.

Conventions: data ``x`` has shape (B, D); latent samples ``z`` have shape (B, K)
or (S, B, K) with S samples per example; every function returns one value per
example, shape (B,) (or (S, B) for per-sample quantities).  Sampling uses torch's
global random generator: seed it with :func:`aecourse.runtime.set_seed`.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.distributions import Distribution

from aecourse._validate import (
    check_positive_int,
    check_positive_number,
    check_same_shape,
    check_tensor,
)
from aecourse.gaussian import LOG_2PI, log_standard_normal


class LinearGaussianLVM(nn.Module):
    """Probabilistic PCA: p(z) = N(0, I_K), p(x|z) = N(W z + b, s² I_D).

    ``W`` (D, K), ``b`` (D,) and ``s`` > 0 (the noise standard deviation) are
    parameters (``s`` is stored as ``log_s``), so the model can also be trained.
    Use float64 to check identities to floating-point precision.
    """

    def __init__(self, W: torch.Tensor, b: torch.Tensor, s: float):
        super().__init__()
        check_tensor("W", W, ndim=2)
        check_tensor("b", b, ndim=1)
        if b.shape[0] != W.shape[0]:
            raise ValueError(
                f"b must have shape ({W.shape[0]},) to match W {tuple(W.shape)}, got {tuple(b.shape)}"
            )
        if b.dtype != W.dtype or b.device != W.device:
            raise TypeError(f"b ({b.dtype}, {b.device}) must match W ({W.dtype}, {W.device})")
        if isinstance(s, torch.Tensor):
            if s.numel() != 1:
                raise ValueError(f"s must be a single number, got shape {tuple(s.shape)}")
            s = float(s)
        s = check_positive_number("s", s)
        if s**2 < torch.finfo(W.dtype).tiny:  # s^2 I would not be positive definite
            raise ValueError(f"s={s} is too small for {W.dtype}: s^2 underflows to 0")
        self.W = nn.Parameter(W.detach().clone())  # (D, K)
        self.b = nn.Parameter(b.detach().clone())  # (D,)
        self.log_s = nn.Parameter(torch.tensor(math.log(s), dtype=W.dtype, device=W.device))

    # ---- sizes and derived quantities ----------------------------------------------
    @property
    def data_dim(self) -> int:
        return self.W.shape[0]

    @property
    def latent_dim(self) -> int:
        return self.W.shape[1]

    @property
    def s(self) -> torch.Tensor:
        """Noise standard deviation s = exp(log_s)."""
        return torch.exp(self.log_s)

    @property
    def noise_var(self) -> torch.Tensor:
        """Noise variance s²."""
        return torch.exp(2 * self.log_s)

    def marginal_covariance(self) -> torch.Tensor:
        """C = W W^T + s² I_D, the covariance of x under p(x); shape (D, D)."""
        eye = torch.eye(self.data_dim, dtype=self.W.dtype, device=self.W.device)
        return self.W @ self.W.T + self.noise_var * eye

    def posterior_precision(self) -> torch.Tensor:
        """P = I_K + W^T W / s², the inverse covariance of p(z|x) (the same for every x); (K, K)."""
        eye = torch.eye(self.latent_dim, dtype=self.W.dtype, device=self.W.device)
        return eye + self.W.T @ self.W / self.noise_var

    # ---- argument checks ----------------------------------------------------------
    def _check_x(self, x) -> None:
        check_tensor("x", x, ndim=2, last_dim=self.data_dim)
        if x.dtype != self.W.dtype:
            raise TypeError(
                f"x has dtype {x.dtype} but the model's parameters are {self.W.dtype}; "
                f"convert with x.to(model.W.dtype)"
            )

    def _check_z(self, z, batch: int | None = None) -> None:
        check_tensor("z", z, last_dim=self.latent_dim)
        if z.dtype != self.W.dtype:
            raise TypeError(f"z has dtype {z.dtype} but the model's parameters are {self.W.dtype}")
        if batch is not None and (z.dim() < 2 or z.shape[-2] != batch):
            raise ValueError(
                f"z must have shape ({batch}, {self.latent_dim}) or (S, {batch}, {self.latent_dim}) "
                f"to match x, got {tuple(z.shape)}"
            )

    def _check_q(self, x, mu, logvar) -> None:
        self._check_x(x)
        check_tensor("mu", mu, ndim=2)
        check_tensor("logvar", logvar, ndim=2)
        check_same_shape("mu", mu, "logvar", logvar)
        expected = (x.shape[0], self.latent_dim)
        if mu.shape != expected:
            raise ValueError(f"mu and logvar must have shape {expected}, got {tuple(mu.shape)}")

    # ---- the generative model -------------------------------------------------------
    def sample(self, num_samples: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Ancestral sampling: z ~ N(0, I), then x ~ N(W z + b, s² I). Returns (z (N, K), x (N, D))."""
        check_positive_int("num_samples", num_samples)
        with torch.no_grad():
            z = torch.randn(num_samples, self.latent_dim, dtype=self.W.dtype, device=self.W.device)
            eps = torch.randn(num_samples, self.data_dim, dtype=self.W.dtype, device=self.W.device)
            x = z @ self.W.T + self.b + self.s * eps
        return z, x

    def log_prior(self, z: torch.Tensor) -> torch.Tensor:
        """log p(z) = log N(z; 0, I) = -1/2 sum_k (log 2π + z_k²). ``z`` (..., K) -> (...)."""
        self._check_z(z)
        return log_standard_normal(z)

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """log p(x|z) = -D/2 log(2π s²) - ||x - W z - b||² / (2 s²).

        ``x`` (B, D); ``z`` (B, K) or (S, B, K); returns (B,) or (S, B).
        """
        self._check_x(x)
        self._check_z(z, batch=x.shape[0])
        x_hat = z @ self.W.T + self.b  # (..., B, D): the decoder's mean
        sq = (x - x_hat).pow(2).sum(dim=-1)
        return -0.5 * self.data_dim * (LOG_2PI + 2 * self.log_s) - 0.5 * sq / self.noise_var

    def log_joint(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """log p(x, z) = log p(x|z) + log p(z); shapes as :meth:`log_likelihood`."""
        return self.log_likelihood(x, z) + self.log_prior(z)

    def log_marginal(self, x: torch.Tensor) -> torch.Tensor:
        """Exact log p(x) = log N(x; b, C) with C = W W^T + s² I; ``x`` (B, D) -> (B,).

        Via the Cholesky factor C = L L^T: log N = -1/2 [D log 2π + 2 sum log L_ii + ||L^{-1}(x - b)||²].
        Same as ``MultivariateNormal(b, C).log_prob(x)`` (tested).
        """
        self._check_x(x)
        L = torch.linalg.cholesky(self.marginal_covariance())  # (D, D)
        y = torch.linalg.solve_triangular(L, (x - self.b).T, upper=False)  # (D, B)
        log_det = 2 * torch.log(torch.diagonal(L)).sum()
        return -0.5 * (self.data_dim * LOG_2PI + log_det + y.pow(2).sum(dim=0))

    # ---- the exact posterior ----------------------------------------------------------
    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """p(z|x) = N(m(x), Σ): returns the means m(x) = Σ W^T (x - b) / s², shape (B, K),
        and the covariance Σ = (I + W^T W / s²)^{-1}, shape (K, K) (the same for every x)."""
        self._check_x(x)
        cov = torch.cholesky_inverse(torch.linalg.cholesky(self.posterior_precision()))
        mean = (x - self.b) @ self.W @ cov / self.noise_var  # (B, K); Σ is symmetric
        return mean, cov

    def posterior_distribution(self, x: torch.Tensor) -> Distribution:
        """p(z|x) as a ``torch.distributions.MultivariateNormal`` with batch shape (B,)."""
        mean, cov = self.posterior(x)
        return torch.distributions.MultivariateNormal(mean, covariance_matrix=cov)

    def log_posterior(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """log p(z|x) = -1/2 [K log 2π - log det P + (z - m)^T P (z - m)]; shapes as :meth:`log_likelihood`."""
        self._check_x(x)
        self._check_z(z, batch=x.shape[0])
        mean, _ = self.posterior(x)
        precision = self.posterior_precision()
        L = torch.linalg.cholesky(precision)  # P = L L^T, so (z-m)^T P (z-m) = ||L^T (z-m)||²
        diff = z - mean  # (..., B, K)
        maha = (diff @ L).pow(2).sum(dim=-1)
        log_det_precision = 2 * torch.log(torch.diagonal(L)).sum()
        return -0.5 * (self.latent_dim * LOG_2PI - log_det_precision + maha)

    # ---- closed-form variational quantities for q = N(mu, diag(exp(logvar))) -------
    def reconstruction_term(
        self, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
    ) -> torch.Tensor:
        """E_q[log p(x|z)] = -D/2 log(2π s²) - (||x - b - W mu||² + sum_k σ_k² ||W_:k||²) / (2 s²).

        ``x`` (B, D), ``mu`` and ``logvar`` (B, K); returns (B,).
        """
        self._check_q(x, mu, logvar)
        residual = x - self.b - mu @ self.W.T  # (B, D)
        # E_q ||x - b - W z||² = ||x - b - W mu||² + tr(W diag(σ²) W^T)
        expected_sq = residual.pow(2).sum(dim=-1) + torch.exp(logvar) @ self.W.pow(2).sum(dim=0)
        return (
            -0.5 * self.data_dim * (LOG_2PI + 2 * self.log_s) - 0.5 * expected_sq / self.noise_var
        )

    def elbo(self, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """ELBO(q) = E_q[log p(x, z)] - E_q[log q(z|x)], in closed form; returns (B,).

        = E_q[log p(x|z)] + E_q[log p(z)] + H[q], with
        E_q[log p(z)] = -1/2 sum_k (log 2π + mu_k² + σ_k²) and H[q] = 1/2 sum_k (log 2π + 1 + logvar_k).
        """
        recon = self.reconstruction_term(x, mu, logvar)
        expected_log_prior = -0.5 * (LOG_2PI + mu.pow(2) + torch.exp(logvar)).sum(dim=-1)
        entropy = 0.5 * (LOG_2PI + 1.0 + logvar).sum(dim=-1)
        return recon + expected_log_prior + entropy

    def kl_to_posterior(
        self, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
    ) -> torch.Tensor:
        """KL(q(z|x) ‖ p(z|x)) for q = N(mu, diag σ²) and the exact posterior N(m, P^{-1}); returns (B,).

        KL = 1/2 [tr(P diag σ²) + (m - mu)^T P (m - mu) - K - log det P - sum_k logvar_k].
        Same as ``kl_divergence(MultivariateNormal(mu, diag σ²), posterior)`` (tested).
        """
        self._check_q(x, mu, logvar)
        mean, _ = self.posterior(x)
        precision = self.posterior_precision()
        L = torch.linalg.cholesky(precision)
        trace = torch.exp(logvar) @ torch.diagonal(precision)  # (B,)
        maha = ((mean - mu) @ L).pow(2).sum(dim=-1)
        log_det_precision = 2 * torch.log(torch.diagonal(L)).sum()
        return 0.5 * (trace + maha - self.latent_dim - log_det_precision - logvar.sum(dim=-1))

    def best_diagonal_q(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The diagonal Gaussian q that maximizes the ELBO (minimizes KL(q ‖ p(z|x))).

        Its mean is the posterior mean m(x) and its variances are 1 / P_kk (Bishop 2006, §10.1.2),
        not the posterior's marginal variances Σ_kk.  Returns (mu, logvar), each (B, K).
        Its KL to the posterior is 1/2 [sum_k log P_kk - log det P], zero iff P is diagonal.
        """
        mean, _ = self.posterior(x)
        logvar = -torch.log(torch.diagonal(self.posterior_precision()))
        return mean, logvar.expand_as(mean).clone()


def ml_ppca(x: torch.Tensor, latent_dim: int) -> LinearGaussianLVM:
    """The maximum-likelihood PPCA model of data ``x`` (N, D), in closed form (Tipping & Bishop 1999).

    b = mean of x; s² = mean of the D - K smallest eigenvalues of the sample covariance;
    W = U_K (Λ_K - s² I)^{1/2}, with U_K, Λ_K the K leading eigenvectors and eigenvalues
    (any rotation W R gives the same likelihood; this one has orthogonal columns).
    """
    check_tensor("x", x, ndim=2)
    latent_dim = check_positive_int("latent_dim", latent_dim)
    n, d = x.shape
    if latent_dim >= d:
        raise ValueError(
            f"latent_dim must be smaller than the data dimension {d}, got {latent_dim}"
        )
    if n < 2:
        raise ValueError(f"x must have at least 2 rows, got {n}")
    b = x.mean(dim=0)
    cov = (x - b).T @ (x - b) / n  # (D, D), the ML (biased) sample covariance
    eigvals, eigvecs = torch.linalg.eigh(cov)  # ascending
    eigvals, eigvecs = eigvals.flip(0), eigvecs.flip(1)  # descending
    noise_var = eigvals[latent_dim:].mean()
    if not noise_var > 0:
        raise ValueError(
            f"x has no variance outside its first {latent_dim} principal directions, so the "
            "noise level s would be 0: use data that is not constant (or a smaller latent_dim)"
        )
    scale = torch.sqrt(torch.clamp(eigvals[:latent_dim] - noise_var, min=0.0))
    W = eigvecs[:, :latent_dim] * scale
    return LinearGaussianLVM(W, b, float(torch.sqrt(noise_var)))
