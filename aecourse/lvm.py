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
from torch.distributions import Distribution, Independent, Normal

from aecourse._validate import check_positive_int, check_positive_number, check_tensor
from aecourse.losses import log_mean_exp  # one log-mean-exp for the whole package

LOG_2PI = math.log(2 * math.pi)

#: Latent samples processed at once by the Monte Carlo estimators (bounds memory).
CHUNK_SIZE = 4096


# --------------------------------------------------------------------------------------
# Diagonal Gaussians
# --------------------------------------------------------------------------------------


def _check_mu_logvar(mu, logvar, names=("mu", "logvar")) -> None:
    check_tensor(names[0], mu, ndim=2)
    check_tensor(names[1], logvar, ndim=2)
    if mu.shape != logvar.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same shape, got {tuple(mu.shape)} "
            f"and {tuple(logvar.shape)}"
        )


def log_normal_diag(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag(exp(logvar))), summed over the last dimension.

    log N = -1/2 sum_k [log(2π) + logvar_k + (z_k - mu_k)^2 / exp(logvar_k)].
    ``mu`` and ``logvar`` are (B, K); ``z`` is (B, K) or (S, B, K); returns (B,) or (S, B).
    Same as ``Independent(Normal(mu, std), 1).log_prob(z)``.
    """
    _check_mu_logvar(mu, logvar)
    check_tensor("z", z, last_dim=mu.shape[-1])
    if z.dim() < 2 or z.shape[-2:] != mu.shape:
        raise ValueError(
            f"z must have shape {tuple(mu.shape)} or (S, *{tuple(mu.shape)}), got {tuple(z.shape)}"
        )
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar)).sum(dim=-1)


def kl_diag_normals(
    mu_q: torch.Tensor, logvar_q: torch.Tensor, mu_p: torch.Tensor, logvar_p: torch.Tensor
) -> torch.Tensor:
    """KL(q ‖ p) between diagonal Gaussians q = N(mu_q, diag σ_q²) and p = N(mu_p, diag σ_p²).

    KL = 1/2 sum_k [logvar_p - logvar_q + (σ_q² + (mu_q - mu_p)²) / σ_p² - 1].
    All four arguments are (B, K); returns (B,).  Same as
    ``kl_divergence(Independent(Normal(...), 1), Independent(Normal(...), 1))``.
    With mu_p = 0 and logvar_p = 0 it is the VAE's KL(q(z|x) ‖ N(0, I)).
    """
    _check_mu_logvar(mu_q, logvar_q, ("mu_q", "logvar_q"))
    _check_mu_logvar(mu_p, logvar_p, ("mu_p", "logvar_p"))
    if mu_q.shape != mu_p.shape:
        raise ValueError(
            f"mu_q and mu_p must have the same shape, got {tuple(mu_q.shape)} and {tuple(mu_p.shape)}"
        )
    # KL = 1/2 Σ [log σ_p² - log σ_q² + (σ_q² + (μ_q - μ_p)²)/σ_p² - 1]
    ratio = (torch.exp(logvar_q) + (mu_q - mu_p).pow(2)) * torch.exp(-logvar_p)
    return 0.5 * (logvar_p - logvar_q + ratio - 1.0).sum(dim=-1)


def diag_normal(mu: torch.Tensor, logvar: torch.Tensor) -> Distribution:
    """q = N(mu, diag(exp(logvar))) as a torch distribution: batch shape (B,), event shape (K,)."""
    _check_mu_logvar(mu, logvar)
    std = torch.exp(0.5 * logvar)
    return Independent(Normal(mu, std), 1)


# --------------------------------------------------------------------------------------
# Monte Carlo helpers
# --------------------------------------------------------------------------------------


def effective_sample_size(log_w: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """Kish's effective sample size of importance weights w = exp(log_w) along ``dim``.

    ESS = (sum_s w_s)^2 / sum_s w_s^2, between 1 (one sample carries all the weight)
    and S (all weights equal).  Computed in log space: exp(2 lse(log w) - lse(2 log w)).
    """
    check_tensor("log_w", log_w, finite=False)
    if bool(torch.isnan(log_w).any()):
        raise ValueError("log_w contains NaN")
    return torch.exp(2 * torch.logsumexp(log_w, dim=dim) - torch.logsumexp(2 * log_w, dim=dim))


# --------------------------------------------------------------------------------------
# The linear-Gaussian latent variable model
# --------------------------------------------------------------------------------------


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
        _check_mu_logvar(mu, logvar)
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
        return -0.5 * (LOG_2PI + z.pow(2)).sum(dim=-1)

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


# --------------------------------------------------------------------------------------
# Estimators of log p(x)
# --------------------------------------------------------------------------------------


def prior_log_weights(model: LinearGaussianLVM, x: torch.Tensor, num_samples: int) -> torch.Tensor:
    """log p(x|z_s) for z_s ~ p(z), s = 1..S: the log weights of naive Monte Carlo; returns (S, B)."""
    model._check_x(x)
    check_positive_int("num_samples", num_samples)
    chunks = []
    for start in range(0, num_samples, CHUNK_SIZE):
        n = min(CHUNK_SIZE, num_samples - start)
        z = torch.randn(n, x.shape[0], model.latent_dim, dtype=x.dtype, device=x.device)
        chunks.append(model.log_likelihood(x, z))  # (n, B)
    return torch.cat(chunks)


def naive_log_px(model: LinearGaussianLVM, x: torch.Tensor, num_samples: int) -> torch.Tensor:
    """Naive Monte Carlo estimate log( (1/S) sum_s p(x|z_s) ), z_s ~ p(z); returns (B,)."""
    return log_mean_exp(prior_log_weights(model, x, num_samples), dim=0)


def importance_log_weights(
    model: LinearGaussianLVM, x: torch.Tensor, q: Distribution, num_samples: int
) -> torch.Tensor:
    """log w_s = log p(x, z_s) - log q(z_s|x) for z_s ~ q(z|x); returns (S, B).

    ``q`` is any torch distribution with batch shape (B,) and event shape (K,), e.g.
    :func:`diag_normal` or :meth:`LinearGaussianLVM.posterior_distribution`.
    The mean of log w is a Monte Carlo estimate of the ELBO.
    """
    model._check_x(x)
    check_positive_int("num_samples", num_samples)
    if not isinstance(q, Distribution):
        raise TypeError(f"q must be a torch.distributions.Distribution, got {type(q).__name__}")
    expected = (x.shape[0], model.latent_dim)
    if tuple(q.batch_shape) + tuple(q.event_shape) != expected:
        raise ValueError(
            f"q must have batch shape ({x.shape[0]},) and event shape ({model.latent_dim},), "
            f"got {tuple(q.batch_shape)} and {tuple(q.event_shape)}"
        )
    chunks = []
    for start in range(0, num_samples, CHUNK_SIZE):
        n = min(CHUNK_SIZE, num_samples - start)
        z = q.sample((n,))  # (n, B, K)
        chunks.append(model.log_joint(x, z) - q.log_prob(z))
    return torch.cat(chunks)


def importance_log_px(
    model: LinearGaussianLVM, x: torch.Tensor, q: Distribution, num_samples: int
) -> torch.Tensor:
    """Importance-sampling estimate log( (1/S) sum_s p(x, z_s) / q(z_s|x) ), z_s ~ q; returns (B,)."""
    return log_mean_exp(importance_log_weights(model, x, q, num_samples), dim=0)


# --------------------------------------------------------------------------------------
# Maximum likelihood and a linear VAE
# --------------------------------------------------------------------------------------


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
    scale = torch.sqrt(torch.clamp(eigvals[:latent_dim] - noise_var, min=0.0))
    W = eigvecs[:, :latent_dim] * scale
    return LinearGaussianLVM(W, b, float(torch.sqrt(noise_var)))


def subspace_angles(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """Principal angles (radians, ascending) between the column spaces of A (D, K) and B (D, K).

    0 for every angle means the two matrices span the same subspace.
    """
    check_tensor("A", A, ndim=2)
    check_tensor("B", B, ndim=2, last_dim=A.shape[1])
    if A.shape != B.shape:
        raise ValueError(
            f"A and B must have the same shape, got {tuple(A.shape)} and {tuple(B.shape)}"
        )
    qa, _ = torch.linalg.qr(A)
    qb, _ = torch.linalg.qr(B)
    cosines = torch.linalg.svdvals(qa.T @ qb).clamp(max=1.0)  # descending
    return torch.arccos(cosines)


class LinearVAE(nn.Module):
    """A linear 'VAE': encoder q(z|x) = N(A x + c, diag(exp(logvar))), decoder a PPCA model.

    The encoder's mean is linear in x and its variance does not depend on x, as for
    the exact PPCA posterior (whose covariance, however, need not be diagonal).
    """

    def __init__(self, data_dim: int, latent_dim: int, s: float = 1.0, dtype=torch.float64):
        super().__init__()
        data_dim = check_positive_int("data_dim", data_dim)
        latent_dim = check_positive_int("latent_dim", latent_dim)
        self.encoder = nn.Linear(data_dim, latent_dim, dtype=dtype)  # x -> mu
        self.logvar = nn.Parameter(torch.zeros(latent_dim, dtype=dtype))  # (K,)
        W = 0.1 * torch.randn(data_dim, latent_dim, dtype=dtype)
        self.decoder = LinearGaussianLVM(W, torch.zeros(data_dim, dtype=dtype), s)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """q(z|x): returns (mu, logvar), each (B, K)."""
        check_tensor("x", x, ndim=2, last_dim=self.decoder.data_dim)
        if x.dtype != self.logvar.dtype:
            raise TypeError(f"x has dtype {x.dtype} but the model is {self.logvar.dtype}")
        mu = self.encoder(x)
        return mu, self.logvar.expand_as(mu)


def linear_vae_terms(model: LinearVAE, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-example terms for :func:`aecourse.training.fit`, each (B,).

    ``loss`` = -ELBO (closed form, no sampling), ``elbo``, the exact ``log_px`` and
    ``kl_posterior`` = KL(q(z|x) ‖ p(z|x)) = log p(x) - ELBO.
    """
    mu, logvar = model.encode(x)
    elbo = model.decoder.elbo(x, mu, logvar)
    with torch.no_grad():
        log_px = model.decoder.log_marginal(x)
        kl_posterior = model.decoder.kl_to_posterior(x, mu, logvar)
    return {"loss": -elbo, "elbo": elbo, "log_px": log_px, "kl_posterior": kl_posterior}
