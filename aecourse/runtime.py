"""Seeds, device choice and the CPU thread policy.

Why a thread policy?  On a CPU, torch splits a matrix multiply across OpenMP
threads, and the split changes the order in which floating-point numbers are
added.  The same seed then gives results that differ in the last digits with 1
and with 2 threads.  Worse, two threads on a two-core machine whose other core is
busy were measured 30x slower, because each step waits for the slower thread.
The book therefore fixes the number of threads itself (default: 1), whatever
``OMP_NUM_THREADS`` says, so that printed results are identical everywhere and
training stays fast on a busy laptop.  Set the environment variable
``AECOURSE_THREADS`` to use more threads (results may then change in the last
digits).
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from aecourse._validate import check_int, check_positive_int

#: Threads used by default on the CPU (see the module docstring).
DEFAULT_THREADS = 1


def cpu_threads() -> int:
    """The number of CPU threads the book uses: ``AECOURSE_THREADS`` or 1."""
    raw = os.environ.get("AECOURSE_THREADS", "")
    if not raw:
        return DEFAULT_THREADS
    try:
        threads = int(raw)
    except ValueError:
        raise ValueError(f"AECOURSE_THREADS must be a positive integer, got {raw!r}") from None
    if threads < 1:
        raise ValueError(f"AECOURSE_THREADS must be a positive integer, got {raw!r}")
    return threads


def use_threads(threads: int | None = None) -> int:
    """Fix the CPU thread count (default: :func:`cpu_threads`) of torch's intra-op pool
    and of the BLAS and OpenMP pools that NumPy and scikit-learn use (threadpoolctl), so
    that a classifier fitted on a busy machine does not oversubscribe its cores."""
    if threads is None:
        threads = cpu_threads()
    threads = check_positive_int("threads", threads)
    torch.set_num_threads(threads)
    threadpool_limits(limits=threads)  # stays in force: not used as a context manager
    return threads


def set_seed(seed: int = 0) -> None:
    """Seed Python, NumPy and torch, and apply the thread policy.

    The thread count is part of reproducibility on a CPU (it changes the order of
    floating-point sums), so it is fixed here too.
    """
    seed = check_int("seed", seed, minimum=0)
    if seed >= 2**32:  # NumPy's seeds are 32-bit
        raise ValueError(f"seed must be < 2**32 (NumPy's limit), got {seed}")
    use_threads()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds the CPU and every CUDA device


def get_device(prefer: str | None = None) -> torch.device:
    """The best available device: ``cuda``, then ``mps``, then ``cpu``.

    ``prefer`` (or the environment variable ``AECOURSE_DEVICE``) forces one, e.g.
    ``get_device("cpu")`` on a GPU machine.
    """
    prefer = prefer or os.environ.get("AECOURSE_DEVICE") or None
    if prefer is not None:
        if prefer not in ("cuda", "mps", "cpu"):
            raise ValueError(f"prefer must be 'cuda', 'mps' or 'cpu', got {prefer!r}")
        if prefer == "cuda" and not torch.cuda.is_available():
            raise ValueError("prefer='cuda' but no CUDA device is available")
        if prefer == "mps" and not _mps_available():
            raise ValueError("prefer='mps' but no MPS device is available")
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())
