"""Argument checks shared by the public API: each error names the argument."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence

import numpy as np
import torch

# Scanning a tensor for NaN costs a pass over it and, on a GPU, a wait for the device.
# The training loop scans the first batch of each run (so a value outside a loss's
# range is caught there) and turns the scans off for the batches after it.
_scan_values = True


def value_scans_enabled() -> bool:
    """Whether checks should scan tensor values (False inside ``value_scans(False)``)."""
    return _scan_values


@contextlib.contextmanager
def value_scans(enabled: bool) -> Iterator[None]:
    """Within this block ``check_tensor`` (and every range check that asks
    :func:`value_scans_enabled`) scans tensor values only if ``enabled``; types and
    shapes are always checked."""
    global _scan_values
    previous, _scan_values = _scan_values, bool(enabled)
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
    allow_empty: bool = False,
) -> torch.Tensor:
    """Raise a clear TypeError/ValueError unless ``value`` is a suitable tensor.

    By default the tensor must be floating, finite and hold at least one number.
    """
    if not isinstance(value, torch.Tensor):
        hint = " (convert with torch.as_tensor(..., dtype=torch.float32))"
        hint = hint if isinstance(value, (np.ndarray, list, tuple)) else ""
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}{hint}")
    if floating and not value.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {value.dtype}")
    if ndim is not None and value.dim() != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {tuple(value.shape)}")
    if last_dim is not None and (value.dim() == 0 or value.shape[-1] != last_dim):
        raise ValueError(
            f"{name} must have last dimension {last_dim}, got shape {tuple(value.shape)}"
        )
    if not allow_empty and value.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(value.shape)}): pass at least one value")
    if finite and floating and _scan_values and not _all_finite(value):
        raise ValueError(f"{name} contains NaN or infinite values")
    return value


def _all_finite(value: torch.Tensor) -> bool:
    try:
        return bool(torch.isfinite(value).all())
    except RuntimeError:  # inside torch.func.vmap values cannot be read: nothing to scan
        return True


def check_same_shape(name_a: str, a: torch.Tensor, name_b: str, b: torch.Tensor) -> None:
    """Raise ValueError unless two tensors have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {tuple(a.shape)} "
            f"and {tuple(b.shape)}"
        )


def check_same_dtype(name: str, x: torch.Tensor, reference_name: str, reference_dtype) -> None:
    """Raise TypeError unless ``x.dtype`` is ``reference_dtype`` (a model's parameters, say)."""
    if x.dtype != reference_dtype:
        convert = {torch.float32: ".float()", torch.float64: ".double()"}.get(reference_dtype)
        how = f"convert with {name}{convert}" if convert else f"convert with {name}.to(...)"
        raise TypeError(
            f"{name} has dtype {x.dtype} but {reference_name} are {reference_dtype}: {how}"
        )


def is_int(value) -> bool:
    """True for Python and NumPy integers, False for bools."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_int(name: str, value, minimum: int | None = None) -> int:
    """Raise unless ``value`` is an integer (Python or NumPy) >= ``minimum``; return an int."""
    if not is_int(value):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_positive_number(name: str, value, *, allow_zero: bool = False) -> float:
    """Raise unless ``value`` is a finite real number > 0 (or >= 0)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return float(value)


def check_positive_int(name: str, value) -> int:
    """Raise unless ``value`` is an int (Python or NumPy) >= 1; return it as an int."""
    return check_int(name, value, minimum=1)


def check_std(name: str, std, mu) -> torch.Tensor:
    """Raise unless ``mu`` is a (D,) tensor and ``std`` a (D,) tensor of positive values."""
    check_tensor("mu", mu, ndim=1)
    check_tensor(name, std, ndim=1, last_dim=mu.shape[0])
    if bool((std <= 0).any()):
        raise ValueError(
            f"{name} must be positive (a standard deviation), got min {float(std.min()):.4g}"
        )
    return std


def check_scale_tril(name: str, scale_tril, dim: int | None = None) -> torch.Tensor:
    """Raise unless ``scale_tril`` is a (D, D) lower-triangular matrix with a positive
    diagonal (a Cholesky factor L of Sigma = L L^T)."""
    check_tensor(name, scale_tril, ndim=2)
    rows, cols = scale_tril.shape
    if rows != cols or (dim is not None and rows != dim):
        want = f"({dim}, {dim})" if dim is not None else "square"
        raise ValueError(f"{name} must be {want}, got shape {tuple(scale_tril.shape)}")
    if bool((scale_tril.triu(1) != 0).any()):
        raise ValueError(f"{name} must be lower triangular (entries above the diagonal are not 0)")
    if bool((scale_tril.diagonal() <= 0).any()):
        raise ValueError(
            f"{name} must have a positive diagonal, got {scale_tril.diagonal().tolist()}"
        )
    return scale_tril


def check_open_unit(name: str, value) -> torch.Tensor:
    """A float tensor (or number) whose entries all lie strictly inside (0, 1)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number or a tensor, got bool")
    if isinstance(value, (int, float, np.integer, np.floating)):
        value = torch.tensor(float(value))
    check_tensor(name, value)
    # inside fit/evaluate only the first batch is scanned (no device sync per step)
    if value_scans_enabled() and not bool(((value > 0) & (value < 1)).all()):
        bad = value[(value <= 0) | (value >= 1)].flatten()[0].item()
        raise ValueError(
            f"{name} must lie strictly between 0 and 1 (a Bernoulli mean; use a sigmoid "
            f"code layer), got {bad:.6g}"
        )
    return value


def check_latent_dims(dims, latent_dim: int) -> list[int]:
    """``dims`` is a non-empty sequence of latent coordinates 0..latent_dim-1."""
    if isinstance(dims, (str, bytes)) or not isinstance(dims, (Sequence, range)):
        raise TypeError(f"dims must be a list of latent coordinates, got {type(dims).__name__}")
    dims = [check_int("dims", d, minimum=0) for d in dims]
    if not dims:
        raise ValueError("dims is empty: pass at least one latent coordinate")
    if max(dims) >= latent_dim:
        raise ValueError(f"dims must be < latent_dim = {latent_dim}, got {max(dims)}")
    return dims


def check_generator(name: str, generator) -> None:
    """Raise unless ``generator`` is ``None`` or a ``torch.Generator``."""
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            f"{name} must be None or a torch.Generator (e.g. torch.Generator().manual_seed(0)), "
            f"got {type(generator).__name__}"
        )


def check_callable(name: str, value, what: str) -> None:
    """Raise a TypeError unless ``value`` is callable; ``what`` says what it should be."""
    if not callable(value):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__}")


def check_dim(name: str, dim, ndim: int) -> int:
    """Raise unless ``dim`` is an int that indexes a tensor with ``ndim`` dimensions."""
    if not is_int(dim):
        raise TypeError(f"{name} must be an int, got {type(dim).__name__}")
    if not -ndim <= dim < ndim:
        raise ValueError(f"{name} must be in [-{ndim}, {ndim}), got {dim}")
    return int(dim)


def check_float_dtype(name: str, dtype) -> torch.dtype:
    """Raise unless ``dtype`` is a floating-point ``torch.dtype``."""
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(
            f"{name} must be a floating-point torch.dtype such as torch.float64, got {dtype!r}"
        )
    return dtype


def check_image_shape(image_shape, size: int | None = None, what: str = "") -> tuple[int, int]:
    """``image_shape`` as (H, W), two positive ints; with ``size``, H * W must equal it
    (``what`` says where ``size`` comes from, e.g. "model.data_dim")."""
    if isinstance(image_shape, (str, bytes)) or not isinstance(image_shape, (Sequence, np.ndarray)):
        raise TypeError(f"image_shape must be a pair (H, W), got {type(image_shape).__name__}")
    if len(image_shape) != 2:
        raise ValueError(f"image_shape must be a pair (H, W), got {tuple(image_shape)}")
    height, width = (check_positive_int("image_shape", side) for side in image_shape)
    if size is not None and height * width != size:
        raise ValueError(
            f"image_shape {(height, width)} holds H * W = {height * width} pixels but {what} = "
            f"{size}: pass the (H, W) of one image, with H * W = {size}"
        )
    return height, width
