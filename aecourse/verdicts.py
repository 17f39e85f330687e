"""Agreement stated as a verdict against a tolerance, not as raw round-off.

Two computations of the same quantity differ by round-off, and round-off changes
with the CPU, the thread count and the kernels PyTorch picks; a printed
``3.6e-07`` on one machine is ``7.2e-07`` on the next. What stays true everywhere
is the verdict: the difference is below a stated tolerance.
"""

from __future__ import annotations

import numpy as np
import torch

from aecourse._validate import check_positive_number, check_same_shape


def agree(a, b, atol: float, rtol: float = 0.0) -> str:
    """``"max |difference| < 1e-06: True"``: whether every |a - b| <= atol + rtol * |b|.

    ``a`` and ``b`` are tensors (or numbers, or arrays) of the same shape; they are
    compared in float64 on the CPU. The text names the tolerance, so that a reader
    sees what "agree" means; a False in it is a failed check.
    """
    atol = check_positive_number("atol", atol, allow_zero=True)
    rtol = check_positive_number("rtol", rtol, allow_zero=True)
    a, b = _as_float64("a", a), _as_float64("b", b)
    check_same_shape("a", a, "b", b)
    ok = bool(((a - b).abs() <= atol + rtol * b.abs()).all())
    bound = f"{atol:.0e}" + (f" + {rtol:.0e}·|b|" if rtol else "")
    return f"max |difference| < {bound}: {ok}"


def _as_float64(name: str, value) -> torch.Tensor:
    """``value`` (a tensor, an array, a number or a list of numbers) as a float64 CPU tensor."""
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", torch.float64)
    number_like = (np.ndarray, list, tuple, int, float, np.number, np.bool_)
    if not isinstance(value, number_like):
        raise TypeError(
            f"{name} must be a tensor, an array or a number, got {type(value).__name__}"
        )
    try:
        return torch.as_tensor(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError):  # strings or a ragged list
        raise TypeError(f"{name} must hold numbers only, in a regular (not ragged) array") from None
