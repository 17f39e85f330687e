"""Checks for the exercises of the notebook 02c_contractive_autoencoders (chapter 2).

- :func:`check_penalty_grad_weight` (derive): the gradient of the contractive penalty
  of a sigmoid layer with respect to its weights W, derived by hand; compared with
  ``torch.autograd.grad`` of the penalty computed by autograd (``vmap`` over ``jacrev``)
  at seeded random points, in float64. Two typical slips get a message of their own:
  treating the slopes h_j (1 - h_j) as constants, and summing over the batch instead of
  averaging.
- :func:`check_circle_contraction` (experiment): trains the tied 32-unit autoencoder of
  the circle section (400 full-batch Adam steps, as there) with the student's lambda and
  passes when the code is at least ``RATIO_BAR`` times as sensitive along the circle as
  across it while the test reconstruction error stays below the radial noise variance.

Each check prints ✅ or ❌ with what it measured, shows the exercise's next staged hint on
a failure, returns a :class:`~aecourse.exercises._core.CheckResult` and never raises.
"""

from __future__ import annotations

import math
import traceback

import numpy as np
import torch

from aecourse.data import load_circle
from aecourse.diagnostics import circle_sensitivity
from aecourse.exercises._core import CheckResult, compare, exercise, not_a_function, report, seeded
from aecourse.losses import jacobian_frobenius_sq
from aecourse.models import TiedAutoencoder
from aecourse.objectives import contractive_loss
from aecourse.runtime import use_threads
from aecourse.training import fit

# --- reference solutions ------------------------------------------------------------------


def reference_penalty_grad_weight(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor
) -> torch.Tensor:
    """d/dW of the batch mean of ||J_f(x)||_F^2 for h = sigmoid(W x + b), shape (K, D).

    By autograd twice: the Jacobian with ``vmap(jacrev)``, then the gradient of the mean
    of its squared Frobenius norms with respect to W (no closed form involved).
    """
    weight = weight.detach().requires_grad_(True)  # W, (K, D)
    penalty = jacobian_frobenius_sq(lambda v: torch.sigmoid(v @ weight.T + bias), x).mean()
    (grad,) = torch.autograd.grad(penalty, weight)
    return grad  # (K, D)


def _slopes_held_fixed(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """The gradient with the slopes h_j (1 - h_j) wrongly held constant (a typical slip)."""
    weight = weight.detach().requires_grad_(True)
    with torch.no_grad():
        h = torch.sigmoid(x @ weight.T + bias)  # (B, K)
    slope_sq = (h * (1 - h)).pow(2)  # (B, K), constants here
    (grad,) = torch.autograd.grad((slope_sq @ weight.pow(2).sum(dim=1)).mean(), weight)
    return grad


# --- checks ---------------------------------------------------------------------------------


def _penalty_grad_cases() -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    gen = seeded(2011)
    cases = []
    for batch, dim, code in ((6, 4, 3), (10, 8, 5), (1, 3, 7)):
        x = torch.randn(batch, dim, generator=gen, dtype=torch.float64)  # (B, D)
        weight = torch.randn(code, dim, generator=gen, dtype=torch.float64)  # W, (K, D)
        bias = 0.5 * torch.randn(code, generator=gen, dtype=torch.float64)  # b, (K,)
        cases.append((x, weight, bias))
    return cases


def _close(got, expected) -> bool:
    return compare(got, expected, atol=1e-8, rtol=1e-6) is None


@exercise(
    "derive",
    hints=(
        "The penalty depends on W in two places: through the squared length of each row "
        "of W, and through the slope of each unit, because h itself depends on W. "
        "Differentiate both factors (product rule), then average over the batch.",
        "Work with one example, one unit j and one weight W_jd first. The slope is a "
        "function of the unit's output alone; differentiate it with respect to the "
        "pre-activation using the sigmoid's derivative, and remember that the "
        "pre-activation is linear in the row j of W. Once the scalar formula is right, "
        "write it for the whole batch with matrix products.",
    ),
)
def check_penalty_grad_weight(answer) -> CheckResult:
    """Exercise: the gradient with respect to W of the batch mean of the contractive
    penalty of a sigmoid layer; compared with autograd at seeded random points."""
    name = "penalty_grad_weight"
    if not callable(answer):
        return not_a_function(name, answer)
    cases = _penalty_grad_cases()
    for i, (x, weight, bias) in enumerate(cases, start=1):
        expected = reference_penalty_grad_weight(x, weight, bias)
        try:
            got = answer(x.clone(), weight.clone(), bias.clone())
        except Exception as err:  # the student's code may raise anything
            line = traceback.extract_tb(err.__traceback__)[-1].lineno
            return report(
                False,
                name,
                f"on test case {i} your function raised {type(err).__name__}: {err} (line {line})",
            )
        problem = compare(got, expected, atol=1e-8, rtol=1e-6)
        if problem is None:
            continue
        shapes = f"x {tuple(x.shape)}, W {tuple(weight.shape)}, b {tuple(bias.shape)}"
        if _close(got, _slopes_held_fixed(x, weight, bias)):
            problem = (
                "your gradient is the part that holds the slopes h_j (1 - h_j) constant; "
                "they depend on W too, through h, and their part is missing"
            )
        elif len(x) > 1 and _close(got, len(x) * expected):
            problem = (
                f"your answer is {len(x)} times the gradient, the batch size: the penalty "
                "is averaged over the examples, not summed"
            )
        return report(False, name, f"on test case {i} ({shapes}) {problem}")
    return report(True, name, f"agrees with autograd on {len(cases)} random layers")


#: The bars of :func:`check_circle_contraction`.
RATIO_BAR = 2.5  # sensitivity along the circle / across it, at least
RECON_BAR = 0.3**2  # test reconstruction error at most: the radial noise variance
CIRCLE_STEPS = 400  # full-batch Adam steps, as in the notebook with FAST = True


def _train_circle_model(lam: float) -> tuple[float, float]:
    """Train the notebook's tied circle model with ``lam``; return (ratio, recon)."""
    radius = 3.0
    circle = load_circle(1000, noise=0.3, radius=radius)
    with torch.random.fork_rng(devices=[]):  # leave the notebook's random state alone
        torch.manual_seed(0)
        model = TiedAutoencoder(2, 32)
    threads = torch.get_num_threads()
    use_threads()  # the book's thread policy (one thread unless AECOURSE_THREADS says)
    try:
        fit(
            model,
            circle.x_train,
            contractive_loss(lam),
            epochs=CIRCLE_STEPS,
            batch_size=800,
            lr=3e-2,
            progress=False,
        )
    finally:
        torch.set_num_threads(threads)
    x = circle.x_test  # (N, 2)
    with torch.no_grad():
        recon = (x - model(x)).pow(2).sum(dim=1).mean().item()
    theta = torch.linspace(0, 2 * math.pi, 201)[:-1]  # 200 angles
    along, across = circle_sensitivity(model.encode, theta, radius)
    return (along.mean() / across.mean()).item(), recon


@exercise(
    "experiment",
    hints=(
        "lambda is the exchange rate between the two terms of the loss. Ask what each term "
        "wants from the code across the circle, where only the radial noise varies, and "
        "along it, where the circle itself lies; that tells you which bar each extreme of "
        "lambda misses. Then try a few values and watch both numbers the check prints.",
        "With lambda = 1 the check's model falls short of the ratio while its error is far "
        "below the bar. The error may grow until the model has given up the radial noise, "
        "but no further: search within a small factor of 1, not over orders of magnitude.",
    ),
)
def check_circle_contraction(lam) -> CheckResult:
    """Exercise: choose lambda for the tied circle model so that the code is at least
    RATIO_BAR times as sensitive along the circle as across it while the test
    reconstruction error stays below RECON_BAR; trains the model (about a second)."""
    name = "circle_contraction"
    if lam is None:
        return report(False, name, "set my_lam to the lambda you choose, then run the check")
    if isinstance(lam, bool) or not isinstance(lam, (int, float, np.integer, np.floating)):
        return report(False, name, f"my_lam is a {type(lam).__name__}; expected a number")
    if not math.isfinite(lam) or lam < 0:
        return report(False, name, f"my_lam is {lam}; lambda must be a finite number >= 0")
    try:
        ratio, recon = _train_circle_model(float(lam))
    except Exception as err:  # e.g. a FloatingPointError when training diverges
        return report(False, name, f"training with lambda = {lam:g} failed: {err}")
    said = (
        f"with lambda = {lam:g}: along / across = {ratio:.2f} (bar: at least {RATIO_BAR}), "
        f"reconstruction error {recon:.4f} (bar: at most {RECON_BAR:.2f})"
    )
    if ratio >= RATIO_BAR and recon <= RECON_BAR:
        return report(
            True,
            name,
            f"{said}. The penalty flattened the code across the circle, where only the "
            "radial noise lives, while the reconstruction gave up no more than that noise.",
        )
    if recon > RECON_BAR:
        why = (
            "the model gives up more than the radial noise: the penalty is now flattening "
            "the code along the circle too, and the reconstruction loses the circle itself"
        )
    else:
        why = (
            "the code is still nearly as sensitive across the circle as along it: the "
            "reconstruction term outweighs the penalty, so the model keeps reproducing the "
            "radial noise"
        )
    return report(False, name, f"{said}: {why}")
