"""Checks for the exercises of the chapter "Training a VAE" (notebook 05_training_a_vae).

- :func:`check_kl_gradients` (derive): the student's gradients of the closed-form KL
  (5.2) with respect to ``mu`` and ``logvar`` are compared, at seeded random points, with
  ``torch.autograd.grad`` of ``torch.distributions.kl_divergence``
  (``reference_kl_gradients``).
- :func:`check_decoder_std` (experiment): trains a Gaussian-decoder VAE with the student's
  decoder standard deviation ``s`` on 2,000 training digits and passes when the KL of its
  code on the test digits lies between 15 and 30 nats.
- :func:`check_informative_dims` (predict): counts the latent dimensions of a trained
  model whose average KL exceeds 0.1 nats and compares the count with the prediction
  (within 4; the notebook's solution reasons its way to a range of about 4 to 10).
- :func:`check_vae_loss` (debug): trains a small VAE on seeded synthetic binary data with
  the student's loss and passes when the true negative ELBO (scored by the reference loss)
  falls well below its start and the student's loss agrees with it. A failure reports
  what the true -ELBO and the student's loss did (the symptom), not which term is wrong.

Every check is deterministic (its own seeds), prints ✅ or ❌ with a message (and, on a
failure, the next staged hint), never raises, and returns a
:class:`~aecourse.exercises._core.CheckResult`.
"""

from __future__ import annotations

import contextlib
import math
import traceback

import torch
from torch.distributions import Independent, Normal, kl_divergence

from aecourse.diagnostics import kl_per_dim
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
from aecourse.losses import bernoulli_log_likelihood
from aecourse.models import VAE
from aecourse.objectives import vae_loss_fn
from aecourse.runtime import use_threads
from aecourse.training import evaluate, fit


@contextlib.contextmanager
def _book_threads_and_own_seed(seed: int):
    """Train under the book's thread policy (one thread unless AECOURSE_THREADS says) and
    a seed of its own; the caller's thread count and random state are restored after."""
    threads = torch.get_num_threads()
    use_threads()
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            yield
    finally:
        torch.set_num_threads(threads)


def _raised(err: Exception) -> str:
    where = traceback.extract_tb(err.__traceback__)[-1]
    return f"your function raised {type(err).__name__}: {err} (line {where.lineno})"


# ---- derive: the gradient of the KL term ------------------------------------------------


def reference_kl_gradients(mu: torch.Tensor, logvar: torch.Tensor):
    """Autograd of KL(N(mu, diag exp(logvar)) ‖ N(0, I)), summed over the batch, with
    respect to ``mu`` and ``logvar``; each (B, K)."""
    mu = mu.detach().clone().requires_grad_(True)
    logvar = logvar.detach().clone().requires_grad_(True)
    q = Independent(Normal(mu, torch.exp(0.5 * logvar)), 1)
    prior = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    kl = kl_divergence(q, prior).sum()
    grad_mu, grad_logvar = torch.autograd.grad(kl, (mu, logvar))
    return grad_mu, grad_logvar


@exercise(
    "derive",
    hints=(
        "Differentiate the closed form (5.2) term by term: each latent dimension appears in "
        "exactly one term of the sum, so the gradient has no cross terms between dimensions.",
        "Treat logvar itself, not sigma, as the variable: the exponential of logvar is its "
        "own derivative, and the mu part is a square, as in a squared error. Do not forget "
        "the factor one half in front of the sum.",
    ),
)
def check_kl_gradients(grad_fn) -> CheckResult:
    """Check ``grad_fn(mu, logvar) -> (d KL / d mu, d KL / d logvar)``, each (B, K)."""
    name = "kl_gradients"
    if not callable(grad_fn):
        return not_a_function(name, grad_fn)
    g = seeded(5101)
    cases = [
        (torch.zeros(3, 4), torch.zeros(3, 4)),  # the prior: both gradients vanish
        (torch.randn(5, 2, generator=g), torch.randn(5, 2, generator=g)),
        (2 * torch.randn(8, 6, generator=g), 2 * torch.randn(8, 6, generator=g) - 1.0),
    ]
    for i, (mu, logvar) in enumerate(cases, start=1):
        expected = reference_kl_gradients(mu, logvar)
        try:
            got = grad_fn(mu.clone(), logvar.clone())
        except Exception as err:  # the student's code may raise anything
            return report(False, name, f"on test case {i} {_raised(err)}")
        if got is None:
            return report(
                False, name, "your answer is None: replace the placeholder with your code"
            )
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return report(
                False, name, "return a pair (gradient for mu, gradient for logvar), each (B, K)"
            )
        for label, g_got, g_expected in zip(("mu", "logvar"), got, expected):
            problem = compare(g_got, g_expected, atol=1e-5, rtol=1e-4)
            if problem is not None:
                shape = tuple(mu.shape)
                return report(
                    False, name, f"gradient for {label}, test case {i} (inputs {shape}): {problem}"
                )
    return report(True, name, f"matches autograd on {len(cases)} test cases")


# ---- experiment: the decoder's standard deviation ---------------------------------------

#: The KL window (nats per digit) that the experiment asks for.
KL_WINDOW = (15.0, 30.0)


def _train_gaussian_vae(s: float, x_train: torch.Tensor, x_test: torch.Tensor) -> float:
    """Train the chapter's Gaussian VAE with std ``s`` on 2,000 digits; its test KL."""
    with _book_threads_and_own_seed(5102):
        model = VAE(x_train.shape[1], 20, (256,), likelihood="gaussian", out_activation="sigmoid")
        model = model.to(device=x_train.device, dtype=x_train.dtype)
        loss_fn = vae_loss_fn(s=s)
        fit(model, x_train[:2000], loss_fn, epochs=8, batch_size=128, lr=5e-3, progress=False)
        torch.manual_seed(5103)
        return evaluate(model, x_test, loss_fn)["kl"]


@exercise(
    "experiment",
    hints=(
        "By (5.3) the decoder's s weighs the squared error against the KL, like a beta: the "
        "larger s is, the less a sharp reconstruction is worth, and the fewer nats the code "
        "is allowed to carry.",
        "The table of the section on Gaussian or Bernoulli likelihood gives two points, "
        "s = 0.1 and s = 1. The KL falls steadily between them: interpolate on a log scale "
        "of s for a first try, then adjust from what the check prints.",
    ),
)
def check_decoder_std(s, x_train, x_test) -> CheckResult:
    """Train a Gaussian-decoder VAE (K = 20, one hidden layer of 256) with standard deviation
    ``s`` on the first 2,000 rows of ``x_train`` for 8 epochs and measure the KL on
    ``x_test``; pass when it lies in ``KL_WINDOW``."""
    name = "decoder_std"
    low, high = KL_WINDOW
    if s is None:
        return report(False, name, "set s (a number) before you run the experiment")
    if isinstance(s, bool) or not isinstance(s, (int, float)):
        return report(False, name, f"s is a {type(s).__name__}; expected a number")
    if not (math.isfinite(s) and 0.01 <= s <= 10):
        return report(False, name, f"choose s between 0.01 and 10, got {s}")
    kl = _train_gaussian_vae(float(s), x_train, x_test)
    said = f"with s = {s:g} the code carries {kl:.1f} nats per test digit"
    if kl < low:
        return report(
            False,
            name,
            f"{said}, fewer than {low:g}: reconstruction is cheap to give up, try a smaller s",
        )
    if kl > high:
        return report(
            False,
            name,
            f"{said}, more than {high:g}: every pixel error is expensive, try a larger s",
        )
    return report(True, name, f"{said}, inside the window {low:g} to {high:g}")


# ---- predict: how many dimensions stay informative at beta = 4 --------------------------


@exercise(
    "predict",
    hints=(
        "With beta = 4 each nat of KL costs four nats of the loss. Which dimensions can buy "
        "at least that much reconstruction?",
        "Price the beta = 1 code: a code of zero nats can only reconstruct every digit with "
        "the average digit. How many nats of reconstruction did each nat of the beta = 1 "
        "code buy on average, and how does that compare with the price of four? The first "
        "nats of a code are worth far more than its last.",
    ),
)
def check_informative_dims(prediction, model, x, threshold: float = 0.1) -> CheckResult:
    """Count the latent dimensions of ``model`` whose KL, averaged over ``x``, exceeds
    ``threshold`` nats, and compare with the prediction (within 4)."""
    if prediction is None:
        return check_prediction("informative_dims", None, 0.0, 4, "")
    measured = int((kl_per_dim(model, x) > threshold).sum())
    explanation = (
        f"Out of {model.latent_dim} dimensions, {measured} carry more than {threshold:g} nats. "
        "A dimension pays for its KL four times over at beta = 4, so only those that buy "
        "that much reconstruction stay in use; the encoder sets the others to the prior, "
        "q(z_k|x) = N(0, 1) for every x, and the decoder learns to ignore them."
    )
    return check_prediction("informative_dims", prediction, measured, 4, explanation, " dims")


# ---- debug: a VAE loss written by hand --------------------------------------------------


def reference_vae_loss(model: VAE, x: torch.Tensor) -> torch.Tensor:
    """-ELBO per example, one z ~ q(z|x) each: -log p(x|z) + KL(q(z|x) ‖ p(z)); (B,)."""
    mu, logvar = model.encode(x)
    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    return -bernoulli_log_likelihood(x, model.decode(z)) + kl_normal_std_normal(mu, logvar)


def _binary_data(seed: int, num: int = 512, dim: int = 64, prototypes: int = 8) -> torch.Tensor:
    """Noisy copies of a few random binary prototypes: (num, dim) in {0, 1}."""
    g = seeded(seed)
    protos = (torch.rand(prototypes, dim, generator=g) < 0.3).float()
    which = torch.randint(prototypes, (num,), generator=g)
    return torch.bernoulli(0.9 * protos[which] + 0.05, generator=g)


def _nats(value: float) -> str:
    """A number of nats for a message; a diverged run's exact size depends on the CPU."""
    if abs(value) > 1e4:
        return "above 10^4" if value > 0 else "below -10^4"
    return f"{value:.3g}"


def _true_loss(model: VAE, x: torch.Tensor) -> tuple[float, float]:
    """The reference -ELBO (8 draws of z) and the KL, averaged over x."""
    with torch.no_grad():
        neg_elbo = torch.stack([reference_vae_loss(model, x) for _ in range(8)]).mean()
        kl = kl_normal_std_normal(*model.encode(x)).mean()
    return float(neg_elbo), float(kl)


@exercise(
    "debug",
    hints=(
        "Write the ELBO (5.1) beside the code, term by term, with its signs: which term "
        "rewards a good reconstruction and which one is a penalty?",
        "The KL term is a cost that keeps q close to the prior. In the code, look at the "
        "sign it enters the ELBO with: minimizing this loss pushes the KL up, not down.",
    ),
)
def check_vae_loss(loss_fn, steps: int = 300) -> CheckResult:
    """Train a small Bernoulli VAE (64 pixels, K = 4) on seeded synthetic binary data for
    ``steps`` Adam steps with ``loss_fn(model, x) -> (B,)``; pass when the true -ELBO ends
    below 60 % of its start and the student's loss agrees with it within 5 %."""
    name = "vae_loss"
    if not callable(loss_fn):
        return not_a_function(name, loss_fn)
    x = _binary_data(5104)
    with _book_threads_and_own_seed(5105):
        model = VAE(x.shape[1], 4, (32,))
        start, _ = _true_loss(model, x)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        batches = torch.randint(len(x), (steps, 128), generator=seeded(5106))
        try:
            for rows in batches:
                loss = loss_fn(model, x[rows])
                if not isinstance(loss, torch.Tensor) or loss.shape != (len(rows),):
                    got = "None" if loss is None else f"{type(loss).__name__} "
                    got += f"of shape {tuple(loss.shape)}" if isinstance(loss, torch.Tensor) else ""
                    return report(False, name, f"the loss must have shape (B,) = (128,), got {got}")
                optimizer.zero_grad()
                loss.mean().backward()
                optimizer.step()
            own = float(loss_fn(model, x).mean().detach())
        except Exception as err:  # the student's code may raise anything
            return report(False, name, _raised(err))
        end, kl = _true_loss(model, x)
    said = f"after {steps} steps the true -ELBO went from {start:.1f} to {_nats(end)} nats"
    # a failure describes the symptom (what the true -ELBO and the student's loss did),
    # not the term that caused it
    if not math.isfinite(end) or not math.isfinite(own):
        return report(False, name, f"{said}: training diverged")
    if end > 0.6 * start:
        return report(
            False,
            name,
            f"{said} while your loss reads {_nats(own)}: minimizing your loss does not "
            "maximize the ELBO",
        )
    if abs(own - end) > 0.05 * abs(end):
        return report(False, name, f"{said}, but your loss reads {_nats(own)}: it is not -ELBO")
    return report(True, name, f"{said}; KL {kl:.1f} nats, and your loss agrees")
