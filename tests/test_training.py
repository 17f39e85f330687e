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


# --- a training loop that refuses garbage ------------------------------------------------


def test_a_nan_loss_stops_fit_naming_the_epoch_and_the_term():
    x, _ = data()

    def nan_after_a_while(model, xb):
        recon = squared_error(model(xb), xb)
        return {"loss": recon, "penalty": recon * float("nan")}

    with pytest.raises(FloatingPointError, match=r"'penalty' is nan .*epoch 1 of 3"):
        fit(Autoencoder(8, 2), x, nan_after_a_while, epochs=3, progress=False)


def test_a_diverging_learning_rate_stops_fit():
    x, _ = data()
    set_seed(0)
    with pytest.raises(FloatingPointError, match=r"'loss' is (nan|inf) .*epoch \d+ of 20.*lr"):
        fit(Autoencoder(8, 2, hidden=[16]), x * 100, mse, epochs=20, lr=1e6, progress=False)


def test_a_non_finite_test_loss_names_the_test_data():
    x, x_test = data()

    def nan_in_eval(model, xb):
        recon = squared_error(model(xb), xb)
        return recon if model.training else recon * float("inf")

    with pytest.raises(FloatingPointError, match="test data after epoch 1 of 2"):
        fit(Autoencoder(8, 2), x, nan_in_eval, x_test=x_test, epochs=2, progress=False)
    with pytest.raises(FloatingPointError, match=r"'loss' is inf on x \(60 examples\)"):
        evaluate(Autoencoder(8, 2), x_test, nan_in_eval)


def test_value_checks_run_on_the_first_batch_inside_fit_and_evaluate():
    from aecourse.models import VAE
    from aecourse.objectives import sparse_loss, vae_loss_fn

    x = torch.randn(64, 2) * 3  # standardized two-moons-like points: outside [0, 1]
    with pytest.raises(ValueError, match=r"x must lie in \[0, 1\]"):
        fit(VAE(2, 1, hidden=[8]), x, vae_loss_fn(), epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"x must lie in \[0, 1\]"):
        evaluate(VAE(2, 1, hidden=[8]), torch.full((4, 2), 3.0), vae_loss_fn())
    # a code that is not in [0, 1] (no sigmoid on the code) cannot carry a Bernoulli KL
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        fit(Autoencoder(2, 4), x, sparse_loss(rho=0.05, lam=1.0), epochs=1, progress=False)


def test_the_value_checks_are_on_again_after_fit():
    from aecourse._validate import value_scans_enabled

    x, _ = data()
    fit(Autoencoder(8, 2), x, mse, epochs=1, progress=False)
    assert value_scans_enabled()


def test_evaluate_restores_the_mode_when_loss_fn_raises():
    x, _ = data()
    model = Autoencoder(8, 2)
    model.train()

    def broken(model, xb):
        raise RuntimeError("broken loss")

    with pytest.raises(RuntimeError, match="broken loss"):
        evaluate(model, x, broken)
    assert model.training


class Empty(torch.nn.Module):
    def forward(self, x):
        return x


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"loss_fn": "mse"}, TypeError, r"loss_fn must be a function.*got str"),
        ({"model": mse}, TypeError, r"model must be a torch.nn.Module.*got function"),
        ({"model": Empty()}, ValueError, r"model \(Empty\) has no parameters"),
        ({"optimizer": "adam"}, TypeError, r"optimizer must be a torch.optim.Optimizer.*str"),
        ({"seed": "0"}, TypeError, "seed must be an int, got str"),
        ({"seed": -1}, ValueError, "seed must be >= 0"),
        ({"seed": 1.5}, TypeError, "seed must be an int, got float"),
        ({"epochs": 2.0}, TypeError, "epochs must be an int"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        ({"lr": float("nan")}, ValueError, "lr must be finite"),
        ({"lr": "1e-3"}, TypeError, "lr must be a number"),
        ({"desc": 3}, TypeError, "desc must be a str"),
        ({"x_train": torch.zeros(0, 8)}, ValueError, r"x_train is empty \(shape \(0, 8\)\)"),
        ({"x_test": torch.zeros(0, 8)}, ValueError, r"x_test is empty"),
        ({"x_train": torch.zeros(10, 5)}, ValueError, "x_train must have last dimension 8"),
        ({"x_train": torch.zeros(10)}, ValueError, "x_train must have 2 dimensions"),
        ({"x_train": [[0.0] * 8]}, TypeError, "x_train must be a torch.Tensor, got list"),
        (
            {"x_train": torch.zeros(10, 8, dtype=torch.float64)},
            TypeError,
            r"x_train has dtype torch.float64 but the model's parameters are torch.float32: "
            r"convert with x_train.float\(\)",
        ),
        (
            {"x_test": torch.zeros(10, 8, dtype=torch.float64)},
            TypeError,
            r"x_test has dtype torch.float64",
        ),
        ({"x_train": torch.full((4, 8), float("inf"))}, ValueError, "x_train contains NaN or inf"),
    ],
)
def test_fit_checks_its_arguments(kwargs, error, message):
    x, _ = data()
    args = {"model": Autoencoder(8, 2), "x_train": x, "loss_fn": mse, **kwargs}
    model, x_train, loss_fn = args.pop("model"), args.pop("x_train"), args.pop("loss_fn")
    with pytest.raises(error, match=message):
        fit(model, x_train, loss_fn, epochs=args.pop("epochs", 1), progress=False, **args)


def test_fit_refuses_an_optimizer_of_another_model():
    x, _ = data()
    model, other = Autoencoder(8, 2), Autoencoder(8, 2)
    optimizer = torch.optim.SGD(other.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="optimizer holds none of the model's parameters"):
        fit(model, x, mse, optimizer=optimizer, epochs=1, progress=False)


def test_fit_accepts_an_optimizer_of_part_of_the_model():
    x, _ = data()
    model = Autoencoder(8, 2)
    before = model.encoder[0].weight.detach().clone()
    optimizer = torch.optim.SGD(model.decoder.parameters(), lr=0.1)
    fit(model, x, mse, optimizer=optimizer, epochs=1, progress=False)
    assert torch.equal(model.encoder[0].weight, before)  # only the decoder was trained


def test_fit_refuses_a_loss_that_does_not_reach_the_parameters():
    x, _ = data()
    with pytest.raises(ValueError, match=r"does not depend on the model's parameters.*detach"):
        fit(Autoencoder(8, 2), x, lambda m, xb: mse(m, xb).detach(), epochs=1, progress=False)
    with pytest.raises(
        TypeError, match=r"floating-point values; term 'loss' has dtype torch.int64"
    ):
        fit(Autoencoder(8, 2), x, lambda m, xb: mse(m, xb).long(), epochs=1, progress=False)
    with pytest.raises(ValueError, match="one value per example"):
        fit(Autoencoder(8, 2), x, lambda m, xb: 1.0, epochs=1, progress=False)


def test_fit_takes_numpy_integers_like_ints():
    import numpy as np

    x, _ = data()
    runs = []
    for seed, epochs in ((3, 2), (np.int64(3), np.int32(2))):
        set_seed(seed)
        runs.append(fit(Autoencoder(8, 2), x, mse, epochs=epochs, seed=seed, progress=False))
    assert runs[0].train == runs[1].train


def test_data_on_another_device_than_the_model():
    x, _ = data()
    model = Autoencoder(8, 2).to("meta")
    with pytest.raises(ValueError, match="x_train is on cpu but the model is on meta"):
        fit(model, x, mse, epochs=1, progress=False)


def test_evaluate_checks_its_arguments():
    x, _ = data()
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        evaluate("model", x, mse)
    with pytest.raises(TypeError, match="loss_fn must be a function"):
        evaluate(Autoencoder(8, 2), x, None)
    with pytest.raises(ValueError, match="x is empty"):
        evaluate(Autoencoder(8, 2), torch.zeros(0, 8), mse)
    with pytest.raises(TypeError, match="x has dtype torch.float64"):
        evaluate(Autoencoder(8, 2), x.double(), mse)


def test_models_explain_a_dtype_mismatch():
    from aecourse.models import VAE

    x = torch.zeros(3, 8, dtype=torch.float64)
    with pytest.raises(TypeError, match=r"x has dtype torch.float64.*x.float\(\)"):
        Autoencoder(8, 2)(x)
    with pytest.raises(TypeError, match=r"h has dtype torch.float64"):
        Autoencoder(8, 2).decode(torch.zeros(3, 2, dtype=torch.float64))
    with pytest.raises(TypeError, match=r"x has dtype torch.float64"):
        VAE(8, 2, hidden=[4])(x)
    with pytest.raises(TypeError, match=r"z has dtype torch.float64"):
        VAE(8, 2, hidden=[4]).decode(torch.zeros(3, 2, dtype=torch.float64))
    assert Autoencoder(8, 2).double()(x).dtype == torch.float64  # a float64 model is fine


def test_evaluate_takes_a_model_without_parameters():
    x, _ = data()
    assert evaluate(torch.nn.Identity(), x, mse) == {"loss": 0.0}
    with pytest.raises(ValueError, match=r"model \(Identity\) has no parameters"):
        fit(torch.nn.Identity(), x, mse, epochs=1, progress=False)
