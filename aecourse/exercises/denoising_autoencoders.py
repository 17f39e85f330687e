"""Checks for the exercises of the chapter "Denoising autoencoders" (notebook 02b_denoising_autoencoders).

- :func:`check_training_noise` (experiment): the student trains three denoising
  autoencoders on the two moons, with too little, about the right and too much training
  noise. The check corrupts the test points with a larger noise (sigma = 0.6), passes
  them once through each model, and passes when the model with about the right noise
  removes at least 55 % of their mean distance to the data while the other two fall
  short: too little noise leaves clean test points on the data, too much moves them
  off it. The chapter's own value passes as "about right", so the work is in finding
  the two ends.
- :func:`check_denoising_loss_fix` (debug): the student fixes a hand-written
  denoising loss ``my_denoising_loss(model, x, sigma)`` with one planted mistake. The
  check judges the fix by its effect on Gaussian data x ~ N(0, I), where the answer is
  known: the network that copies its input must pay about D sigma^2 on average, and
  the best denoiser, x_tilde / (1 + sigma^2), must pay less, about
  D sigma^2 / (1 + sigma^2). A failure reports what the loss charges the two networks
  (the symptom), not which line is wrong.

Every check prints ✅ or ❌ with a message, shows a staged hint after a failure,
returns a :class:`~aecourse.exercises.CheckResult` and never raises.
"""

from __future__ import annotations

import traceback

import torch
from torch import nn

from aecourse.data import gaussian_noise
from aecourse.diagnostics import distance_to_data
from aecourse.exercises._core import CheckResult, exercise, not_a_function, report
from aecourse.losses import squared_error

# --- reference solutions ------------------------------------------------------------------


def reference_denoising_loss(model: nn.Module, x: torch.Tensor, sigma: float) -> torch.Tensor:
    """||x - g(f(x_tilde))||^2 with x_tilde ~ N(x, sigma^2 I): the clean x is the target, (B,)."""
    x_tilde = gaussian_noise(x, sigma)  # (B, D)
    return squared_error(model(x_tilde), x)  # (B,)


# --- the experiment: training noise for the moons ---------------------------------------------

#: The noise of the test points, twice the chapter's training noise, and the bar.
MOONS_TEST_SIGMA, MOONS_BAR, MOONS_DRAWS = 0.6, 0.55, 5


def measure_moons_denoiser(model: nn.Module, x_train: torch.Tensor, x_test: torch.Tensor):
    """Corrupt ``x_test`` with sigma = 0.6 (five seeded draws per point) and pass it once
    through ``model``. Returns (the fraction of the noisy points' mean distance to the
    data that the pass removes, the clean test points' mean distance to the data before
    and after a pass); distances go to the nearest point of ``x_train``."""
    generator = torch.Generator(x_test.device).manual_seed(2016)
    x = x_test.repeat(MOONS_DRAWS, 1)  # (5 N, 2)
    x_tilde = gaussian_noise(x, MOONS_TEST_SIGMA, generator=generator)
    with torch.no_grad():
        noisy = distance_to_data(x_tilde, x_train).mean().item()
        after = distance_to_data(model(x_tilde), x_train).mean().item()
        clean = distance_to_data(x_test, x_train).mean().item()
        clean_after = distance_to_data(model(x_test), x_train).mean().item()
    return 1 - after / noisy, clean, clean_after


#: The three kinds of training noise the experiment asks for.
NOISE_LABELS = ("too little", "about right", "too much")


def _moons_verdict(label: str, removed: float, clean: float, clean_after: float):
    """(does the model behave as ``label`` says, what it does) for one trained model."""
    passes = removed >= MOONS_BAR
    moves_clean = clean_after > 2 * clean
    said = (
        f"{label}: removes {removed:.0%} of the noisy points' distance, and clean points "
        f"end at {clean_after:.3f} from the data (they start at {clean:.3f})"
    )
    if label == "about right":
        ok = passes
        why = f"at least {MOONS_BAR:.0%}" if ok else f"below {MOONS_BAR:.0%}"
    elif passes:
        ok, why = False, f"this one reaches {MOONS_BAR:.0%}, so it is not {label}"
    elif label == "too little":
        ok = not moves_clean
        why = (
            f"below {MOONS_BAR:.0%}, and clean points stay on the data"
            if ok
            else f"below {MOONS_BAR:.0%}, but it also moves clean points off the data"
        )
    else:
        ok = moves_clean
        why = (
            f"below {MOONS_BAR:.0%}, and it moves clean points off the data"
            if ok
            else f"below {MOONS_BAR:.0%}, but clean points stay on the data"
        )
    return ok, f"{said}: {why}"


@exercise(
    "experiment",
    hints=(
        "Start from a training noise that passes, then lower it until one pass no longer "
        "removes enough of the distance, and raise it until it fails again. Read what "
        "happens to the clean points at each end.",
        "With too little noise the model never sees points as far from the moons as the "
        "test points, so it has not learned where they belong. With too much, the "
        "blurred data lose the shape of two separate moons, and the best guess for a "
        "point becomes an average that lies between them. Compare the noise with the gap "
        "between the moons.",
    ),
)
def check_training_noise(models, data) -> CheckResult:
    """Exercise: three denoising autoencoders on the moons, trained with too little, about
    the right and too much noise (a dict with the keys of ``NOISE_LABELS``). The test points
    are corrupted with sigma = 0.6; the check passes when the model trained with about the
    right noise removes at least 55 % of their distance to the data in one pass and the other
    two fall short, too little noise with clean points left on the data, too much with clean
    points moved off it."""
    name = "training_noise"
    if not isinstance(models, dict) or set(models) != set(NOISE_LABELS):
        got = sorted(models) if isinstance(models, dict) else type(models).__name__
        return report(
            False,
            name,
            f"pass a dict of three trained models with the keys {list(NOISE_LABELS)}, got {got}",
        )
    x_train, x_test = getattr(data, "x_train", None), getattr(data, "x_test", None)
    if not isinstance(x_train, torch.Tensor) or not isinstance(x_test, torch.Tensor):
        return report(False, name, "pass the moons data set as the second argument (moons)")
    lines, all_ok = [], True
    for label in NOISE_LABELS:
        model = models[label]
        if not callable(model):
            return report(
                False, name, f"{label}: expected a trained model, got {type(model).__name__}"
            )
        try:
            with torch.no_grad():
                out = model(x_test[:4])
            if not isinstance(out, torch.Tensor) or out.shape != x_test[:4].shape:
                got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
                return report(
                    False,
                    name,
                    f"{label}: the model turned points of shape {tuple(x_test[:4].shape)} into "
                    f"{got}; it must return one point of the plane per input point",
                )
            removed, clean, clean_after = measure_moons_denoiser(model, x_train, x_test)
        except Exception as err:  # the student's model may raise anything
            where = traceback.extract_tb(err.__traceback__)[-1]
            return report(
                False,
                name,
                f"{label}: the model raised {type(err).__name__}: {err} (line {where.lineno})",
            )
        ok, line = _moons_verdict(label, removed, clean, clean_after)
        all_ok &= ok
        lines.append(("   ✓ " if ok else "   ✗ ") + line)
    head = f"test points corrupted with sigma = {MOONS_TEST_SIGMA}, one pass through each model"
    if all_ok:
        message = "each model behaves as its label says; " + head
    else:
        message = "not every model behaves as its label says; " + head
    return report(all_ok, name, message + "\n" + "\n".join(lines))


# --- the debug exercise: a denoising loss ------------------------------------------------------

#: The data of the debug check: x ~ N(0, I) in D dimensions, N examples, noise sigma.
DEBUG_DIM, DEBUG_N, DEBUG_SIGMA = 8, 20000, 0.5


class _Shrink(nn.Module):
    """The best denoiser for x ~ N(0, I) and x_tilde = x + sigma eps: E[x | x_tilde]."""

    def __init__(self, sigma: float) -> None:
        super().__init__()
        self.factor = 1 / (1 + sigma**2)

    def forward(self, x_tilde: torch.Tensor) -> torch.Tensor:
        return self.factor * x_tilde


def _mean_loss(loss_fn, model, x, sigma, seed):
    """Mean of ``loss_fn(model, x, sigma)`` with torch's global generator seeded (and
    restored afterwards); a string says what went wrong instead."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        try:
            loss = loss_fn(model, x, sigma)
        except Exception as err:  # the student's code may raise anything
            where = traceback.extract_tb(err.__traceback__)[-1]
            return f"your loss raised {type(err).__name__}: {err} (line {where.lineno})"
    if not isinstance(loss, torch.Tensor):
        return f"your loss returned a {type(loss).__name__}; expected a tensor of shape (B,)"
    if tuple(loss.shape) != (len(x),):
        return (
            f"your loss returned shape {tuple(loss.shape)}; expected one value per example, "
            f"shape ({len(x)},)"
        )
    if not torch.isfinite(loss).all():
        return "your loss contains NaN or infinity"
    return loss.mean().item(), (loss.std() / len(loss) ** 0.5).item()


@exercise(
    "debug",
    hints=(
        "Ask what your loss charges the network that copies its input: a denoising loss "
        "must make the copy pay for the noise it hands back.",
        "Follow the name of the clean input through the function, line by line: which "
        "tensor is the target by the time the squared error is taken?",
    ),
)
def check_denoising_loss_fix(loss_fn) -> CheckResult:
    """Exercise: fix ``my_denoising_loss(model, x, sigma)``; judged by what it charges the
    copying network and the best denoiser on Gaussian data (seeded)."""
    name = "denoising_loss_fix"
    if not callable(loss_fn):
        return not_a_function(name, loss_fn)
    sigma, dim = DEBUG_SIGMA, DEBUG_DIM
    x = torch.randn(DEBUG_N, dim, generator=torch.Generator().manual_seed(2010))  # (N, D)
    copy = _mean_loss(loss_fn, nn.Identity(), x, sigma, seed=1)
    if isinstance(copy, str):
        return report(False, name, copy)
    best = _mean_loss(loss_fn, _Shrink(sigma), x, sigma, seed=2)
    if isinstance(best, str):
        return report(False, name, best)
    (copy_loss, copy_se), (best_loss, best_se) = copy, best
    copy_expected, best_expected = dim * sigma**2, dim * sigma**2 / (1 + sigma**2)
    said = (
        f"on {DEBUG_N} Gaussian points in D = {dim} dimensions with sigma = {sigma}, your loss "
        f"charges the network that copies its input {copy_loss:.3f} on average and the best "
        f"denoiser, E[x | x_tilde], {best_loss:.3f}"
    )
    copy_right = abs(copy_loss - copy_expected) <= 5 * copy_se + 1e-6
    best_right = abs(best_loss - best_expected) <= 5 * best_se + 1e-6
    if not (copy_right and best_right):
        if copy_loss < best_loss:
            verdict = (
                "it rates the copy better than the best denoiser, so a network trained with it "
                "learns to copy"
            )
        else:
            verdict = "those are not the amounts of a denoising loss"
        return report(
            False,
            name,
            f"{said}: {verdict}. A denoising loss charges them about {copy_expected:.3f} "
            f"and {best_expected:.3f}",
        )
    return report(True, name, f"{said}, less than the copy, as a denoising loss should")
