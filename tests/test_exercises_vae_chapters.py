"""Every exercise check of the chapters "Training a VAE" and "Generating new data":
the reference solution passes, a wrong answer and an unfinished stub fail with a
helpful message, and nothing raises."""

import math

import pytest
import torch

from aecourse.exercises import generating_data, training_a_vae
from aecourse.gaussian import kl_normal_std_normal
from aecourse.losses import bernoulli_log_likelihood


def stub(*args):
    return None  # an unfinished exercise


# --- "Generating new data" (aecourse.exercises.generating_data) ---------------------------


def _reset_generating_data_hints():
    for name in generating_data.__all__:
        if name.startswith("check_"):
            getattr(generating_data, name).failures = 0


@pytest.fixture
def fresh_generating_data_hints():
    """The hint stage is a property of each check: start these tests at hint 1."""
    _reset_generating_data_hints()
    yield
    _reset_generating_data_hints()


@pytest.fixture(scope="module")
def small_vaes():
    """Two VAEs (K = 8 and K = 2) trained briefly on binarized digits, and test digits."""
    from aecourse.data import binarize, load_mnist
    from aecourse.models import VAE
    from aecourse.objectives import vae_loss_fn
    from aecourse.runtime import set_seed
    from aecourse.training import fit

    set_seed(0)  # also one CPU thread: fast on a busy machine
    data = load_mnist()
    x_test = binarize(data.x_test[:100], generator=torch.Generator().manual_seed(0))
    models = {}
    for k in (8, 2):
        set_seed(0)
        models[k] = VAE(data.dim, k, (64,))
        fit(models[k], data.x_train, vae_loss_fn(binarize=True), epochs=3, lr=5e-3, progress=False)
        models[k].requires_grad_(False)
    return models, x_test


def test_generating_data_checks_are_exercises_of_their_kinds():
    from aecourse.exercises._core import Exercise

    kinds = {
        "check_norm_sq_moments": "derive",
        "check_typical_path": "implement",
        "check_iwae_bound": "debug",
        "check_iwae_gain_prediction": "predict",
    }
    for name, kind in kinds.items():
        check = getattr(generating_data, name)
        assert isinstance(check, Exercise) and check.kind == kind and len(check.hints) >= 2


def test_norm_sq_moments(assert_passes, assert_fails, fresh_generating_data_hints):
    check = generating_data.check_norm_sq_moments
    assert_passes(check, generating_data.reference_norm_sq_moments, "correct on 4")

    def std_of_the_norm_scaled_by_sqrt_v(a, k):  # scales the standard deviation by sqrt(var)
        v = (1 - a) ** 2 + a**2
        return v * k, math.sqrt(v) * math.sqrt(2 * k)

    def line_keeps_the_norm(a, k):  # no shrinking in the middle
        return k, math.sqrt(2 * k)

    def as_tensors(a, k):
        v = torch.tensor((1 - a) ** 2 + a**2)
        return v * k, v * math.sqrt(2 * k)

    assert_passes(check, as_tensors)
    assert_fails(check, stub, "your answer is None", "Hint 1 of 2")
    assert_fails(check, std_of_the_norm_scaled_by_sqrt_v, "expected", "Hint 2 of 2")
    assert_fails(check, line_keeps_the_norm, "expected", "last hint")
    assert_fails(check, lambda a, k: k, "shape")
    assert_fails(check, lambda a, k: 1 / 0, "raised ZeroDivisionError")


def straight_line(z0, z1, alpha):  # the notebook's stub
    alpha = alpha[:, None]
    return (1 - alpha) * z0 + alpha * z1


def test_typical_path(assert_passes, assert_fails, fresh_generating_data_hints):
    check = generating_data.check_typical_path
    assert_passes(check, generating_data.reference_typical_path, "stays among codes")

    def slerp(z0, z1, alpha):
        alpha = alpha[:, None]
        angle = torch.arccos(z0 @ z1 / (z0.norm() * z1.norm()))
        return (torch.sin((1 - alpha) * angle) * z0 + torch.sin(alpha * angle) * z1) / torch.sin(
            angle
        )

    def jump(z0, z1, alpha):  # every point a prior draw, but no path
        return torch.where(alpha[:, None] < 0.5, z0, z1)

    assert_passes(check, slerp)
    assert_fails(check, straight_line, "aim for 80 %", "Hint 1 of 2")
    assert_fails(check, jump, "jumps", "Hint 2 of 2")
    assert_fails(check, lambda z0, z1, a: straight_line(z0, z1, a) * 1.2, "start at z0")
    assert_fails(check, lambda z0, z1, a: z0, "expected a path of shape")
    assert_fails(check, stub, "expected a path of shape")
    assert_fails(check, lambda z0, z1, a: 1 / 0, "raised ZeroDivisionError")


def mean_of_log_weights(model, x, k):  # the notebook's stub: the ELBO for every k
    from aecourse.estimators import importance_log_weights

    log_w = importance_log_weights(model, x, k)
    log_w_max = log_w.max(dim=0).values
    return log_w_max + (log_w - log_w_max).mean(dim=0)


def test_iwae_bound(small_vaes, capsys, fresh_generating_data_hints):
    from aecourse.estimators import importance_log_weights

    models, x = small_vaes
    check = generating_data.check_iwae_bound

    def underflows(model, x, k):
        return torch.log(torch.exp(importance_log_weights(model, x, k)).mean(0))

    def largest_weight(model, x, k):  # rises with k, but above L_k
        return importance_log_weights(model, x, k).max(dim=0).values

    state = torch.get_rng_state()
    assert bool(check(generating_data.reference_iwae_bound, models[8], x)) is True
    assert capsys.readouterr().out.startswith("✅ iwae_bound")
    assert torch.equal(torch.get_rng_state(), state)  # the notebook's random state is kept
    for answer, words in [
        (mean_of_log_weights, ["L_k must rise with k", "Hint 1 of 2"]),
        (underflows, ["NaN or infinite", "Hint 2 of 2"]),
        (largest_weight, ["at k = 50 it differs"]),
        (lambda model, x, k: importance_log_weights(model, x, k), ["shape (100,)"]),
        (stub, ["one bound per digit"]),
        (lambda model, x, k: 1 / 0, ["raised ZeroDivisionError"]),
    ]:
        assert bool(check(answer, models[8], x)) is False
        out = capsys.readouterr().out
        assert out.startswith("❌") and all(w in out for w in words), out


def test_iwae_gain_prediction(small_vaes, capsys, fresh_generating_data_hints):
    import re

    models, x = small_vaes
    check = generating_data.check_iwae_gain_prediction
    state = torch.get_rng_state()
    assert bool(check(None, models[2], models[8], x)) is False
    out = capsys.readouterr().out
    assert "write your prediction" in out and "Hint" not in out  # no hint before thinking
    assert bool(check(1.0, models[2], models[8], x)) is False  # "the same gain"
    out = capsys.readouterr().out
    assert "too high" in out and "Hint 1 of 2" in out and "nats for K = 2" in out
    assert torch.equal(torch.get_rng_state(), state)  # the notebook's random state is kept
    measured = float(re.search(r"the experiment gave ([-\d.]+)", out).group(1))
    assert 0.25 < measured < 0.75  # the K = 2 model gains less, but not nothing
    assert bool(check(0.0, models[2], models[8], x)) is False  # "no gain"
    out = capsys.readouterr().out
    assert "too low" in out and "Hint 2 of 2" in out
    assert bool(check(measured + 0.15, models[2], models[8], x)) is True
    assert capsys.readouterr().out.startswith("✅ iwae_gain")
    assert bool(check("three", models[2], models[8], x)) is False
    assert "expected a number" in capsys.readouterr().out


# --- "Training a VAE" (aecourse.exercises.training_a_vae) ---------------------------------


@pytest.fixture
def fresh_vae_hints():
    """The hint stage is a property of each check: start these tests at hint 1."""
    checks = [
        training_a_vae.check_kl_gradients,
        training_a_vae.check_decoder_std,
        training_a_vae.check_informative_dims,
        training_a_vae.check_vae_loss,
    ]
    for check in checks:
        check.failures = 0
    yield
    for check in checks:
        check.failures = 0


def test_vae_kl_gradients(assert_fails, assert_passes, fresh_vae_hints):
    check = training_a_vae.check_kl_gradients
    assert_passes(check, training_a_vae.reference_kl_gradients, "✅ kl_gradients")

    def student(mu, logvar):  # written from the derivative of (5.2)
        return mu, 0.5 * (torch.exp(logvar) - 1)

    def sigma_as_variable(mu, logvar):  # the derivative with respect to sigma, not logvar
        std = torch.exp(0.5 * logvar)
        return mu, std - 1 / std

    def forgets_one_half(mu, logvar):
        return mu, logvar.exp() - 1

    assert_passes(check, student)
    assert_fails(check, stub, "None", "Hint 1 of 2", "term by term")
    assert_fails(check, sigma_as_variable, "gradient for logvar", "Hint 2 of 2", "one half")
    assert_fails(check, forgets_one_half, "gradient for logvar", "last hint")
    assert_fails(check, lambda mu, logvar: mu, "return a pair")


def buggy_vae_loss(model, x):  # the notebook's stub: the KL enters with the wrong sign
    mu, logvar = model.encode(x)
    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    elbo = bernoulli_log_likelihood(x, model.decode(z)) + kl_normal_std_normal(mu, logvar)
    return -elbo


def test_vae_loss_check(assert_fails, assert_passes, capsys, fresh_vae_hints):
    check = training_a_vae.check_vae_loss
    assert_passes(check, training_a_vae.reference_vae_loss, "✅ vae_loss", "your loss agrees")

    def detached_sample(model, x):  # the encoder gets no gradient from the reconstruction
        mu, logvar = model.encode(x)
        z = (mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)).detach()
        return -bernoulli_log_likelihood(x, model.decode(z)) + kl_normal_std_normal(mu, logvar)

    def mean_over_batch(model, x):  # one number instead of one per example
        return training_a_vae.reference_vae_loss(model, x).mean()

    assert_fails(check, None, "expected a function", "hints come after your first attempt")
    assert_fails(check, buggy_vae_loss, "does not maximize the ELBO", "Hint 1 of 2")
    assert_fails(check, detached_sample, "does not maximize the ELBO", "Hint 2 of 2", "sign")
    # the failure describes the symptom, not the culprit: the message before the hint
    # says what the true -ELBO and the student's loss did, and never names the KL
    training_a_vae.check_vae_loss(buggy_vae_loss)
    symptom = capsys.readouterr().out.split("Hint")[0]
    assert "true -ELBO went from" in symptom and "your loss reads" in symptom
    assert "KL" not in symptom, symptom
    assert_fails(check, mean_over_batch, "shape (B,)")
    assert_fails(check, lambda model, x: None, "got None")


def test_vae_decoder_std(capsys, fresh_vae_hints):
    from aecourse.data import load_mnist

    data = load_mnist()
    check = training_a_vae.check_decoder_std
    assert bool(check(0.25, data.x_train, data.x_test)) is True
    assert capsys.readouterr().out.startswith("✅ decoder_std")
    for s, words in [
        (None, "set s"),
        (0.1, "try a larger s"),
        (1.0, "try a smaller s"),
        ("0.3", "expected a number"),
        (-1.0, "between 0.01 and 10"),
    ]:
        assert bool(check(s, data.x_train, data.x_test)) is False
        out = capsys.readouterr().out
        assert out.startswith("❌") and words in out, (s, out)
    assert "Hint 2 of 2" in out


def test_vae_informative_dims(capsys, fresh_vae_hints):
    from aecourse.models import VAE

    torch.manual_seed(0)
    model = VAE(12, 6, (16,))
    with torch.no_grad():  # q(z|x) = N((1, 1, 0, 0, 0, 0), I): KL 0.5 in two dimensions, else 0
        last = model.encoder[-1]
        last.weight.zero_()
        last.bias.zero_()
        last.bias[:2] = 1.0
    x = torch.rand(200, 12)
    check = training_a_vae.check_informative_dims
    assert bool(check(2, model, x)) is True
    out = capsys.readouterr().out
    assert out.startswith("✅ informative_dims") and "2 carry more than 0.1 nats" in out
    for prediction, words in [
        (None, "write your prediction"),
        (20, "Hint 1 of 2"),  # 18 too high
        ("2", "average digit"),  # hint 2: price the beta = 1 code
    ]:
        assert bool(check(prediction, model, x)) is False
        out = capsys.readouterr().out
        assert out.startswith("❌") and words in out, (prediction, out)
    assert bool(check(6, model, x)) is True  # within 4
    assert bool(check(7, model, x)) is False  # 5 off


def test_vae_checks_never_raise(assert_fails, fresh_vae_hints):
    def broken(*args):
        raise RuntimeError("oops")

    for check in [training_a_vae.check_kl_gradients, training_a_vae.check_vae_loss]:
        assert_fails(check, broken, "raised RuntimeError: oops")
