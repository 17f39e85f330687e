"""Checks for the exercises of the chapter "The reparameterization trick".

Five exercises, each checked by its effect or against an independent reference:

- :func:`check_objective_gradient` (debug): a one-sample estimate of
  E_q[u(z)] - KL(q || N(0, I)) whose sample is drawn with the wrong scale. The check
  averages the student's values and gradients with respect to ``mu`` and ``logvar`` over
  many rows and compares them with the exact ones, in standard errors, and reports
  which of the three are off, and by how much.
- :func:`check_score_variance` (derive): the variance of the one-sample score-function
  estimate of d/dmu E[z^2] for z ~ N(mu, std^2), in closed form; compared with a Monte
  Carlo measurement that takes the score from ``Normal.log_prob`` by autograd.
- :func:`check_steep_slope_prediction` (predict): by what factor the variance of the
  pathwise estimate of d/dmu E[sigmoid(z / c)] grows when the width c (a temperature) falls
  from 0.1 to 0.01; measured with the package's estimators, beside the score-function
  variance.
- :func:`check_baseline` (implement): a baseline for the score-function estimator,
  chosen by the student; passes when the estimate stays unbiased and its variance falls
  to a quarter of the plain estimator's or less.
- :func:`check_full_covariance_sample` (debug): ``mu + eps @ L`` for rows of noise;
  checked by the sample covariance of many draws, which must be L L^T; a failure names
  the entry furthest off, with its value and the expected one.

Every check prints ✅ or ❌ with a message (and, on a failure, the next staged hint),
returns a :class:`~aecourse.exercises._core.CheckResult`, and never raises. The
``reference_*`` functions are solutions, used by the tests.
"""

from __future__ import annotations

import functools
import math
import traceback
from collections.abc import Callable

import torch
from torch.distributions import Normal

from aecourse.exercises._core import (
    CheckResult,
    check_prediction,
    compare,
    exercise,
    not_a_function,
    report,
    seeded,
)
from aecourse.gaussian import kl_normal_std_normal
from aecourse.gradients import gradient_stats, pathwise_gradient, score_function_gradient

__all__ = [
    "BASELINE_PROBLEM",
    "check_baseline",
    "check_full_covariance_sample",
    "check_objective_gradient",
    "check_score_variance",
    "check_steep_slope_prediction",
    "reference_baseline",
    "reference_full_covariance_sample",
    "reference_objective",
    "reference_score_variance",
]


def _raised(err: Exception) -> str:
    where = traceback.extract_tb(err.__traceback__)[-1]
    return f"your function raised {type(err).__name__}: {err} (line {where.lineno})"


# ------------------------------------------------------------ reference solutions


def reference_objective(u: Callable, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """One-sample estimate of E_q[u(z)] - KL(q || N(0, I)) for q = N(mu, diag(exp(logvar))),
    differentiable in mu and logvar; shapes (B, K) -> (B,)."""
    std = torch.exp(0.5 * logvar)
    z = Normal(mu, std).rsample()  # (B, K), on the autograd path
    return u(z) - kl_normal_std_normal(mu, logvar)


def reference_score_variance(mu, std):
    """Var of u(z) (z - mu) / std^2 with u(z) = z^2, z ~ N(mu, std^2): the variance of the
    one-sample score-function estimate of d/dmu E[z^2]."""
    return mu**4 / std**2 + 14 * mu**2 + 15 * std**2


#: The problem of the baseline experiment: q = N(0, I_K), u(z) = ||z - a||^2, S samples.
BASELINE_PROBLEM = {"latent_dim": 4, "a": 2.0, "num_samples": 4}


def reference_baseline(u_values: torch.Tensor) -> torch.Tensor:
    """The constant b = E_q[u] = ||mu - a||^2 + sum_j std_j^2 for the baseline experiment."""
    k, a = BASELINE_PROBLEM["latent_dim"], BASELINE_PROBLEM["a"]
    return torch.full_like(u_values, k * a**2 + k)


def reference_full_covariance_sample(
    mu: torch.Tensor, scale_tril: torch.Tensor, eps: torch.Tensor
) -> torch.Tensor:
    """z_n = mu + L eps_n for each row of ``eps`` (N, D); returns (N, D)."""
    return mu + eps @ scale_tril.T


# ----------------------------------------------- debug: a sample off the graph


def _quadratic(a: torch.Tensor) -> Callable:
    return lambda z: (z - a).pow(2).sum(-1)


@exercise(
    "debug",
    hints=(
        "The two terms of the objective must describe the same q. Compare the distribution "
        "the function draws z from with the one the KL term is computed for.",
        "Write down, for one coordinate, q's variance, its log-variance and its standard "
        "deviation, and check each line of the function against them: what is logvar the "
        "logarithm of?",
    ),
)
def check_objective_gradient(student_fn: Callable) -> CheckResult:
    """Exercise: fix ``student_fn(u, mu, logvar)``, a one-sample estimate of
    E_q[u(z)] - KL(q || N(0, I)) per row. Runs it on 10,000 identical rows with
    u(z) = ||z - a||^2 and compares the average value with E_q[u] - KL, and the average
    gradient with respect to mu and logvar with the exact one, 2 (mu - a) - mu and
    (std^2 + 1) / 2, in standard errors; a failure says which of the three are off."""
    name = "objective_gradient"
    if not callable(student_fn):
        return not_a_function(name, student_fn)
    gen = seeded(701)
    rows, dim = 10_000, 3
    mu0 = torch.randn(dim, generator=gen, dtype=torch.float64)
    logvar0 = 0.5 * torch.randn(dim, generator=gen, dtype=torch.float64)
    a = torch.randn(dim, generator=gen, dtype=torch.float64)
    mu = mu0.expand(rows, dim).clone().requires_grad_(True)
    logvar = logvar0.expand(rows, dim).clone().requires_grad_(True)
    var0 = logvar0.exp()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(702)
        try:
            values = student_fn(_quadratic(a), mu, logvar)
        except Exception as err:  # the student's code may raise anything
            return report(False, name, _raised(err))
    if not isinstance(values, torch.Tensor) or values.shape != (rows,):
        got = tuple(values.shape) if isinstance(values, torch.Tensor) else type(values).__name__
        return report(False, name, f"expected one value per row, shape ({rows},), got {got}")
    if values.grad_fn is None:
        return report(False, name, "the result carries no gradient at all back to mu or logvar")
    kl = 0.5 * (mu0.pow(2) + var0 - 1 - logvar0).sum()
    exact_value = float((mu0 - a).pow(2).sum() + var0.sum() - kl)
    mean = float(values.detach().mean())
    se = float(values.detach().std()) / math.sqrt(rows)
    off = []  # what is off, in words
    if not math.isfinite(mean) or abs(mean - exact_value) > 5 * se + 1e-9:
        off.append(f"the values average {mean:.3f}, but E_q[u(z)] - KL is {exact_value:.3f}")
    grads = torch.autograd.grad(values.sum(), (mu, logvar), allow_unused=True)
    exact = {"mu": 2 * (mu0 - a) - mu0, "logvar": (var0 + 1) / 2}
    kl_only = {"mu": mu0, "logvar": (var0 - 1) / 2}
    right = []
    for what, grad in zip(("mu", "logvar"), grads):
        if grad is None:
            off.append(f"the result does not depend on {what} through autograd")
            continue
        stats = gradient_stats(grad)  # one gradient per row: (rows, dim)
        t = ((stats.mean - exact[what]) / stats.std_error.clamp_min(1e-12)).abs().max()
        if float(t) < 5:
            right.append(what)
        elif torch.allclose(stats.mean, -kl_only[what], atol=1e-6):
            off.append(
                f"the gradient that reaches {what} equals minus the KL's gradient, whatever u is"
            )
        else:
            off.append(
                f"the average gradient with respect to {what} is "
                f"{stats.mean.numpy().round(3)}, the exact one {exact[what].numpy().round(3)} "
                f"({float(t):.0f} standard errors off)"
            )
    if not off:
        return report(True, name, "the values and the gradients in mu and logvar are right")
    also = f"; the gradient in {right[0]} is right" if len(right) == 1 else ""
    return report(False, name, "; ".join(off) + also)


# -------------------------------------------- derive: variance of the score estimate


def _score_variance_monte_carlo(mu, std) -> float:
    """Variance of u(z) d/dmu log N(z; mu, std^2) over draws, u(z) = z^2; the score of
    each draw from ``Normal.log_prob`` by autograd (independent of any closed form)."""
    return _score_variance_at(float(mu), float(std))


@functools.lru_cache(maxsize=16)
def _score_variance_at(mu: float, std: float, num_draws: int = 400_000) -> float:
    std = torch.tensor(std, dtype=torch.float64)
    # one copy of mu per draw, so that .grad holds one score per draw
    mu_s = torch.as_tensor(mu, dtype=torch.float64).expand(num_draws).clone().requires_grad_(True)
    eps = torch.randn(num_draws, generator=seeded(703), dtype=torch.float64)
    z = (mu_s + std * eps).detach()  # (N,)
    Normal(mu_s, std).log_prob(z).sum().backward()
    return float((z.pow(2) * mu_s.grad).var())


def _score_variance_cases():
    gen = seeded(704)
    cases = [(torch.tensor(0.0, dtype=torch.float64), torch.tensor(1.0, dtype=torch.float64))]
    for _ in range(3):
        sign = 1.0 if float(torch.rand((), generator=gen)) < 0.5 else -1.0
        mu = sign * (0.5 + 1.5 * torch.rand((), generator=gen, dtype=torch.float64))
        std = 0.5 + 1.5 * torch.rand((), generator=gen, dtype=torch.float64)
        cases.append((mu, std))
    return cases


@exercise(
    "derive",
    hints=(
        "Write z = mu + std * eps with eps standard normal: the estimate becomes a polynomial "
        "in eps, and its variance needs only moments of eps.",
        "Expand the square of that polynomial. The odd moments of eps vanish; the even ones "
        "are E[eps^2] = 1, E[eps^4] = 3, E[eps^6] = 15. Then subtract the square of the mean, "
        "which is the exact gradient.",
    ),
)
def check_score_variance(student_fn: Callable) -> CheckResult:
    """Exercise: the variance of the one-sample score-function estimate of d/dmu E[z^2],
    z ~ N(mu, std^2), as a formula ``student_fn(mu, std)``; compared at four points with
    a Monte Carlo measurement (400,000 draws, within 4 %)."""
    name = "score_variance"
    if not callable(student_fn):
        return not_a_function(name, student_fn)
    cases = _score_variance_cases()
    for mu, std in cases:
        at = f"at mu = {float(mu):.3g}, std = {float(std):.3g}"
        try:
            got = student_fn(mu.clone(), std.clone())
        except Exception as err:  # the student's code may raise anything
            return report(False, name, f"{at} {_raised(err)}")
        problem = compare(got, _score_variance_monte_carlo(mu, std), atol=1e-6, rtol=0.04)
        if problem is not None:
            return report(False, name, f"{at} {problem}")
    return report(True, name, f"your formula matches the measured variance at {len(cases)} points")


# -------------------------------------------- predict: a steep, bounded integrand


@functools.lru_cache(maxsize=1)
def _steep_slope_variances(widths=(1.0, 0.1, 0.01), repeats: int = 100_000) -> dict:
    """width c -> (pathwise variance, score-function variance) of one-sample estimates of
    d/dmu E[sigmoid(z / c)], z ~ N(0, 1)."""
    zero, one = torch.zeros(1, dtype=torch.float64), torch.ones(1, dtype=torch.float64)
    out = {}
    for i, width in enumerate(widths):

        def u(z, width=width):
            return torch.sigmoid(z / width).sum(-1)

        args = (u, zero, one, 1, repeats)
        path = pathwise_gradient(*args, generator=seeded(710 + i))
        score = score_function_gradient(*args, generator=seeded(720 + i))
        out[width] = (gradient_stats(path.mu).mean_variance, gradient_stats(score.mu).mean_variance)
    return out


@exercise(
    "predict",
    hints=(
        "The pathwise estimate is the slope of u at the sampled z, so its variance is the "
        "mean of the squared slope under q minus the square of the mean slope. Ask which of "
        "the two moves when the step gets steeper.",
        "The squared slope is large only near z = 0. Work out how its height there and the "
        "probability that a draw from q lands where it is large each change with the "
        "width c, and combine the two.",
    ),
)
def check_steep_slope_prediction(prediction) -> CheckResult:
    """Exercise: predict the factor by which the variance of the one-sample pathwise
    estimate of d/dmu E[sigmoid(z / c)], z ~ N(0, 1), grows when the width c (a temperature)
    falls from 0.1 to 0.01. Measures it (100,000 estimates per setting), passes within 5,
    then prints both estimators' variances for c = 1, 0.1 and 0.01."""
    variances = _steep_slope_variances()
    factor = variances[0.01][0] / variances[0.1][0]
    result = check_prediction(
        "steep_slope",
        prediction,
        factor,
        within=5.0,
        explanation=(
            "The slope of sigmoid(z / c) peaks at 1 / (4 c), but only for z within a "
            "few c of 0, a range of probability under q proportional to c; so the mean "
            "squared slope grows like 1 / c, not 1 / c^2, and the variance about "
            "tenfold (a bit "
            "more, since the squared mean, about 0.16, is subtracted). The score-function "
            "estimator only sees values of u, which stay in [0, 1]: its variance hardly moves, "
            "and for steep u it wins."
        ),
    )
    if result or prediction is not None:
        print(f"{'c':>6} {'pathwise':>9} {'score':>7}  (variance of a one-sample estimate)")
        for width, (path, score) in variances.items():
            print(f"{width:>6g} {path:>9.3f} {score:>7.3f}")
    return result


# ------------------------------------------------- implement: choose a baseline


def _baseline_estimates(baseline_fn: Callable, repeats: int, seed: int):
    """R score-function estimates of d/dmu E[||z - a||^2] with the baseline
    b = baseline_fn(u_values), u_values of shape (R, S); returns (estimates (R, K), exact)."""
    k, a, s = (BASELINE_PROBLEM[key] for key in ("latent_dim", "a", "num_samples"))
    eps = torch.randn(repeats, s, k, generator=seeded(seed), dtype=torch.float64)
    z = eps  # mu = 0, std = 1
    u_values = (z - a).pow(2).sum(-1)  # (R, S)
    b = baseline_fn(u_values.clone())
    b = torch.as_tensor(b, dtype=torch.float64)
    b = torch.broadcast_to(b, u_values.shape)
    # (1/S) sum_i (u(z_i) - b_i) d/dmu log q(z_i), with d/dmu log q = (z - mu) / std^2 = eps
    estimates = ((u_values - b)[..., None] * eps).mean(dim=1)  # (R, K)
    return estimates, torch.full((k,), -2.0 * a, dtype=torch.float64)


@exercise(
    "implement",
    hints=(
        "A baseline may be any number that does not depend on the sample it is subtracted "
        "from; the closer it is to the values of u, the smaller what is left to average.",
        "Ask what value u takes on average under this q: the chapter has the tools to know "
        "it in advance, or to estimate it from the values the function receives. If you "
        "estimate it, mind which values each baseline may use.",
    ),
)
def check_baseline(student_fn: Callable) -> CheckResult:
    """Exercise: a baseline ``student_fn(u_values)`` -> b of the same shape (R, S) (or a
    number) for the score-function estimator of d/dmu E[||z - a||^2], q = N(0, I_4),
    a = (2, 2, 2, 2), S = 4. Passes when the mean of 20,000 estimates lies within 5
    standard errors of the exact gradient and their variance is at most a quarter of the
    plain estimator's."""
    name = "baseline"
    if not callable(student_fn):
        return not_a_function(name, student_fn)
    repeats = 20_000
    plain, exact = _baseline_estimates(lambda v: 0.0, repeats, 705)
    try:
        estimates, _ = _baseline_estimates(student_fn, repeats, 705)
    except Exception as err:  # the student's code may raise anything
        return report(
            False, name, _raised(err) + "; return a number or a tensor of the shape of u_values"
        )
    if not bool(torch.isfinite(estimates).all()):
        return report(False, name, "the estimates contain NaN or infinity")
    stats, plain_stats = gradient_stats(estimates), gradient_stats(plain)
    ratio = stats.mean_variance / plain_stats.mean_variance
    t = ((stats.mean - exact) / stats.std_error.clamp_min(1e-12)).abs().max()
    said = (
        f"mean {stats.mean.numpy().round(2)} (exact {exact.numpy().round(2)}), variance "
        f"{stats.mean_variance:.1f} against {plain_stats.mean_variance:.1f} without a baseline"
    )
    if float(t) > 5:
        return report(
            False,
            name,
            f"{said}: biased ({float(t):.0f} standard errors off). A baseline that uses the "
            "sample it is subtracted from is correlated with that sample's score, and the "
            "estimate no longer averages to the gradient",
        )
    if ratio > 0.25:
        return report(
            False, name, f"{said}: the variance fell to {ratio:.0%} of it; aim for 25 % or less"
        )
    return report(True, name, f"{said}: unbiased, and the variance fell to {ratio:.0%}")


# ------------------------------------------ debug: rows of noise and a matrix factor


def _full_covariance_problem():
    gen = seeded(706)
    dim = 3
    mu = torch.randn(dim, generator=gen, dtype=torch.float64)
    scale_tril = torch.tensor(
        [[1.0, 0.0, 0.0], [1.5, 0.5, 0.0], [-1.0, 0.8, 0.7]], dtype=torch.float64
    )
    eps = torch.randn(200_000, dim, generator=gen, dtype=torch.float64)
    return mu, scale_tril, eps


@exercise(
    "debug",
    hints=(
        "Work out, on paper, the covariance of the rows the function returns: for a fixed "
        "matrix M, what is the covariance of a row of noise multiplied by M?",
        "Write the sample for one column vector of noise first, then transpose that product to "
        "get the row the function must return: a transpose reverses the order of a product.",
    ),
)
def check_full_covariance_sample(student_fn: Callable) -> CheckResult:
    """Exercise: fix ``student_fn(mu, scale_tril, eps)``, which should return
    z_n = mu + L eps_n for every row eps_n of eps (N, D). Checks the shape, then the sample
    mean and covariance of 200,000 draws against mu and L L^T, within 5 standard errors."""
    name = "full_covariance_sample"
    mu, scale_tril, eps = _full_covariance_problem()
    try:
        z = student_fn(mu, scale_tril, eps)
    except Exception as err:  # the student's code may raise anything
        return report(False, name, _raised(err))
    if z is None:
        return report(False, name, "your function returned None")
    if not isinstance(z, torch.Tensor) or z.shape != eps.shape:
        got = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
        return report(False, name, f"expected samples of shape {tuple(eps.shape)}, got {got}")
    z = z.detach().double()
    sigma = scale_tril @ scale_tril.T
    n = len(z)
    # standard errors of a sample mean and of a covariance entry of a Gaussian
    mean_se = (sigma.diagonal() / n).sqrt()
    cov_se = ((sigma.diagonal()[:, None] * sigma.diagonal()[None, :] + sigma**2) / n).sqrt()
    if float(((z.mean(0) - mu).abs() / mean_se).max()) > 5:
        return report(False, name, "the samples are not centred on mu")
    cov = torch.cov(z.T)
    if float(((cov - sigma).abs() / cov_se).max()) <= 5:
        return report(True, name, "the samples have mean mu and covariance L L^T")
    gap = ((cov - sigma).abs() / cov_se).flatten().argmax()
    row, col = divmod(int(gap), cov.shape[1])
    return report(
        False,
        name,
        f"the mean is right, but not the covariance: entry ({row}, {col}) of the sample "
        f"covariance is {float(cov[row, col]):.2f}, of L L^T {float(sigma[row, col]):.2f} "
        f"(sample covariance {cov.numpy().round(2).tolist()})",
    )
