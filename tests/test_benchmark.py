"""The benchmark's work counts (its timings are measured by the script, never here)."""

from __future__ import annotations

import math

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from aecourse.data import Dataset
from aecourse.tools import benchmark


@pytest.fixture(scope="module")
def small_data():
    # 300 training digits = 2 full batches of 128 and one of 44; one test batch.
    x = torch.rand(400, 784)
    y = torch.zeros(400, dtype=torch.int64)
    return Dataset("random", x[:300], y[:300], x[300:], y[300:], (28, 28))


def closed_form_flops(n_train: int, n_test: int) -> int:
    """FLOPs of the reference VAE by hand: 2 per multiply-add.

    Forward: 784->400, 400->2*20 (mu and logvar), 20->400, 400->784. Backward: the
    weight gradients cost as much as the forward pass; the input gradients too,
    except for the first layer, whose input (the data) needs none.
    """
    layers = [(784, 400), (400, 40), (20, 400), (400, 784)]
    forward = sum(2 * a * b for a, b in layers)
    input_grads = forward - 2 * 784 * 400
    return n_train * (2 * forward + input_grads) + n_test * forward


def test_flop_count_matches_the_closed_form(small_data):
    assert benchmark.epoch_flops(small_data) == closed_form_flops(300, 100)


def test_recorded_matmuls_hold_all_the_epochs_flops(small_data):
    calls = benchmark.epoch_matmuls(small_data)
    steps = math.ceil(300 / benchmark.BATCH)
    # Per step 4 forward products (mu and logvar come from one 400 -> 40 layer) and 7
    # backward ones: 4 weight gradients, 3 input gradients (none for the first
    # layer); 4 forward products for the one test batch.
    assert len(calls) == steps * (4 + 7) + 4
    counter = FlopCounterMode(display=False)
    with counter:
        floor = benchmark.matmul_floor(calls, threads=1, repeats=1)
    assert counter.get_total_flops() == closed_form_flops(300, 100)
    assert 0 < floor < 10


def test_plain_loop_model_computes_the_same_loss_as_aecourse():
    from aecourse.models import VAE
    from aecourse.objectives import vae_loss_fn

    model = VAE(784, benchmark.LATENT, hidden=(benchmark.HIDDEN,))
    plain = benchmark.PlainVAE()
    with torch.no_grad():
        for mine, theirs in zip(plain.parameters(), model.parameters(), strict=True):
            mine.copy_(theirs)
    x = torch.rand(5, 784)
    torch.manual_seed(3)
    expected = vae_loss_fn()(model, x)["loss"]
    torch.manual_seed(3)  # the same noise eps for the reparameterization
    torch.testing.assert_close(plain(x), expected)
