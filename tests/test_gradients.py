"""Tests for aecourse.gradients: estimators against closed forms, autograd and
torch.distributions; Monte Carlo tolerances are 5 standard errors computed from
the samples themselves."""

import math

import pytest
import torch
from torch.distributions import MultivariateNormal, Normal

from aecourse._validate import check_scale_tril
from aecourse.gaussian import reparameterize_diag, reparameterize_full, sample_full_covariance
from aecourse.gradients import (
    GradientStats,
    finite_difference_gradient,
    gradient_stats,
    pathwise_gradient,
    reconstruction_gradient_samples,
    score_function_gradient,
)

MU = torch.tensor([0.5, -1.0, 2.0, 0.0], dtype=torch.float64)
STD = torch.tensor([1.0, 0.5, 2.0, 1.5], dtype=torch.float64)
A = torch.tensor([0.3, 0.1, -0.5, 1.0], dtype=torch.float64)
L = torch.tensor([[1.0, 0.0, 0.0], [0.8, 0.5, 0.0], [-0.4, 1.2, 0.7]], dtype=torch.float64)


def quadratic(z):
    """f(z) = ||z - a||^2; E_q[f] = ||mu - a||^2 + ||std||^2."""
    return (z - A).pow(2).sum(-1)


def sine(z):
    """f(z) = sum_d sin(z_d); E_q[f] = sum_d sin(mu_d) exp(-std_d^2 / 2)."""
    return torch.sin(z).sum(-1)


# exact gradients (d/dmu, d/dstd) of E_q[f] for the two test functions
EXACT = {
    "quadratic": (2 * (MU - A), 2 * STD),
    "sine": (
        torch.cos(MU) * torch.exp(-(STD**2) / 2),
        -STD * torch.sin(MU) * torch.exp(-(STD**2) / 2),
    ),
}
FUNCTIONS = {"quadratic": quadratic, "sine": sine}


def generator(seed=0):
    return torch.Generator().manual_seed(seed)


def assert_within_standard_errors(estimates, exact, k=5.0):
    stats = gradient_stats(estimates)
    gap = (stats.mean - exact).abs()
    bound = k * stats.std_error
    assert bool((gap <= bound).all()), f"mean {stats.mean} vs exact {exact}, 5 SE = {bound}"


# ---------------------------------------------------------------- reparameterize


def test_reparameterize_diag_matches_normal_rsample_and_carries_gradient():
    mu = MU.clone().requires_grad_(True)
    std = STD.clone().requires_grad_(True)
    torch.manual_seed(3)
    expected = Normal(mu, std).rsample((5,))
    torch.manual_seed(3)
    eps = torch.randn(5, 4, dtype=torch.float64)
    z = reparameterize_diag(mu, std, eps)
    torch.testing.assert_close(z, expected)
    z.sum().backward()
    torch.testing.assert_close(mu.grad, torch.full_like(MU, 5.0))  # dz/dmu = 1
    torch.testing.assert_close(std.grad, eps.sum(0))  # dz/dstd = eps


def test_reparameterize_full_matches_multivariate_normal_rsample():
    mu = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    torch.manual_seed(7)
    expected = MultivariateNormal(mu, scale_tril=L).rsample((6,))
    torch.manual_seed(7)
    z = reparameterize_full(mu, L, torch.randn(6, 3, dtype=torch.float64))
    torch.testing.assert_close(z, expected)


def test_sample_full_covariance_has_covariance_l_lt():
    mu = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    n = 40_000
    z = sample_full_covariance(mu, L, n, generator=generator(1))
    sigma = L @ L.T
    sample_cov = torch.cov(z.T)
    # Var(z_i z_j) for a Gaussian is S_ii S_jj + S_ij^2, so SE of a covariance entry:
    se = ((sigma.diagonal()[:, None] * sigma.diagonal()[None, :] + sigma**2) / n).sqrt()
    assert bool(((sample_cov - sigma).abs() <= 5 * se).all())
    se_mean = (sigma.diagonal() / n).sqrt()
    assert bool(((z.mean(0) - mu).abs() <= 5 * se_mean).all())
    # and not L^T L, the covariance of the classic slip eps @ L
    assert float((sample_cov - L.T @ L).abs().max()) > 0.5


def test_full_covariance_pathwise_gradient_wrt_scale_tril():
    # E ||z||^2 = ||mu||^2 + trace(L L^T), so d/dL = 2 L (on the lower triangle)
    mu = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    scale_tril = L.clone().requires_grad_(True)
    z = sample_full_covariance(mu, scale_tril, 200_000, generator=generator(2))
    z.pow(2).sum(-1).mean().backward()
    torch.testing.assert_close(scale_tril.grad, 2 * L, atol=0.05, rtol=0.03)


# ----------------------------------------------------------------------- estimators


@pytest.mark.parametrize("name", ["quadratic", "sine"])
def test_pathwise_gradient_is_unbiased(name):
    est = pathwise_gradient(FUNCTIONS[name], MU, STD, 10, num_repeats=2000, generator=generator(4))
    assert est.mu.shape == est.std.shape == (2000, 4)
    assert_within_standard_errors(est.mu, EXACT[name][0])
    assert_within_standard_errors(est.std, EXACT[name][1])


@pytest.mark.parametrize("baseline", [None, 7.5, "loo"])
@pytest.mark.parametrize("name", ["quadratic", "sine"])
def test_score_function_gradient_is_unbiased(name, baseline):
    est = score_function_gradient(
        FUNCTIONS[name], MU, STD, 10, num_repeats=4000, baseline=baseline, generator=generator(5)
    )
    assert_within_standard_errors(est.mu, EXACT[name][0])
    assert_within_standard_errors(est.std, EXACT[name][1])


def test_pathwise_equals_autograd_of_the_sample_average():
    est = pathwise_gradient(sine, MU, STD, 8, generator=generator(6))
    eps = torch.randn(8, 4, generator=generator(6), dtype=torch.float64)
    mu = MU.clone().requires_grad_(True)
    std = STD.clone().requires_grad_(True)
    sine(mu + std * eps).mean().backward()
    torch.testing.assert_close(est.mu, mu.grad)
    torch.testing.assert_close(est.std, std.grad)


def test_score_function_equals_closed_form_score():
    # d log N(z; mu, std^2)/d mu = (z - mu)/std^2, d/d std = ((z - mu)^2 - std^2)/std^3
    est = score_function_gradient(quadratic, MU, STD, 8, baseline=1.5, generator=generator(8))
    z = MU + STD * torch.randn(8, 4, generator=generator(8), dtype=torch.float64)
    weight = (quadratic(z) - 1.5)[:, None]
    torch.testing.assert_close(est.mu, (weight * (z - MU) / STD**2).mean(0))
    torch.testing.assert_close(est.std, (weight * ((z - MU) ** 2 - STD**2) / STD**3).mean(0))


def test_leave_one_out_baseline_formula():
    est = score_function_gradient(quadratic, MU, STD, 5, baseline="loo", generator=generator(9))
    z = MU + STD * torch.randn(5, 4, generator=generator(9), dtype=torch.float64)
    f_z = quadratic(z)
    b = torch.stack([torch.cat([f_z[:n], f_z[n + 1 :]]).mean() for n in range(5)])
    expected = ((f_z - b)[:, None] * (z - MU) / STD**2).mean(0)
    torch.testing.assert_close(est.mu, expected)


def test_estimators_do_not_touch_caller_tensors():
    mu = MU.clone().requires_grad_(True)
    std = STD.clone().requires_grad_(True)
    pathwise_gradient(quadratic, mu, std, 4)
    score_function_gradient(quadratic, mu, std, 4)
    assert mu.grad is None and std.grad is None


# ------------------------------------------------------------------------- variance


def test_gradient_stats_matches_torch():
    x = torch.randn(50, 3, generator=generator(10), dtype=torch.float64)
    stats = gradient_stats(x)
    assert isinstance(stats, GradientStats) and stats.num_repeats == 50
    torch.testing.assert_close(stats.mean, x.mean(0))
    torch.testing.assert_close(stats.variance, x.var(0, unbiased=True))
    torch.testing.assert_close(stats.std_error, (x.var(0, unbiased=True) / 50).sqrt())
    assert stats.mean_variance == pytest.approx(float(x.var(0).mean()))


def _variance_standard_error(estimates):
    """SE of the sample variance, sqrt((m4 - s^4) / R), from the samples' moments."""
    centred = estimates - estimates.mean(0)
    m4 = centred.pow(4).mean(0)
    s2 = centred.pow(2).mean(0)
    return ((m4 - s2**2) / estimates.shape[0]).sqrt()


@pytest.mark.parametrize("num_samples", [1, 4])
def test_measured_variances_match_closed_forms(num_samples):
    # mu = 0, std = s, f = ||z||^2 in D dimensions; per-sample variance of the
    # gradient wrt mu_d: pathwise 4 s^2; score function s^2 (D+2)(D+4);
    # score function with baseline E_q[f] = D s^2: s^2 (2D + 8). The N-sample
    # average divides each by N.
    dim, s, repeats = 6, 0.7, 10_000
    mu = torch.zeros(dim, dtype=torch.float64)
    std = torch.full((dim,), s, dtype=torch.float64)

    def f(z):
        return z.pow(2).sum(-1)

    cases = [
        (pathwise_gradient(f, mu, std, num_samples, repeats, generator=generator(11)), 4 * s**2),
        (
            score_function_gradient(f, mu, std, num_samples, repeats, generator=generator(12)),
            s**2 * (dim + 2) * (dim + 4),
        ),
        (
            score_function_gradient(
                f, mu, std, num_samples, repeats, baseline=dim * s**2, generator=generator(13)
            ),
            s**2 * (2 * dim + 8),
        ),
    ]
    for est, per_sample_variance in cases:
        expected = per_sample_variance / num_samples
        variance = gradient_stats(est.mu).variance
        se = _variance_standard_error(est.mu)
        assert bool(((variance - expected).abs() <= 5 * se).all()), (variance, expected, se)


def test_baseline_reduces_variance():
    kwargs = dict(num_samples=8, num_repeats=3000)
    plain = score_function_gradient(quadratic, MU, STD, generator=generator(14), **kwargs)
    loo = score_function_gradient(
        quadratic, MU, STD, baseline="loo", generator=generator(14), **kwargs
    )
    pathwise = pathwise_gradient(quadratic, MU, STD, generator=generator(14), **kwargs)
    v_plain = gradient_stats(plain.mu).mean_variance
    v_loo = gradient_stats(loo.mu).mean_variance
    v_path = gradient_stats(pathwise.mu).mean_variance
    assert v_path < v_loo < 0.5 * v_plain


# ------------------------------------------------------------- finite differences


def test_finite_difference_gradient():
    x = torch.tensor([0.3, -1.2, 2.0])
    grad = finite_difference_gradient(lambda v: torch.sin(v).sum() + v[0] * v[1], x)
    assert grad.dtype == torch.float64
    expected = torch.cos(x.double()) + torch.tensor([x[1], x[0], 0.0], dtype=torch.float64)
    torch.testing.assert_close(grad, expected, atol=1e-7, rtol=0)


def test_finite_differences_of_closed_form_expectation_match_exact_gradient():
    def expectation(mu):  # E_q[quadratic] as a function of mu only
        return (mu - A).pow(2).sum() + STD.pow(2).sum()

    torch.testing.assert_close(finite_difference_gradient(expectation, MU), EXACT["quadratic"][0])


# ----------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "mu, std, match",
    [
        (MU, -STD, "std must be positive"),
        (MU, torch.zeros(4, dtype=torch.float64), "std must be positive"),
        (MU, STD[:3], "std must have last dimension 4"),
        (MU[None], STD, "mu must have 1 dimensions"),
        (torch.tensor([0.0, math.nan, 0.0, 0.0]), STD, "mu contains NaN"),
        (MU, torch.tensor([1.0, math.nan, 1.0, 1.0]), "std contains NaN"),
        (torch.arange(4), STD, "mu must be a floating-point"),
        ([0.0, 0.0, 0.0, 0.0], STD, "mu must be a torch.Tensor"),
    ],
)
def test_estimators_reject_bad_parameters(mu, std, match):
    for estimator in (pathwise_gradient, score_function_gradient):
        with pytest.raises((ValueError, TypeError), match=match):
            estimator(quadratic, mu, std, 4)


def test_estimators_reject_bad_arguments():
    with pytest.raises(TypeError, match="f must be a function"):
        pathwise_gradient(3.0, MU, STD, 4)
    with pytest.raises(ValueError, match="f must map samples"):
        pathwise_gradient(lambda z: z, MU, STD, 4)  # returns (N, D), not (N,)
    with pytest.raises(ValueError, match="f must map samples"):
        score_function_gradient(lambda z: z.sum(), MU, STD, 4)  # a scalar
    with pytest.raises(ValueError, match="num_samples must be >= 1"):
        pathwise_gradient(quadratic, MU, STD, 0)
    with pytest.raises(TypeError, match="num_repeats must be an int"):
        pathwise_gradient(quadratic, MU, STD, 4, num_repeats=2.5)
    with pytest.raises(ValueError, match="baseline='loo' needs num_samples >= 2"):
        score_function_gradient(quadratic, MU, STD, 1, baseline="loo")
    with pytest.raises(ValueError, match="baseline must be None, a number or 'loo'"):
        score_function_gradient(quadratic, MU, STD, 4, baseline="mean")
    with pytest.raises(ValueError, match="baseline must be finite"):
        score_function_gradient(quadratic, MU, STD, 4, baseline=math.nan)
    with pytest.raises(TypeError, match="baseline must be None"):
        score_function_gradient(quadratic, MU, STD, 4, baseline=torch.tensor(1.0))


def test_reparameterize_rejects_bad_input():
    eps = torch.randn(5, 4, dtype=torch.float64)
    with pytest.raises(ValueError, match="std must be positive"):
        reparameterize_diag(MU, -STD, eps)
    with pytest.raises(ValueError, match="eps must have last dimension 4"):
        reparameterize_diag(MU, STD, eps[:, :3])
    with pytest.raises(ValueError, match="eps contains NaN"):
        reparameterize_diag(MU, STD, torch.full((2, 4), math.nan, dtype=torch.float64))
    mu3 = torch.zeros(3, dtype=torch.float64)
    with pytest.raises(ValueError, match="scale_tril must be lower triangular"):
        reparameterize_full(mu3, L.T, eps[:, :3])
    with pytest.raises(ValueError, match="scale_tril must have a positive diagonal"):
        reparameterize_full(mu3, -L, eps[:, :3])
    with pytest.raises(ValueError, match=r"scale_tril must be \(3, 3\)"):
        reparameterize_full(mu3, torch.eye(4, dtype=torch.float64), eps[:, :3])
    with pytest.raises(ValueError, match="scale_tril must be square"):
        check_scale_tril("scale_tril", torch.ones(3, 2))
    with pytest.raises(ValueError, match="eps must have last dimension 3"):
        reparameterize_full(mu3, L, eps)
    with pytest.raises(ValueError, match="num_samples must be >= 1"):
        sample_full_covariance(mu3, L, 0)


def test_stats_and_finite_differences_reject_bad_input():
    with pytest.raises(ValueError, match="estimates needs at least 2 rows"):
        gradient_stats(torch.zeros(1, 3))
    with pytest.raises(ValueError, match="estimates must have 2 dimensions"):
        gradient_stats(torch.zeros(5))
    with pytest.raises(ValueError, match="estimates contains NaN"):
        gradient_stats(torch.full((3, 2), math.nan))
    with pytest.raises(ValueError, match="step must be > 0"):
        finite_difference_gradient(lambda v: v.sum(), torch.zeros(2), step=-1e-3)
    with pytest.raises(TypeError, match="fn must be a function"):
        finite_difference_gradient(None, torch.zeros(2))


# ------------------------------------------------------- VAE encoder gradients

C = torch.tensor([[0.5, -1.0, 0.2], [1.5, 0.0, -0.7]], dtype=torch.float64)  # (B, K)
MU_BK = torch.tensor([[0.1, 0.4, -0.3], [1.0, -0.5, 0.8]], dtype=torch.float64)
LOGVAR_BK = torch.tensor([[-0.5, 0.2, 0.0], [0.3, -1.0, 0.5]], dtype=torch.float64)


def gaussian_log_px(z):
    """A stand-in for log p(x|z): -||z_b - c_b||^2 per example, (S, B, K) -> (S, B).

    E_q[.] = -||mu_b - c_b||^2 - sum_k exp(logvar_bk), so the exact gradients are
    d/dmu = -2 (mu - c) and d/dlogvar = -exp(logvar)."""
    return -(z - C).pow(2).sum(-1)


@pytest.mark.parametrize(
    "estimator, baseline", [("pathwise", None), ("score", None), ("score", "loo")]
)
def test_reconstruction_gradient_samples_are_unbiased(estimator, baseline):
    samples = reconstruction_gradient_samples(
        gaussian_log_px, MU_BK, LOGVAR_BK, 20_000, estimator, baseline, generator(15)
    )
    assert samples.mu.shape == samples.logvar.shape == (20_000, 2, 3)
    for got, exact in [(samples.mu, -2 * (MU_BK - C)), (samples.logvar, -LOGVAR_BK.exp())]:
        se = got.std(0) / math.sqrt(got.shape[0])
        assert bool(((got.mean(0) - exact).abs() <= 5 * se).all()), (got.mean(0), exact, se)


def test_reconstruction_gradient_samples_match_the_diagonal_estimators():
    # one example (B = 1): the per-sample pathwise gradients wrt mu must average to
    # pathwise_gradient's estimate from the same noise (std = exp(logvar / 2))
    def f(z):
        return -(z - C[0]).pow(2).sum(-1)

    samples = reconstruction_gradient_samples(
        lambda z: f(z), MU_BK[:1], LOGVAR_BK[:1], 16, generator=generator(16)
    )
    est = pathwise_gradient(f, MU_BK[0], LOGVAR_BK[0].mul(0.5).exp(), 16, generator=generator(16))
    torch.testing.assert_close(samples.mu.mean(0)[0], est.mu)
    # chain rule: d/dlogvar = d/dstd * std / 2
    torch.testing.assert_close(samples.logvar.mean(0)[0], est.std * LOGVAR_BK[0].mul(0.5).exp() / 2)


def test_examples_do_not_add_noise_to_each_other():
    # example 1's log p(x|z) is constant: its score-function gradient must be
    # exactly zero when the baseline removes the constant, whatever example 0 does
    def log_px(z):
        return torch.stack(
            [-(z[..., 0, :] - C[0]).pow(2).sum(-1), torch.full_like(z[..., 1, 0], 3.0)], -1
        )

    samples = reconstruction_gradient_samples(
        log_px, MU_BK, LOGVAR_BK, 50, "score", "loo", generator(17)
    )
    assert float(samples.mu[:, 1].abs().max()) < 1e-12
    assert float(samples.mu[:, 0].abs().max()) > 0.1


def test_reconstruction_gradient_samples_reject_bad_input():
    args = (gaussian_log_px, MU_BK, LOGVAR_BK, 4)
    with pytest.raises(ValueError, match="estimator must be 'pathwise' or 'score'"):
        reconstruction_gradient_samples(*args, estimator="reinforce")
    with pytest.raises(ValueError, match="baseline='loo' needs estimator='score'"):
        reconstruction_gradient_samples(*args, estimator="pathwise", baseline="loo")
    with pytest.raises(ValueError, match="baseline must be None or 'loo'"):
        reconstruction_gradient_samples(*args, estimator="score", baseline=1.0)
    with pytest.raises(ValueError, match="logvar must have last dimension 3"):
        reconstruction_gradient_samples(gaussian_log_px, MU_BK, LOGVAR_BK[:, :2], 4)
    with pytest.raises(ValueError, match="mu and logvar must have the same shape"):
        reconstruction_gradient_samples(gaussian_log_px, MU_BK, LOGVAR_BK[:1], 4)
    with pytest.raises(ValueError, match="logvar contains NaN"):
        reconstruction_gradient_samples(gaussian_log_px, MU_BK, LOGVAR_BK * math.nan, 4)
    with pytest.raises(ValueError, match="log_px_given_z_fn must map samples"):
        reconstruction_gradient_samples(lambda z: z.sum(), MU_BK, LOGVAR_BK, 4)
    with pytest.raises(TypeError, match="log_px_given_z_fn must be a function"):
        reconstruction_gradient_samples("decoder", MU_BK, LOGVAR_BK, 4)
