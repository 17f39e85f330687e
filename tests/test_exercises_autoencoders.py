"""Exercises of the chapter "Autoencoders": the references against independent
implementations, and every check on a correct answer, the untouched stub, typical wrong
answers (with their specific messages) and its staged hints."""

import math

import numpy as np
import pytest
import torch
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA as SklearnPCA

from aecourse.data import load_dataset, load_mnist
from aecourse.exercises.autoencoders import (
    INDEX_SETTINGS,
    _pca_cases,
    check_index_experiment,
    check_linear_decoder_prediction,
    check_pca_error_from_variances,
    check_training_loop,
    linear_decoder_autoencoder,
    reference_pca_test_error,
    reference_pca_train_error,
    reference_subspace_angle,
)
from aecourse.pca import fit_pca

CHECKS = (
    check_training_loop,
    check_linear_decoder_prediction,
    check_pca_error_from_variances,
    check_index_experiment,
)


@pytest.fixture(autouse=True)
def fresh_hints():
    """Each test starts every check at hint 1 (an Exercise counts its failures)."""
    for check in CHECKS:
        check.failures = 0
    yield


@pytest.fixture(scope="module")
def moons():
    return load_dataset("moons")


@pytest.fixture(scope="module")
def digits():
    return load_mnist()


def _out(capsys):
    return capsys.readouterr().out


# --- references against independent references -------------------------------------------


@pytest.mark.parametrize("d,k", [(2, 1), (5, 2), (9, 4)])
def test_subspace_angle_matches_scipy(d, k):
    g = torch.Generator().manual_seed(d)
    u = torch.randn(d, k, generator=g, dtype=torch.float64)
    v = torch.randn(d, k, generator=g, dtype=torch.float64)
    expected = math.degrees(subspace_angles(u.numpy(), v.numpy()).max())
    assert reference_subspace_angle(u, v) == pytest.approx(expected, abs=1e-9)


def test_subspace_angle_small_angles_and_bad_input():
    u = torch.tensor([[1.0], [0.0]], dtype=torch.float64)
    theta = 1e-6  # radians: arccos in float64 would lose most digits here
    v = torch.tensor([[math.cos(theta)], [math.sin(theta)]], dtype=torch.float64)
    assert reference_subspace_angle(u, v) == pytest.approx(math.degrees(theta), rel=1e-8)
    with pytest.raises(ValueError, match="u and v must have the same shape"):
        reference_subspace_angle(torch.zeros(4, 2), torch.zeros(4, 1))


@pytest.mark.parametrize("k", [0, 1, 3, 5])
def test_pca_train_error_matches_sklearn(k):
    g = torch.Generator().manual_seed(k)
    x = (
        torch.randn(30, 5, generator=g, dtype=torch.float64)
        @ torch.randn(5, 5, generator=g, dtype=torch.float64)
        + 4.0
    )
    if k == 0:
        expected = ((x - x.mean(0)) ** 2).sum(1).mean().item()
    else:
        ref = SklearnPCA(n_components=k, svd_solver="full").fit(x.numpy())
        x_hat = ref.inverse_transform(ref.transform(x.numpy()))
        expected = ((x.numpy() - x_hat) ** 2).sum(axis=1).mean()
    assert reference_pca_train_error(x, k) == pytest.approx(expected, rel=1e-10, abs=1e-20)


def test_pca_train_error_rejects_a_bad_k():
    with pytest.raises(ValueError, match="k must be an int"):
        reference_pca_train_error(torch.zeros(4, 2), 3)


def test_pca_test_error_is_that_of_a_one_component_pca(moons):
    pca = fit_pca(moons.x_train, 1)
    expected = (pca.reconstruct(moons.x_test) - moons.x_test).pow(2).sum(1).mean().item()
    assert reference_pca_test_error(moons.x_train, moons.x_test) == pytest.approx(
        expected, rel=1e-5
    )


def test_the_cases_give_fit_pca_s_variances():
    for x, variances, _, _ in _pca_cases():
        k = min(x.shape)
        torch.testing.assert_close(variances[:k], fit_pca(x, k).explained_variance)


def test_the_linear_decoder_model_has_a_linear_decoder():
    model = linear_decoder_autoencoder()
    h = torch.linspace(-2, 2, 5)[:, None]  # (5, 1) codes
    out = model[1](h).detach()  # (5, 2) on one line: equal steps between neighbours
    steps = out[1:] - out[:-1]
    torch.testing.assert_close(steps, steps[:1].expand_as(steps))


# --- check_training_loop (debug) -------------------------------------------------------------


def _loop(zero_grad: bool):
    def my_train_linear(model, x, steps, lr):
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        losses = []
        for _ in range(steps):
            if zero_grad:
                optimizer.zero_grad()
            loss = (x - model(x)).pow(2).sum(dim=1).mean()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses

    return my_train_linear


def test_training_loop_passes_the_fixed_loop(moons):
    assert check_training_loop(_loop(zero_grad=True), moons.x_train, moons.x_test)


def test_training_loop_stub_diverges_and_hints_come_in_order(moons, capsys):
    stub = _loop(zero_grad=False)
    assert not check_training_loop(stub, moons.x_train, moons.x_test)
    out = _out(capsys)
    assert "❌ training loop: training diverged" in out and "grew without bound" in out
    assert "Hint 1 of 2" in out and "Hint 2 of 2" not in out
    assert ".grad" not in out  # hint 1 is the idea: compare the update with the gradient
    assert not check_training_loop(stub, moons.x_train, moons.x_test)
    assert "Hint 2 of 2" in _out(capsys)
    assert not check_training_loop(stub, moons.x_train, moons.x_test)
    assert "that was the last hint" in _out(capsys)


def test_training_loop_wrong_answers(moons, capsys):
    def too_few_steps(model, x, steps, lr):  # stops early: the loss has not settled
        return _loop(zero_grad=True)(model, x, 3, lr) + [0.0] * (steps - 3)

    assert not check_training_loop(too_few_steps, moons.x_train, moons.x_test)
    assert "PCA's line reaches" in _out(capsys)

    assert not check_training_loop(lambda model, x, steps, lr: None, moons.x_train, moons.x_test)
    assert "return the list of the losses" in _out(capsys)

    def crashes(model, x, steps, lr):
        raise RuntimeError("boom")

    assert not check_training_loop(crashes, moons.x_train, moons.x_test)
    assert "your loop raised RuntimeError: boom" in _out(capsys)

    def uses_the_validating_loss(model, x, steps, lr):  # squared_error raises on NaN
        from aecourse.losses import squared_error

        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        for _ in range(steps):
            squared_error(model(x), x).mean().backward()
            optimizer.step()
        return []

    assert not check_training_loop(uses_the_validating_loss, moons.x_train, moons.x_test)
    assert "training diverged: the model's outputs became infinite or NaN" in _out(capsys)


def test_training_loop_reports_bad_data(capsys):
    assert not check_training_loop(_loop(True), np.zeros((5, 2)), torch.zeros(5, 2))
    assert "x_train must be a 2-D float tensor" in _out(capsys)


# --- check_linear_decoder_prediction (predict) -----------------------------------------------


def test_linear_decoder_prediction(moons, capsys):
    assert not check_linear_decoder_prediction(None, moons.x_train, moons.x_test)
    out = _out(capsys)
    assert "write your prediction" in out and "Hint" not in out  # no hint before thinking
    assert check_linear_decoder_prediction(1.0, moons.x_train, moons.x_test)
    assert "Eckart-Young" in _out(capsys)
    # a guess that the non-linear encoder does most of the work
    assert not check_linear_decoder_prediction(0.1, moons.x_train, moons.x_test)
    out = _out(capsys)
    assert "too low" in out and "decoder's non-linearity" in out and "Hint 1 of 2" in out
    assert not check_linear_decoder_prediction(0.5, moons.x_train, moons.x_test)
    assert "Hint 2 of 2" in _out(capsys)
    assert not check_linear_decoder_prediction("1", moons.x_train, moons.x_test)
    assert "expected a number" in _out(capsys)


# --- check_pca_error_from_variances (derive) -------------------------------------------------


def test_pca_error_from_variances(capsys):
    def solution(variances, code_dim, num_train):
        return (num_train - 1) / num_train * variances[code_dim:].sum()

    assert check_pca_error_from_variances(solution)
    assert "✅" in _out(capsys)

    assert not check_pca_error_from_variances(lambda variances, k, n: None)
    out = _out(capsys)
    assert "your answer is None" in out and "Hint 1 of 2" in out

    # the variances taken as if divided by N: off by N / (N - 1)
    assert not check_pca_error_from_variances(lambda variances, k, n: variances[k:].sum())
    out = _out(capsys)
    assert "a factor that depends only on N" in out and "Hint 2 of 2" in out

    # what the projection keeps instead of what it loses
    assert not check_pca_error_from_variances(lambda variances, k, n: variances[:k].sum())
    assert "the variance the K kept directions carry" in _out(capsys)

    def crashes(variances, k, n):
        raise IndexError("nope")

    assert not check_pca_error_from_variances(crashes)
    assert "raised IndexError: nope" in _out(capsys)
    assert not check_pca_error_from_variances(3.0)
    assert "expected a function" in _out(capsys)


# --- check_index_experiment (experiment) -----------------------------------------------------


def test_index_experiment_refuses_the_stub_and_bad_settings(digits, capsys):
    assert not check_index_experiment(dict(INDEX_SETTINGS), digits.x_train, digits.x_test)
    out = _out(capsys)
    assert "these are the chapter's settings" in out and "Hint 1 of 2" in out
    bad = [
        (None, "my_settings is None"),
        ({"n_train": 64}, "exactly the keys"),
        ({**INDEX_SETTINGS, "epochs": 601}, "over the budget"),
        ({**INDEX_SETTINGS, "n_train": 10**6, "epochs": 1}, "n_train must be between"),
        ({**INDEX_SETTINGS, "hidden": "128"}, "hidden must be a list"),
        ({**INDEX_SETTINGS, "epochs": 2.5}, "epochs must be a positive int"),
    ]
    for settings, message in bad:
        assert not check_index_experiment(settings, digits.x_train, digits.x_test)
        assert message in _out(capsys)


def test_index_experiment_passes_more_digits_and_fails_early_stopping(digits, capsys):
    settings = {"n_train": 2000, "hidden": [128, 128, 128], "epochs": 19}
    assert check_index_experiment(settings, digits.x_train, digits.x_test)
    assert "the code describes digits it never saw" in _out(capsys)
    # stopping early on the same 64 digits gets no further than the mean image
    early = {"n_train": 64, "hidden": [128, 128, 128], "epochs": 60}
    assert not check_index_experiment(early, digits.x_train, digits.x_test)
    assert "the code says little about new digits" in _out(capsys)


def test_checks_never_raise_on_the_notebook_s_slips(capsys):
    assert not check_index_experiment(INDEX_SETTINGS, torch.zeros(5, 3), torch.zeros(5, 3))
    assert "784 columns" in _out(capsys)
    assert not check_linear_decoder_prediction(1.0, torch.zeros(5, 3), torch.zeros(5, 3))
    assert "2 columns" in _out(capsys)
