"""Checks for the exercises of "Posterior collapse and tighter bounds" (notebook
08a_collapse_and_tighter_bounds).

- :func:`check_latent_use` (experiment): the student trains a VAE with the chapter's
  remedies for posterior collapse, changed as they see fit; the check measures the
  model on the test digits and passes when at least 80 % of its latent dimensions
  carry more than 0.1 nats while its test ELBO is at most 1 nat below that of the plain
  model (the effect, not the settings, is checked).
- :func:`check_iwae_elbo_prediction` (predict): the student predicts, before it is
  measured, the test ELBO of the IWAE-trained model minus that of the ELBO-trained one;
  the check measures it and says how far off the prediction was and why.

The measurements are the ``reference_*`` functions below; they are seeded inside
``torch.random.fork_rng``, so a check gives the same verdict on every run and leaves
the notebook's random state alone. A check never raises: a wrong argument is reported.
"""

from __future__ import annotations

import torch

from aecourse.exercises._core import CheckResult, check_prediction, exercise, report
from aecourse.models import VAE

#: A latent dimension is in use when its average KL exceeds this many nats.
USED_KL = 0.1
#: The experiment passes when at least this share of the dimensions is in use ...
USED_SHARE = 0.8
#: ... and the test ELBO is at most this many nats below the plain model's.
ELBO_SLACK = 1.0
#: The prediction passes within this many nats of the measured difference.
PREDICTION_WITHIN = 4.0
#: Seed of the measurements (the draws of z that estimate the ELBO).
SEED = 5


# --- measurements (the reference of each check) ----------------------------------------------


def reference_test_elbo(model: VAE, x: torch.Tensor) -> float:
    """The average ELBO of ``model`` on ``x`` (one z per example, closed-form KL), seeded."""
    from aecourse.losses import elbo

    with torch.random.fork_rng(devices=[]), torch.no_grad():
        torch.manual_seed(SEED)
        was_training = model.training
        model.eval()
        try:
            return elbo(x, model(x)).elbo.mean().item()
        finally:
            model.train(was_training)


def reference_used_dimensions(model: VAE, x: torch.Tensor) -> int:
    """The number of latent dimensions whose KL, averaged over ``x``, exceeds ``USED_KL``."""
    from aecourse.diagnostics import kl_per_dim

    return int((kl_per_dim(model, x) > USED_KL).sum())


def reference_elbo_difference(iwae_model: VAE, elbo_model: VAE, x: torch.Tensor) -> float:
    """Test ELBO of ``iwae_model`` minus that of ``elbo_model``, in nats."""
    return reference_test_elbo(iwae_model, x) - reference_test_elbo(elbo_model, x)


def _problem(model, name: str, x) -> str | None:
    """What is wrong with ``model`` or ``x`` as arguments of a check, or ``None``."""
    if not isinstance(model, VAE):
        return f"{name} must be a trained aecourse.models.VAE, got {type(model).__name__}"
    if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.shape[1] != model.data_dim:
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        return f"x must be the binarized test digits, shape (N, {model.data_dim}); got {got}"
    return None


# --- checks -------------------------------------------------------------------------------------


@exercise(
    "experiment",
    hints=(
        "The chapter's two remedies fail in opposite ways: one still leaves many "
        "dimensions unused, the other uses them all but pays for it in the ELBO. Try "
        "them together.",
        "Warm-up is what protects the ELBO; free bits are what lift the dimensions the "
        "ELBO would switch off. Free bits hold such a dimension at about the threshold "
        "and no higher: where must the threshold lie relative to the line the check "
        "counts with, and what does each nat of it cost, times K dimensions?",
    ),
)
def check_latent_use(model, plain_model, x) -> CheckResult:
    """Experiment: the student's model uses at least 80 % of its latent dimensions
    (average KL above 0.1 nats) with a test ELBO at most 1 nat below the plain model's."""
    name = "latent_use"
    for arg, arg_name in ((model, "model"), (plain_model, "plain_model")):
        problem = _problem(arg, arg_name, x)
        if problem:
            return report(False, name, problem)
    try:
        used = reference_used_dimensions(model, x)
        elbo, plain_elbo = reference_test_elbo(model, x), reference_test_elbo(plain_model, x)
    except Exception as err:  # a model the student built may fail in any way
        return report(False, name, f"measuring your model raised {type(err).__name__}: {err}")
    needed = int(USED_SHARE * model.latent_dim + 0.999)
    said = (
        f"{used} of {model.latent_dim} dimensions carry more than {USED_KL} nats "
        f"(need {needed}); test ELBO {elbo:.2f} against the plain model's {plain_elbo:.2f}"
    )
    if used < needed:
        return report(False, name, said + ": too few dimensions in use.")
    if elbo < plain_elbo - ELBO_SLACK:
        return report(
            False,
            name,
            said + f": more than {ELBO_SLACK:g} nat below; the code is used, but the bound "
            "paid for it.",
        )
    return report(
        True,
        name,
        said + ". The warm-up lets the code become useful before the KL term weighs fully; "
        "free bits hold the dimensions the ELBO would switch off at about the threshold "
        "(which must sit above the 0.1-nat line for them to count), at a small cost in rate.",
    )


@exercise(
    "predict",
    hints=(
        "Ask what each objective charges for an encoder whose q(z|x) differs from the "
        "true posterior: the ELBO pays the whole KL(q || p(z|x)); a bound that averages "
        "k importance weights pays less, and pays less the larger k is.",
        "The answer is a difference of test ELBOs in nats, IWAE model minus ELBO model. "
        "Its sign follows from the first hint; its size is of the order of the gap "
        "between L_5 and the ELBO of one model, a few nats.",
    ),
)
def check_iwae_elbo_prediction(prediction, iwae_model, elbo_model, x) -> CheckResult:
    """Predict: the test ELBO of the IWAE-trained model minus the ELBO-trained model's."""
    name = "iwae_elbo_prediction"
    for arg, arg_name in ((iwae_model, "iwae_model"), (elbo_model, "elbo_model")):
        problem = _problem(arg, arg_name, x)
        if problem:
            return report(False, name, problem)
    try:
        measured = reference_elbo_difference(iwae_model, elbo_model, x)
    except Exception as err:
        return report(False, name, f"measuring the models raised {type(err).__name__}: {err}")
    side = "below" if measured < 0 else "above"
    explanation = (
        f"The IWAE model's ELBO lies {abs(measured):.1f} nats {side} the ELBO model's. "
        "Training on L_k lets q(z|x) drift away from the posterior wherever averaging k "
        "weighted samples makes up for it, and the ELBO, which charges the whole "
        "KL(q || p(z|x)), records that drift."
    )
    return check_prediction(
        name, prediction, measured, PREDICTION_WITHIN, explanation, unit=" nats"
    )
