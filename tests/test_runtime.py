import os
import subprocess
import sys

import pytest
import torch

from aecourse.runtime import cpu_threads, get_device, set_seed, use_threads


def test_set_seed_repeats_random_numbers():
    set_seed(3)
    a = torch.randn(5)
    set_seed(3)
    b = torch.randn(5)
    set_seed(4)
    c = torch.randn(5)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_set_seed_fixes_one_thread(monkeypatch):
    monkeypatch.delenv("AECOURSE_THREADS", raising=False)
    torch.set_num_threads(2)
    set_seed(0)
    assert torch.get_num_threads() == 1


def test_threads_from_environment(monkeypatch):
    monkeypatch.setenv("AECOURSE_THREADS", "2")
    assert cpu_threads() == 2
    monkeypatch.setenv("AECOURSE_THREADS", "zero")
    with pytest.raises(ValueError, match="AECOURSE_THREADS"):
        cpu_threads()
    monkeypatch.setenv("AECOURSE_THREADS", "0")
    with pytest.raises(ValueError, match="AECOURSE_THREADS"):
        cpu_threads()
    monkeypatch.delenv("AECOURSE_THREADS")
    use_threads()


@pytest.mark.parametrize("bad, error", [(0, ValueError), (1.5, TypeError), ("2", TypeError)])
def test_use_threads_rejects_bad_counts(bad, error):
    with pytest.raises(error, match="threads"):
        use_threads(bad)


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (0.5, TypeError), (None, TypeError)])
def test_set_seed_rejects_bad_seeds(bad, error):
    with pytest.raises(error, match="seed"):
        set_seed(bad)


def test_get_device_picks_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.delenv("AECOURSE_DEVICE", raising=False)
    import aecourse.runtime as runtime

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(runtime, "_mps_available", lambda: True)
    assert get_device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert get_device().type == "mps"
    monkeypatch.setattr(runtime, "_mps_available", lambda: False)
    assert get_device().type == "cpu"


def test_get_device_prefer(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert get_device("cpu").type == "cpu"
    with pytest.raises(ValueError, match="prefer"):
        get_device("tpu")
    with pytest.raises(ValueError, match="cuda"):
        get_device("cuda")


SCRIPT = """
import torch
from aecourse.runtime import set_seed
from aecourse.models import Autoencoder
from aecourse.losses import squared_error
from aecourse.training import fit
set_seed(0)
x = torch.randn(512, 64)
model = Autoencoder(64, 8, hidden=[256])
history = fit(model, x, lambda m, xb: squared_error(m(xb), xb), epochs=3, progress=False)
# a long reduction: its result depends on how many threads share the sum
probe = torch.randn(4_000_000).sum()
print(torch.get_num_threads(), repr(history.train_loss), repr(probe.item()))
"""


def _run(**env_vars):
    env = dict(os.environ, **env_vars)
    if "AECOURSE_THREADS" not in env_vars:
        env.pop("AECOURSE_THREADS", None)
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return run.stdout


def test_same_results_whatever_omp_num_threads():
    """The thread policy makes results independent of OMP_NUM_THREADS."""
    one, two = _run(OMP_NUM_THREADS="1"), _run(OMP_NUM_THREADS="2")
    assert one.startswith("1 ")
    assert one == two
    # Control: the probe does notice a different thread count, so the check above
    # would fail if OMP_NUM_THREADS leaked through.
    assert _run(AECOURSE_THREADS="2").split()[-1] != one.split()[-1]
