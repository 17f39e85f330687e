"""Checks for the exercises of the chapter "Latent variable models and the ELBO"
(notebook 04_latent_variable_models).

- :func:`check_effective_sample_size` (implement): the student's ESS from log-weights is
  compared with ``reference_effective_sample_size`` on seeded log-weights, some of them
  near -1000, where exponentiating first gives 0/0.
- :func:`check_importance_log_px` (debug): the student's repaired importance-sampling
  estimator is run on seeded linear-Gaussian models; it passes when its estimates of
  log p(x) lie within Monte Carlo error of the exact log p(x) (and are exact when the
  proposal is the exact posterior).
- :func:`check_proposal_scale` (experiment): widens the best diagonal proposal's standard
  deviations by the student's factor, measures the effective sample size and the error of
  the importance-sampling estimate, and passes when both improve clearly on the unwidened
  proposal (an ESS at least 1.35 times as large, an error at most 0.75 times as large);
  :func:`measure_proposal_scale` runs the same measurement for one factor.
- :func:`check_elbo_gap` (derive): the student's closed form of log p(x) - ELBO for a
  diagonal q, written from the posterior's mean and precision, is compared at seeded
  random points with ``reference_elbo_gap``, which subtracts the closed-form ELBO from the
  exact log p(x) (no KL formula in it).
- :func:`check_one_sample_error` (derive): the student derives the average error of the
  one-sample importance-sampling estimate of log p(x) when the proposal is the exact
  posterior with its covariance multiplied by c, as a function of c and K; it is compared
  with ``reference_one_sample_error`` (minus ``torch.distributions.kl_divergence`` from
  that proposal to the posterior of a random model), and on success with a Monte Carlo
  average of one-sample estimates.

Every check draws its random numbers from its own seeded generator, prints ✅ or ❌ with a
message (and, on a failure, the next staged hint), never raises, and returns a
:class:`~aecourse.exercises._core.CheckResult`.
"""

from __future__ import annotations

import math
import traceback

import torch

from aecourse.exercises._core import (
    CheckResult,
    check_function,
    compare,
    exercise,
    not_a_function,
    report,
    seeded,
)
from aecourse.gaussian import diag_normal
from aecourse.lvm import LinearGaussianLVM

DTYPE = torch.float64


def _randn(generator: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=generator, dtype=DTYPE)


def _random_model(generator: torch.Generator, data_dim: int, latent_dim: int) -> LinearGaussianLVM:
    W = _randn(generator, data_dim, latent_dim)
    b = _randn(generator, data_dim)
    s = 0.3 + float(torch.rand(1, generator=generator, dtype=DTYPE))
    return LinearGaussianLVM(W, b, s).requires_grad_(False)


def _raised(err: Exception) -> str:
    where = traceback.extract_tb(err.__traceback__)[-1]
    return f"your function raised {type(err).__name__}: {err} (line {where.lineno})"


# ---- implement: the effective sample size ------------------------------------------------


def reference_effective_sample_size(log_w: torch.Tensor) -> torch.Tensor:
    """(sum_i w_i)^2 / sum_i w_i^2 along dim 0 for w = exp(log_w) (S, B); returns (B,)."""
    return torch.exp(2 * torch.logsumexp(log_w, dim=0) - torch.logsumexp(2 * log_w, dim=0))


@exercise(
    "implement",
    hints=(
        "Multiplying every weight by the same positive constant does not change the ESS; "
        "choose the constant that keeps the exponentials in range, or stay in log space.",
        "Which constant makes the largest weight of each column exactly 1? After that "
        "rescaling no weight overflows, and each of the two sums keeps at least one term "
        "that does not round to zero.",
    ),
)
def check_effective_sample_size(ess_fn) -> CheckResult:
    """Check ``ess_fn(log_w) -> (B,)`` on log-weights (S, B), some of them near -1000."""
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
        atol=1e-6,
        rtol=1e-6,
    )


# ---- debug: an importance-sampling estimator --------------------------------------------


def _is_cases(generator: torch.Generator):
    """(model, x, q, exact log p(x), what q is) for the importance-sampling checks."""
    for data_dim, latent_dim in [(4, 2), (8, 3)]:
        model = _random_model(generator, data_dim, latent_dim)
        _, x = model.sample(3)
        exact = model.log_marginal(x)
        yield model, x, model.posterior_distribution(x), exact, "the exact posterior"
        mean, cov = model.posterior(x)
        wide = torch.distributions.MultivariateNormal(mean, covariance_matrix=2 * cov)
        yield model, x, wide, exact, "the posterior widened to twice its covariance"


@exercise(
    "debug",
    hints=(
        "An importance weight divides by the density of the distribution that the sample "
        "was actually drawn from. Where do the samples in this function come from?",
        "Print the mean and the standard deviation of the samples z inside the function, "
        "over the sample dimension, and compare them with those of the proposal q: they "
        "should agree.",
    ),
)
def check_importance_log_px(importance_fn, num_samples: int = 2000) -> CheckResult:
    """Run ``importance_fn(model, x, q, num_samples) -> (B,)`` on seeded linear-Gaussian
    models, with q the exact posterior and the posterior with twice its covariance; pass when every
    estimate is within 0.1 nats of the exact log p(x) (to rounding for the posterior)."""
    name = "importance_log_px"
    if not callable(importance_fn):
        return not_a_function(name, importance_fn)
    generator = seeded(3103)
    worst = 0.0
    for model, x, q, exact, what in _is_cases(generator):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(torch.randint(2**31, (1,), generator=generator)))
            try:
                estimate = importance_fn(model, x, q, num_samples)
            except Exception as err:  # the student's code may raise anything
                return report(False, name, f"with q = {what}, {_raised(err)}")
        problem = compare(estimate, exact, atol=0.1, rtol=0.0)
        if problem is not None:
            return report(
                False,
                name,
                f"with q = {what} and S = {num_samples}, the estimates of log p(x) should "
                f"match the exact values within Monte Carlo error: {problem}",
            )
        error = float((torch.as_tensor(estimate, dtype=DTYPE) - exact).abs().max())
        if what == "the exact posterior" and error > 1e-6:
            return report(
                False,
                name,
                "with q = the exact posterior every weight equals p(x), so the estimate must be "
                f"exact, but it is off by up to {error:.2g} nats",
            )
        worst = max(worst, error)
    return report(
        True,
        name,
        f"exact with the posterior as proposal, and within {worst:.2g} nats of log p(x) with "
        "a wider proposal",
    )


# ---- experiment: widen the proposal -----------------------------------------------------


def measure_proposal_scale(model, x, scale: float, num_samples: int = 1000):
    """The experiment of :func:`check_proposal_scale` for one factor: the mean ESS and the
    root-mean-square error (nats) of the importance-sampling estimate of log p(x) with the
    best diagonal q's standard deviations times ``scale`` (8 seeded repeats)."""
    return _scaled_proposal_run(model, x, float(scale), num_samples, 8, seed=3105)


def _scaled_proposal_run(model, x, scale: float, num_samples: int, repeats: int, seed: int):
    """Mean ESS and RMS error of the IS estimate with the best diagonal q's std times scale."""
    generator = seeded(seed)
    mu, logvar = model.best_diagonal_q(x)
    logvar = logvar + 2 * math.log(scale)  # std times scale
    std = torch.exp(0.5 * logvar)
    exact = model.log_marginal(x)
    ess, squared = [], []
    with torch.no_grad():
        for _ in range(repeats):
            eps = torch.randn(num_samples, *mu.shape, generator=generator, dtype=mu.dtype)
            z = mu + std * eps  # (S, B, K)
            log_w = model.log_joint(x, z) - diag_normal(mu, logvar).log_prob(z)  # (S, B)
            estimate = torch.logsumexp(log_w, dim=0) - math.log(num_samples)
            ess.append(reference_effective_sample_size(log_w).mean())
            squared.append((estimate - exact).pow(2).mean())
    return float(torch.stack(ess).mean()), float(torch.stack(squared).mean().sqrt())


@exercise(
    "experiment",
    hints=(
        "The best diagonal q is overconfident: compare its variances with the posterior's "
        "marginal variances in the section on maximizing the ELBO over q. A proposal that "
        "is too narrow rarely visits the posterior's long direction.",
        "Try a handful of factors between 1 and 3 and read the ESS the check prints for each: "
        "it rises as q widens, peaks, and falls again when q wastes samples where the "
        "posterior has little mass. Keep a factor near the peak.",
    ),
)
def check_proposal_scale(scale, model, x, num_samples: int = 1000) -> CheckResult:
    """Widen the best diagonal q's standard deviations by ``scale`` and measure the ESS and
    the root-mean-square error of the importance-sampling estimate of log p(x) (8 repeats
    of ``num_samples`` samples); pass when the ESS is at least 1.35 times, and the error at
    most 0.75 times, that of the unwidened q."""
    name = "proposal_scale"
    if scale is None:
        return report(False, name, "set the factor (a number) before you run the experiment")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)):
        return report(False, name, f"the factor is a {type(scale).__name__}; expected a number")
    if not (math.isfinite(scale) and 0.1 <= scale <= 10):
        return report(False, name, f"choose a factor between 0.1 and 10, got {scale}")
    base_ess, base_error = _scaled_proposal_run(model, x, 1.0, num_samples, 8, seed=3105)
    ess, error = _scaled_proposal_run(model, x, float(scale), num_samples, 8, seed=3105)
    said = (
        f"factor {scale:g}: ESS {ess:.0f} of {num_samples} and RMS error {error:.3f} nats "
        f"(factor 1: ESS {base_ess:.0f}, RMS error {base_error:.3f})"
    )
    if ess >= 1.35 * base_ess and error <= 0.75 * base_error:
        return report(True, name, f"{said}: a wider q covers the posterior's long direction")
    if scale < 1:
        why = "a narrower q misses even more of the posterior"
    elif ess < 1.35 * base_ess and scale > 1.3:
        why = "too wide: most samples land where the posterior has little mass"
    else:
        why = "not yet a clear improvement: aim for at least 1.35 times the ESS"
    return report(False, name, f"{said}: {why}")


# ---- derive: the gap between log p(x) and the ELBO --------------------------------------


def reference_elbo_gap(model: LinearGaussianLVM, x, mu, logvar) -> torch.Tensor:
    """log p(x) - ELBO(q) from two closed forms that never write down a KL; (B,)."""
    return model.log_marginal(x) - model.elbo(x, mu, logvar)


def _gap_cases(generator: torch.Generator):
    """(student arguments (mu, logvar, m, P), reference arguments) per case."""
    for data_dim, latent_dim, batch in [(4, 2, 3), (6, 3, 4), (10, 5, 2)]:
        model = _random_model(generator, data_dim, latent_dim)
        _, x = model.sample(batch)
        mu = _randn(generator, batch, latent_dim)
        logvar = 0.5 * _randn(generator, batch, latent_dim) - 1.0
        m, _ = model.posterior(x)
        yield (mu, logvar, m, model.posterior_precision()), (model, x, mu, logvar)


@exercise(
    "derive",
    hints=(
        "By the central identity of this chapter the gap is a KL divergence between two "
        "Gaussians: q and the exact posterior. Write it as the expectation under q of the "
        "difference of their log-densities.",
        "Under q, the expected quadratic form of z - m with a matrix A is the trace of A "
        "times q's covariance plus the same quadratic form at q's mean; the log-determinant "
        "of q's diagonal covariance is the sum of its logvar. The normalizing constants "
        "with 2 pi cancel.",
    ),
)
def check_elbo_gap(gap_fn) -> CheckResult:
    """Check ``gap_fn(mu, logvar, m, P) -> (B,)`` against log p(x) - ELBO on random models."""
    name = "elbo_gap"
    if not callable(gap_fn):
        return not_a_function(name, gap_fn)
    generator = seeded(3106)
    for i, (args, reference_args) in enumerate(_gap_cases(generator), start=1):
        expected = reference_elbo_gap(*reference_args)
        try:
            got = gap_fn(*args)
        except Exception as err:  # the student's code may raise anything
            return report(False, name, f"on test case {i} {_raised(err)}")
        problem = compare(got, expected, atol=1e-8, rtol=1e-6)
        if problem is not None:
            shapes = ", ".join(str(tuple(a.shape)) for a in args)
            return report(False, name, f"on test case {i} (inputs {shapes}) {problem}")
    return report(True, name, "equals log p(x) - ELBO on 3 random models")


# ---- derive: the error of a one-sample estimate -----------------------------------------


def reference_one_sample_error(c: float, latent_dim: int) -> float:
    """The average over z ~ q of log p(x, z) - log q(z|x) - log p(x) for the proposal
    q = N(m(x), c Sigma_{z|x}), the exact posterior with its covariance times ``c``.

    Computed as minus ``torch.distributions.kl_divergence`` from q to the posterior of a
    seeded random linear-Gaussian model with ``latent_dim`` latent dimensions (averaged
    over three data points), so it does not depend on the hand-derived formula it checks.
    """
    model = _random_model(seeded(3108), latent_dim + 3, latent_dim)
    _, x = model.sample(3)
    posterior = model.posterior_distribution(x)
    mean, cov = model.posterior(x)
    q = torch.distributions.MultivariateNormal(mean, covariance_matrix=c * cov)
    return float(-torch.distributions.kl_divergence(q, posterior).mean())


def _one_sample_average(c: float, latent_dim: int, num_draws: int, seed: int):
    """Monte Carlo: mean and standard error of log w - log p(x), one z ~ q per draw."""
    generator = seeded(seed)
    model = _random_model(generator, latent_dim + 3, latent_dim)
    _, x = model.sample(1)
    mean, cov = model.posterior(x)
    q = torch.distributions.MultivariateNormal(mean, covariance_matrix=c * cov)
    eps = torch.randn(num_draws, 1, latent_dim, generator=generator, dtype=DTYPE)
    with torch.no_grad():
        z = mean + eps @ q.scale_tril.mT  # (S, 1, K): z ~ q
        error = model.log_joint(x, z) - q.log_prob(z) - model.log_marginal(x)  # (S, 1)
    return float(error.mean()), float(error.std() / num_draws**0.5)


#: The (c, K) of the derive check: narrower and wider than the posterior, and exact.
ONE_SAMPLE_CASES = [(2.0, 16), (0.5, 3), (1.0, 5), (3.0, 1), (0.3, 8)]


def _one_sample_slip(got: float, expected: float, c: float, latent_dim: int) -> str | None:
    """Name a typical slip when ``got`` is one, else ``None``."""
    as_std = -0.5 * latent_dim * (c**2 - 1 - 2 * math.log(c))  # c taken as a std factor
    slips = [
        (-expected, "the sign: a single log-weight is too low on average, never too high"),
        (2 * expected, "a factor of 2: check the one half in front of the Gaussian KL"),
        (as_std, "c multiplies the covariance, not the standard deviation"),
    ]
    for value, message in slips:
        if abs(got - value) <= 1e-6 * max(1.0, abs(value)) and abs(value - expected) > 1e-9:
            return message
    return None


@exercise(
    "derive",
    hints=(
        "A single log-weight, averaged over z drawn from q, is the ELBO of q; the central "
        "identity of this chapter says how far the ELBO lies below log p(x).",
        "That distance is a divergence between two Gaussians with the same mean, one "
        "covariance a multiple of the other. Its trace term and its log-determinant term "
        "each become K times a simple function of c; the model and x drop out.",
    ),
)
def check_one_sample_error(error_fn) -> CheckResult:
    """Check ``error_fn(c, K)``, the average error of the one-sample estimate of log p(x)
    with the proposal N(m(x), c Sigma_{z|x}), against ``reference_one_sample_error`` (exact,
    through torch.distributions) at several (c, K); on success, also against a Monte Carlo
    average of 100,000 one-sample estimates."""
    name = "one_sample_error"
    if not callable(error_fn):
        return not_a_function(name, error_fn)
    for i, (c, latent_dim) in enumerate(ONE_SAMPLE_CASES, start=1):
        expected = reference_one_sample_error(c, latent_dim)
        try:
            got = error_fn(c, latent_dim)
        except Exception as err:  # the student's code may raise anything
            return report(
                False, name, f"on test case {i} (c = {c}, K = {latent_dim}) {_raised(err)}"
            )
        problem = compare(got, torch.tensor(expected, dtype=DTYPE), atol=1e-6, rtol=1e-6)
        if problem is not None:
            try:
                slip = _one_sample_slip(float(got), expected, c, latent_dim)
            except (TypeError, ValueError, RuntimeError):
                slip = None
            where = f"on test case {i} (c = {c}, K = {latent_dim})"
            return report(False, name, f"{where} {slip or problem}")
    mc, se = _one_sample_average(2.0, 16, 100_000, seed=3109)
    return report(
        True,
        name,
        f"exact on {len(ONE_SAMPLE_CASES)} test cases; for c = 2 and K = 16, 100,000 "
        f"one-sample estimates minus log p(x) average {mc:.2f} ± {se:.2f} nats",
    )
