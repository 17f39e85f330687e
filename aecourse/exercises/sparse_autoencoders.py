"""Checks for the exercises of the chapter "Sparse autoencoders" (notebook 02a_sparse_autoencoders).

- :func:`check_penalty_gradient` (derive): the student derives the gradient of the
  sparsity penalty lam * sum_j KL(rho || rho_hat_j) with respect to the code layer's
  pre-activations ``a`` (shape (B, K)), through rho_hat_j (the batch mean) and the
  sigmoid, and enters it as a function. The check compares it with
  ``torch.autograd.grad`` of the penalty written with ``torch.distributions`` at
  seeded random points, and names the typical slips (the sign, the 1/B of the batch
  mean, the sigmoid's slope, lam, stopping at the derivative with respect to rho_hat).
- :func:`check_mean_activation_prediction` (predict): the student predicts the mean
  of rho_hat_j over the units of a sparse autoencoder trained with a strong penalty
  (lam = 10, rho = 0.05); the check trains that model (a few seconds, seeded, on the
  first 4,000 training digits) and compares: it passes within 0.008 of the measurement
  (about 0.061), never at or below rho, the naive answer.

Every check prints ✅ or ❌ with a message, shows a staged hint after a failure,
returns a :class:`~aecourse.exercises.CheckResult` and never raises.
"""

from __future__ import annotations

import traceback

import numpy as np
import torch
from torch.distributions import Bernoulli, kl_divergence

from aecourse.exercises._core import (
    CheckResult,
    check_prediction,
    compare,
    exercise,
    not_a_function,
    report,
    seeded,
)
from aecourse.losses import mean_activation
from aecourse.models import Autoencoder
from aecourse.objectives import sparse_loss
from aecourse.training import fit

# --- reference solutions ------------------------------------------------------------------


def reference_penalty_gradient(a: torch.Tensor, rho: float, lam: float) -> torch.Tensor:
    """d/da of lam * sum_j KL(rho || rho_hat_j), rho_hat_j = mean_n sigmoid(a_nj); shape (B, K).

    Computed by autograd through ``torch.distributions``' Bernoulli KL, so it does not
    depend on the hand-derived formula it checks.
    """
    a = a.detach().double().requires_grad_(True)  # (B, K)
    rho_hat = torch.sigmoid(a).mean(dim=0)  # (K,)
    target = Bernoulli(probs=torch.full_like(rho_hat, rho))
    penalty = lam * kl_divergence(target, Bernoulli(probs=rho_hat)).sum()
    (grad,) = torch.autograd.grad(penalty, a)
    return grad.float()


#: The setting of the predict exercise: a strong penalty, otherwise the chapter's model.
PREDICT_LAM, PREDICT_RHO, PREDICT_EPOCHS, PREDICT_DIGITS = 10.0, 0.05, 10, 4000
#: How far a prediction may lie from the measurement (which is about 0.061): narrow enough
#: that the naive answer rho fails, and a prediction at or below rho fails in any case.
PREDICT_WITHIN = 0.008


def measure_mean_activation(x_train: torch.Tensor, seed: int = 0) -> float:
    """Train the chapter's sparse autoencoder (64 sigmoid units, batch 64, lr 2e-3) with
    lam = 10 on the first 4,000 rows of ``x_train``; return the mean of rho_hat_j over
    the units, measured on those rows. Seeded; leaves the global random state alone."""
    x = x_train[:PREDICT_DIGITS]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Autoencoder(x.shape[1], 64, code_activation="sigmoid").to(x.device)
    fit(
        model,
        x,
        sparse_loss(PREDICT_RHO, PREDICT_LAM),
        epochs=PREDICT_EPOCHS,
        batch_size=64,
        lr=2e-3,
        seed=seed,
        progress=False,
    )
    with torch.no_grad():
        return mean_activation(model.encode(x)).mean().item()


# --- checks ---------------------------------------------------------------------------------


def _penalty_cases() -> list[tuple[torch.Tensor, float, float]]:
    gen = seeded(2011)
    cases = []
    for (batch, units), rho, lam in [((8, 5), 0.05, 1.0), ((32, 16), 0.2, 3.0), ((5, 3), 0.5, 0.5)]:
        a = 1.5 * torch.randn(batch, units, generator=gen)  # pre-activations, (B, K)
        cases.append((a, rho, lam))
    return cases


def _diagnose_gradient(got, a, rho, lam, expected) -> str | None:
    """Name a typical slip when ``got`` is one, else ``None``."""
    try:
        got_t = torch.as_tensor(got, dtype=torch.float32)
    except (TypeError, ValueError, RuntimeError):
        return None
    if got_t.shape != expected.shape:
        return None
    h = torch.sigmoid(a)
    slips = [
        (
            -expected,
            "the sign is flipped: a unit whose mean activation lies above rho must be "
            "pushed down, so the gradient must be positive there",
        ),
        (
            expected * a.shape[0],
            f"every entry is B = {a.shape[0]} times too large: each example "
            "carries only its share of the batch mean rho_hat_j",
        ),
        (
            expected / (h * (1 - h)),
            "the slope of the sigmoid is missing: the chain rule goes on "
            "from the activation h_nj to its pre-activation a_nj",
        ),
        (expected / lam, f"the weight lam = {lam:g} of the penalty is missing"),
    ]
    for variant, message in slips:
        if torch.allclose(got_t, variant, rtol=1e-3, atol=1e-6):
            return message
    return None


@exercise(
    "derive",
    hints=(
        "Use the chain rule in three links: the penalty depends on a pre-activation only "
        "through its unit's mean activation, which depends on the activation of each "
        "example in the batch, which is a sigmoid of that example's pre-activation.",
        "Differentiate the two log terms of the Bernoulli KL with respect to the mean "
        "activation and put them over one denominator; one example's activation enters "
        "the batch mean with weight one over the batch size; and the sigmoid's "
        "derivative can be written with the sigmoid's own value.",
    ),
)
def check_penalty_gradient(student_fn) -> CheckResult:
    """Exercise: the gradient of lam * sum_j KL(rho || rho_hat_j) with respect to the
    pre-activations ``a`` (B, K); compared with autograd at seeded random points."""
    name = "penalty_gradient"
    if not callable(student_fn):
        return not_a_function(name, student_fn)
    cases = _penalty_cases()
    for i, (a, rho, lam) in enumerate(cases, start=1):
        expected = reference_penalty_gradient(a, rho, lam)  # (B, K)
        try:
            got = student_fn(a.clone(), rho, lam)
        except Exception as err:  # the student's code may raise anything
            where = traceback.extract_tb(err.__traceback__)[-1]
            return report(
                False,
                name,
                f"on test case {i} your function raised {type(err).__name__}: {err} "
                f"(line {where.lineno})",
            )
        if isinstance(got, torch.Tensor) and tuple(got.shape) == (a.shape[1],):
            return report(
                False,
                name,
                f"on test case {i} you returned one value per unit, shape {tuple(got.shape)}: "
                "that is a derivative with respect to the mean activations; carry it on to "
                f"the pre-activations, one value per example and unit, shape {tuple(a.shape)}",
            )
        problem = compare(got, expected, atol=1e-5, rtol=1e-4)
        if problem is not None:
            slip = _diagnose_gradient(got, a, rho, lam, expected)
            where = f"on test case {i} (a of shape {tuple(a.shape)}, rho = {rho}, lam = {lam})"
            return report(False, name, f"{where} {slip or problem}")
    return report(True, name, f"agrees with autograd on {len(cases)} test cases")


@exercise(
    "predict",
    hints=(
        "Read the table above, one row per lam: how did the mean activation move each "
        "time lam grew, and towards which value?",
        "Does the balance between the penalty and the reconstruction lie at rho, below it "
        "or above it? Then look at the distance from rho in the table: by about what "
        "factor did it shrink each time lam was tripled?",
    ),
)
def check_mean_activation_prediction(prediction, x_train) -> CheckResult:
    """Exercise: predict the mean of rho_hat_j after training with lam = 10; the check
    trains that model on the first 4,000 rows of ``x_train`` and compares: it passes within
    0.008 of the measurement, and never for a prediction at or below rho."""
    name = "mean_activation_prediction"
    if prediction is None or isinstance(prediction, bool):
        # the number check of check_prediction says what is wrong; no training needed
        return check_prediction(name, prediction, 0.0, 0.0, "")
    if not isinstance(prediction, (int, float, np.number)) or not 0 <= float(prediction) <= 1:
        return report(
            False,
            name,
            f"your prediction is {prediction!r}; a mean activation is a number in [0, 1]",
        )
    if (
        not isinstance(x_train, torch.Tensor)
        or x_train.ndim != 2
        or not x_train.is_floating_point()
        or len(x_train) < 1000
    ):
        return report(
            False,
            name,
            "pass the training digits as the second argument (mnist.x_train, a float tensor "
            "of shape (N, 784))",
        )
    try:
        measured = measure_mean_activation(x_train)
    except Exception as err:  # bad data of the right shape, e.g. not a 784-pixel image
        return report(False, name, f"the experiment could not run: {type(err).__name__}: {err}")
    side = "above" if measured > PREDICT_RHO else "below"
    explanation = (
        f"With lam = {PREDICT_LAM:g} the mean activation ends {side} the target rho = "
        f"{PREDICT_RHO}: the penalty pulls every unit towards rho, the reconstruction "
        "towards more activity, and a larger lam moves the balance towards rho."
    )
    if float(prediction) <= PREDICT_RHO:
        return report(
            False,
            name,
            f"you predicted {float(prediction):.4g}, at or below the target rho = {PREDICT_RHO}; "
            f"the experiment gave {measured:.4g}. {explanation}",
        )
    return check_prediction(name, float(prediction), measured, PREDICT_WITHIN, explanation)
