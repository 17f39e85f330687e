"""Checks for the exercises of the chapter "Generating new data".

Four exercises, each checked by its effect or against an independent reference:

- :func:`check_norm_sq_moments` (derive): the mean and the standard deviation of
  ||z(a)||^2 on the straight line z(a) = (1 - a) z0 + a z1 between two independent draws
  from N(0, I_K), as formulas in a and K; compared with a Monte Carlo measurement.
- :func:`check_typical_path` (implement): a path between two prior draws whose points
  keep norms that prior draws have. Over 200 pairs of draws (K = 20) the check measures
  the share of the path's points whose ||z||^2 lies in the central 90 % of the prior's
  (a chi-squared distribution), and checks that the path starts at z0, ends at z1 and
  makes no jumps.
- :func:`check_iwae_bound` (debug): an importance-weighted bound L_k with one planted
  mistake. The check runs it for k = 1 and k = 50 on a trained model and passes when it
  rises with k as the reference :func:`aecourse.estimators.iwae_bound` does and agrees
  with it at k = 50.
- :func:`check_iwae_gain_prediction` (predict): the gain of L_50 over L_1 of the model
  with K = 2 as a fraction of the gain of the model with K = 20, both averaged over the
  same test digits; measured on the models and the digits the notebook passes in.

Every check prints ✅ or ❌ with a message (and, on a failure, the next staged hint),
returns a :class:`~aecourse.exercises._core.CheckResult`, and never raises. The
``reference_*`` functions are solutions, used by the tests.
"""

from __future__ import annotations

import functools
import math
import traceback
from collections.abc import Callable

import numpy as np
import torch

from aecourse.estimators import importance_log_weights, iwae_bound
from aecourse.exercises._core import (
    CheckResult,
    check_function,
    check_prediction,
    exercise,
    not_a_function,
    report,
    seeded,
)

__all__ = [
    "check_iwae_bound",
    "check_iwae_gain_prediction",
    "check_norm_sq_moments",
    "check_typical_path",
    "reference_iwae_bound",
    "reference_norm_sq_moments",
    "reference_typical_path",
]


def _raised(err: Exception) -> str:
    where = traceback.extract_tb(err.__traceback__)[-1]
    return f"your function raised {type(err).__name__}: {err} (line {where.lineno})"


def _is_number(value) -> bool:
    return (
        not isinstance(value, bool)
        and isinstance(value, (int, float, np.number))
        and math.isfinite(float(value))
    )


def _devices(device: torch.device) -> list:
    """The accelerators whose random state a check must leave as it found it."""
    if device.type != "cuda":
        return []
    return [device.index if device.index is not None else torch.cuda.current_device()]


# --- reference solutions ------------------------------------------------------------


def reference_norm_sq_moments(alpha: float, latent_dim: int) -> tuple[float, float]:
    """Mean and standard deviation of ||(1 - a) z0 + a z1||^2 for independent z0, z1 ~
    N(0, I_K): the path point is N(0, var I) with var = (1 - a)^2 + a^2, so its squared
    norm is var times a chi-squared variable with K degrees of freedom."""
    var = (1 - alpha) ** 2 + alpha**2
    return var * latent_dim, var * math.sqrt(2 * latent_dim)


def reference_typical_path(z0: torch.Tensor, z1: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """The straight line from z0 to z1, rescaled so that the norm moves linearly from
    ||z0|| to ||z1||. Shapes: z0, z1 (K,), alpha (T,); returns (T, K)."""
    alpha = alpha[:, None]  # (T, 1)
    line = (1 - alpha) * z0 + alpha * z1  # (T, K)
    norm = (1 - alpha) * z0.norm() + alpha * z1.norm()  # (T, 1)
    return line / line.norm(dim=1, keepdim=True) * norm


def reference_iwae_bound(model, x: torch.Tensor, k: int) -> torch.Tensor:
    """L_k for each row of x, (B,): the log of the mean of k importance weights, computed
    from the log weights with the largest one factored out."""
    log_w = importance_log_weights(model, x, k)  # (k, B)
    log_w_max = log_w.max(dim=0).values  # (B,)
    return log_w_max + torch.log(torch.exp(log_w - log_w_max).mean(dim=0))


# --- derive: how long is a point on the line between two prior draws? -------------------


@functools.lru_cache(maxsize=16)
def _norm_sq_monte_carlo(
    alpha: float, latent_dim: int, num_draws: int = 50_000
) -> tuple[float, float]:
    """(mean, std) of ||(1 - a) z0 + a z1||^2 over independent prior draws z0, z1."""
    gen = seeded(601)
    z0 = torch.randn(num_draws, latent_dim, generator=gen, dtype=torch.float64)
    z1 = torch.randn(num_draws, latent_dim, generator=gen, dtype=torch.float64)
    norm_sq = ((1 - alpha) * z0 + alpha * z1).pow(2).sum(-1)  # (N,)
    return (float(norm_sq.mean()), float(norm_sq.std()))


@exercise(
    "derive",
    hints=(
        "A weighted sum of two independent Gaussian vectors is Gaussian itself: find the "
        "variance of a single coordinate first.",
        "Write each coordinate as its standard deviation times a standard normal. The "
        "squared norm is then a constant times a sum of K independent squared standard "
        "normals, a distribution with a name whose mean and variance you can look up; "
        "then follow the constant through both moments.",
    ),
)
def check_norm_sq_moments(student_fn: Callable) -> CheckResult:
    """Exercise: ``student_fn(alpha, K)`` -> (mean, std) of ||z(a)||^2 for z(a) = (1 - a) z0
    + a z1 with z0, z1 independent draws from N(0, I_K); compared at four (a, K) with
    50,000 Monte Carlo draws (within 3 %)."""
    return check_function(
        "norm_sq_moments",
        student_fn,
        _norm_sq_monte_carlo,
        [(0.5, 20), (0.25, 2), (0.9, 50), (0.0, 7)],
        atol=1e-6,
        rtol=0.03,
    )


# --- implement: a path that stays where the prior's draws are ----------------------------


def _typical_share(paths: torch.Tensor, latent_dim: int) -> float:
    """Share of the points (interior ones: paths[:, 1:-1]) whose ||z||^2 lies between the
    5 % and the 95 % quantiles of the chi-squared distribution with K degrees of freedom."""
    norm_sq = paths[:, 1:-1].pow(2).sum(-1)  # (pairs, T - 2)
    cdf = torch.special.gammainc(torch.full_like(norm_sq, latent_dim / 2), norm_sq / 2)
    return float(((cdf > 0.05) & (cdf < 0.95)).double().mean())


@exercise(
    "implement",
    hints=(
        "Find out first which points of the straight line leave the band, and on which "
        "side: print the squared norms along one path and compare them with the band's "
        "limits (the previous exercise says what to expect).",
        "A point of R^K is a direction and a length. Ask which of the two the straight "
        "line gets wrong, and what the other one should be for a point between two "
        "typical prior draws; the check accepts any path without jumps that fixes it.",
    ),
)
def check_typical_path(student_fn: Callable) -> CheckResult:
    """Exercise: ``student_fn(z0, z1, alpha)`` -> (T, K), a path from z0 to z1. Over 200
    pairs of draws from N(0, I_20) and T = 21 values of alpha, passes when it starts at z0,
    ends at z1, moves by at most a quarter of ||z1 - z0|| per step, and at least 80 % of
    its interior points have a squared norm in the central 90 % of the prior's."""
    name = "typical_path"
    if not callable(student_fn):
        return not_a_function(name, student_fn)
    latent_dim, pairs, steps = 20, 200, 21
    gen = seeded(602)
    z0s = torch.randn(pairs, latent_dim, generator=gen)
    z1s = torch.randn(pairs, latent_dim, generator=gen)
    alpha = torch.linspace(0.0, 1.0, steps)
    paths = []
    for z0, z1 in zip(z0s, z1s):
        try:
            path = student_fn(z0.clone(), z1.clone(), alpha.clone())
        except Exception as err:  # the student's code may raise anything
            return report(False, name, _raised(err))
        if not isinstance(path, torch.Tensor) or path.shape != (steps, latent_dim):
            got = tuple(path.shape) if isinstance(path, torch.Tensor) else type(path).__name__
            return report(
                False, name, f"expected a path of shape ({steps}, {latent_dim}), got {got}"
            )
        paths.append(path.detach().float())
    paths = torch.stack(paths)  # (pairs, T, K)
    if not bool(torch.isfinite(paths).all()):
        return report(False, name, "the path contains NaN or infinity")
    ends_ok = torch.allclose(paths[:, 0], z0s, atol=1e-4) and torch.allclose(
        paths[:, -1], z1s, atol=1e-4
    )
    if not ends_ok:
        return report(
            False, name, "the path must start at z0 (alpha = 0) and end at z1 (alpha = 1)"
        )
    step = (paths[:, 1:] - paths[:, :-1]).norm(dim=-1).max(dim=1).values  # (pairs,)
    if bool((step > 0.25 * (z1s - z0s).norm(dim=-1)).any()):
        return report(
            False, name, "the path jumps: it must move a little for each small step of alpha"
        )
    a = alpha[:, None]  # (T, 1)
    line = (1 - a) * z0s[:, None] + a * z1s[:, None]  # (pairs, T, K)
    share, line_share = _typical_share(paths, latent_dim), _typical_share(line, latent_dim)
    said = (
        f"{share:.0%} of your path's points have a squared norm in the central 90 % of the "
        f"prior's (the straight line: {line_share:.0%})"
    )
    if share < 0.8:
        return report(False, name, f"{said}; aim for 80 % or more")
    return report(True, name, f"{said}: the path stays among codes that prior draws have")


# --- debug: an importance-weighted bound that does not rise -------------------------------


@exercise(
    "debug",
    hints=(
        "The bound should rise with k, and this one hardly moves. Follow one digit's k log "
        "weights through the code and write what it returns as a formula: which quantity "
        "of the chapter does it estimate, whatever k is?",
        "Simplify that formula: the largest log weight cancels out of it. In a correct "
        "version it cannot cancel, since it is there to keep some intermediate numbers "
        "representable in float32. Which numbers would be too small without it?",
    ),
)
def check_iwae_bound(student_fn: Callable, model, x: torch.Tensor) -> CheckResult:
    """Exercise: fix ``student_fn(model, x, k)`` -> (B,), the bound L_k for each row of x.
    Runs it for k = 1 and k = 50 on ``model`` and ``x`` (seeded, leaving the global random
    state as it was) and compares it with :func:`aecourse.estimators.iwae_bound`: it must
    rise from k = 1 to k = 50 by at least half as much as the reference, and agree with
    the reference at k = 50 within 1 nat on average."""
    name = "iwae_bound"
    if not callable(student_fn):
        return not_a_function(name, student_fn)
    means = {}
    with torch.random.fork_rng(devices=_devices(x.device)), torch.no_grad():
        for k in (1, 50):
            torch.manual_seed(603 + k)
            means["reference", k] = float(iwae_bound(model, x, k).mean())
            torch.manual_seed(603 + k)
            try:
                got = student_fn(model, x, k)
            except Exception as err:  # the student's code may raise anything
                return report(False, name, _raised(err))
            if not isinstance(got, torch.Tensor) or got.shape != (x.shape[0],):
                shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
                return report(
                    False, name, f"expected one bound per digit, shape ({x.shape[0]},), got {shape}"
                )
            if not bool(torch.isfinite(got).all()):
                return report(False, name, f"for k = {k} some bounds are NaN or infinite")
            means["yours", k] = float(got.mean())
    rise = means["yours", 50] - means["yours", 1]
    rise_ref = means["reference", 50] - means["reference", 1]
    said = (
        f"from k = 1 to k = 50 your bound moves by {rise:+.1f} nats on average, "
        f"the reference by {rise_ref:+.1f}"
    )
    if rise < 0.5 * rise_ref:
        return report(False, name, f"{said}: L_k must rise with k towards log p(x)")
    gap = means["yours", 50] - means["reference", 50]
    if abs(gap) > 1.0:
        return report(False, name, f"{said}, but at k = 50 it differs by {gap:+.1f} nats")
    return report(True, name, f"{said}: it rises with k, and agrees at k = 50")


# --- predict: how much does L_50 gain over L_1 with K = 2, compared with K = 20? ----------


def _iwae_gain(model, x: torch.Tensor, seed: int) -> float:
    """The average over the rows of x of L_50 - L_1 (one seeded draw of each)."""
    torch.manual_seed(seed)
    return float((iwae_bound(model, x, 50) - iwae_bound(model, x, 1)).mean())


@exercise(
    "predict",
    hints=(
        "Start from the most that L_50 can gain over L_1: log p(x) minus the ELBO. The "
        "chapter writes that gap as a KL divergence. Which two distributions does it "
        "compare, and which of the two models does a low ELBO say something about?",
        "That KL collects, over the latent coordinates a model uses, the ways a Gaussian "
        "misses the posterior. Count the coordinates each model uses (the KL per coordinate "
        "of the K = 20 model is printed before the bounds), and ask whether one coordinate "
        "of the K = 2 model carries more information or less than one of the K = 20 model.",
    ),
)
def check_iwae_gain_prediction(prediction, model_2d, model, x: torch.Tensor) -> CheckResult:
    """Exercise: predict the gain of L_50 over L_1 of ``model_2d`` (the K = 2 VAE) as a
    fraction of the gain of ``model`` (the K = 20 VAE), both averaged over the digits x.
    Measures both (one seeded draw of each bound, the global random state left as it was)
    and passes within 0.2 of the measured ratio (0.3 to 0.5 for the models of the chapter:
    the naive answers 0, "no gain", and 1 or more, "the worse model gains as much", fail)."""
    name, within = "iwae_gain", 0.2
    if not _is_number(prediction):  # no measurement needed to say so
        return check_prediction(name, prediction, math.nan, within, "")
    with torch.random.fork_rng(devices=_devices(x.device)), torch.no_grad():
        gain_2d, gain = _iwae_gain(model_2d, x, 604), _iwae_gain(model, x, 604)
    return check_prediction(
        name,
        prediction,
        gain_2d / gain,
        within,
        explanation=(
            f"L_50 - L_1 averages {gain_2d:.2f} nats for K = 2 and {gain:.2f} for K = 20. Both "
            "are positive (Jensen), and both are at most the KL from q(z|x) to the model's own "
            "posterior. That KL judges the encoder's Gaussian against its own decoder, not the "
            "decoder against the data: with two latent coordinates there are few directions "
            "in which q can miss the posterior, so the K = 2 model gains less, although its "
            "ELBO is far lower."
        ),
    )
