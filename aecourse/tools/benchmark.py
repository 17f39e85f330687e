"""Benchmark the reference VAE's training epoch against the machine's compute bound.

    python -m aecourse.tools.benchmark [--epochs 6] [--rounds 3] [--busy-seconds 60]

The reference model: a VAE with an MLP 784-400-20 encoder (ReLU) and a Bernoulli
decoder, batch 128, Adam with learning rate 1e-3, trained with ``aecourse.training.fit``
on the 4,000 training digits of ``load_dataset("mnist-small")``. One epoch is a
training pass plus a test pass over the 1,000 test digits.

It prints the measured matrix-multiply rate (GFLOP/s) on this machine with 1 and 2
threads, the FLOPs of one epoch, and for each setting the median epoch time and its
ratio to the compute bound (FLOPs / rate), so the figures compare across machines.
The settings are measured in interleaved rounds and the median is reported:

- the default thread setting (``aecourse.runtime.cpu_threads()``, normally 1),
- 2 threads,
- each again while another process keeps one core busy (the benchmark starts that
  busy loop itself, bounded in time, and stops it).

Speed is measured here, never in a timed test.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import torch
from torch import nn

from aecourse.data import load_dataset
from aecourse.runtime import cpu_threads, set_seed, use_threads
from aecourse.training import fit
from aecourse.vae import VAE, vae_loss_fn

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


def epoch_flops(model: nn.Module, n_train: int, n_test: int) -> float:
    """FLOPs of one epoch: forward (2 per multiply-add) and backward (about twice that)."""
    per_example = sum(
        2 * m.in_features * m.out_features for m in model.modules() if isinstance(m, nn.Linear)
    )
    return 3 * per_example * n_train + per_example * n_test


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
    model = VAE(784, LATENT, hidden=(HIDDEN,))
    flops = epoch_flops(model, len(data.x_train), len(data.x_test))
    default = cpu_threads()
    rates = {t: matmul_gflops(t) for t in sorted({1, 2, default})}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads max, default {default}")
    for t, rate in rates.items():
        print(f"matrix multiply, {t} thread(s): {rate:6.1f} GFLOP/s")
    print(f"one epoch: {flops / 1e9:.2f} GFLOP ({flops / 1e9 / 32:.2f} GFLOP per training step)\n")

    settings = [
        ("default", default, False),
        ("2 threads", 2, False),
        ("default, one core busy", default, True),
        ("2 threads, one core busy", 2, True),
    ]
    times: dict[str, list[float]] = {label: [] for label, _, _ in settings}
    for _ in range(args.rounds):  # interleaved, so a slow spell of the machine hits all
        for label, threads, busy in settings:
            load = busy_core(args.busy_seconds) if busy else None
            try:
                times[label].append(epoch_seconds(data, threads, args.epochs))
            finally:
                if load is not None:
                    load.kill()
                    load.wait()
    rows = []
    for label, threads, _ in settings:
        bound = flops / (rates[threads] * 1e9)
        rows.append((label, threads, statistics.median(times[label]), bound))
    use_threads()
    print("| setting | threads | epoch (s) | compute bound (s) | epoch / bound |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, threads, seconds, bound in rows:
        print(f"| {label} | {threads} | {seconds:.3f} | {bound:.3f} | {seconds / bound:.2f} |")
    quiet, busy = rows[0][2], rows[2][2]
    print(f"\ndefault setting under load / quiet: {busy / quiet:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
