"""Argument checks shared by the public API: each error names the argument."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import torch

# Scanning a tensor for NaN costs a pass over it and, on a GPU, a wait for the device.
# The training loop checks its data once and turns the scans off for its inner steps.
_scan_values = True


def value_scans_enabled() -> bool:
    """Whether checks should scan tensor values (False inside :func:`skip_value_scans`)."""
    return _scan_values


@contextlib.contextmanager
def skip_value_scans() -> Iterator[None]:
    """Within this block, ``check_tensor`` checks types and shapes but not values."""
    global _scan_values
    previous, _scan_values = _scan_values, False
    try:
        yield
    finally:
        _scan_values = previous


def check_tensor(
    name: str,
    value,
    *,
    ndim: int | None = None,
    last_dim: int | None = None,
    floating: bool = True,
    finite: bool = True,
) -> torch.Tensor:
    """Raise a clear TypeError/ValueError unless ``value`` is a suitable tensor."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if floating and not value.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {value.dtype}")
    if ndim is not None and value.dim() != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {tuple(value.shape)}")
    if last_dim is not None and (value.dim() == 0 or value.shape[-1] != last_dim):
        raise ValueError(
            f"{name} must have last dimension {last_dim}, got shape {tuple(value.shape)}"
        )
    if finite and floating and _scan_values and not bool(torch.isfinite(value).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    return value


def check_same_shape(name_a: str, a: torch.Tensor, name_b: str, b: torch.Tensor) -> None:
    """Raise ValueError unless two tensors have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {tuple(a.shape)} "
            f"and {tuple(b.shape)}"
        )


def check_positive_number(name: str, value, *, allow_zero: bool = False) -> float:
    """Raise unless ``value`` is a finite real number > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return float(value)


def check_positive_int(name: str, value) -> int:
    """Raise unless ``value`` is an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value
