"""Checks for the exercises of the section "Richer models" (chapter 8).

- :func:`check_best_shared_logvar` (derive): the log-variance log s^2 that maximizes the
  Gaussian log-likelihood of residuals x - x_hat when every pixel shares one variance.
  The student's function is compared, on seeded random (x, x_hat), with a maximizer
  found numerically: L-BFGS on log s^2 with the gradient from autograd (no closed form).
- :func:`check_conditional_decoder` (debug): a hand-written conditional VAE class whose
  decoder never sees the label. The check trains the student's class for 5 epochs on
  (up to 4,000 of) the digits it is given, draws 50 digits of each class from the prior, and classifies
  them by the nearest class mean of the training digits: it passes when the drawn digits
  follow their labels (not when the code looks right).

Each check prints ✅ or ❌ with a message and, on failure, the next staged hint; it
never raises and is deterministic (its own seeds).
"""

from __future__ import annotations

import traceback

import torch

from aecourse.exercises._core import CheckResult, check_function, exercise, report, seeded
from aecourse.gaussian import LOG_2PI, kl_normal_std_normal, reparameterize
from aecourse.losses import bernoulli_log_likelihood
from aecourse.models import VAEOutput, mlp

# --- reference solutions ------------------------------------------------------------


def reference_best_shared_logvar(x: torch.Tensor, x_hat: torch.Tensor) -> torch.Tensor:
    """argmax over log s^2 of sum_{n,d} log N(x_nd; x_hat_nd, s^2), found numerically.

    The objective is written in full and maximized with L-BFGS, using autograd's
    gradient; no closed form is used. Returns a 0-dim tensor.
    """
    x, x_hat = x.double(), x_hat.double()
    logvar = torch.zeros((), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([logvar], lr=1.0, max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        # minus the mean log density of every pixel value under N(x_hat, exp(logvar))
        log_density = -0.5 * (LOG_2PI + logvar + (x - x_hat) ** 2 / torch.exp(logvar))
        loss = -log_density.mean()
        loss.backward()
        return loss

    optimizer.step(closure)
    return logvar.detach().float()


class ReferenceConditionalVAE(torch.nn.Module):
    """The fixed class of the debug exercise: the decoder reads [z, y], K + M inputs."""

    def __init__(self, x_dim: int, num_classes: int, latent_dim: int, hidden: int = 256):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = mlp([x_dim + num_classes, hidden, 2 * latent_dim])
        self.decoder = mlp([latent_dim + num_classes, hidden, x_dim])

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> VAEOutput:
        mu, logvar = self.encoder(torch.cat([x, y], dim=1)).chunk(2, dim=1)
        z = reparameterize(mu, logvar)
        return VAEOutput(z=z, mu=mu, logvar=logvar, x_logits=self.decode(z, y))

    def decode(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.decoder(torch.cat([z, y], dim=1))


# --- checks -------------------------------------------------------------------------


@exercise(
    "derive",
    hints=(
        "With one variance v = s^2 for every pixel, the summed log-likelihood is a function "
        "of the single number v: find where its derivative with respect to v vanishes.",
        "Only two numbers enter that function: how many pixel values there are, and the "
        "sum of their squared residuals. Return the logarithm of the v you find.",
    ),
)
def check_best_shared_logvar(student_fn) -> CheckResult:
    """Exercise: the log s^2 that maximizes sum_{n,d} log N(x_nd; x_hat_nd, s^2); compared,
    on seeded random (x, x_hat), with a numerical maximization (L-BFGS + autograd)."""
    g = seeded(801)
    cases = []
    for batch, dim, scale in ((4, 6, 1.0), (16, 30, 0.1), (50, 784, 0.03)):
        x = torch.rand(batch, dim, generator=g)
        cases.append((x, x + scale * torch.randn(batch, dim, generator=g)))
    return check_function(
        "best_shared_logvar", student_fn, reference_best_shared_logvar, cases, atol=1e-3, rtol=1e-3
    )


def _class_means(x: torch.Tensor, y: torch.Tensor, num_classes: int) -> torch.Tensor:
    return torch.stack([x[y == c].mean(0) for c in range(num_classes)])  # (C, D)


def _train_and_sample(model_class, x, y, num_classes, latent_dim, epochs, per_class):
    """Train ``model_class`` on binarized x (one-hot y) and decode prior samples of each
    class; returns the drawn means (C * per_class, D) and their labels."""
    model = model_class(x.shape[1], num_classes, latent_dim)
    y1 = torch.nn.functional.one_hot(y, num_classes).float()  # (N, C)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    order_gen = seeded(803)
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=order_gen)
        for start in range(0, len(x), 128):
            i = order[start : start + 128]
            xb = torch.bernoulli(x[i])
            out = model(xb, y1[i])
            loss = kl_normal_std_normal(out.mu, out.logvar) - bernoulli_log_likelihood(
                xb, out.x_logits
            )
            optimizer.zero_grad()
            loss.mean().backward()
            optimizer.step()
    labels = torch.arange(num_classes).repeat_interleave(per_class)  # (C * per_class,)
    z = torch.randn(len(labels), latent_dim)  # z ~ p(z)
    with torch.no_grad():
        drawn = torch.sigmoid(
            model.decode(z, torch.nn.functional.one_hot(labels, num_classes).float())
        )
    return drawn, labels


@exercise(
    "debug",
    hints=(
        "Training runs and the loss falls, so look at generation: follow the label from the "
        "arguments of forward and decode to the network that draws the image. Does it arrive?",
        "Write down the two densities a conditional VAE is made of and what each is "
        "conditioned on; then compare them with what the two networks actually receive, "
        "and with the width each network's first layer is built for.",
    ),
)
def check_conditional_decoder(model_class, x: torch.Tensor, y: torch.Tensor) -> CheckResult:
    """Exercise: fix a conditional VAE whose decoder ignores the label.

    Trains ``model_class(x_dim, num_classes, latent_dim)`` (with ``forward(x, y_onehot)``
    returning a VAEOutput and ``decode(z, y_onehot)`` returning logits) for 5 epochs on
    the first 4,000 of ``x`` (grey digits, binarized per batch) with labels ``y``, draws
    50 digits per class from the prior and classifies them by the nearest class mean of
    ``x``. Passes when at least 35% follow their label (chance: 10%).
    """
    name = "conditional_decoder"
    if not isinstance(model_class, type):
        return report(False, name, f"pass the class itself, got {type(model_class).__name__}")
    num_classes, latent_dim = 10, 8
    x, y = x[:4000].detach().cpu().float(), y[:4000].detach().cpu()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(802)
        try:
            drawn, labels = _train_and_sample(model_class, x, y, num_classes, latent_dim, 5, 50)
        except Exception as err:  # the student's code may raise anything
            where = traceback.extract_tb(err.__traceback__)[-1]
            return report(
                False,
                name,
                f"training or sampling your class raised {type(err).__name__}: {err} "
                f"(line {where.lineno})",
            )
    if drawn.shape != (len(labels), x.shape[1]) or not bool(torch.isfinite(drawn).all()):
        return report(
            False, name, f"decode returned shape {tuple(drawn.shape)} or non-finite values"
        )
    predicted = torch.cdist(drawn, _class_means(x, y, num_classes)).argmin(dim=1)
    accuracy = (predicted == labels).float().mean().item()
    said = (
        f"{accuracy:.0%} of the digits drawn for a chosen label are nearest to that class's "
        f"mean digit (chance: {1 / num_classes:.0%})"
    )
    if accuracy >= 0.35:
        return report(True, name, f"{said}: the decoder draws the digit you ask for")
    return report(False, name, f"{said}: the label does not steer what the decoder draws")
