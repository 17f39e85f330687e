"""Exercises of the chapter "Autoencoders" (notebook 01_autoencoders): references and checks.

Four exercises, each checked by an :class:`~aecourse.exercises._core.Exercise` with
staged hints. A check prints ✅ or ❌ with a message (a failure adds the next hint),
returns a :class:`~aecourse.exercises._core.CheckResult` and never raises; every
training run inside a check is seeded and runs on the CPU, so the verdict is the
same on every run.

- ``check_training_loop`` (debug): the student's loop trains a fresh linear
  autoencoder on the two moons with plain gradient descent; it passes when the
  loss settles and the test error reaches that of PCA's line (measured inside the
  check with an SVD); otherwise it says how the loss went (e.g. fell, then blew up).
- ``check_linear_decoder_prediction`` (predict): trains an autoencoder with a
  non-linear encoder and a *linear* decoder on the two moons and compares the
  student's prediction with its test error divided by PCA's.
- ``check_pca_error_from_variances`` (derive): the student's formula for PCA's
  training error, written with the variances along the principal directions,
  against the error measured by projecting seeded random data sets.
- ``check_index_experiment`` (experiment): trains the one-number-code autoencoder
  of the chapter with the student's settings (at most the chapter's budget of
  digit presentations) and passes when its error on new digits falls clearly below
  that of the mean image, i.e. when the code no longer merely indexes its digits.

``reference_subspace_angle`` is not an exercise any more; ``tests/test_lvm.py``
compares it with ``aecourse.diagnostics.subspace_angles``.
"""

from __future__ import annotations

import contextlib
import math
import traceback

import numpy as np
import torch
from torch import nn

from aecourse._validate import check_tensor
from aecourse.exercises._core import (
    CheckResult,
    check_prediction,
    compare,
    exercise,
    not_a_function,
    report,
    seeded,
)
from aecourse.losses import squared_error
from aecourse.models import Autoencoder, mlp
from aecourse.runtime import use_threads
from aecourse.training import evaluate, fit

# --- reference solutions and measurements ---------------------------------------------


def reference_subspace_angle(u: torch.Tensor, v: torch.Tensor) -> float:
    """Largest principal angle, in degrees, between the column spans of u and v.

    ``u`` and ``v`` are (D, k) with linearly independent columns.  With
    orthonormal bases Q_u, Q_v of the two spans, the singular values of
    Q_u^T Q_v are the cosines of the k principal angles; the largest angle has
    the smallest cosine.  For k = 1 this is the angle between two lines, in
    [0, 90].  Returns a Python float.
    """
    check_tensor("u", u, ndim=2)
    check_tensor("v", v, ndim=2)
    if u.shape != v.shape:
        raise ValueError(
            f"u and v must have the same shape (D, k), got {tuple(u.shape)} and {tuple(v.shape)}"
        )
    if u.shape[1] > u.shape[0]:
        raise ValueError(f"u must have at most D columns, got shape {tuple(u.shape)}")
    q_u = torch.linalg.qr(u.double())[0]  # (D, k)
    q_v = torch.linalg.qr(v.double())[0]  # (D, k)
    # cos(theta_max) = smallest singular value of Q_u^T Q_v
    cos_max = torch.linalg.svdvals(q_u.T @ q_v).min()
    # sin(theta_max) = largest singular value of the part of Q_v outside span(u)
    # (more accurate than arccos for small angles)
    sin_max = torch.linalg.svdvals(q_v - q_u @ (q_u.T @ q_v)).max()
    return math.degrees(float(torch.atan2(sin_max, cos_max)))


def reference_pca_train_error(x: torch.Tensor, k: int) -> float:
    """PCA's training error, *measured*: mean over the rows of x of ||x - x_hat||^2,
    with x_hat the projection of x onto its own k leading principal directions
    (k = 0 keeps only the mean).  The derive exercise's formula is checked against it.
    """
    check_tensor("x", x, ndim=2)
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= min(x.shape):
        raise ValueError(f"k must be an int in [0, {min(x.shape)}], got {k!r}")
    x_bar = x.mean(dim=0)  # (D,)
    v_k = torch.linalg.svd(x - x_bar, full_matrices=False).Vh[:k]  # (k, D)
    x_hat = x_bar + (x - x_bar) @ v_k.T @ v_k  # (N, D), the projection of (1.3)
    return float(squared_error(x_hat, x).mean())


def reference_pca_test_error(x_train: torch.Tensor, x_test: torch.Tensor) -> float:
    """Test error of PCA with one component fitted on x_train (the best line)."""
    x_bar = x_train.mean(dim=0)  # (D,)
    v_1 = torch.linalg.svd(x_train - x_bar, full_matrices=False).Vh[:1]  # (1, D)
    x_hat = x_bar + (x_test - x_bar) @ v_1.T @ v_1  # (B, D)
    return float(squared_error(x_hat, x_test).mean())


@contextlib.contextmanager
def _book_threads():
    """Train with the book's CPU thread policy (``aecourse.runtime``), then restore the
    caller's thread count: the same digits on every machine, and fast on a busy one."""
    before = torch.get_num_threads()
    use_threads()
    try:
        yield
    finally:
        torch.set_num_threads(before)


def reconstruction_loss(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """||x - g(f(x))||^2 per example, shape (B,): the chapter's loss for ``fit``."""
    return squared_error(model(x), x)


def linear_decoder_autoencoder(seed: int = 0) -> nn.Sequential:
    """A two-moons autoencoder with a one-number code whose encoder is the chapter's
    non-linear one (two hidden layers of 64 tanh units) and whose decoder is linear."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(mlp([2, 64, 64, 1], activation="tanh"), nn.Linear(1, 2))


#: The settings of the chapter's one-number-code run on 64 digits, and its budget.
INDEX_SETTINGS = {"n_train": 64, "hidden": [128, 128, 128], "epochs": 600}
INDEX_BUDGET = 64 * 600  # digit presentations (training digits x epochs)
INDEX_BAR = 0.9  # pass: error on new digits below this fraction of the mean image's


def train_index_autoencoder(settings: dict, x_pool: torch.Tensor, seed: int = 0):
    """Train the chapter's one-unit-code digit autoencoder with ``settings``
    (``n_train`` digits drawn from ``x_pool`` with a seeded permutation, encoder
    ``hidden`` widths, ``epochs``) on the CPU: Adam, learning rate 5e-3, batches of 64.
    Returns the model and its training digits."""
    n_train, hidden, epochs = settings["n_train"], settings["hidden"], settings["epochs"]
    pick = torch.randperm(len(x_pool), generator=seeded(seed))[:n_train]
    x = x_pool[pick.to(x_pool.device)].detach().cpu().float()  # (n_train, 784)
    with torch.random.fork_rng(devices=[]), _book_threads():
        torch.manual_seed(seed)
        model = Autoencoder(784, 1, hidden=hidden, activation="relu", out_activation="sigmoid")
        fit(model, x, reconstruction_loss, epochs=epochs, batch_size=64, lr=5e-3, progress=False)
    return model, x


# --- helpers of the checks -----------------------------------------------------------------


def _data_problem(x_train, x_test, dim: int | None = None) -> str | None:
    """A sentence if the notebook passed data a check cannot use, else None."""
    for name, x in (("x_train", x_train), ("x_test", x_test)):
        if not isinstance(x, torch.Tensor) or x.ndim != 2 or not x.dtype.is_floating_point:
            return f"{name} must be a 2-D float tensor (pass the chapter's data)"
        if dim is not None and x.shape[1] != dim:
            return f"{name} must have {dim} columns, got shape {tuple(x.shape)}"
    return None


def _raised(err: Exception) -> str:
    """'raised TypeError: ... (line n)' for an exception of the student's code."""
    where = traceback.extract_tb(err.__traceback__)[-1] if err.__traceback__ else None
    line = f" (line {where.lineno})" if where else ""
    return f"raised {type(err).__name__}: {err}{line}"


def _as_float(value) -> float | None:
    """``value`` as a float when it is one number (a float, a 0-d or 1-element tensor)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().double().numpy()
    try:
        return float(np.asarray(value, dtype=float).reshape(()))
    except (TypeError, ValueError):
        return None


def _loss_story(losses: list[float]) -> str:
    """How a list of per-step losses went, in words."""
    values = np.asarray(losses, dtype=float)
    finite = np.isfinite(values)
    if not finite[0]:
        return "the loss of the very first step is not finite"
    if not finite.all():
        first_bad = int(np.argmin(finite))  # the first step whose loss is not finite
        early = min(5, first_bad)
        return (
            f"the loss went from {values[0]:.3g} to {values[early - 1]:.3g} over the first "
            f"{early} steps, then grew without bound: it is no longer a finite number from "
            f"step {first_bad + 1} on"
        )
    return f"the loss went from {values[0]:.3g} (step 1) to {values[-1]:.3g} (step {len(values)})"


# --- the checks ------------------------------------------------------------------------


@exercise(
    "debug",
    hints=(
        "Read how the loss went: it falls for a few steps, then grows without bound, so the "
        "steps get ever larger. Compare the update the loop makes at one step with the "
        "gradient of the loss at that step: is the update made of that gradient alone?",
        "Ask what a backward pass does to a parameter's .grad when .grad already holds the "
        "gradient of the step before, and so what the optimizer's step uses after many steps.",
    ),
)
def check_training_loop(student_loop, x_train, x_test, steps: int = 200, lr: float = 0.1):
    """Exercise (debug): ``student_loop(model, x, steps, lr)`` trains ``model`` with plain
    gradient descent on the batch mean of the squared error and returns the list of the
    ``steps`` losses. The check gives it a fresh seeded linear autoencoder with a
    one-number code and the (CPU) training data, then passes when every loss is finite
    and the trained model's test error is within 1 % of that of PCA's best line."""
    name = "training loop"
    problem = _data_problem(x_train, x_test)
    if problem:
        return report(False, name, problem)
    if not callable(student_loop):
        return not_a_function(name, student_loop)
    x_train, x_test = x_train.detach().cpu().float(), x_test.detach().cpu().float()
    d = x_train.shape[1]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(d, 1), nn.Linear(1, d))  # a linear autoencoder, K = 1
    try:
        with _book_threads():
            losses = student_loop(model, x_train, steps, lr)
    except Exception as err:  # the student's code may raise anything
        with torch.no_grad():
            blown_up = not torch.isfinite(model(x_train)).all()
        if blown_up:
            return report(
                False,
                name,
                f"training diverged: the model's outputs became infinite or NaN, and then your "
                f"loop {_raised(err)}",
            )
        return report(False, name, f"your loop {_raised(err)}")
    if isinstance(losses, torch.Tensor):
        losses = losses.detach().cpu().tolist()
    try:
        losses = [float(v) for v in losses]
    except (TypeError, ValueError):
        return report(
            False, name, f"return the list of the losses of each step, got {type(losses).__name__}"
        )
    if len(losses) != steps:
        return report(False, name, f"expected {steps} losses (one per step), got {len(losses)}")
    story = _loss_story(losses)
    with torch.no_grad():  # not squared_error, which refuses the NaN of a diverged model
        error = float((model(x_test) - x_test).pow(2).sum(dim=1).mean())
    if not all(math.isfinite(v) for v in losses) or not math.isfinite(error):
        return report(False, name, f"training diverged: {story}.")
    pca_error = reference_pca_test_error(x_train, x_test)
    if error > 1.01 * pca_error:
        return report(
            False,
            name,
            f"{story}; the test error is {error:.4f}, but PCA's line reaches {pca_error:.4f}. "
            "A linear autoencoder should find that line.",
        )
    return report(
        True, name, f"{story}; test error {error:.4f}, PCA's line {pca_error:.4f}: the same line."
    )


@exercise(
    "predict",
    hints=(
        "Where can a reconstruction lie? Think of the set of every output the decoder can "
        "produce, whatever code the encoder hands it.",
        "A linear decoder fed one number draws a straight line in the plane. The chapter has "
        "already named the line with the smallest error on these points.",
    ),
)
def check_linear_decoder_prediction(prediction, x_train, x_test) -> CheckResult:
    """Exercise (predict): the student predicts the test error of an autoencoder with the
    chapter's non-linear encoder and a linear decoder, divided by PCA's test error. The
    check trains that model (seeded, CPU, about a second) and measures the ratio; a
    prediction within 0.1 of it passes."""
    name = "linear decoder"
    problem = _data_problem(x_train, x_test, dim=2)
    if problem:
        return report(False, name, problem)
    explanation = (
        "Whatever the encoder computes, a linear decoder's outputs all lie on one line, "
        "and no line beats PCA's on the training points (Eckart-Young); the best an encoder "
        "can do for a line is pick each point's foot on it, which a linear encoder already "
        "does. What bends the reconstructions onto the moons is the decoder's non-linearity."
    )
    if prediction is None:  # no experiment before a prediction
        return check_prediction(name, None, math.nan, 0.1, explanation)
    x_train, x_test = x_train.detach().cpu().float(), x_test.detach().cpu().float()
    model = linear_decoder_autoencoder(seed=0)
    with _book_threads():
        fit(
            model, x_train, reconstruction_loss, epochs=150, batch_size=200, lr=0.01, progress=False
        )
    error = evaluate(model, x_test, reconstruction_loss)["loss"]
    ratio = error / reference_pca_test_error(x_train, x_test)
    return check_prediction(name, prediction, ratio, within=0.1, explanation=explanation)


def _pca_cases():
    """Seeded random data sets (N, D), correlated and not centred, with their variances
    along every principal direction (divided by N - 1, as ``fit_pca`` reports them)."""
    g = seeded(11)
    cases = []
    for n, d, k in [(6, 3, 1), (10, 4, 2), (25, 5, 0), (40, 6, 3), (8, 3, 3), (200, 8, 5)]:
        mixing = torch.randn(d, d, generator=g, dtype=torch.float64)
        x = torch.randn(n, d, generator=g, dtype=torch.float64) @ mixing + 3.0
        s = torch.linalg.svdvals(x - x.mean(dim=0))  # (D,) singular values, decreasing
        cases.append((x, s.pow(2) / (n - 1), k, n))
    return cases


@exercise(
    "derive",
    hints=(
        "Write the error in the basis of the principal directions: the projection keeps some "
        "coordinates of x minus the mean and sets the others to zero. What is the mean square "
        "of one such coordinate over the training set?",
        "The mean square of a centred coordinate along a unit direction is the variance along "
        "it. Mind the normalisation: the variances given divide by one less than the number of "
        "examples, while the error is a mean over all of them.",
    ),
)
def check_pca_error_from_variances(student_fn) -> CheckResult:
    """Exercise (derive): ``student_fn(variances, code_dim, num_train)`` returns PCA's
    training error with K = ``code_dim`` components from the ``variances`` along all
    principal directions (decreasing, divided by N - 1) and the number N = ``num_train``
    of examples; it is compared with the error measured by projecting seeded random data
    sets, K = 0 up to K = D."""
    name = "pca_error_from_variances"
    if not callable(student_fn):
        return not_a_function(name, student_fn)
    for i, (x, variances, k, n) in enumerate(_pca_cases(), start=1):
        measured = reference_pca_train_error(x, k)
        try:
            got = student_fn(variances.clone(), k, n)
        except Exception as err:  # the student's code may raise anything
            return report(False, name, f"on test case {i} your function {_raised(err)}")
        problem = compare(got, torch.tensor(measured), atol=1e-9, rtol=1e-6)
        if problem is None:
            continue
        where = f"on test case {i} (N = {n}, D = {len(variances)}, K = {k}) "
        value = _as_float(got)
        kept = float(variances[:k].sum())  # what the K kept directions carry
        if (
            value is not None
            and k
            and any(math.isclose(value, kept * f, rel_tol=1e-6) for f in (1.0, (n - 1) / n))
        ):
            problem += "; that is the variance the K kept directions carry, not what is lost"
        elif (
            value is not None
            and measured > 0
            and math.isclose(value / measured, n / (n - 1), rel_tol=1e-6)
        ):
            problem += (
                "; too large by a factor that depends only on N: which normalisation do the "
                "variances use, and which does a mean over the N examples use?"
            )
        return report(False, name, where + problem)
    return report(True, name, f"agrees with the measured error on {len(_pca_cases())} data sets")


def _settings_problem(settings, pool_size: int) -> str | None:
    """A sentence saying what is wrong with the experiment's settings, or None."""
    if settings is None:
        return "my_settings is None: set it to a dict of n_train, hidden and epochs"
    if not isinstance(settings, dict) or set(settings) != set(INDEX_SETTINGS):
        return f"my_settings must be a dict with exactly the keys {sorted(INDEX_SETTINGS)}"
    n_train, hidden, epochs = settings["n_train"], settings["hidden"], settings["epochs"]
    for key, value in (("n_train", n_train), ("epochs", epochs)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            return f"{key} must be a positive int, got {value!r}"
    if not 2 <= n_train <= pool_size:
        return f"n_train must be between 2 and {pool_size} (the training digits), got {n_train}"
    if (
        not isinstance(hidden, (list, tuple))
        or len(hidden) > 4
        or not all(isinstance(w, int) and not isinstance(w, bool) and 1 <= w <= 512 for w in hidden)
    ):
        return f"hidden must be a list of at most 4 widths from 1 to 512, got {hidden!r}"
    if n_train * epochs > INDEX_BUDGET:
        return (
            f"n_train x epochs = {n_train * epochs:,} digit presentations is over the budget of "
            f"{INDEX_BUDGET:,} (the chapter's 64 digits x 600 epochs); keep the product within it"
        )
    if {**settings, "hidden": list(hidden)} == INDEX_SETTINGS:
        return (
            "these are the chapter's settings, whose one-number code indexes its 64 digits "
            "(worse than the mean image on new digits); change them, then run the check again"
        )
    return None


@exercise(
    "experiment",
    hints=(
        "Indexing works when the network can afford one entry per training digit, and pays "
        "off only on those digits. What would make a table of stored digits useless, or "
        "impossible to fit?",
        "The budget is a product of two settings, and the network's size is a third: change "
        "one at a time and watch the error on the training digits and on new ones move "
        "apart or together.",
    ),
)
def check_index_experiment(settings, x_train, x_test) -> CheckResult:
    """Exercise (experiment): ``settings`` = {"n_train", "hidden", "epochs"} for the
    chapter's one-number-code digit autoencoder (batches of 64, Adam, learning rate
    5e-3, at most 64 x 600 digit presentations). The check trains it on the CPU (a few
    seconds) and passes when its error on 1,000 new digits is below 0.9 times that of
    the mean of its training digits: the code then says something about new digits."""
    name = "index experiment"
    problem = _data_problem(x_train, x_test, dim=784)
    if problem:
        return report(False, name, problem)
    problem = _settings_problem(settings, len(x_train))
    if problem:
        return report(False, name, problem)
    model, x = train_index_autoencoder(settings, x_train)
    x_new = x_test[:1000].detach().cpu().float()  # (1000, 784)
    train_error = evaluate(model, x, reconstruction_loss)["loss"]
    new_error = evaluate(model, x_new, reconstruction_loss)["loss"]
    mean_image = x.mean(dim=0, keepdim=True)  # (1, 784)
    mean_error = float(squared_error(mean_image.expand_as(x_new), x_new).mean())
    said = (
        f"error on its {len(x):,} training digits {train_error:.1f}, on new digits "
        f"{new_error:.1f}; the mean of its training digits scores {mean_error:.1f} on new digits"
    )
    if new_error < INDEX_BAR * mean_error:
        return report(True, name, f"{said}: the code describes digits it never saw.")
    if new_error >= mean_error:
        verdict = "still worse than the mean image on new digits: the code indexes or memorises"
    else:
        verdict = (
            f"no worse than the mean image, but not below {INDEX_BAR} times its error: "
            "the code says little about new digits"
        )
    return report(False, name, f"{said}: {verdict}.")
