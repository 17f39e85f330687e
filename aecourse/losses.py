"""Loss functions: pure functions that return one value per example, shape (B,).

The batch is reduced once, at the call site (``loss = squared_error(x_hat, x).mean()``).
"""

from __future__ import annotations

import torch

from aecourse._validate import check_same_shape, check_tensor


def squared_error(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Squared reconstruction error ||x - x_hat||^2, summed over dimensions.

    Shapes: ``x_hat`` and ``x`` are (B, D); returns (B,).
    """
    check_tensor("x_hat", x_hat, ndim=2, finite=False)
    check_tensor("x", x, ndim=2)
    check_same_shape("x_hat", x_hat, "x", x)
    return (x - x_hat).pow(2).sum(dim=1)
