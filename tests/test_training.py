import pytest
import torch

from aecourse.losses import squared_error
from aecourse.models import Autoencoder
from aecourse.runtime import set_seed
from aecourse.training import evaluate, fit


def mse(model, x):
    return squared_error(model(x), x)


def test_squared_error_matches_mse_loss():
    x_hat, x = torch.randn(4, 3), torch.randn(4, 3)
    expected = torch.nn.functional.mse_loss(x_hat, x, reduction="none").sum(1)
    torch.testing.assert_close(squared_error(x_hat, x), expected)
    with pytest.raises(ValueError, match="same shape"):
        squared_error(torch.zeros(4, 3), torch.zeros(4, 2))
    with pytest.raises(ValueError, match="x contains NaN"):
        squared_error(torch.zeros(2, 2), torch.tensor([[0.0, float("nan")], [0, 0]]))


def data():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(300, 2, generator=g)
    x = z @ torch.randn(2, 8, generator=g)  # data on a 2-D plane in 8-D
    return x[:240], x[240:]


def test_fit_learns_and_records_history():
    x, x_test = data()
    set_seed(0)
    model = Autoencoder(8, 2, activation=None)
    before = evaluate(model, x_test, mse)["loss"]
    history = fit(model, x, mse, x_test=x_test, epochs=40, batch_size=32, lr=1e-2, progress=False)
    assert len(history.train_loss) == len(history.test_loss) == len(history.seconds) == 40
    assert history.test_loss[-1] < 0.01 * before  # a rank-2 linear AE fits rank-2 data
    assert history.test_loss[-1] == pytest.approx(evaluate(model, x_test, mse)["loss"])


def test_history_train_loss_is_the_epoch_mean():
    x, _ = data()
    set_seed(0)
    model = Autoencoder(8, 2)
    # lr tiny: parameters barely move, so the epoch mean equals the loss before training
    before = evaluate(model, x, mse)["loss"]
    history = fit(model, x, mse, epochs=1, batch_size=17, lr=1e-12, progress=False)
    assert history.train_loss[0] == pytest.approx(before, rel=1e-5)


def test_fit_is_repeatable():
    x, x_test = data()
    runs = []
    for _ in range(2):
        set_seed(1)
        model = Autoencoder(8, 2, hidden=[16])
        runs.append(fit(model, x, mse, x_test=x_test, epochs=3, progress=False))
    assert runs[0].train == runs[1].train and runs[0].test == runs[1].test


def test_dict_terms_are_tracked():
    x, x_test = data()

    def loss_fn(model, xb):
        recon = squared_error(model(xb), xb)
        penalty = model.encode(xb).pow(2).sum(1)
        return {"loss": recon + 0.1 * penalty, "recon": recon, "penalty": penalty}

    set_seed(0)
    history = fit(Autoencoder(8, 2), x, loss_fn, x_test=x_test, epochs=2, progress=False)
    assert set(history.train) == set(history.test) == {"loss", "recon", "penalty"}
    for split in (history.train, history.test):
        assert split["loss"][-1] == pytest.approx(split["recon"][-1] + 0.1 * split["penalty"][-1])


def test_bad_loss_fn_and_arguments():
    x, _ = data()
    model = Autoencoder(8, 2)
    with pytest.raises(ValueError, match="one value per example"):
        fit(model, x, lambda m, xb: squared_error(m(xb), xb).mean(), epochs=1, progress=False)
    with pytest.raises(ValueError, match="'loss' key"):
        fit(model, x, lambda m, xb: {"recon": squared_error(m(xb), xb)}, progress=False)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, x, mse, epochs=0)
    with pytest.raises(ValueError, match="lr"):
        fit(model, x, mse, lr=-1.0)
    with pytest.raises(ValueError, match="x_test must have last dimension 8"):
        fit(model, x, mse, x_test=torch.zeros(3, 5))
    with pytest.raises(ValueError, match="x_train contains NaN"):
        fit(model, torch.full((4, 8), float("nan")), mse)
    with pytest.raises(TypeError, match="x_train must be a floating-point"):
        fit(model, x.long(), mse)
