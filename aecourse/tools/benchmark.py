"""Benchmark the reference VAE's training epoch against the machine's compute bound.

    python -m aecourse.tools.benchmark [--epochs 6] [--rounds 3] [--busy-seconds 60]

The reference model: a VAE with an MLP 784-400-20 encoder (ReLU) and a Bernoulli
decoder, batch 128, Adam with learning rate 1e-3, trained with ``aecourse.training.fit``
on the 4,000 training digits of ``load_dataset("mnist-small")``. One epoch is a
training pass plus a test pass over the 1,000 test digits.

It prints the measured matrix-multiply rate (GFLOP/s) on this machine with 1 and 2
threads, the FLOPs of one epoch, and for each setting the median epoch time and its
ratio to two floors, so the figures compare across machines:

- the compute bound, FLOPs / rate, with the rate of one (128 x 784) @ (784 x 400)
  product (the definition the speed targets use);
- the matrix-multiply floor: every matrix product of one real epoch (forward,
  backward and test pass, recorded while training and replayed with the same shapes
  and memory layouts), timed alone. No loop can be faster than this on the machine.

FLOPs are counted by ``torch.utils.flop_counter.FlopCounterMode`` on a real epoch.
The settings are measured in interleaved rounds and the median is reported:

- the default thread setting (``aecourse.runtime.cpu_threads()``, normally 1),
- 2 threads,
- each again while another process keeps one core busy (the benchmark starts that
  busy loop itself, bounded in time, and stops it),
- a plain in-memory loop written with bare torch (no aecourse code), default
  threads: what ``fit`` costs on top of the arithmetic.

Speed is measured here, never in a timed test.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

from aecourse.data import load_dataset
from aecourse.models import VAE
from aecourse.objectives import vae_loss_fn
from aecourse.runtime import cpu_threads, set_seed, use_threads
from aecourse.training import fit

BATCH, HIDDEN, LATENT = 128, 400, 20


def matmul_gflops(threads: int, seconds: float = 1.0) -> float:
    """Measured rate of float32 matrix multiplies of the model's sizes, in GFLOP/s."""
    use_threads(threads)
    a, b = torch.randn(BATCH, 784), torch.randn(784, HIDDEN)
    best = 0.0
    for _ in range(5):  # the best of five windows: the machine's rate, not its noise
        flops, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 5:
            for _ in range(20):
                torch.mm(a, b)
            flops += 20 * 2 * BATCH * 784 * HIDDEN
        best = max(best, flops / (time.perf_counter() - start) / 1e9)
    return best


class MatmulRecorder(TorchDispatchMode):
    """Records every matrix product (``aten.mm``/``aten.addmm``) run inside the block,
    forward and backward, with its operands' shapes and strides."""

    MATMULS = (torch.ops.aten.mm.default, torch.ops.aten.addmm.default)

    def __init__(self):
        super().__init__()
        self.calls: list[tuple] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in self.MATMULS:
            layout = tuple((tuple(a.shape), a.stride()) for a in args)
            self.calls.append((func, layout, tuple(sorted(kwargs.items()))))
        return func(*args, **kwargs)


def train_one_epoch(data) -> None:
    """One epoch of the reference setting (used to record and count its work)."""
    set_seed(0)
    model = VAE(784, LATENT, hidden=(HIDDEN,))
    loss_fn = vae_loss_fn()
    fit(
        model, data.x_train, loss_fn, x_test=data.x_test, batch_size=BATCH, progress=False, epochs=1
    )


def epoch_flops(data) -> int:
    """FLOPs of one epoch, counted by torch's own FLOP counter on a real epoch."""
    counter = FlopCounterMode(display=False)
    with counter:
        train_one_epoch(data)
    return counter.get_total_flops()


def epoch_matmuls(data) -> list[tuple]:
    """Every matrix product of one real epoch: (op, operand layouts, keyword args)."""
    recorder = MatmulRecorder()
    with recorder:
        train_one_epoch(data)
    return recorder.calls


def matmul_floor(calls: list[tuple], threads: int, repeats: int = 5) -> float:
    """Seconds to run the matrix products ``calls`` alone (best of ``repeats``)."""
    use_threads(threads)
    operands: dict[tuple, torch.Tensor] = {}  # one random tensor per shape and layout
    for _, layout, _ in calls:
        for shape, stride in layout:
            if (shape, stride) not in operands:
                operands[shape, stride] = torch.empty_strided(shape, stride).normal_()
    replay = [
        (func, [operands[key] for key in layout], dict(kwargs)) for func, layout, kwargs in calls
    ]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for func, args, kwargs in replay:
            func(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best


def epoch_seconds(data, threads: int, epochs: int) -> float:
    """Median epoch time of the reference VAE, after one warm-up epoch."""
    set_seed(0)  # (also applies the default thread policy, so set the threads after it)
    use_threads(threads)
    model = VAE(784, LATENT, hidden=(HIDDEN,))
    loss_fn = vae_loss_fn()
    history = fit(
        model,
        data.x_train,
        loss_fn,
        x_test=data.x_test,
        epochs=epochs + 1,
        batch_size=BATCH,
        lr=1e-3,
        progress=False,
    )
    return statistics.median(history.seconds[1:])


class PlainVAE(nn.Module):
    """The reference VAE written with bare torch, for the plain-loop comparison."""

    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(784, HIDDEN)
        self.heads = nn.Linear(HIDDEN, 2 * LATENT)
        self.decoder = nn.Sequential(nn.Linear(LATENT, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 784))

    def forward(self, x):
        """Minus the one-sample ELBO of each example, (B,)."""
        mu, logvar = self.heads(torch.relu(self.hidden(x))).chunk(2, dim=-1)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        logits = self.decoder(z)
        recon = (F.softplus(logits) - x * logits).sum(-1)
        return recon + 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(-1)


def plain_epoch_seconds(data, threads: int, epochs: int) -> float:
    """Median epoch time of a plain in-memory loop without aecourse (same work as ``fit``)."""
    set_seed(0)
    use_threads(threads)
    model = PlainVAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    generator = torch.Generator().manual_seed(0)
    x_train, x_test = data.x_train, data.x_test
    seconds = []
    for _ in range(epochs + 1):
        start = time.perf_counter()
        order = torch.randperm(len(x_train), generator=generator)
        total = torch.zeros(())
        for first in range(0, len(x_train), BATCH):
            loss = model(x_train[order[first : first + BATCH]])
            optimizer.zero_grad(set_to_none=True)
            loss.mean().backward()
            optimizer.step()
            total += loss.detach().sum()
        with torch.no_grad():
            for first in range(0, len(x_test), 1000):
                total += model(x_test[first : first + 1000]).sum()
        float(total)  # one read-back per epoch, as in fit
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds[1:])


def busy_core(seconds: float) -> subprocess.Popen:
    """Keep one core busy for at most ``seconds`` in another process."""
    loop = f"import time\nend = time.time() + {seconds}\nwhile time.time() < end: pass\n"
    return subprocess.Popen([sys.executable, "-c", loop])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6, help="measured epochs per setting")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--busy-seconds", type=float, default=60.0, help="bound on each busy loop")
    args = parser.parse_args(argv)

    data = load_dataset("mnist-small")
    flops = epoch_flops(data)
    calls = epoch_matmuls(data)
    default = cpu_threads()
    thread_counts = sorted({1, 2, default})
    rates = {t: matmul_gflops(t) for t in thread_counts}
    floors = {t: matmul_floor(calls, t) for t in thread_counts}
    steps = -(-len(data.x_train) // BATCH)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads max, default {default}")
    for t in thread_counts:
        print(
            f"{t} thread(s): matrix multiply {rates[t]:6.1f} GFLOP/s; the epoch's "
            f"{len(calls)} matrix products alone take {floors[t]:.3f} s"
        )
    print(
        f"one epoch: {flops / 1e9:.2f} GFLOP ({steps} training steps and a test pass; "
        f"counted by torch.utils.flop_counter)\n"
    )

    settings = [
        ("default", default, False),
        ("2 threads", 2, False),
        ("default, one core busy", default, True),
        ("2 threads, one core busy", 2, True),
        ("plain loop, no aecourse", default, False),
    ]
    times: dict[str, list[float]] = {label: [] for label, _, _ in settings}
    for _ in range(args.rounds):  # interleaved, so a slow spell of the machine hits all
        for label, threads, busy in settings:
            measure = plain_epoch_seconds if label.startswith("plain") else epoch_seconds
            load = busy_core(args.busy_seconds) if busy else None
            try:
                times[label].append(measure(data, threads, args.epochs))
            finally:
                if load is not None:
                    load.kill()
                    load.wait()
    rows = []
    for label, threads, _ in settings:
        bound = flops / (rates[threads] * 1e9)
        rows.append((label, threads, statistics.median(times[label]), bound, floors[threads]))
    use_threads()
    print(
        "| setting | threads | epoch (s) | compute bound (s) | epoch / bound "
        "| matmul floor (s) | epoch / floor |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, threads, seconds, bound, floor in rows:
        print(
            f"| {label} | {threads} | {seconds:.3f} | {bound:.3f} | {seconds / bound:.2f} "
            f"| {floor:.3f} | {seconds / floor:.2f} |"
        )
    quiet, busy = rows[0][2], rows[2][2]
    print(f"\ndefault setting under load / quiet: {busy / quiet:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
